package bundle

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// tiers ranks "core" above "bulk", as the collector ranks cri above logs.
func tiers(source string) int {
	if source == "core" {
		return 1
	}
	return 0
}

// fillUntilFull adds incompressible files of source (paths source/<prefix>N,
// size bytes, seeds from seed) until the budget refuses one, and returns how
// many were stored.
func fillUntilFull(t *testing.T, w *Writer, source, prefix string, seed uint64, size int) int {
	t.Helper()
	for i := 0; ; i++ {
		_, err := w.Add(fmt.Sprintf("%s/%s%d", source, prefix, i), source, "text", noise(seed+uint64(i), size))
		if errors.Is(err, ErrFull) {
			return i
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fillBulk adds 16 KiB bulk files until the budget refuses one.
func fillBulk(t *testing.T, w *Writer) int { return fillUntilFull(t, w, "bulk", "", 0, 16<<10) }

// A bulk source that wrote first cannot crowd out a core one: the core
// file evicts bulk files, the bulk source becomes partial, the manifest
// says why.
func TestCoreFileEvictsBulkWhenTheBudgetIsSpent(t *testing.T) {
	const max = 512 << 10
	w, _ := NewWriter(WriterOptions{MaxSize: max, Tier: tiers})
	stored := fillBulk(t, w)
	core := noise(1000, 64<<10)
	if _, err := w.Add("core/state.json", "core", "json", core); err != nil {
		t.Fatalf("core file refused though bulk files could make room: %v", err)
	}
	// Bulk may fill what the eviction freed beyond the core file's need, but
	// never evicts anything itself: it ends refused with the core file kept.
	stored += fillUntilFull(t, w, "bulk", "late-", 2000, 16<<10)
	m := testManifest()
	m.Sources = []SourceStatus{{Name: "core", Status: StatusOK, Files: 1, Bytes: int64(len(core))},
		{Name: "bulk", Status: StatusOK, Files: stored, Bytes: int64(stored) * 16 << 10}}
	b := commitWithin(t, w, m, max)
	if got, ok := b.File("core/state.json"); !ok || len(got) != len(core) {
		t.Fatal("core file lost")
	}
	kept := 0
	for _, p := range b.Paths() {
		if strings.HasPrefix(p, "bulk/") {
			kept++
		}
	}
	if kept == 0 || kept >= stored {
		t.Fatalf("%d of %d bulk files kept; want some evicted, some kept", kept, stored)
	}
	bulk := b.Manifest.Sources[1]
	if bulk.Status != StatusPartial || bulk.Files != kept || !strings.Contains(bulk.Reason, "archive within its budget") {
		t.Fatalf("bulk status %+v (kept %d)", bulk, kept)
	}
	if s := b.Manifest.Sources[0]; s.Status != StatusOK || s.Reason != "" {
		t.Fatalf("core status changed: %+v", s)
	}
	if !b.Manifest.Truncated || !strings.Contains(b.Manifest.TruncatedReason, "lower-priority") {
		t.Fatalf("truncated %v %q", b.Manifest.Truncated, b.Manifest.TruncatedReason)
	}
}

// The quiet side: without tiers (and between equals) nothing is evicted;
// the file that does not fit is refused.
func TestNoEvictionWithoutTiers(t *testing.T) {
	w, _ := NewWriter(WriterOptions{MaxSize: 512 << 10})
	stored := fillBulk(t, w)
	if _, err := w.Add("core/state.json", "core", "json", noise(1000, 64<<10)); !errors.Is(err, ErrFull) {
		t.Fatalf("core file without tiers: %v", err)
	}
	if got := len(w.Files()); got != stored {
		t.Fatalf("%d files after a refused add, %d before", got, stored)
	}
}

// A core file larger than everything evictable is refused and evicts nothing.
func TestEvictionDropsNothingWhenItCannotHelp(t *testing.T) {
	w, _ := NewWriter(WriterOptions{MaxSize: 512 << 10, Tier: tiers})
	stored := fillBulk(t, w)
	if _, err := w.Add("core/huge.bin", "core", "text", noise(3000, 1<<20)); !errors.Is(err, ErrFull) {
		t.Fatalf("huge core file: %v", err)
	}
	if got := len(w.Files()); got != stored {
		t.Fatalf("%d files after a hopeless eviction, %d before", got, stored)
	}
}

// Hostile shape: the budget spent by thousands of small bulk files, then
// thousands of small core files each needing an eviction. Every frame is
// evicted at most once, so this stays linear (it was a sort of every frame
// per eviction in a first version).
func TestManySmallEvictionsStayCheap(t *testing.T) {
	w, _ := NewWriter(WriterOptions{MaxSize: 1 << 20, Tier: tiers})
	for i := 0; ; i++ {
		if _, err := w.Add(fmt.Sprintf("bulk/%d", i), "bulk", "text", noise(uint64(i), 512)); errors.Is(err, ErrFull) {
			break
		}
	}
	start := time.Now()
	core := 0
	for i := 0; i < 4000; i++ {
		_, err := w.Add(fmt.Sprintf("core/%d", i), "core", "json", noise(uint64(1e6+i), 128))
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		core++
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("%d core adds with evictions took %s", core, el)
	}
	if core < 1000 {
		t.Fatalf("only %d core files fitted after evicting bulk", core)
	}
	for _, f := range w.Files() {
		if f.Source == "core" {
			continue
		}
		if _, ok := w.seen[f.Path]; !ok {
			t.Fatalf("live file %s not indexed", f.Path)
		}
	}
}
