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
	// Timeout bounds the whole run; the process is back within Timeout + 2 s.
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
}

// Result is what a run produced: the summary `rtsnap collect` prints.
type Result struct {
	Path       string                `json:"path"`
	Size       int64                 `json:"size"`
	Sources    []bundle.SourceStatus `json:"sources"`
	Counts     map[string]int        `json:"counts"` // status → number of sources
	Redactions int                   `json:"redactions"`
	Truncated  bool                  `json:"truncated"`
	Duration   time.Duration         `json:"-"`
	DurationMS int64                 `json:"duration_ms"`
	Manifest   *bundle.Manifest      `json:"-"`
}

// ErrInterrupted is returned when the run was cancelled (SIGINT/SIGTERM): no
// archive is written.
var ErrInterrupted = errors.New("collection interrupted; no archive written")

// commitReserve is the part of --timeout kept back for writing the archive, so
// sources are abandoned early enough that the process exits within Timeout + 2 s.
const commitReserve = 1500 * time.Millisecond

// Run runs the sources and writes the archive. ctx is the signal context:
// cancelling it aborts the run and leaves nothing behind.
func Run(ctx context.Context, opts Options, sources []Source, red *redact.Redactor) (*Result, error) {
	opts = withDefaults(opts)
	start := time.Now().UTC()
	if opts.Env.Now.IsZero() {
		opts.Env.Now = start
	}

	budget := opts.MaxSize
	free, err := bundle.FreeBytes(opts.OutputDir)
	if err != nil {
		return nil, fmt.Errorf("checking free space in %s: %w", opts.OutputDir, err)
	}
	spaceLimited := false
	if avail := free - freeSlack; avail < budget {
		if avail < minArchive {
			return nil, fmt.Errorf("only %d bytes free in %s (need at least %d): %w", free, opts.OutputDir, minArchive+freeSlack, bundle.ErrNoSpace)
		}
		budget, spaceLimited = avail, true
	}
	w, err := bundle.NewWriter(bundle.WriterOptions{MaxSize: budget})
	if err != nil {
		return nil, fmt.Errorf("starting the archive: %w", err)
	}

	env := opts.Env
	env.limits = newRuntimeLimits(opts.PerRuntimeCalls)
	env.cache = &runCache{}
	env.CallTimeout = opts.CallTimeout
	env.Redactor = red

	// Sources stop at Timeout - commitReserve; the archive is written after.
	runCtx, cancelRun := context.WithTimeout(ctx, opts.Timeout-commitReserve)
	defer cancelRun()

	statuses, archFull := runSources(runCtx, opts, &env, sources, w, red)
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
	m.Redaction.RuleSetVersion = redact.RuleSetVersion
	m.Redaction.Total = red.Total()
	m.Redaction.ByRule = red.ByRule()
	m.Redaction.PseudonymKeyFingerprint = red.KeyFingerprint()
	switch {
	case archFull:
		m.Truncated, m.TruncatedReason = true, fmt.Sprintf("archive budget of %d bytes reached%s", budget, spaceNote(spaceLimited))
	}
	name := opts.Name
	if name == "" {
		name = ArchiveName(m.Host.Hostname, start)
	}

	commitCtx, cancelCommit := context.WithDeadline(ctx, start.Add(opts.Timeout+time.Second))
	defer cancelCommit()
	path, size, err := w.Commit(commitCtx, opts.OutputDir, name, &m, opts.Commit)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		return nil, fmt.Errorf("writing the archive: %w", err)
	}
	res := &Result{Path: path, Size: size, Sources: statuses, Counts: map[string]int{},
		Redactions: m.Redaction.Total, Truncated: m.Truncated, Manifest: &m}
	for _, s := range statuses {
		res.Counts[s.Status]++
	}
	res.Duration = time.Since(start)
	res.DurationMS = res.Duration.Milliseconds()
	return res, nil
}

const (
	freeSlack  = 1 << 20  // kept free on the tmpfs beyond the archive
	minArchive = 64 << 10 // below this a useful bundle cannot be written
)

func spaceNote(limited bool) string {
	if limited {
		return " (lowered to the free space on the output filesystem)"
	}
	return ""
}

func withDefaults(o Options) Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < MinTimeout {
		o.Timeout = MinTimeout
	}
	if o.SourceTimeout <= 0 {
		o.SourceTimeout = DefaultSourceTimeout
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
func runSources(ctx context.Context, opts Options, env *Env, sources []Source, w *bundle.Writer, red *redact.Redactor) ([]bundle.SourceStatus, bool) {
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
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				statuses[i] = bundle.SourceStatus{Name: src.Name(), Status: bundle.StatusTimeout,
					Reason: "not started: the run's --timeout was reached", StartedAt: time.Now().UTC()}
				return
			}
			mu.Lock()
			running[src.Name()] = true
			report()
			mu.Unlock()
			out := &sourceOutput{name: src.Name(), budget: src.Budget(), writer: w, red: red,
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
	timedOut := false
	select {
	case err = <-done:
		// A source that returned because its deadline cancelled its calls
		// did not finish either: that is a timeout, not an error.
		timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	case <-ctx.Done():
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
	switch {
	case timedOut:
		st.Status = bundle.StatusTimeout
		st.Reason = fmt.Sprintf("abandoned after %s (kept %d files, %d bytes)", timeout.Round(time.Millisecond), files, bytes)
		if parent.Err() != nil {
			st.Reason = fmt.Sprintf("abandoned when the run's --timeout was reached (kept %d files, %d bytes)", files, bytes)
		}
	case err != nil && !errors.Is(err, ErrBudget):
		st.Status, st.Reason = bundle.StatusError, env.Redactor.String(err.Error())
	case skipped != "" && files == 0:
		st.Status, st.Reason = bundle.StatusSkipped, skipped
	case len(partials) > 0 || truncated || errors.Is(err, ErrBudget):
		st.Status = bundle.StatusPartial
		reasons := partials
		if truncated {
			reasons = append(reasons, fmt.Sprintf("byte budget reached (%d bytes)", src.Budget()))
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
