package redact

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// memoDocs are documents in which values recur, as they do across a
// node's container specs: each streamDocs document with its records twice
// (the second copy's strings all come from the set), and hand-made lists
// where a value first seen clean comes back where it is a secret.
func memoDocs(t testing.TB) map[string][]byte {
	docs := map[string][]byte{}
	for name, doc := range streamDocs(t) {
		docs[name+"/twice"] = []byte(`{"first": ` + string(doc) + `, "again": ` + string(doc) + `}`)
	}
	// The same string under a plain key, then under a secret key, as a
	// CRI env pair's value, after an argv flag, after --user, inside an
	// authorization header and as a program's password argument: the
	// memo is asked only where the text rules would be, so each of the
	// later ones is still a secret. The key "password" comes back too,
	// its verdict then from the memo.
	docs["recurring-secret"] = []byte(`[` +
		`{"note": "Zebra7-quartz-99"}, {"password": "Zebra7-quartz-99"},` +
		`{"envs": [{"key": "DB_PASSWORD", "value": "Zebra7-quartz-99"}]},` +
		`{"args": ["app", "--token", "Zebra7-quartz-99"]},` +
		`{"args": ["app", "--user", "bob:Zebra7-quartz-99"]}, {"note": "bob:Zebra7-quartz-99"},` +
		`{"Authorization": "Bearer Zebra7-quartz-99"}, {"note": "Bearer Zebra7-quartz-99"},` +
		`{"args": ["mysql", "-pZebra7-quartz-99"]}, {"note": "-pZebra7-quartz-99"},` +
		`{"password": "Yak-mango-4711"}, {"password": "Zebra7-quartz-99"}]`)
	// A value with a hit is redacted (and counted) every time.
	var b strings.Builder
	b.WriteString(`{"items": [`)
	for i := range 50 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"i": %d, "dsn": "postgres://app:Zebra7-quartz-99@db:5432/app", "path": "/var/run/secrets/kubernetes.io/serviceaccount"}`, i)
	}
	b.WriteString(`]}`)
	docs["recurring-hit"] = []byte(b.String())
	return docs
}

// TestWalkMemoChangesNothing: a document redacted with the walk's memo
// gives the bytes and the hits (rules, counts, JSON pointers) it gives
// without it.
func TestWalkMemoChangesNothing(t *testing.T) {
	r := newR(t, Config{})
	for name, doc := range memoDocs(t) {
		t.Run(name, func(t *testing.T) {
			compareWalkMemo(t, r, doc)
		})
	}
}

func compareWalkMemo(t *testing.T, r *Redactor, doc []byte) {
	t.Helper()
	var hw, ho hits
	got, okW := r.redactJSONDocWith(doc, &hw, &walkMemo{})
	want, okO := r.redactJSONDocWith(doc, &ho, nil)
	if okW != okO || !bytes.Equal(got, want) {
		t.Fatalf("with the memo %v %q\nwithout %v %q", okW, tailAt(got, want), okO, tailAt(want, got))
	}
	if !reflect.DeepEqual(hw, ho) {
		t.Fatalf("hits with the memo %+v\nwithout %+v", hw, ho)
	}
}

// TestWalkMemoRecurringSecret: the hand-made documents are redacted where
// they should be (so the comparison above is of documents with hits).
// The "note" values are the same strings as plain text, which the rules
// keep, all but the bearer token; each one comes before or after the
// value where it is a secret, and the secret goes in both orders.
func TestWalkMemoRecurringSecret(t *testing.T) {
	docs := memoDocs(t)
	r := newR(t, Config{})
	out, n := r.Bytes("f.json", JSON, docs["recurring-secret"])
	if kept := strings.Count(string(out), "Zebra7-quartz-99"); kept != 3 || n != 9 || strings.Contains(string(out), "Yak-mango") {
		t.Errorf("%d replacements and %d values kept, want the 9 secrets and the 3 plain notes:\n%s", n, kept, out)
	}
	out, n = r.Bytes("g.json", JSON, docs["recurring-hit"])
	if strings.Contains(string(out), "Zebra7-quartz-99") || n != 50 {
		t.Errorf("%d replacements of the 50 recurring DSN passwords:\n%.300s", n, out)
	}
}

// TestStringMemoBounded: unique strings never make a memo hold more than
// maxMemoBytes, and it still answers for what it holds.
func TestStringMemoBounded(t *testing.T) {
	var c stringMemo[bool]
	for i := range 100_000 {
		c.put(fmt.Sprintf("value-%08d-%s", i, strings.Repeat("x", 40)), i%2 == 0)
		if c.bytes > maxMemoBytes {
			t.Fatalf("after %d strings the memo holds %d bytes", i+1, c.bytes)
		}
	}
	last := fmt.Sprintf("value-%08d-%s", 99_999, strings.Repeat("x", 40))
	if v, ok := c.get(last); !ok || v {
		t.Fatalf("the memo's last string: %v, %v; want false, true", v, ok)
	}
	if _, ok := c.get("value-x"); ok {
		t.Fatal("the memo holds a string never put")
	}
	long := strings.Repeat("y", maxMemoLen+1)
	c.put(long, true)
	if _, ok := c.get(long); ok {
		t.Fatal("a string over maxMemoLen was remembered")
	}
	var w jsonWalker // no memo: nothing remembered
	w.rememberClean("a")
	if w.knownClean("a") {
		t.Fatal("a walker without a memo remembered a value")
	}
}

// TestStringMemoKeepsItsOwnCopy: the streamed paths reuse the parser's
// input from record to record; a remembered string must not change with it.
func TestStringMemoKeepsItsOwnCopy(t *testing.T) {
	var c stringMemo[struct{}]
	buf := []byte("capability CAP_CHOWN")
	c.put(view(buf), struct{}{})
	copy(buf, "XXXXXXXXXXXXXXXXXXXX")
	_, kept := c.get("capability CAP_CHOWN")
	_, changed := c.get("XXXXXXXXXXXXXXXXXXXX")
	if !kept || changed {
		t.Fatal("the memo's string changed with the buffer it was read from")
	}
}

// FuzzWalkMemo: any document, repeated, redacts the same with and without
// the walk's memo.
func FuzzWalkMemo(f *testing.F) {
	for _, doc := range memoDocs(f) {
		if len(doc) < 8192 {
			f.Add(doc)
		}
	}
	r := newR(f, Config{})
	f.Fuzz(func(t *testing.T, doc []byte) {
		compareWalkMemo(t, r, append(append([]byte("["), doc...), append([]byte(","), append(doc, ']')...)...))
	})
}
