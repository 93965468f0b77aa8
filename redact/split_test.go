package redact

import (
	"bytes"
	"strings"
	"testing"
)

// TestSecretSplitAtEveryOffset: a document holding secrets, written to the
// streaming writer in two pieces split at every byte offset, comes out as
// Bytes gives it and holds none of the secrets, in every line-wise kind.
func TestSecretSplitAtEveryOffset(t *testing.T) {
	r := newR(t, Config{})
	secrets := []string{"Harbor7q!ZX", "ghp_Zq8rT2mN4vB6xC1kL9pW3sD5fG7hJ0aE2yU4", "hvs.CAESIJkR2f8Qp1mZx7W3nB5vC9tY6uH4oK2lE0aS8dF1gG3", "s3cr/et:pw"}
	doc := "PATH=/usr/bin\nDB_PASSWORD=" + secrets[0] + "\n" +
		`{"log":"token ` + secrets[1] + `\n","stream":"stdout"}` + "\n" +
		"VAULT_TOKEN=" + secrets[2] + "\n" +
		"HTTPS_PROXY=http://u:" + secrets[3] + "@proxy.internal:3128\n"
	for _, k := range []Kind{Text, Env, YAML, TOML, JSONLines} {
		want, _ := r.Bytes("f", k, []byte(doc))
		for _, s := range secrets {
			if bytes.Contains(want, []byte(s)) {
				t.Fatalf("%v: Bytes leaves %q: %s", k, s, want)
			}
		}
		for cut := 0; cut <= len(doc); cut++ {
			var out bytes.Buffer
			w := r.NewWriter("f", k, &out)
			w.Write([]byte(doc[:cut]))
			w.Write([]byte(doc[cut:]))
			w.Close()
			if out.String() != string(want) {
				for _, s := range secrets {
					if strings.Contains(out.String(), s) {
						t.Fatalf("%v cut at %d leaks %q: %s", k, cut, s, out.String())
					}
				}
				t.Fatalf("%v cut at %d: stream %q, Bytes %q", k, cut, out.String(), want)
			}
		}
	}
}
