package redact

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// cleanDocs are documents in which values recur, as they do across a
// node's container specs: each streamDocs document with its records twice
// (the second copy's strings all come from the set), and hand-made lists
// where a value first seen clean comes back where it is a secret.
func cleanDocs(t testing.TB) map[string][]byte {
	docs := map[string][]byte{}
	for name, doc := range streamDocs(t) {
		docs[name+"/twice"] = []byte(`{"first": ` + string(doc) + `, "again": ` + string(doc) + `}`)
	}
	// The same string under a plain key, then under a secret key, as a
	// CRI env pair's value, after an argv flag, after --user, inside an
	// authorization header and as a program's password argument: the
	// set is asked only where the text rules would be, so each of the
	// later ones is still a secret.
	docs["recurring-secret"] = []byte(`[` +
		`{"note": "Zebra7-quartz-99"}, {"password": "Zebra7-quartz-99"},` +
		`{"envs": [{"key": "DB_PASSWORD", "value": "Zebra7-quartz-99"}]},` +
		`{"args": ["app", "--token", "Zebra7-quartz-99"]},` +
		`{"args": ["app", "--user", "bob:Zebra7-quartz-99"]}, {"note": "bob:Zebra7-quartz-99"},` +
		`{"Authorization": "Bearer Zebra7-quartz-99"}, {"note": "Bearer Zebra7-quartz-99"},` +
		`{"args": ["mysql", "-pZebra7-quartz-99"]}, {"note": "-pZebra7-quartz-99"}]`)
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

// TestCleanSetChangesNothing: a document redacted with the set of clean
// values gives the bytes and the hits (rules, counts, JSON pointers) it
// gives without it.
func TestCleanSetChangesNothing(t *testing.T) {
	r := newR(t, Config{})
	for name, doc := range cleanDocs(t) {
		t.Run(name, func(t *testing.T) {
			compareCleanSet(t, r, doc)
		})
	}
}

func compareCleanSet(t *testing.T, r *Redactor, doc []byte) {
	t.Helper()
	var hw, ho hits
	got, okW := r.redactJSONDocWith(doc, &hw, &cleanSet{})
	want, okO := r.redactJSONDocWith(doc, &ho, nil)
	if okW != okO || !bytes.Equal(got, want) {
		t.Fatalf("with the set %v %q\nwithout %v %q", okW, tailAt(got, want), okO, tailAt(want, got))
	}
	if !reflect.DeepEqual(hw, ho) {
		t.Fatalf("hits with the set %+v\nwithout %+v", hw, ho)
	}
}

// TestCleanSetRecurringSecret: the hand-made documents are redacted where
// they should be (so the comparison above is of documents with hits).
// The "note" values are the same strings as plain text, which the rules
// keep, all but the bearer token; each one comes before or after the
// value where it is a secret, and the secret goes in both orders.
func TestCleanSetRecurringSecret(t *testing.T) {
	docs := cleanDocs(t)
	r := newR(t, Config{})
	out, n := r.Bytes("f.json", JSON, docs["recurring-secret"])
	if kept := strings.Count(string(out), "Zebra7-quartz-99"); kept != 3 || n != 7 {
		t.Errorf("%d replacements and %d values kept, want the 7 secrets and the 3 plain notes:\n%s", n, kept, out)
	}
	out, n = r.Bytes("g.json", JSON, docs["recurring-hit"])
	if strings.Contains(string(out), "Zebra7-quartz-99") || n != 50 {
		t.Errorf("%d replacements of the 50 recurring DSN passwords:\n%.300s", n, out)
	}
}

// TestCleanSetBounded: unique values never make the set hold more than
// maxCleanBytes, and it still answers for what it holds.
func TestCleanSetBounded(t *testing.T) {
	var c cleanSet
	for i := range 100_000 {
		c.add(fmt.Sprintf("value-%08d-%s", i, strings.Repeat("x", 40)))
		if c.bytes > maxCleanBytes {
			t.Fatalf("after %d values the set holds %d bytes", i+1, c.bytes)
		}
	}
	last := fmt.Sprintf("value-%08d-%s", 99_999, strings.Repeat("x", 40))
	if !c.has(last) || c.has("value-x") {
		t.Fatal("the set lost its last value or holds one never added")
	}
	long := strings.Repeat("y", maxCleanLen+1)
	c.add(long)
	if c.has(long) {
		t.Fatal("a value over maxCleanLen was remembered")
	}
	var none *cleanSet
	none.add("a")
	if none.has("a") {
		t.Fatal("a nil set remembered a value")
	}
}

// TestCleanSetKeepsItsOwnCopy: the streamed paths reuse the parser's
// input from record to record; a remembered value must not change with it.
func TestCleanSetKeepsItsOwnCopy(t *testing.T) {
	var c cleanSet
	buf := []byte("capability CAP_CHOWN")
	c.add(view(buf))
	copy(buf, "XXXXXXXXXXXXXXXXXXXX")
	if !c.has("capability CAP_CHOWN") || c.has("XXXXXXXXXXXXXXXXXXXX") {
		t.Fatal("the set's value changed with the buffer it was read from")
	}
}

// FuzzCleanSet: any document, its records repeated, redacts the same with
// and without the set.
func FuzzCleanSet(f *testing.F) {
	for _, doc := range cleanDocs(f) {
		if len(doc) < 8192 {
			f.Add(doc)
		}
	}
	r := newR(f, Config{})
	f.Fuzz(func(t *testing.T, doc []byte) {
		compareCleanSet(t, r, append(append([]byte("["), doc...), append([]byte(","), append(doc, ']')...)...))
	})
}
