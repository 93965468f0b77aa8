package bundle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func oneFileWriter(t *testing.T, note string) (*Writer, *Manifest) {
	t.Helper()
	w, err := NewWriter(WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add("cri/version.json", "cri", "json", []byte(`{"note":"`+note+`"}`)); err != nil {
		t.Fatal(err)
	}
	m := testManifest()
	m.Note = note
	return w, m
}

// A name that is taken (an earlier collection in the same second) is never
// replaced: the new archive gets the next number and its own sidecar.
func TestCommitNeverReplacesAnExistingBundle(t *testing.T) {
	dir := t.TempDir()
	const name = "rtsnap-node-a-20261201T100000Z.tar.zst"
	earlier := []byte("an earlier bundle: evidence that must survive")
	if err := os.WriteFile(filepath.Join(dir, name), earlier, 0o600); err != nil {
		t.Fatal(err)
	}
	// An orphan sidecar makes -2 taken too: its archive may have been copied away.
	if err := os.WriteFile(filepath.Join(dir, "rtsnap-node-a-20261201T100000Z-2.tar.zst.sha256"), []byte("x  y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, m := oneFileWriter(t, "second")
	path, _, err := w.Commit(context.Background(), dir, name, m, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "rtsnap-node-a-20261201T100000Z-3.tar.zst"); path != want {
		t.Fatalf("path %s, want %s", path, want)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != string(earlier) {
		t.Fatalf("the earlier bundle was overwritten: %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "rtsnap-node-a-20261201T100000Z-2.tar.zst.sha256")); string(got) != "x  y\n" {
		t.Fatalf("the orphan sidecar was overwritten: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "rtsnap-node-a-20261201T100000Z-2.tar.zst")); !os.IsNotExist(err) {
		t.Fatalf("a -2 archive was left beside the orphan sidecar: %v", err)
	}
	sc, _ := os.ReadFile(path + ".sha256")
	if !strings.HasSuffix(string(sc), "  "+filepath.Base(path)+"\n") {
		t.Fatalf("sidecar names another file: %q", sc)
	}
	b, err := OpenFile(path, DefaultLimits()) // checks the sidecar too
	if err != nil || b.Manifest.Note != "second" {
		t.Fatalf("reading back: %v %+v", err, b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".rtsnap-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// The quiet side: a free name is used as given.
func TestCommitUsesTheNameWhenFree(t *testing.T) {
	dir := t.TempDir()
	w, m := oneFileWriter(t, "only")
	path, _, err := w.Commit(context.Background(), dir, "b.tar.zst", m, CommitOptions{})
	if err != nil || path != filepath.Join(dir, "b.tar.zst") {
		t.Fatalf("%s %v", path, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("dir holds %v, want the archive and its sidecar", entries)
	}
}

// Many collections committing the same name at once all survive, each
// under its own name with a sidecar that matches it.
func TestConcurrentCommitsOfOneNameAllSurvive(t *testing.T) {
	dir := t.TempDir()
	const n = 12
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		w, m := oneFileWriter(t, fmt.Sprint("run-", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			paths[i], _, errs[i] = w.Commit(context.Background(), dir, "same.tar.zst", m, CommitOptions{})
		}()
	}
	close(start)
	wg.Wait()
	notes := map[string]string{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("commit %d: %v", i, errs[i])
		}
		b, err := OpenFile(paths[i], DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", paths[i], err)
		}
		if prev, dup := notes[paths[i]]; dup {
			t.Fatalf("%s holds both %s and %s", paths[i], prev, b.Manifest.Note)
		}
		if b.Manifest.Note != fmt.Sprint("run-", i) {
			t.Fatalf("%s holds %q, written by run-%d", paths[i], b.Manifest.Note, i)
		}
		notes[paths[i]] = b.Manifest.Note
	}
}

func TestNumberedName(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"rtsnap-h-20261201T100000Z.tar.zst", 1, "rtsnap-h-20261201T100000Z.tar.zst"},
		{"rtsnap-h-20261201T100000Z.tar.zst", 2, "rtsnap-h-20261201T100000Z-2.tar.zst"},
		{"rtsnap-h-20261201T100000Z.tar.zst.age", 7, "rtsnap-h-20261201T100000Z-7.tar.zst.age"},
		{"plain", 3, "plain-3"},
	} {
		if got := NumberedName(c.in, c.n); got != c.want {
			t.Errorf("NumberedName(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// When every numbered name is taken the error says so; nothing is replaced.
func TestCommitGivesUpWhenEveryNameIsTaken(t *testing.T) {
	dir := t.TempDir()
	for n := 1; n <= maxNameTries; n++ {
		os.WriteFile(filepath.Join(dir, NumberedName("b.tar.zst", n)), []byte("old"), 0o600)
	}
	w, m := oneFileWriter(t, "late")
	_, _, err := w.Commit(context.Background(), dir, "b.tar.zst", m, CommitOptions{})
	if !errors.Is(err, os.ErrExist) || !strings.Contains(err.Error(), "already exist") {
		t.Fatalf("err %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "b.tar.zst")); string(got) != "old" {
		t.Fatal("overwritten")
	}
}

// A stale signature beside a free name makes it taken too (CommitOptions.Reserve).
func TestCommitSkipsANameWithAReservedSidecar(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "b.tar.zst.minisig"), []byte("old signature"), 0o600)
	w, m := oneFileWriter(t, "signed")
	path, _, err := w.Commit(context.Background(), dir, "b.tar.zst", m, CommitOptions{Reserve: []string{".minisig"}})
	if err != nil || path != filepath.Join(dir, "b-2.tar.zst") {
		t.Fatalf("%s %v", path, err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "b.tar.zst.minisig")); string(got) != "old signature" {
		t.Fatal("stale signature replaced")
	}
}
