package bundle

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// noise is deterministic incompressible data.
func noise(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// The manifest's reserve is an estimate; a manifest larger than it (here a
// long note) must still not push the archive past MaxSize: trailing files
// are dropped, their source becomes partial and the manifest says truncated.
func TestCommitDropsTrailingFilesWhenTheManifestOutgrowsItsReserve(t *testing.T) {
	const max = 160 << 10
	w, _ := NewWriter(WriterOptions{MaxSize: max})
	stored := fillUntilFull(t, w, "big", "", 0, 8<<10)
	m := testManifest()
	m.Sources = append(m.Sources, SourceStatus{Name: "big", Status: StatusOK})
	m.Note = hex.EncodeToString(noise(99, 40<<10)) // 80 KiB, compresses to ~40 KiB: past the reserve
	b := commitWithin(t, w, m, max)
	got := b.Manifest
	if !got.Truncated || !strings.Contains(got.TruncatedReason, "dropped at commit") {
		t.Fatalf("truncated %v %q", got.Truncated, got.TruncatedReason)
	}
	if len(got.Files) >= stored || len(got.Files) == 0 {
		t.Fatalf("%d of %d files kept", len(got.Files), stored)
	}
	if s := got.Sources[1]; s.Status != StatusPartial || !strings.Contains(s.Reason, "dropped to keep the archive within its budget") {
		t.Fatalf("source %+v", s)
	}
	if s := got.Sources[0]; s.Status != StatusOK {
		t.Fatalf("untouched source changed: %+v", s)
	}
}

// commitWithin commits to a temp dir, checks the archive is within max and
// reads it back.
func commitWithin(t *testing.T, w *Writer, m *Manifest, max int64) *Bundle {
	t.Helper()
	path, size, err := w.Commit(context.Background(), t.TempDir(), "b.tar.zst", m, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size > max {
		t.Fatalf("archive %d bytes over budget %d", size, max)
	}
	b, err := OpenFile(path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The quiet side: a manifest within its reserve changes nothing.
func TestCommitKeepsEverythingWhenTheManifestFits(t *testing.T) {
	w, _ := NewWriter(WriterOptions{MaxSize: 1 << 20})
	for i := 0; i < 20; i++ {
		if _, err := w.Add(fmt.Sprintf("a/%d.json", i), "cri", "json", []byte(fmt.Sprintf(`{"i":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	m := testManifest()
	m.Note = "short"
	path, _, err := w.Commit(context.Background(), t.TempDir(), "b.tar.zst", m, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenFile(path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Truncated || len(b.Manifest.Files) != 20 || b.Manifest.Sources[0].Status != StatusOK {
		t.Fatalf("manifest changed: truncated=%v files=%d %+v", b.Manifest.Truncated, len(b.Manifest.Files), b.Manifest.Sources)
	}
}

// A manifest that alone exceeds the budget cannot make a valid archive.
func TestCommitRefusesAManifestLargerThanTheBudget(t *testing.T) {
	w, _ := NewWriter(WriterOptions{MaxSize: 40 << 10})
	m := testManifest()
	m.Note = hex.EncodeToString(noise(7, 64<<10))
	dir := t.TempDir()
	if _, _, err := w.Commit(context.Background(), dir, "b.tar.zst", m, CommitOptions{}); !errors.Is(err, ErrFull) {
		t.Fatalf("err %v, want ErrFull", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

// An error from the wrapping writer (encryption) mid-write removes the
// temporary file like any other failure.
func TestCommitWrapFailureLeavesNothing(t *testing.T) {
	w, _ := NewWriter(WriterOptions{})
	w.Add("a/b.json", "a", "json", []byte(`{}`))
	dir := t.TempDir()
	boom := errors.New("boom")
	_, _, err := w.Commit(context.Background(), dir, "b.tar.zst", testManifest(), CommitOptions{
		Wrap: func(io.Writer) (io.WriteCloser, error) { return failingWriter{boom}, nil },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }
func (f failingWriter) Close() error              { return nil }
