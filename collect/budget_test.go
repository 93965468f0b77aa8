package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// incompressible is deterministic random text (hex, so the redactor sees no
// binary), about as compressible as container log lines full of ids.
func incompressible(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	const hexdigits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexdigits[r.IntN(16)]
		if i%80 == 79 {
			b[i] = '\n'
		}
	}
	return b
}

// bulkThenCore: "logs" fills the archive first, then "discovery" and "cri"
// write. The shape: the bulk source that happened to run first must
// not crowd out the sources that matter most.
func bulkThenCore(logsDone chan struct{}) []Source {
	core := func(name string) Source {
		return fakeSource{name: name, budget: 8 << 20, collect: func(ctx context.Context, env *Env, out Output) error {
			<-logsDone
			return out.WriteFile("state.json", redact.Text, incompressible(uint64(len(name)), 40<<10))
		}}
	}
	return []Source{
		core("discovery"),
		core("cri"),
		fakeSource{name: "logs", budget: 64 << 20, collect: func(ctx context.Context, env *Env, out Output) error {
			defer close(logsDone)
			for i := 0; ; i++ {
				if err := out.WriteFile(fmt.Sprintf("pod-%d.log", i), redact.Text, incompressible(uint64(1000+i), 32<<10)); err != nil {
					return err
				}
			}
		}},
	}
}

func TestArchiveBudgetKeepsCoreSourcesAndCutsBulkFirst(t *testing.T) {
	dir := t.TempDir()
	const maxSize = 600 << 10
	res, err := Run(context.Background(), Options{OutputDir: dir, Timeout: 20 * time.Second, MaxSize: maxSize},
		bulkThenCore(make(chan struct{})), newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.OpenFile(res.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m := b.Manifest
	for _, core := range []string{"discovery", "cri"} {
		if _, ok := b.File(core + "/state.json"); !ok {
			t.Errorf("%s/state.json lost to the archive budget; bulk logs should have gone first", core)
		}
		if st := statusOf(t, m, core); st.Status != bundle.StatusOK {
			t.Errorf("%s: %+v", core, st)
		}
	}
	logs := statusOf(t, m, "logs")
	kept := 0
	for _, p := range b.Paths() {
		if strings.HasPrefix(p, "logs/") {
			kept++
		}
	}
	if kept == 0 || logs.Files != kept {
		t.Errorf("logs: status says %d files, bundle holds %d", logs.Files, kept)
	}
	if logs.Status != bundle.StatusPartial || !strings.Contains(logs.Reason, fmt.Sprintf("archive budget reached (--max-size %d", maxSize)) {
		t.Errorf("logs status must name the archive budget: %+v", logs)
	}
	if strings.Contains(logs.Reason, "source's byte budget") {
		t.Errorf("logs status quotes its own budget, which it never reached: %q", logs.Reason)
	}
	if !m.Truncated || !strings.Contains(m.TruncatedReason, "--max-size") || !strings.Contains(m.TruncatedReason, "logs, journal") {
		t.Errorf("manifest truncated=%v %q", m.Truncated, m.TruncatedReason)
	}
	if fi, _ := os.Stat(res.Path); fi.Size() > maxSize {
		t.Errorf("archive %d bytes over --max-size %d", fi.Size(), maxSize)
	}
}

// The quiet side: with room for everything nothing is cut or blamed.
func TestArchiveBudgetQuietWhenEverythingFits(t *testing.T) {
	done := make(chan struct{})
	srcs := bulkThenCore(done)
	srcs[2] = fakeSource{name: "logs", collect: func(ctx context.Context, env *Env, out Output) error {
		defer close(done)
		return out.WriteFile("pod.log", redact.Text, incompressible(5, 32<<10))
	}}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 20 * time.Second, MaxSize: 4 << 20}, srcs, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Truncated || res.Manifest.TruncatedReason != "" {
		t.Fatalf("truncated %v %q", res.Truncated, res.Manifest.TruncatedReason)
	}
	for _, s := range res.Sources {
		if s.Status != bundle.StatusOK {
			t.Errorf("%+v", s)
		}
	}
}

// A source's own budget, when that is what cut it, is named as such.
func TestSourceBudgetIsNamedWhenItIsTheCause(t *testing.T) {
	src := fakeSource{name: "greedy", budget: 1000, collect: func(ctx context.Context, env *Env, out Output) error {
		for i := 0; ; i++ {
			if err := out.WriteFile(fmt.Sprintf("c-%d.txt", i), redact.Text, bytes.Repeat([]byte("x"), 300)); err != nil {
				return err
			}
		}
	}}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 10 * time.Second}, []Source{src}, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Sources[0].Reason; !strings.Contains(r, "source's byte budget reached (1000 bytes)") || strings.Contains(r, "archive") {
		t.Fatalf("reason %q", r)
	}
	if res.Truncated {
		t.Fatalf("a source's own budget is not the archive's: %q", res.Manifest.TruncatedReason)
	}
}

