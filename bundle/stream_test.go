package bundle

import (
	"bytes"
	"errors"
	"testing"
)

// writeInPieces stores data through Create in pieces of n bytes.
func writeInPieces(t *testing.T, w *Writer, path, source string, data []byte, n int) (FileEntry, error) {
	t.Helper()
	f := w.Create(path, source, "json")
	for len(data) > 0 {
		k := min(n, len(data))
		if _, err := f.Write(data[:k]); err != nil {
			t.Fatal(err)
		}
		data = data[k:]
	}
	return f.Close()
}

// A file written in pieces reads back as the same bytes and entry as one
// given to Add whole, next to files that were, at sizes around the batch
// and the tar block; in pieces smaller than a frame and in one write of the
// whole (Write cuts it at the frames), with the buffers of earlier files
// used again.
func TestCreateMatchesAdd(t *testing.T) {
	for _, piece := range []int{70_001, 1 << 30} {
		createMatchesAdd(t, piece)
	}
}

func createMatchesAdd(t *testing.T, piece int) {
	sizes := []int{0, 1, 511, 512, 513, streamFrame - 1, streamFrame, streamFrame + 1, 3*streamFrame + 700, 9 << 20}
	streamed, _ := NewWriter(WriterOptions{})
	whole, _ := NewWriter(WriterOptions{})
	m := testManifest()
	for i, n := range sizes {
		data := bytes.Repeat(noise(uint64(i), 4096), n/4096+1)[:n]
		path := "src/f" + string(rune('a'+i)) + ".json"
		got, err := writeInPieces(t, streamed, path, "src", data, piece)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		want, err := whole.Add(path, "src", "json", data)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%d bytes: entry %+v, want %+v", n, got, want)
		}
		if _, err := streamed.Add("src/small"+path[5:], "src", "json", []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	b := commitWithin(t, streamed, m, defaultMaxSize)
	for i, n := range sizes {
		data := bytes.Repeat(noise(uint64(i), 4096), n/4096+1)[:n]
		got, ok := b.File("src/f" + string(rune('a'+i)) + ".json")
		if !ok || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: read back %d bytes (present %v)", n, len(got), ok)
		}
	}
	if len(b.Paths()) != 2*len(sizes) {
		t.Fatalf("%d files read back, want %d", len(b.Paths()), 2*len(sizes))
	}
}

// The budget holds for a file written in pieces: one that does not fit is
// refused whole (ErrFull), one of a higher tier evicts bulk files to fit,
// and an aborted one leaves nothing.
func TestCreateKeepsTheBudget(t *testing.T) {
	const max = 4 << 20
	w, _ := NewWriter(WriterOptions{MaxSize: max, Tier: tiers})
	fillBulk(t, w)
	if _, err := writeInPieces(t, w, "bulk/big.json", "bulk", noise(7, streamFrame+600<<10), 64<<10); !errors.Is(err, ErrFull) {
		t.Fatalf("over-budget bulk file: err %v, want ErrFull", err)
	}
	core := noise(8, streamFrame+400<<10)
	if _, err := writeInPieces(t, w, "core/containers.json", "core", core, 64<<10); err != nil {
		t.Fatalf("core file refused though bulk files could make room: %v", err)
	}
	f := w.Create("core/aborted.json", "core", "json")
	if _, err := f.Write(noise(9, 300<<10)); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if _, err := f.Write([]byte("x")); err == nil {
		t.Fatal("write after Abort accepted")
	}
	if _, err := writeInPieces(t, w, "core/containers.json", "core", core, 64<<10); err == nil {
		t.Fatal("a second file of the same path accepted")
	}
	m := testManifest()
	b := commitWithin(t, w, m, max)
	if got, ok := b.File("core/containers.json"); !ok || !bytes.Equal(got, core) {
		t.Fatal("core file lost")
	}
	if _, ok := b.File("core/aborted.json"); ok {
		t.Fatal("aborted file stored")
	}
}
