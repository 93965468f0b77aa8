package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/all"
	"github.com/rtsnap/rtsnap/collect/host"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/hostroot"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/version"
	"github.com/rtsnap/rtsnap/redact"
)

// collectFlags are `rtsnap collect`'s options, parsed by cobra/pflag.
type collectFlags struct {
	output, caseID, note, operator                   string
	allowDisk, quiet, jsonOut, active, criStats      bool
	criVerbosePods, criVerboseContainers             bool
	criStatusAll                                     bool
	containerdTaskList                               bool
	timeout, sourceTimeout, callTimeout              time.Duration
	since                                            *cli.Since
	maxSize, memoryLimit                             cli.Size
	only, skip, namespaces, podNamespaces, endpoints []string
	journalDirs, dockerHosts                         []string
	hostRoot, kubeletRoot, podLogsDir                string
	maxContainers, parallel, perRuntime, nice        int
	noIdleIO                                         bool
	redactKeys, redactRegexes                        []string
	redactRules, pseudonymKeyFile                    string
	pseudonymize, pseudoHosts, pseudoIPs, pseudoMACs bool
	noDefaultRedaction                               bool
	cpuProfile, memProfile                           string
	encryptTo                                        []string
	signKey                                          string
	retain                                           time.Duration
	// window is --since resolved against the start of the run.
	window time.Duration
}

const collectLong = `Capture a bounded, redacted, read-only snapshot of this node's container runtimes (CRI, containerd, Docker, runc, /proc and cgroups, journals, configs, container logs) into one tar.zst archive on a tmpfs, with a manifest saying what was taken, what failed and what was redacted. Run as root. 'rtsnap sources' lists the sources.`

const collectExample = `  rtsnap collect --case-id SR-123
  rtsnap collect -S 2h --only cri,containerd,journal -o /dev/shm/case42
  rtsnap collect -S "2026-12-01 10:00" --max-size 16MiB --encrypt-to age1...`

