package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// Options configure one collection run. Zero values mean the documented defaults.
type Options struct {
	OutputDir string // already prepared (PrepareOutputDir)
	// Timeout bounds the whole run; the process is back within Timeout +
	// ExitMargin, or CommitGrace later when writing the archive takes that
	// long on a loaded node.
	Timeout time.Duration
	// SourceTimeout bounds each source.
	SourceTimeout time.Duration
	// CallTimeout bounds each runtime call inside a source.
	CallTimeout time.Duration
	// MaxSize is the archive budget in bytes.
	MaxSize int64
	// Parallel is how many sources run at once; PerRuntimeCalls how many calls
	// may be in flight against any one runtime socket.
	Parallel, PerRuntimeCalls int

	Env Env // the fields sources read (Since, filters, endpoints...); limits are set by Run

	Manifest bundle.Manifest // collector, host, case id, note, operator, command line, options, redaction info
	Name     string          // archive file name; default rtsnap-<host>-<UTC>.tar.zst
	Commit   bundle.CommitOptions

	// Progress, when set, receives one-line progress updates (a terminal).
	Progress func(running []string, done, total int, bytes int64)

	// Finish, when it delivers a signal (the operator's first Ctrl-C, see
	// NotifyInterrupt), stops the sources and writes the bundle with what
	// they collected, marked interrupted. Cancelling Run's ctx instead
	// aborts: nothing is written.
	Finish <-chan os.Signal
}

// Result is what a run produced: the summary `rtsnap collect` prints.
type Result struct {
	Path       string                `json:"path"`
	Size       int64                 `json:"size"`
	Sources    []bundle.SourceStatus `json:"sources"`
	Counts     map[string]int        `json:"counts"` // status → number of sources
	Redactions int                   `json:"redactions"`
	Truncated  bool                  `json:"truncated"`
	// Interrupted: the operator stopped the run (Options.Finish); the
	// archive holds what was collected until then.
	Interrupted bool             `json:"interrupted"`
	Duration    time.Duration    `json:"-"`
	DurationMS  int64            `json:"duration_ms"`
	Manifest    *bundle.Manifest `json:"-"`
}

// ErrInterrupted is returned when the run was aborted (ctx cancelled: a second
// SIGINT/SIGTERM): no archive is written.
var ErrInterrupted = errors.New("collection interrupted; no archive written")

// interruptCause is why sources were stopped when the operator asked to finish.
type interruptCause struct{ sig os.Signal }

func (c interruptCause) Error() string {
	return fmt.Sprintf("stopped by the operator (%s)", c.sig)
}

// commitReserve is the part of --timeout kept back for writing the archive, so
// sources are abandoned early enough that the process exits within Timeout +
// ExitMargin on a node that gives the collector its share of a CPU.
const commitReserve = 1500 * time.Millisecond

