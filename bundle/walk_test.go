package bundle

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fn may read part of an entry or nothing: Walk drains the rest and still
// checks every hash, so a lazy callback cannot let a tampered file through.
func TestWalkDrainsAndHashesWhatTheCallbackLeaves(t *testing.T) {
	listed := map[string]string{"a/1": "first file", "a/2": "second file"}
	entries := []craftEntry{reg("a/1", "first file"), reg("a/2", "second file")}
	lazy := func(fe FileEntry, r io.Reader) error {
		if fe.Path == "a/1" {
			_, err := io.ReadFull(r, make([]byte, 3))
			return err
		}
		return nil // a/2 not read at all
	}
	var seen []string
	m, err := Walk(bytes.NewReader(craft(t, listed, entries, nil)), DefaultLimits(), func(fe FileEntry, r io.Reader) error {
		seen = append(seen, fe.Path)
		return lazy(fe, r)
	})
	if err != nil || m == nil || len(seen) != 2 {
		t.Fatalf("valid archive: %v, saw %v", err, seen)
	}
	tampered := []craftEntry{reg("a/1", "first file"), reg("a/2", "SECOND file")}
	if _, err := Walk(bytes.NewReader(craft(t, listed, tampered, nil)), DefaultLimits(), lazy); !errors.Is(err, ErrTampered) {
		t.Fatalf("tampered unread file: %v, want ErrTampered", err)
	}
}

// The callback's own error stops the walk and comes back unchanged.
func TestWalkReturnsTheCallbacksError(t *testing.T) {
	stop := errors.New("stop")
	data := craft(t, map[string]string{"a/1": "x"}, []craftEntry{reg("a/1", "x")}, nil)
	if _, err := Walk(bytes.NewReader(data), DefaultLimits(), func(FileEntry, io.Reader) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("err %v", err)
	}
}
