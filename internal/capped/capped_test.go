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
