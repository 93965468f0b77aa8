package capped

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriterKeepsTheStart(t *testing.T) {
	var b bytes.Buffer
	w := &Writer{W: &b, Left: 10}
	for _, s := range []string{"abcd", "efghij", "klmn", ""} {
		n, err := w.Write([]byte(s))
		if n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v: want the whole input reported written", s, n, err)
		}
	}
	if got := b.String(); got != "abcdefghij" {
		t.Fatalf("kept %q, want the first 10 bytes", got)
	}
}

func TestWriterBoundsAHugeStream(t *testing.T) {
	var b strings.Builder
	w := &Writer{W: &b, Left: StderrBytes}
	chunk := []byte(strings.Repeat("x", 1000))
	for i := 0; i < 10000; i++ {
		w.Write(chunk)
	}
	if b.Len() != StderrBytes {
		t.Fatalf("kept %d bytes of 10 MB, want %d", b.Len(), StderrBytes)
	}
}

func TestWriterSaysWhetherItCut(t *testing.T) {
	for _, tc := range []struct {
		left   int
		writes []string
		cut    bool
	}{
		{left: 5, writes: []string{"ab", "cde"}, cut: false},
		{left: 5, writes: []string{"ab", "cdef"}, cut: true},
		{left: 5, writes: []string{"abcde", ""}, cut: false},
		{left: 5, writes: []string{"abcde", "f"}, cut: true},
		{left: 0, writes: []string{""}, cut: false},
		{left: 0, writes: []string{"a"}, cut: true},
	} {
		var b bytes.Buffer
		w := &Writer{W: &b, Left: tc.left}
		for _, s := range tc.writes {
			w.Write([]byte(s))
		}
		if w.Cut != tc.cut {
			t.Errorf("Left %d, writes %q: Cut = %v, want %v (kept %q)", tc.left, tc.writes, w.Cut, tc.cut, b.String())
		}
	}
}