// Two collections started in the same second with the same case id write
// to the same directory at once: both bundles survive, neither is replaced.
func TestConcurrentCollectionsInOneSecondBothSurvive(t *testing.T) {
	dir := t.TempDir()
	name := ArchiveName("node-a", time.Now())
	var wg sync.WaitGroup
	res := make([]*Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := fakeSource{name: "cri", collect: func(ctx context.Context, env *Env, out Output) error {
				return out.WriteFile("run.txt", redact.Text, []byte(fmt.Sprint("run ", i)))
			}}
			res[i], errs[i] = Run(context.Background(), Options{OutputDir: dir, Timeout: 10 * time.Second, Name: name,
				Manifest: bundle.Manifest{CaseID: "SR-1", Note: fmt.Sprint("run ", i)}}, []Source{src}, newTestRedactor(t))
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	if res[0].Path == res[1].Path {
		t.Fatalf("both runs wrote %s", res[0].Path)
	}
	for i := range 2 {
		b, err := bundle.OpenFile(res[i].Path, bundle.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := b.File("cri/run.txt"); string(got) != fmt.Sprint("run ", i) || b.Manifest.Note != fmt.Sprint("run ", i) {
			t.Fatalf("%s holds %q / %q, written by run %d", res[i].Path, got, b.Manifest.Note, i)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Fatalf("dir holds %v, want two archives and two sidecars", entries)
	}
}

// mountTmpfs mounts a tmpfs of size bytes for a test (root only).
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a test tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "rtsnap-test", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// The case: a 1 MiB tmpfs with --max-size 60000. The message names
// --max-size with the value given and the figures, not a fixed minimum.
func TestSmallTmpfsNamesMaxSize(t *testing.T) {
	dir := mountTmpfs(t, 1<<20)
	src := fakeSource{name: "cri", collect: func(ctx context.Context, env *Env, out Output) error { return nil }}
	_, err := Run(context.Background(), Options{OutputDir: dir, Timeout: 5 * time.Second, MaxSize: 60000}, []Source{src}, newTestRedactor(t))
	if !errors.Is(err, bundle.ErrNoSpace) {
		t.Fatalf("err %v, want ErrNoSpace", err)
	}
	for _, want := range []string{"--max-size 60000", "needs at least 60000 bytes", fmt.Sprint(bundle.SpaceSlack), dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "1114112") {
		t.Errorf("message quotes the fixed minimum: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}

// A tmpfs smaller than --max-size lowers the budget to what is free and says
// so; one large enough leaves --max-size alone.
func TestFreeSpaceLowersTheBudget(t *testing.T) {
	small := mountTmpfs(t, 3<<20)
	budget, limited, err := archiveBudget(small, 64<<20)
	if err != nil || !limited || budget <= 0 || budget > 2<<20 {
		t.Fatalf("3 MiB tmpfs, --max-size 64 MiB: budget %d limited %v err %v", budget, limited, err)
	}
	if n := archiveNote(budget, 64<<20, limited); !strings.Contains(n, "--max-size 67108864, lowered to the free space") {
		t.Fatalf("note %q", n)
	}
	budget, limited, err = archiveBudget(small, 1<<20)
	if err != nil || limited || budget != 1<<20 {
		t.Fatalf("3 MiB tmpfs, --max-size 1 MiB: budget %d limited %v err %v", budget, limited, err)
	}
}

func TestSourceTiers(t *testing.T) {
	for name, want := range map[string]int{"discovery": TierCore, "host": TierCore, "cri": TierCore, "containerd": TierCore,
		"runc": TierCore, "logs": TierBulk, "journal": TierBulk, "proc": TierNormal, "docker": TierNormal} {
		if got := SourceTier(name); got != want {
			t.Errorf("SourceTier(%s) = %d, want %d", name, got, want)
		}
	}
}

// A bulk source the archive budget cuts and that then outlives its own
// deadline (a journal read on a loaded node) is a timeout whose reason also
// names the budget: the manifest's truncation is blamed on a source, not on
// none (the lab test TestLabArchiveBudgetKeepsCoreSources met this on a
// loaded CI machine: "truncated, yet no source says the archive budget cut it").
func TestBudgetCutThenTimeoutNamesBoth(t *testing.T) {
	dir := t.TempDir()
	const maxSize = 600 << 10
	srcs := []Source{fakeSource{name: "logs", budget: 64 << 20, collect: func(ctx context.Context, env *Env, out Output) error {
		for i := 0; ; i++ {
			if err := out.WriteFile(fmt.Sprintf("pod-%d.log", i), redact.Text, incompressible(uint64(2000+i), 32<<10)); err != nil {
				break
			}
		}
		<-ctx.Done() // still reading when its deadline comes
		time.Sleep(time.Second)
		return ctx.Err()
	}}}
	res, err := Run(context.Background(), Options{OutputDir: dir, Timeout: 20 * time.Second, SourceTimeout: 2 * time.Second, MaxSize: maxSize}, srcs, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.OpenFile(res.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	logs := statusOf(t, b.Manifest, "logs")
	if logs.Status != bundle.StatusTimeout || !strings.Contains(logs.Reason, "abandoned after") ||
		!strings.Contains(logs.Reason, fmt.Sprintf("archive budget reached (--max-size %d", maxSize)) {
		t.Fatalf("logs: %+v, want a timeout that also names the archive budget", logs)
	}
	if !b.Manifest.Truncated {
		t.Fatal("manifest not truncated")
	}
}