// newCollectCmd is `rtsnap collect`. cmdLine is the process's arguments,
// recorded (redacted) in the manifest.
func newCollectCmd(cmdLine []string) *cobra.Command {
	f := &collectFlags{since: cli.NewSince(collect.DefaultSince), maxSize: collect.DefaultMaxSize, memoryLimit: collect.DefaultMemoryLimit}
	cmd := &cobra.Command{
		Use:     "collect [flags]",
		Short:   "capture a snapshot of this node's container runtimes",
		Long:    collectLong,
		Example: collectExample,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(time.Now()); err != nil {
				return err
			}
			return cli.Exit(runCollect(f, cmd.Flags(), cmdLine, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	cli.SetExitCodes(cmd, cli.OK, cli.Failed, cli.Interrupted)
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVarP(&f.output, "output", "o", "", "write the archive into `DIR`, which must be a tmpfs (default: the first of /run/rtsnap, /dev/shm/rtsnap)")
	fs.BoolVar(&f.allowDisk, "allow-disk", false, "allow --output on a disk filesystem (the disk under investigation may be failing)")
	fs.Var(&f.maxSize, "max-size", "archive budget `SIZE`: 16MiB, 500MB or bytes")
	fs.DurationVar(&f.retain, "retain", export.DefaultRetain, "before collecting, remove rtsnap bundles in the output dir older than this (0: keep all)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress and no summary (errors still go to stderr)")
	fs.BoolVar(&f.jsonOut, "json", false, "print the final summary as JSON on stdout")
	cli.Group(fs, "Output", "output", "allow-disk", "max-size", "retain", "quiet", "json")

	fs.VarP(f.since, "since", "S", "`WHEN` logs, journals and events start: a duration (30m), a time (\"2026-12-01 10:00\", RFC 3339; local time without a zone) or boot")
	fs.StringSliceVar(&f.only, "only", nil, "run only these `SOURCES` (comma-separated or repeated; 'rtsnap sources' lists them)")
	fs.StringSliceVar(&f.skip, "skip", nil, "do not run these `SOURCES`")
	fs.StringSliceVar(&f.namespaces, "namespace", nil, "containerd `NAMESPACES` to collect (default all)")
	fs.StringSliceVar(&f.podNamespaces, "pod-namespace", nil, "Kubernetes `NAMESPACES` to collect (default all)")
	fs.IntVar(&f.maxContainers, "max-containers", collect.DefaultMaxContainers, "bound on per-container work per runtime (0: no bound)")
	fs.BoolVar(&f.criStats, "cri-stats", false, "also ask CRI for container and pod stats: costly on busy nodes, and the cgroup source reads the same figures")
	fs.BoolVar(&f.criVerbosePods, "cri-verbose-pods", false, fmt.Sprintf("ask every pod sandbox's CRI status with verbose info (by default every one on nodes of up to %d sandboxes, above that only those not ready: on containerd each is two calls to its shim, and a ready one's pid, spec and namespaces are in the runc, containerd and proc sources)", collect.VerbosePodsUpTo))
	fs.BoolVar(&f.criVerboseContainers, "cri-verbose-containers", false, fmt.Sprintf("ask every container's CRI status with verbose info (by default every one on nodes of up to %d containers, above that only those not running: a running one's spec, snapshot and runtime are in the containerd source, its pid in runc)", collect.VerboseContainersUpTo))
	fs.BoolVar(&f.criStatusAll, "cri-status-all", false, fmt.Sprintf("ask every container's CRI status (by default every one on nodes of up to %d containers, above that only those not running: on containerd 2.x each is a decode of its spec; a running one's start time is in runc, its mounts and resources in the containerd source)", collect.StatusContainersUpTo))
	fs.BoolVar(&f.containerdTaskList, "containerd-task-list", false, fmt.Sprintf("ask containerd's task list in every namespace (by default in namespaces of up to %d containers; above that only the tasks the runc state and /proc do not vouch for, and a sample of the shims they do: the list asks every shim in turn)", collect.TaskListUpTo))
	fs.BoolVar(&f.active, "active", false, "allow the one non-read-only action: ask containerd and dockerd for a goroutine dump (SIGUSR1)")
	for _, name := range []string{"only", "skip"} {
		if err := cmd.RegisterFlagCompletionFunc(name, completeSources); err != nil {
			panic(err)
		}
	}
	cli.Group(fs, "What to collect", "since", "only", "skip", "namespace", "pod-namespace", "max-containers", "cri-stats", "cri-verbose-pods", "cri-verbose-containers", "containerd-task-list", "active")

	fs.StringArrayVar(&f.endpoints, "runtime-endpoint", nil, "CRI/containerd socket `URL` (repeatable; default: discovered), e.g. unix:///run/containerd/containerd.sock")
	fs.StringArrayVar(&f.dockerHosts, "docker-socket", nil, "Docker Engine API socket `PATH` (repeatable; default: /var/run/docker.sock and those running dockerd and cri-dockerd name)")
	fs.StringArrayVar(&f.journalDirs, "journal-dir", nil, "extra journal `DIR` to read besides the system journal (repeatable)")
	fs.StringVar(&f.hostRoot, "host-root", "", "the host's / is mounted at `DIR` (the collector runs in a container with hostPID): every host path, socket and journal is read under it")
	fs.StringVar(&f.kubeletRoot, "kubelet-root", "", "kubelet's --root-dir `DIR` when not /var/lib/kubelet and kubelet is not running to say so")
	fs.StringVar(&f.podLogsDir, "pod-logs-dir", "", "kubelet's podLogsDir `DIR` when not /var/log/pods")
	cli.Group(fs, "Runtimes", "runtime-endpoint", "docker-socket", "journal-dir", "host-root", "kubelet-root", "pod-logs-dir")

	fs.DurationVar(&f.timeout, "timeout", collect.DefaultTimeout, fmt.Sprintf("bound for the whole run; the process exits within it + %s (%s more if writing the archive lags on a loaded node)", collect.ExitMargin, collect.CommitGrace))
	fs.DurationVar(&f.sourceTimeout, "source-timeout", collect.DefaultSourceTimeout, "bound for each source; a source still running then is recorded as timeout (unset: this per 1,000 containers on the node, within --timeout)")
	fs.DurationVar(&f.callTimeout, "call-timeout", collect.DefaultCallTimeout, "bound for each runtime call inside a source")
	fs.IntVar(&f.parallel, "parallel", collect.DefaultParallel, "sources running at once")
	fs.IntVar(&f.perRuntime, "per-runtime-calls", collect.DefaultPerRuntimeCalls, "calls in flight against any one runtime, so kubelet is not starved")
	fs.Var(&f.memoryLimit, "memory-limit", "soft limit `SIZE` on the collector's Go memory (as GOMEMLIMIT), so a node short of memory sees the collector's GC work harder instead of its heap grow (0: no limit)")
	fs.IntVar(&f.nice, "nice", 10, "CPU nice value for the collector, -20 to 19 (0: leave as is)")
	fs.BoolVar(&f.noIdleIO, "no-idle-io", false, "keep the normal I/O priority instead of the idle class")
	// Hidden: for the benchmarks (docs/benchmarks.md), not for operators.
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the collection to `FILE` (go tool pprof)")
	_ = fs.MarkHidden("cpuprofile")
	fs.StringVar(&f.memProfile, "memprofile", "", "write an allocation profile of the collection to `FILE` (go tool pprof -sample_index=alloc_space)")
	_ = fs.MarkHidden("memprofile")
	cli.Group(fs, "Deadlines and load", "timeout", "source-timeout", "call-timeout", "parallel", "per-runtime-calls", "memory-limit", "nice", "no-idle-io")

	fs.StringVar(&f.caseID, "case-id", "", "support case `ID` recorded in the manifest, e.g. SR-12345")
	fs.StringVar(&f.note, "note", "", "free-text `TEXT` recorded in the manifest")
	fs.StringVar(&f.operator, "operator", "", "`NAME` of who collected (default: $SUDO_USER, else the current user)")
	cli.Group(fs, "Case record", "case-id", "note", "operator")

	fs.StringArrayVar(&f.redactKeys, "redact-key", nil, "extra secret key `NAME` to redact (repeatable)")
	fs.StringArrayVar(&f.redactRegexes, "redact-regex", nil, "extra `REGEX` to redact (repeatable; group 1 if present)")
	fs.StringVar(&f.redactRules, "redact-rules", "", "`FILE` of extra keys and patterns (docs/redaction.md)")
	fs.BoolVar(&f.pseudonymize, "pseudonymize", false, "replace secrets with keyed HMAC tokens instead of [REDACTED:rule], so equal values stay comparable")
	fs.StringVar(&f.pseudonymKeyFile, "pseudonym-key-file", "", "key `FILE` for --pseudonymize: the same key gives the same tokens across bundles")
	fs.BoolVar(&f.pseudoHosts, "pseudonymize-hosts", false, "also replace this node's hostname with a consistent pseudonym")
	fs.BoolVar(&f.pseudoIPs, "pseudonymize-ips", false, "also replace IP addresses with consistent pseudonyms")
	fs.BoolVar(&f.pseudoMACs, "pseudonymize-macs", false, "also replace MAC addresses with consistent pseudonyms")
	fs.BoolVar(&f.noDefaultRedaction, "no-default-redaction", false, "DANGEROUS: turn the default redaction rules off; the manifest then marks the bundle unredacted")
	cli.Group(fs, "Redaction", "redact-key", "redact-regex", "redact-rules", "pseudonymize", "pseudonym-key-file", "pseudonymize-hosts", "pseudonymize-ips", "pseudonymize-macs", "no-default-redaction")

	fs.StringArrayVar(&f.encryptTo, "encrypt-to", nil, "encrypt the archive with age to this `RECIPIENT` (repeatable): an age1... or ssh-ed25519/ssh-rsa public key, or a file of them; the plaintext never reaches the disk")
	fs.StringVar(&f.signKey, "sign-key", "", "minisign secret key `FILE`: write <archive>.minisig with a signed custody record (passphrase from $RTSNAP_SIGN_PASSWORD if the key has one)")
	cli.Group(fs, "Encryption and signing", "encrypt-to", "sign-key")
	return cmd
}

// completeSources completes --only and --skip with the registry's names.
func completeSources(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	reg, err := all.Registry()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, s := range reg.All() {
		out = append(out, cobra.CompletionWithDesc(s.Name(), s.Description()))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// validate refuses bad and contradictory values before anything runs: a
// replaced value would collect something nobody asked for.
func (f *collectFlags) validate(now time.Time) error {
	switch {
	case f.timeout < collect.MinTimeout:
		return cli.Usagef("--timeout %s: must be at least %s", f.timeout, collect.MinTimeout)
	case f.sourceTimeout <= 0:
		return cli.Usagef("--source-timeout %s: must be positive", f.sourceTimeout)
	case f.callTimeout <= 0:
		return cli.Usagef("--call-timeout %s: must be positive", f.callTimeout)
	case f.maxSize <= 0:
		return cli.Usagef("--max-size %s: must be positive", f.maxSize.String())
	case f.memoryLimit < 0:
		return cli.Usagef("--memory-limit: must not be negative")
	case f.parallel < 1:
		return cli.Usagef("--parallel %d: must be at least 1", f.parallel)
	case f.perRuntime < 1:
		return cli.Usagef("--per-runtime-calls %d: must be at least 1", f.perRuntime)
	case f.maxContainers < 0:
		return cli.Usagef("--max-containers %d: must not be negative (0: no bound)", f.maxContainers)
	case f.nice < -20 || f.nice > 19:
		return cli.Usagef("--nice %d: must be between -20 and 19", f.nice)
	case f.retain < 0:
		return cli.Usagef("--retain %s: must not be negative (0: keep all)", f.retain)
	}
	for _, o := range f.only {
		if slices.Contains(f.skip, o) {
			return cli.Usagef("--only %s and --skip %s contradict each other", o, o)
		}
	}
	w, err := f.since.Window(now, func() (time.Time, error) {
		b := procscan.BootTime("/proc")
		if b.IsZero() {
			return b, errors.New("no btime in /proc/stat")
		}
		return b, nil
	})
	if err != nil {
		return cli.Usagef("%v", err)
	}
	f.window = w
	return nil
}

func runCollect(f *collectFlags, fs *pflag.FlagSet, cmdLine []string, stdout, stderr io.Writer) int {
	registry, err := all.Registry()
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap collect: %v\n", err)
		return cli.Failed
	}
	sources, err := registry.Select(f.only, f.skip)
	if err != nil {
		return usageError(stderr, err)
	}

	root, err := hostroot.New(f.hostRoot)
	if err != nil {
		return cli.UsageError(stderr, "rtsnap collect", fmt.Errorf("--host-root: %w", err))
	}
	procRoot, sysRoot := root.Path("/proc"), root.Path("/sys")
	hostname, bootID, machineID, kernel, cgroupMode := host.Identity(procRoot, sysRoot, root.Path("/etc/machine-id"))
	red, err := newRedactor(f, hostname)
	if err != nil {
		return usageError(stderr, err)
	}
	plan, err := newExportPlan(f)
	if err != nil {
		return usageError(stderr, err)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "rtsnap collect: %s\n", red.String(err.Error()))
		if errors.Is(err, collect.ErrInterrupted) {
			return cli.Interrupted
		}
		return cli.Failed
	}

	// A refused output directory is a bad --output (or a missing one):
	// nothing has run, another value is the fix.
	dir, err := collect.PrepareOutputDir(f.output, f.allowDisk)
	if err != nil {
		return usageError(stderr, err)
	}
	// Retention first: old bundles on a tmpfs are RAM the new one may need.
	pruned, pruneErr := export.Prune(dir, f.retain, time.Now(), false)
	if f.memoryLimit > 0 {
		debug.SetMemoryLimit(int64(f.memoryLimit))
	}
	if f.cpuProfile != "" {
		stopProfile, err := cli.StartCPUProfile(f.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "rtsnap collect: --cpuprofile: %v\n", err)
			return 1
		}
		defer stopProfile()
	}
	if f.memProfile != "" {
		defer func() {
			if err := cli.WriteAllocProfile(f.memProfile); err != nil {
				fmt.Fprintf(stderr, "rtsnap collect: --memprofile: %v\n", err)
			}
		}()
	}
	if f.nice != 0 || !f.noIdleIO {
		if err := collect.LowerPriority(f.nice, !f.noIdleIO); err != nil && !f.quiet {
			fmt.Fprintf(stderr, "rtsnap collect: warning: lowering priority: %v\n", err)
		}
	}

	if w := collect.PrivilegeWarning(os.Geteuid(), sources); w != "" {
		fmt.Fprintf(stderr, "rtsnap collect: warning: %s\n", w)
	}
	ctx, finish, stop := collect.NotifyInterrupt(context.Background(), func(sig os.Signal, aborting bool) {
		if aborting {
			fmt.Fprintf(stderr, "\nrtsnap collect: %s again: aborting, nothing is written\n", sig)
		} else {
			fmt.Fprintf(stderr, "\nrtsnap collect: %s: finishing the bundle with what was collected (again to abort)\n", sig)
		}
	})
	defer stop()
	// Sources are abandoned before --timeout, so the process is normally
	// gone by --timeout + ExitMargin. On a node that starves the collector,
	// writing what it has may take longer: it gets CommitGrace more, and
	// then, whatever a source or the kernel does, the last resort exits. The
	// writer has removed its temporary file by then.
	late := time.AfterFunc(f.timeout+collect.ExitMargin, func() {
		if !f.quiet {
			fmt.Fprintf(stderr, "rtsnap collect: --timeout + %s reached while writing the archive (the node is loaded); waiting up to %s more for it\n",
				collect.ExitMargin, collect.CommitGrace)
		}
	})
	defer late.Stop()
	watchdog := time.AfterFunc(f.timeout+collect.ExitMargin+collect.CommitGrace, func() {
		fmt.Fprintf(stderr, "rtsnap collect: --timeout + %s reached; exiting without a bundle\n", collect.ExitMargin+collect.CommitGrace)
		os.Exit(1)
	})
	defer watchdog.Stop()

	ver, commit := version.Info()
	var actions []string
	if f.active {
		actions = append(actions, "goroutine dump (SIGUSR1) of containerd and dockerd")
	}
	opts := collect.Options{
		OutputDir: dir, Timeout: f.timeout, SourceTimeout: explicitDuration(fs, "source-timeout", f.sourceTimeout), CallTimeout: f.callTimeout,
		MaxSize: int64(f.maxSize), Parallel: f.parallel, PerRuntimeCalls: f.perRuntime,
		Env: collect.Env{
			Since: f.window, Namespaces: f.namespaces, PodNamespaces: f.podNamespaces,
			MaxContainers: f.maxContainers, RuntimeEndpoints: f.endpoints, DockerHosts: f.dockerHosts,
			JournalDirs: f.journalDirs, Active: f.active, CRIStats: f.criStats, CRIVerbosePods: f.criVerbosePods,
			CRIVerboseContainers: f.criVerboseContainers, CRIStatusAll: f.criStatusAll, ContainerdTaskList: f.containerdTaskList,
			Host: root, ProcRoot: procRoot, SysRoot: sysRoot, KubeletRoot: f.kubeletRoot, PodLogsDir: f.podLogsDir,
		},
		Manifest: bundle.Manifest{
			Collector:     bundle.CollectorInfo{Name: "rtsnap", Version: ver, Commit: commit, GoVersion: runtime.Version()},
			Host:          bundle.HostInfo{Hostname: red.String(hostname), BootID: bootID, MachineIDSHA256: machineID, Kernel: kernel, CgroupMode: cgroupMode},
			CaseID:        red.String(f.caseID),
			Note:          red.String(f.note),
			Operator:      red.String(operator(f.operator)),
			CommandLine:   redactArgs(red, cmdLine),
			Options:       flagValues(fs, red),
			ActiveActions: actions,
			Unredacted:    f.noDefaultRedaction,
			Redaction:     bundle.RedactionInfo{Pseudonymized: f.pseudonymize},
		},
	}
	for _, p := range collect.EndpointProblems(&opts.Env) {
		fmt.Fprintf(stderr, "rtsnap collect: warning: %s\n", red.String(p))
	}
	opts.Finish = finish
	opts.Commit.Reserve = []string{export.SignatureSuffix}
	plan.apply(&opts, opts.Manifest.Host.Hostname)
	progress := newProgress(stderr, f.quiet)
	opts.Progress = progress.update
	res, err := collect.Run(ctx, opts, sources, red)
	progress.finish()
	if err != nil {
		return fail(err)
	}
	sig, err := plan.sign(res)
	if err != nil {
		return fail(err)
	}
	out := &collectOutput{Result: res, Signature: sig, KeyID: plan.keyID, Pruned: pruned}
	if out.Pruned == nil {
		out.Pruned = []export.Removed{}
	}
	if plan.recipients != nil {
		out.Encrypted, out.Recipients = true, plan.recipients.Fingerprints
	}
	if f.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(err)
		}
	} else if !f.quiet {
		var buf bytes.Buffer
		printSummary(&buf, res, f.noDefaultRedaction)
		printExportSummary(&buf, out, pruneErr)
		io.WriteString(stderr, red.String(buf.String()))
	}
	if pruneErr != nil && (f.quiet || f.jsonOut) {
		fmt.Fprintf(stderr, "rtsnap collect: retention: %s\n", red.String(pruneErr.Error()))
	}
	if res.Interrupted {
		return cli.Interrupted // the archive is written, marked interrupted
	}
	return cli.OK
}

