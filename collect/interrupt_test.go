package collect

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// interruptSources: "quick" finishes at once, "slow" writes and then waits
// for its context (deaf: ignores it, so the engine's grace period is what
// ends it). ready is called once both have written, so the interrupt comes
// while slow runs and after quick finished, whatever the scheduling.
func interruptSources(ready func(), deaf bool) []Source {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { wg.Wait(); ready() }()
	return []Source{
		fakeSource{name: "quick", collect: func(ctx context.Context, env *Env, out Output) error {
			defer wg.Done()
			return out.WriteFile("done.txt", redact.Text, []byte("finished before the interrupt\n"))
		}},
		fakeSource{name: "slow", collect: func(ctx context.Context, env *Env, out Output) error {
			if err := out.WriteFile("part.txt", redact.Text, []byte("written before the interrupt\n")); err != nil {
				return err
			}
			wg.Done()
			if deaf {
				time.Sleep(10 * time.Second)
				return nil
			}
			<-ctx.Done()
			return ctx.Err()
		}},
	}
}

// Two identical sources, one slot: whichever starts interrupts the run, so
// the other never starts and says why.
func TestInterruptSkipsSourcesNotStarted(t *testing.T) {
	finish := make(chan os.Signal, 1)
	var once sync.Once
	blocker := func(name string) Source {
		return fakeSource{name: name, collect: func(ctx context.Context, env *Env, out Output) error {
			once.Do(func() { finish <- syscall.SIGTERM })
			<-ctx.Done()
			return ctx.Err()
		}}
	}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 30 * time.Second, Parallel: 1, Finish: finish},
		[]Source{blocker("a"), blocker("b")}, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range res.Sources {
		got[s.Status]++
		if s.Status == bundle.StatusSkipped && s.Reason != "not started: stopped by the operator (terminated)" {
			t.Errorf("reason %q", s.Reason)
		}
	}
	if got[bundle.StatusPartial] != 1 || got[bundle.StatusSkipped] != 1 {
		t.Fatalf("statuses %+v", res.Sources)
	}
}

// In process: a signal on Finish writes the bundle with what was collected,
// marked interrupted; the sources cut short say so.
func TestFinishWritesAnInterruptedBundle(t *testing.T) {
	dir := t.TempDir()
	finish := make(chan os.Signal, 1)
	// The interrupt comes once both sources have written and the engine
	// has settled quick's status (Progress is called after it counts a
	// source done; slow cannot be done before the interrupt): quick's own
	// word, from inside its Collect, came before the engine saw it return,
	// and a loaded machine interrupted it in between.
	written, quickDone := make(chan struct{}), make(chan struct{})
	var once sync.Once
	progress := func(_ []string, done, _ int, _ int64) {
		if done >= 1 {
			once.Do(func() { close(quickDone) })
		}
	}
	go func() { <-written; <-quickDone; finish <- os.Interrupt }()
	res, err := Run(context.Background(), Options{OutputDir: dir, Timeout: 30 * time.Second, Parallel: 2, Finish: finish, Progress: progress},
		interruptSources(func() { close(written) }, false), newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	checkInterruptedBundle(t, res.Path, "interrupt")
	if !res.Interrupted {
		t.Error("result not marked interrupted")
	}
}

// The quiet side: without a signal nothing is marked interrupted.
func TestNoInterruptWithoutASignal(t *testing.T) {
	finish := make(chan os.Signal, 1)
	src := fakeSource{name: "quick", collect: func(ctx context.Context, env *Env, out Output) error {
		return out.WriteFile("done.txt", redact.Text, []byte("x"))
	}}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 10 * time.Second, Finish: finish}, []Source{src}, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Interrupted || res.Manifest.Interrupted || res.Truncated || res.Sources[0].Status != bundle.StatusOK {
		t.Fatalf("interrupted=%v manifest=%v truncated=%v %+v", res.Interrupted, res.Manifest.Interrupted, res.Truncated, res.Sources)
	}
}

func checkInterruptedBundle(t *testing.T, path, sig string) {
	t.Helper()
	b, err := bundle.OpenFile(path, bundle.DefaultLimits())
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	m := b.Manifest
	if !m.Interrupted || !strings.Contains(m.InterruptedReason, sig) {
		t.Errorf("manifest interrupted=%v reason %q, want the signal %q named", m.Interrupted, m.InterruptedReason, sig)
	}
	if !m.Truncated || !strings.Contains(m.TruncatedReason, "interrupted") {
		t.Errorf("manifest truncated=%v %q", m.Truncated, m.TruncatedReason)
	}
	for _, f := range []string{"quick/done.txt", "slow/part.txt"} {
		if _, ok := b.File(f); !ok {
			t.Errorf("%s collected before the interrupt was thrown away", f)
		}
	}
	if st := statusOf(t, m, "quick"); st.Status != bundle.StatusOK {
		t.Errorf("quick finished before the interrupt: %+v", st)
	}
	if st := statusOf(t, m, "slow"); st.Status != bundle.StatusPartial || !strings.Contains(st.Reason, "stopped by the operator") || st.Files != 1 {
		t.Errorf("slow: %+v", st)
	}
}