// Run runs the sources and writes the archive. Cancelling ctx aborts the run
// and leaves nothing behind; a signal on opts.Finish ends it early with a
// bundle marked interrupted.
func Run(ctx context.Context, opts Options, sources []Source, red *redact.Redactor) (*Result, error) {
	opts = withDefaults(opts)
	start := time.Now().UTC()
	if opts.Env.Now.IsZero() {
		opts.Env.Now = start
	}

	budget, spaceLimited, err := archiveBudget(opts.OutputDir, opts.MaxSize)
	if err != nil {
		return nil, err
	}
	w, err := bundle.NewWriter(bundle.WriterOptions{MaxSize: budget, Tier: SourceTier})
	if err != nil {
		return nil, fmt.Errorf("starting the archive: %w", err)
	}

	env := opts.Env
	env.limits = newRuntimeLimits(opts.PerRuntimeCalls)
	env.cache = &runCache{}
	env.CallTimeout = opts.CallTimeout
	env.Redactor = red
	env.stalls = startStallClock()
	defer env.stalls.close()
	if opts.SourceTimeout <= 0 {
		// The node's containers, from the runtimes' state files (read once
		// per run; the runc, proc and cgroup sources use the same read).
		_, states, _ := env.RuncStates()
		opts.SourceTimeout = scaledSourceTimeout(len(states), opts.Timeout)
	}

	// Sources stop at Timeout - commitReserve; the archive is written after.
	runCtx, cancelRun := context.WithTimeoutCause(ctx, opts.Timeout-commitReserve, errRunTimeout)
	defer cancelRun()
	stopRun, cancelStop := context.WithCancelCause(runCtx)
	defer cancelStop(nil)
	var interrupted *interruptCause
	finished := make(chan struct{})
	go func() {
		select {
		case sig := <-opts.Finish:
			interrupted = &interruptCause{sig: sig}
			cancelStop(*interrupted)
		case <-stopRun.Done():
		}
		close(finished)
	}()

	note := archiveNote(budget, opts.MaxSize, spaceLimited)
	statuses, archFull := runSources(stopRun, opts, &env, sources, w, red, note)
	cancelStop(nil)
	<-finished // interrupted is settled
	if ctx.Err() != nil {
		return nil, ErrInterrupted
	}

	report, err := json.MarshalIndent(red.Report(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the redaction report: %w", err)
	}
	if _, err := w.Add("redaction-report.json", "rtsnap", redact.JSON.String(), report); err != nil {
		archFull = true
	}

	m := opts.Manifest
	m.StartedAt, m.FinishedAt = start, time.Now().UTC()
	m.Sources = statuses
	m.PeakRSSBytes = PeakRSS()
	m.Pressure = env.limits.report()
	m.CollectorStalls = env.stalls.report()
	m.Redaction.RuleSetVersion = redact.RuleSetVersion
	m.Redaction.Total = red.Total()
	m.Redaction.ByRule = red.ByRule()
	m.Redaction.PseudonymKeyFingerprint = red.KeyFingerprint()
	var reasons []string
	if interrupted != nil {
		m.Interrupted = true
		m.InterruptedReason = fmt.Sprintf("%s after %s; sources still running then were stopped and kept what they had written",
			interrupted, time.Since(start).Round(time.Millisecond))
		reasons = append(reasons, "interrupted: "+interrupted.Error())
	}
	if archFull {
		reasons = append(reasons, note+"; bulk sources (logs, journal) are cut first")
	}
	if len(reasons) > 0 {
		m.Truncated, m.TruncatedReason = true, strings.Join(reasons, "; ")
	}
	name := opts.Name
	if name == "" {
		name = ArchiveName(m.Host.Hostname, start)
	}

	// The commit's deadline is the last resort's, not the run's: on a node
	// starved of CPU, writing what was collected may take longer than the
	// reserve, and a late bundle serves the case where none would not. It
	// ends half the margin before the last resort, so the temporary file is
	// removed first.
	commitCtx, cancelCommit := context.WithDeadline(ctx, start.Add(opts.Timeout+CommitGrace+ExitMargin/2))
	defer cancelCommit()
	path, size, err := w.Commit(commitCtx, opts.OutputDir, name, &m, opts.Commit)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		return nil, fmt.Errorf("writing the archive: %w", err)
	}
	res := &Result{Path: path, Size: size, Sources: m.Sources, Counts: map[string]int{},
		Redactions: m.Redaction.Total, Truncated: m.Truncated, Interrupted: m.Interrupted, Manifest: &m}
	for _, s := range m.Sources {
		res.Counts[s.Status]++
	}
	res.Duration = time.Since(start)
	res.DurationMS = res.Duration.Milliseconds()
	return res, nil
}

// minArchive is the smallest budget worth starting a run with when free space
// lowers --max-size: below it a useful bundle cannot be written.
const minArchive = 64 << 10

// errRunTimeout is why sources are stopped when the run's --timeout nears.
var errRunTimeout = errors.New("the run's --timeout was reached")

// archiveBudget is the effective archive budget: --max-size, lowered to the
// free space on dir's filesystem (keeping bundle.SpaceSlack free for the
// node). When not even a small archive fits, the error names --max-size and
// the figures, so the operator knows what to change.
func archiveBudget(dir string, maxSize int64) (budget int64, spaceLimited bool, err error) {
	free, err := bundle.FreeBytes(dir)
	if err != nil {
		return 0, false, fmt.Errorf("checking free space in %s: %w", dir, err)
	}
	avail := free - bundle.SpaceSlack
	if avail >= maxSize {
		return maxSize, false, nil
	}
	need := min(maxSize, minArchive)
	if avail < need {
		hint := "free space there or pick a larger tmpfs with --output"
		if maxSize > minArchive {
			hint += fmt.Sprintf(", or lower --max-size (a useful bundle needs %d bytes)", minArchive)
		}
		return 0, false, fmt.Errorf("%s has %d bytes free; an archive of --max-size %d needs at least %d bytes there plus %d kept free for the node: %s: %w",
			dir, max(free, 0), maxSize, need, bundle.SpaceSlack, hint, bundle.ErrNoSpace)
	}
	return avail, true, nil
}