// usageError reports a bad value found once flags were parsed (an unknown
// source, an unreadable key).
func usageError(stderr io.Writer, err error) int {
	return cli.UsageError(stderr, "rtsnap collect", err)
}

// explicitDuration is the flag's value when given, else 0 (the engine's
// default, which may scale with the node).
func explicitDuration(fs *pflag.FlagSet, name string, value time.Duration) time.Duration {
	if fs.Changed(name) {
		return value
	}
	return 0
}

func newRedactor(f *collectFlags, hostname string) (*redact.Redactor, error) {
	cfg := redact.Config{
		DisableDefaults: f.noDefaultRedaction, ExtraKeys: f.redactKeys, ExtraPatterns: f.redactRegexes,
		Pseudonymize: f.pseudonymize, PseudonymizeHosts: f.pseudoHosts, PseudonymizeIPs: f.pseudoIPs,
		PseudonymizeMACs: f.pseudoMACs, Hostnames: []string{hostname},
	}
	if f.redactRules != "" {
		keys, patterns, err := redact.LoadRulesFile(f.redactRules)
		if err != nil {
			return nil, fmt.Errorf("--redact-rules: %w", err)
		}
		cfg.ExtraKeys = append(cfg.ExtraKeys, keys...)
		cfg.ExtraPatterns = append(cfg.ExtraPatterns, patterns...)
	}
	if f.pseudonymKeyFile != "" {
		key, err := os.ReadFile(f.pseudonymKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--pseudonym-key-file: %w", err)
		}
		key = bytes.TrimSpace(key)
		if len(key) < 16 {
			return nil, fmt.Errorf("--pseudonym-key-file %s: key shorter than 16 bytes", f.pseudonymKeyFile)
		}
		cfg.PseudonymKey = key
		cfg.Pseudonymize = true
		f.pseudonymize = true
	}
	r, err := redact.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("redaction rules: %w", err)
	}
	return r, nil
}