// helperEnv makes the test binary act as a collector for the subprocess tests.
const helperEnv = "RTSNAP_TEST_INTERRUPT_HELPER"

// TestInterruptHelperProcess is not a test: it is the collector the
// subprocess tests start and signal. It prints READY when the slow source
// has written, then the archive path or the error, and exits 0, or 130 when
// the run was aborted.
func TestInterruptHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the interrupt tests")
	}
	dir := os.Getenv("RTSNAP_TEST_DIR")
	ctx, finish, stop := NotifyInterrupt(context.Background(), func(sig os.Signal, aborting bool) {
		fmt.Printf("SIGNAL %s aborting=%v\n", sig, aborting)
	})
	defer stop()
	red, _ := redact.New(redact.Config{})
	res, err := Run(ctx, Options{OutputDir: dir, Timeout: 30 * time.Second, Parallel: 2, Finish: finish},
		interruptSources(func() { fmt.Println("READY") }, mode == "deaf"), red)
	if err != nil {
		fmt.Println("ERROR", err)
		if errors.Is(err, ErrInterrupted) {
			os.Exit(130)
		}
		os.Exit(1)
	}
	fmt.Println("WROTE", res.Path)
	os.Exit(0)
}

// startHelper runs the test binary as a collector and waits for READY.
func startHelper(t *testing.T, mode, dir string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "RTSNAP_TEST_DIR="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	waitLine(t, sc, "READY")
	return cmd, sc
}

// waitLine reads the helper's output until a line starting with prefix, under a deadline.
func waitLine(t *testing.T, sc *bufio.Scanner, prefix string) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, prefix) {
				got <- l
				return
			}
		}
		got <- ""
	}()
	select {
	case l := <-got:
		if l == "" {
			t.Fatalf("helper ended without printing %s", prefix)
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s from the helper within 20s", prefix)
	}
	return ""
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatal("helper did not exit within 20s of the signal")
	}
	return -1
}

// A real process and a real SIGINT: the first one finishes the bundle.
func TestFirstSIGINTFinishesTheBundle(t *testing.T) {
	dir := t.TempDir()
	cmd, sc := startHelper(t, "honest", dir)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if l := waitLine(t, sc, "SIGNAL"); !strings.Contains(l, "aborting=false") {
		t.Fatalf("first signal: %s", l)
	}
	path := strings.TrimPrefix(waitLine(t, sc, "WROTE "), "WROTE ")
	go io.Copy(io.Discard, pipeRest(sc))
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if filepath.Dir(path) != dir {
		t.Fatalf("wrote %s outside %s", path, dir)
	}
	checkInterruptedBundle(t, path, "interrupt")
}

// SIGTERM (what kubectl debug or a timeout wrapper sends) does the same.
func TestSIGTERMFinishesTheBundle(t *testing.T) {
	dir := t.TempDir()
	cmd, sc := startHelper(t, "honest", dir)
	cmd.Process.Signal(syscall.SIGTERM)
	path := strings.TrimPrefix(waitLine(t, sc, "WROTE "), "WROTE ")
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("exit %d", code)
	}
	checkInterruptedBundle(t, path, "terminated")
}

// The second signal aborts: the source ignores its context, so the run is
// still waiting out its grace period when the second signal comes; nothing
// is written, not even a temporary file.
func TestSecondSignalAborts(t *testing.T) {
	dir := t.TempDir()
	cmd, sc := startHelper(t, "deaf", dir)
	cmd.Process.Signal(syscall.SIGINT)
	waitLine(t, sc, "SIGNAL interrupt aborting=false")
	// A different signal: two SIGINTs sent back to back may merge into one.
	cmd.Process.Signal(syscall.SIGTERM)
	waitLine(t, sc, "SIGNAL terminated aborting=true")
	if l := waitLine(t, sc, "ERROR"); !strings.Contains(l, "no archive written") {
		t.Fatalf("helper: %s", l)
	}
	if code := exitCode(t, cmd); code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("aborted run left %v", entries)
	}
}

// pipeRest drains what the helper prints after the line a test waited for.
func pipeRest(sc *bufio.Scanner) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		for sc.Scan() {
		}
		pw.Close()
	}()
	return pr
}

// A failed source's status carries the partial reasons that led to the
// failure (each endpoint's dial error), not only the summary error.
func TestErrorStatusKeepsItsReasons(t *testing.T) {
	src := fakeSource{name: "cri", collect: func(ctx context.Context, env *Env, out Output) error {
		out.Partial("/run/a.sock: unreachable: /run/a.sock does not exist")
		out.Partial("tcp://1.2.3.4:1: unreachable: Unavailable: dial tcp 1.2.3.4:1: connect: connection refused")
		return errors.New("no CRI endpoint answered (2 tried: /run/a.sock, tcp://1.2.3.4:1)")
	}}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 10 * time.Second}, []Source{src}, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	st := res.Sources[0]
	if st.Status != bundle.StatusError || !strings.HasPrefix(st.Reason, "no CRI endpoint answered") ||
		!strings.Contains(st.Reason, "/run/a.sock does not exist") || !strings.Contains(st.Reason, "connection refused") {
		t.Fatalf("status %+v", st)
	}
}
