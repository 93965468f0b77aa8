package redact

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"testing"
)

// writeString must write what encoding/json writes (HTML escaping off), so
// a redacted document is valid JSON whatever its strings hold.
func TestWriteStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", `quo"te`, `back\slash`, "nl\ncr\rtab\t", "\x00\x01\x1f\x7f", "<html>&",
		"é日本", "\u2028\u2029", "bad\xffutf8\xc3", "[REDACTED:secret-key]"}
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rng.Intn(24))
		for j := range b {
			b[j] = byte(rng.Intn(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		writeString(&got, s)
		if got.String() != want.String()[:want.Len()-1] {
			t.Fatalf("%q: got %s want %s", s, got.String(), want.String())
		}
	}
}
