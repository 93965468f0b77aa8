package clitools

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// The ordered JSON tree is hand-written: differential against
// encoding/json, which must agree on every valid document (same bytes once
// compacted) and on which documents are invalid.
func FuzzNodeRoundTrip(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,2,{"b":null}],"c":"\u00e9\u2028<>&","d":-1.5e300}`,
		`{"image":{"image":"x","userSpecifiedImage":"","runtimeHandler":""},"stopSignal":"SIGTERM"}`, `[`, `{"a":}`, `"x"`, `1e999`, `{"a":1}{"b":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		n, err := decodeNode(dec)
		if !json.Valid([]byte(in)) {
			// encoding/json refuses it; the tree may read a valid prefix
			// (a stream of values) but never more than one value.
			return
		}
		if err != nil {
			t.Fatalf("valid JSON %q refused: %v", in, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return // trailing data after one value: not a document protojson writes
		}
		var got, want bytes.Buffer
		n.encode(&got)
		if err := json.Compact(&want, []byte(in)); err != nil {
			t.Fatal(err)
		}
		ga, gb := canonical(t, got.Bytes()), canonical(t, want.Bytes())
		if !bytes.Equal(ga, gb) {
			t.Fatalf("round trip of %q: %s, want %s", in, ga, gb)
		}
	})
}

// canonical is the document re-marshalled with numbers kept as written.
func canonical(t *testing.T, doc []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", doc, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The CRI log reader never panics, never prints more lines than it read,
// and honours --tail.
func FuzzCRILog(f *testing.F) {
	f.Add("2026-11-24T09:00:00Z stdout F ok\n2026-11-24T09:00:01Z stdout P a\n2026-11-24T09:00:02Z stdout F b\n", int64(1))
	f.Add("garbage\n\n  \n2026 x", int64(-1))
	f.Add("2026-11-24T09:00:00Z stderr F \x00\xff\n", int64(0))
	f.Fuzz(func(t *testing.T, data string, tail int64) {
		var out bytes.Buffer
		n, err := writeCRILog(&out, []byte(data), tail, true, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if n > strings.Count(data, "\n")+1 || (tail >= 0 && int64(n) > tail) {
			t.Fatalf("%d lines printed from %q (tail %d)", n, data, tail)
		}
	})
}