// operator is --operator, else the user who ran sudo, else the current user.
func operator(flag string) string {
	if flag != "" {
		return flag
	}
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func redactArgs(red *redact.Redactor, args []string) []string {
	// Redact the joined line too, so "--password x" split over two args is caught.
	joined := red.String(strings.Join(args, "\x00"))
	return strings.Split(joined, "\x00")
}

// flagValues records every flag's effective value (redacted) for the manifest.
func flagValues(fs *pflag.FlagSet, red *redact.Redactor) map[string]string {
	out := map[string]string{}
	fs.VisitAll(func(fl *pflag.Flag) {
		out[fl.Name] = red.String(fl.Value.String())
	})
	return out
}

func printSummary(w io.Writer, res *collect.Result, unredacted bool) {
	fmt.Fprintf(w, "rtsnap: wrote %s (%s) and %s.sha256\n", res.Path, humanBytes(res.Size), res.Path)
	fmt.Fprintf(w, "  the output dir is a tmpfs: the archive uses %s of RAM until you copy it off and delete it\n", humanBytes(res.Size))
	fmt.Fprintf(w, "sources: %d ok, %d partial, %d timeout, %d error, %d skipped\n",
		res.Counts[bundle.StatusOK], res.Counts[bundle.StatusPartial], res.Counts[bundle.StatusTimeout],
		res.Counts[bundle.StatusError], res.Counts[bundle.StatusSkipped])
	for _, s := range res.Sources {
		if s.Status != bundle.StatusOK {
			fmt.Fprintf(w, "  %-8s %-12s %s\n", s.Status, s.Name, truncate(s.Reason, 600))
		}
	}
	if unredacted {
		fmt.Fprintln(w, "redaction: DEFAULT RULES OFF — this bundle is marked unredacted")
	}
	fmt.Fprintf(w, "redactions: %d\n", res.Redactions)
	if res.Truncated {
		fmt.Fprintf(w, "truncated: %s\n", res.Manifest.TruncatedReason)
	}
	fmt.Fprintf(w, "duration: %s\n", res.Duration.Round(10*time.Millisecond))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