// archiveNote names the archive budget for statuses and the manifest: it is
// --max-size, or the free space that lowered it.
func archiveNote(budget, maxSize int64, spaceLimited bool) string {
	if spaceLimited {
		return fmt.Sprintf("archive budget of %d bytes reached (--max-size %d, lowered to the free space on the output filesystem)", budget, maxSize)
	}
	return fmt.Sprintf("archive budget reached (--max-size %d bytes)", budget)
}

// scaledSourceTimeout is DefaultSourceTimeout per started 1,000 containers,
// within the run's own bound: the CRI and containerd sources make a few
// calls per container, and at 2,000 containers on a loaded node they need
// more than 15 s (docs/benchmarks.md), while a hung runtime is still cut at
// --call-timeout per call.
func scaledSourceTimeout(containers int, runTimeout time.Duration) time.Duration {
	per := max(1, (containers+999)/1000)
	return min(time.Duration(per)*DefaultSourceTimeout, runTimeout-commitReserve)
}

func withDefaults(o Options) Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < MinTimeout {
		o.Timeout = MinTimeout
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.PerRuntimeCalls <= 0 {
		o.PerRuntimeCalls = DefaultPerRuntimeCalls
	}
	if o.Env.ProcRoot == "" {
		o.Env.ProcRoot = "/proc"
	}
	if o.Env.SysRoot == "" {
		o.Env.SysRoot = "/sys"
	}
	if o.Env.Since <= 0 {
		o.Env.Since = DefaultSince
	}
	return o
}

// ArchiveName is rtsnap-<hostname>-<UTC time>.tar.zst, safe as a file name.
func ArchiveName(host string, t time.Time) string {
	safe := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, host)
	if safe == "" {
		safe = "unknown"
	}
	return fmt.Sprintf("rtsnap-%s-%s.tar.zst", safe, t.UTC().Format("20060102T150405Z"))
}

// runSources runs every source with bounded parallelism and returns their
// statuses in source order, and whether the archive budget was reached.
func runSources(ctx context.Context, opts Options, env *Env, sources []Source, w *bundle.Writer, red *redact.Redactor, archiveNote string) ([]bundle.SourceStatus, bool) {
	statuses := make([]bundle.SourceStatus, len(sources))
	var (
		mu       sync.Mutex
		running  = map[string]bool{}
		done     int
		total    int64
		archFull bool
	)
	report := func() {
		if opts.Progress == nil {
			return
		}
		names := make([]string, 0, len(running))
		for n := range running {
			names = append(names, n)
		}
		sort.Strings(names)
		opts.Progress(names, done, len(sources), total)
	}
	slots := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	// One loop hands out the slots in startOrder, so which source starts
	// first is a decision, not a race between goroutines.
	order := startOrder(sources)
	for k, i := range order {
		src := sources[i]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		// A slot may free up in the same instant the run is stopped:
		// a source is never started after that.
		if ctx.Err() != nil {
			for _, j := range order[k:] {
				statuses[j] = notStarted(ctx, sources[j].Name())
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			mu.Lock()
			running[src.Name()] = true
			report()
			mu.Unlock()
			out := &sourceOutput{name: src.Name(), budget: src.Budget(), writer: w, red: red, archiveNote: archiveNote,
				onWrite: func(n int64) { mu.Lock(); total += n; report(); mu.Unlock() }}
			st, full := runOne(ctx, opts.SourceTimeout, env, src, out)
			mu.Lock()
			statuses[i] = st
			archFull = archFull || full
			delete(running, src.Name())
			done++
			report()
			mu.Unlock()
		}()
	}
	wg.Wait()
	return statuses, archFull
}

// startRank orders the sources' claims on the first slots. First (0) the
// sources that spend their time waiting on a runtime's answers rather than
// computing: on a big node they are the longest (at 2,000 containers the
// cri and containerd sources took 3.5 s each while the proc and cgroup
// sources computed beside them), so they start first and the sources that
// compute fill the other slots while they wait. When the slots went to
// whichever goroutine won the race, they waited behind proc and cgroup and
// ended the run 3 s later (docs/benchmarks.md). Next (1) the sources that
// wait on child processes they start (host's --version runs, configs'
// `containerd config dump`s): started behind the computing ones on the
// lab's node they ended the run, 0.3 s after every other source.
func startRank(name string) int {
	switch name {
	case "cri", "containerd", "docker", "crio":
		return 0
	case "host", "configs":
		return 1
	}
	return 2
}

// startOrder is the order sources are given slots: by startRank, each rank
// in registration order. It returns indexes into sources.
func startOrder(sources []Source) []int {
	order := make([]int, len(sources))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return startRank(sources[order[a]].Name()) < startRank(sources[order[b]].Name())
	})
	return order
}

