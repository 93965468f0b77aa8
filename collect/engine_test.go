package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// fakeSource is a scripted source for engine tests.
type fakeSource struct {
	name    string
	on      bool
	budget  int64
	collect func(ctx context.Context, env *Env, out Output) error
}

func (f fakeSource) Name() string         { return f.name }
func (f fakeSource) Description() string  { return "test source " + f.name }
func (f fakeSource) DefaultEnabled() bool { return f.on }
func (f fakeSource) Budget() int64 {
	if f.budget == 0 {
		return 1 << 20
	}
	return f.budget
}
func (f fakeSource) Collect(ctx context.Context, env *Env, out Output) error {
	return f.collect(ctx, env, out)
}

func newTestRedactor(t *testing.T) *redact.Redactor {
	t.Helper()
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func statusOf(t *testing.T, m *bundle.Manifest, name string) bundle.SourceStatus {
	t.Helper()
	for _, s := range m.Sources {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for source %q in %+v", name, m.Sources)
	return bundle.SourceStatus{}
}

func TestRunRecordsEverySourceOutcome(t *testing.T) {
	dir := t.TempDir()
	release := make(chan struct{})
	defer close(release)
	sources := []Source{
		fakeSource{name: "good", collect: func(ctx context.Context, env *Env, out Output) error {
			return out.WriteJSON("state.json", map[string]any{"containers": []string{"a", "b"}, "env": []string{"DB_PASSWORD=Summer2024!"}})
		}},
		fakeSource{name: "broken", collect: func(ctx context.Context, env *Env, out Output) error {
			return fmt.Errorf("dial unix /run/x.sock: connect: connection refused")
		}},
		fakeSource{name: "absent", collect: func(ctx context.Context, env *Env, out Output) error {
			out.Skip("not present: looked for /run/crio/crio.sock")
			return nil
		}},
		fakeSource{name: "half", collect: func(ctx context.Context, env *Env, out Output) error {
			out.Partial("cd17: unreachable")
			return out.WriteFile("ok.txt", redact.Text, []byte("fine\n"))
		}},
		// Writes something, then ignores its context: the engine must abandon
		// it and keep what it wrote.
		fakeSource{name: "stuck", collect: func(ctx context.Context, env *Env, out Output) error {
			if err := out.WriteFile("before.txt", redact.Text, []byte("written before hanging\n")); err != nil {
				return err
			}
			<-release
			return out.WriteFile("after.txt", redact.Text, []byte("must not be stored"))
		}},
		fakeSource{name: "greedy", budget: 1000, collect: func(ctx context.Context, env *Env, out Output) error {
			for i := 0; ; i++ {
				if err := out.WriteFile(fmt.Sprintf("chunk-%d.txt", i), redact.Text, bytes.Repeat([]byte("x"), 300)); err != nil {
					if !errors.Is(err, ErrBudget) {
						t.Errorf("budget error not ErrBudget: %v", err)
					}
					return err
				}
			}
		}},
		fakeSource{name: "panicky", collect: func(ctx context.Context, env *Env, out Output) error {
			panic("boom: a source bug must become an error status, not a crash")
		}},
		fakeSource{name: "escape", collect: func(ctx context.Context, env *Env, out Output) error {
			return out.WriteFile("../manifest.json", redact.Text, []byte("x"))
		}},
	}
	start := time.Now()
	res, err := Run(context.Background(), Options{OutputDir: dir, Timeout: 10 * time.Second, SourceTimeout: time.Second,
		Parallel: 8, Manifest: bundle.Manifest{Host: bundle.HostInfo{Hostname: "node-a"}}}, sources, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("run took %s though the only stuck source has a 1s deadline", el)
	}
	if !strings.HasPrefix(filepath.Base(res.Path), "rtsnap-node-a-") || !strings.HasSuffix(res.Path, ".tar.zst") {
		t.Errorf("archive name %s", res.Path)
	}
	fi, err := os.Stat(res.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive stat: %v %v", fi, err)
	}
	b, err := bundle.OpenFile(res.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	m := b.Manifest
	want := map[string]string{"good": "ok", "broken": "error", "absent": "skipped", "half": "partial",
		"stuck": "timeout", "greedy": "partial", "panicky": "error", "escape": "error"}
	for name, st := range want {
		if got := statusOf(t, m, name); got.Status != st {
			t.Errorf("source %s: status %q (%s), want %q", name, got.Status, got.Reason, st)
		}
	}
	if r := statusOf(t, m, "absent").Reason; !strings.Contains(r, "/run/crio/crio.sock") {
		t.Errorf("skip reason lost: %q", r)
	}
	if r := statusOf(t, m, "panicky").Reason; !strings.Contains(r, "panicked") {
		t.Errorf("panic not recorded: %q", r)
	}
	if _, ok := b.File("stuck/before.txt"); !ok {
		t.Error("what the stuck source wrote before its deadline was lost")
	}
	time.Sleep(50 * time.Millisecond)
	if _, ok := b.File("stuck/after.txt"); ok {
		t.Error("abandoned source wrote after its deadline")
	}
	if g := statusOf(t, m, "greedy"); g.Bytes > 1000 {
		t.Errorf("greedy source stored %d bytes over its 1000-byte budget", g.Bytes)
	}
	state, _ := b.File("good/state.json")
	if bytes.Contains(state, []byte("Summer2024!")) || !bytes.Contains(state, []byte("DB_PASSWORD")) {
		t.Errorf("good/state.json not redacted as expected:\n%s", state)
	}
	if _, ok := b.File("redaction-report.json"); !ok {
		t.Error("no redaction-report.json")
	}
	if m.Redaction.Total < 1 || res.Redactions != m.Redaction.Total {
		t.Errorf("redaction total %d / %d", m.Redaction.Total, res.Redactions)
	}
	if m.PeakRSSBytes <= 0 || m.StartedAt.IsZero() || !m.FinishedAt.After(m.StartedAt) {
		t.Errorf("manifest run facts missing: rss=%d %s..%s", m.PeakRSSBytes, m.StartedAt, m.FinishedAt)
	}
	if _, err := os.Stat(res.Path + ".sha256"); err != nil {
		t.Errorf("no sidecar: %v", err)
	}
}

func TestRunInterruptedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	src := fakeSource{name: "slow", collect: func(c context.Context, env *Env, out Output) error {
		_ = out.WriteFile("x.txt", redact.Text, []byte("data"))
		cancel() // the operator presses ^C while a source runs
		<-c.Done()
		return c.Err()
	}}
	_, err := Run(ctx, Options{OutputDir: dir, Timeout: 10 * time.Second}, []Source{src}, newTestRedactor(t))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("interrupted run left %v in the output dir", entries)
	}
}

func TestRunWholeTimeoutBoundsTheRun(t *testing.T) {
	dir := t.TempDir()
	block := make(chan struct{})
	defer close(block)
	src := fakeSource{name: "deaf", collect: func(c context.Context, env *Env, out Output) error {
		<-block // ignores its context entirely
		return nil
	}}
	start := time.Now()
	res, err := Run(context.Background(), Options{OutputDir: dir, Timeout: 3 * time.Second, SourceTimeout: time.Minute},
		[]Source{src}, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("run with --timeout 3s took %s", el)
	}
	if res.Sources[0].Status != bundle.StatusTimeout {
		t.Fatalf("status %+v", res.Sources[0])
	}
}

func TestRegistrySelect(t *testing.T) {
	noop := func(context.Context, *Env, Output) error { return nil }
	r, err := NewRegistry(fakeSource{name: "a", on: true, collect: noop}, fakeSource{name: "b", on: true, collect: noop},
		fakeSource{name: "active", on: false, collect: noop})
	if err != nil {
		t.Fatal(err)
	}
	names := func(ss []Source) string {
		var n []string
		for _, s := range ss {
			n = append(n, s.Name())
		}
		return strings.Join(n, ",")
	}
	for _, c := range []struct {
		only, skip []string
		want       string
	}{
		{nil, nil, "a,b"}, {[]string{"active"}, nil, "active"}, {nil, []string{"a"}, "b"}, {[]string{"a", "b"}, []string{"b"}, "a"},
	} {
		got, err := r.Select(c.only, c.skip)
		if err != nil || names(got) != c.want {
			t.Errorf("Select(%v,%v) = %s, %v; want %s", c.only, c.skip, names(got), err, c.want)
		}
	}
	if _, err := r.Select([]string{"typo"}, nil); err == nil || !strings.Contains(err.Error(), "known: a, active, b") {
		t.Errorf("unknown source error: %v", err)
	}
	if _, err := NewRegistry(fakeSource{name: "a", collect: noop}, fakeSource{name: "a", collect: noop}); err == nil {
		t.Error("duplicate source name accepted")
	}
}

func TestPrepareOutputDirRefusesDisk(t *testing.T) {
	disk := t.TempDir()
	if ok, _ := IsTmpfs(disk); ok {
		t.Skip("the test temp dir is itself a tmpfs here")
	}
	if _, err := PrepareOutputDir(disk, false); !errors.Is(err, ErrNotTmpfs) {
		t.Fatalf("disk dir accepted: %v", err)
	}
	if _, err := PrepareOutputDir(disk, true); err != nil {
		t.Fatalf("--allow-disk refused: %v", err)
	}
	if ok, err := IsTmpfs("/dev/shm/rtsnap-test-not-created/x"); err != nil || !ok {
		t.Fatalf("/dev/shm subdir: tmpfs=%v err=%v", ok, err)
	}
}

func TestArchiveName(t *testing.T) {
	got := ArchiveName("node/1 a", time.Date(2026, 11, 24, 21, 5, 0, 0, time.UTC))
	if got != "rtsnap-node_1_a-20261124T210500Z.tar.zst" {
		t.Fatal(got)
	}
}
