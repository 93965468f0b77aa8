package redact

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// streamCorpus has, per line-wise kind, input with secrets that span lines
// (PEM, YAML blocks, TOML multi-line strings, name/value pairs).
var streamCorpus = map[Kind]string{
	Text: "start\nDB_PASSWORD=Summer2024! level=info\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n" +
		"GET / Authorization: Bearer abcdef0123456789\nplain line sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1\nno newline at end",
	Env:       "PWD=/root\nAPI_KEY=k3y-value\nHTTPS_PROXY=http://u:p4ss@proxy:3128\n",
	YAML:      "env:\n  - name: DB_PASSWORD\n    value: YamlPair1\nstringData:\n  password: |\n    BlockSecret\n  other: x\n",
	TOML:      "[a.auth]\n  username = \"bob\"\n  password = \"TomlPw\"\n[b]\n  token = \"\"\"\nMultiTok\n\"\"\"\n  port = 1\n",
	JSONLines: "{\"MESSAGE\":\"token=JlTok1\"}\n{\"key\":\"X_SECRET\",\"value\":\"JlPair\"}\nnot json password=JlPw\n",
}

func TestStreamingEqualsBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for kind, in := range streamCorpus {
		r := newR(t, Config{})
		want, n := r.Bytes("whole", kind, []byte(in))
		if n == 0 {
			t.Fatalf("%v: nothing redacted", kind)
		}
		for round := 0; round < 20; round++ {
			var buf bytes.Buffer
			w := r.NewWriter("stream", kind, &buf)
			for rest := []byte(in); len(rest) > 0; {
				k := 1 + rng.Intn(len(rest))
				if _, err := w.Write(rest[:k]); err != nil {
					t.Fatal(err)
				}
				rest = rest[k:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Fatalf("%v: streaming differs:\nstream: %q\nbytes:  %q", kind, buf.String(), want)
			}
		}
		rep := r.Report()
		if len(rep.Files) != 2 || rep.Files[1].Total*20 != rep.Files[0].Total {
			t.Errorf("%v: stream and whole counted differently: %+v", kind, rep.Files)
		}
		for i, rh := range rep.Files[0].Rules {
			if fmt.Sprint(rh.Lines) != fmt.Sprint(rep.Files[1].Rules[i].Lines) {
				t.Errorf("%v: stream lines %v, whole lines %v", kind, rh.Lines, rep.Files[1].Rules[i].Lines)
			}
		}
	}
}

// smallWriter has a tiny line cap so long-line handling is testable.
func smallWriter(r *Redactor, w *bytes.Buffer, max, window int) *lineWriter {
	lw := r.NewWriter("long.txt", Text, w).(*lineWriter)
	lw.lineMax, lw.window = max, window
	return lw
}

func TestLongLinesNeverLeak(t *testing.T) {
	r := newR(t, Config{})
	// A secret near the cap is kept whole by cutting at the space before it.
	var out bytes.Buffer
	lw := smallWriter(r, &out, 64, 32)
	in := strings.Repeat("x", 40) + " password=CutHere123 and more words after it, and more and more\n"
	lw.Write([]byte(in))
	lw.Close()
	if strings.Contains(out.String(), "CutHere") || strings.Contains(out.String(), "123") {
		t.Fatalf("secret at the cap leaked: %q", out.String())
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("a long line became several: %q", out.String())
	}

	// A base64 private key far longer than the cap, with no separator.
	key := "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF" + strings.Repeat("QUJD", 200)
	out.Reset()
	lw = smallWriter(r, &out, 64, 16)
	for i := 0; i < len(key); i += 7 {
		lw.Write([]byte(key[i:min(i+7, len(key))]))
		if len(lw.buf) >= lw.lineMax {
			t.Fatalf("buffer grew to %d", len(lw.buf))
		}
	}
	lw.Write([]byte(" tail\n"))
	lw.Close()
	if strings.Contains(out.String(), "QUJD") || !strings.HasSuffix(out.String(), " tail\n") {
		t.Fatalf("huge key leaked or tail lost: %q", out.String())
	}

	// The same at the real cap: a 3 MiB secret value.
	out.Reset()
	w := r.NewWriter("big.txt", Text, &out)
	w.Write([]byte("token="))
	chunk := bytes.Repeat([]byte("Zz9"), 1<<16)
	for i := 0; i < 16; i++ {
		w.Write(chunk)
	}
	w.Write([]byte("\nnext line\n"))
	w.Close()
	if bytes.Contains(out.Bytes(), []byte("Zz9")) || !strings.HasSuffix(out.String(), "\nnext line\n") {
		t.Fatalf("3 MiB secret leaked (%d bytes out)", out.Len())
	}
	if out.Len() > 1000 {
		t.Fatalf("output %d bytes: pieces not replaced whole", out.Len())
	}
}

func TestTrailingMarkerRule(t *testing.T) {
	for in, want := range map[string]string{
		"x [REDACTED:jwt]":             "jwt",
		`k="[PSEUDO:secret-key:0a1b]"`: "secret-key",
		"x [REDACTED:jwt] y":           "",
		"plain]":                       "",
	} {
		if got := trailingMarkerRule(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