// notStarted is the status of a source the run stopped before it started:
// timeout at the run's --timeout, skipped when the operator interrupted.
func notStarted(ctx context.Context, name string) bundle.SourceStatus {
	st := bundle.SourceStatus{Name: name, Status: bundle.StatusTimeout,
		Reason: "not started: " + context.Cause(ctx).Error(), StartedAt: time.Now().UTC()}
	if errors.As(context.Cause(ctx), new(interruptCause)) {
		st.Status = bundle.StatusSkipped
	}
	return st
}

// runOne runs one source under its own deadline. A source that does not
// return by then is abandoned (its goroutine may linger until it notices the
// cancelled context, but its output is closed) and recorded as a timeout with
// whatever it wrote.
func runOne(parent context.Context, timeout time.Duration, env *Env, src Source, out *sourceOutput) (bundle.SourceStatus, bool) {
	started := time.Now().UTC()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("source panicked: %v\n%s", r, debug.Stack())
			}
		}()
		done <- src.Collect(ctx, env, out)
	}()
	var err error
	timedOut, cutShort := false, false
	select {
	case err = <-done:
		// A source that returned because its deadline cancelled its calls
		// did not finish either: that is a timeout, not an error.
		timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
		cutShort = ctx.Err() != nil
	case <-ctx.Done():
		cutShort = true
		// Give a source that honours ctx a moment to return what it has.
		select {
		case err = <-done:
		case <-time.After(200 * time.Millisecond):
		}
		timedOut = true
	}
	bytes, files, truncated, archFull, skipped, partials := out.close()
	st := bundle.SourceStatus{Name: src.Name(), StartedAt: started,
		DurationMS: time.Since(started).Milliseconds(), Bytes: bytes, Files: files}
	var stopped interruptCause
	switch {
	case cutShort && errors.As(context.Cause(parent), &stopped):
		// The operator asked to finish while the source ran: whatever it
		// returned, it was cut short, and what it wrote is kept. One that
		// had returned already keeps its own status.
		st.Status = bundle.StatusPartial
		st.Reason = fmt.Sprintf("%s (kept %d files, %d bytes)", stopped, files, bytes)
	case timedOut:
		st.Status = bundle.StatusTimeout
		st.Reason = fmt.Sprintf("abandoned after %s (kept %d files, %d bytes)", timeout.Round(time.Millisecond), files, bytes)
		if parent.Err() != nil {
			st.Reason = fmt.Sprintf("abandoned when the run's --timeout was reached (kept %d files, %d bytes)", files, bytes)
		}
		// A source the archive budget cut before its deadline says so too:
		// the manifest's truncation must name the sources it cut.
		if archFull {
			st.Reason += "; " + out.archiveNote
		}
	case err != nil && !errors.Is(err, ErrBudget):
		// The partials say what led there (one reason per endpoint, say).
		st.Status, st.Reason = bundle.StatusError, strings.Join(append([]string{env.Redactor.String(err.Error())}, partials...), "; ")
	case skipped != "" && files == 0:
		st.Status, st.Reason = bundle.StatusSkipped, skipped
	case len(partials) > 0 || truncated || errors.Is(err, ErrBudget):
		st.Status = bundle.StatusPartial
		reasons := partials
		switch {
		case archFull:
			// The archive's budget, not the source's own, cut it.
			reasons = append(reasons, out.archiveNote)
		case truncated:
			reasons = append(reasons, fmt.Sprintf("the source's byte budget reached (%d bytes)", src.Budget()))
		}
		st.Reason = strings.Join(reasons, "; ")
	default:
		st.Status = bundle.StatusOK
	}
	return st, archFull
}

// PeakRSS is the process's peak resident set size in bytes (getrusage maxrss is KiB on Linux).
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// Hostname is os.Hostname with a fallback that never fails.
func Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}
