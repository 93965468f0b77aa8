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
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/all"
	"github.com/rtsnap/rtsnap/collect/host"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/version"
	"github.com/rtsnap/rtsnap/redact"
)

// collectFlags are `rtsnap collect`'s options, parsed by pflag.
type collectFlags struct {
	output, caseID, note, operator, dockerHost       string
	allowDisk, quiet, jsonOut, active, criStats      bool
	timeout, sourceTimeout, callTimeout, since       time.Duration
	maxSize, memoryLimit                             int64
	only, skip, namespaces, podNamespaces, endpoints []string
	journalDirs                                      []string
	maxContainers, parallel, perRuntime, nice        int
	noIdleIO                                         bool
	redactKeys, redactRegexes                        []string
	redactRules, pseudonymKeyFile                    string
	pseudonymize, pseudoHosts, pseudoIPs, pseudoMACs bool
	noDefaultRedaction                               bool
	encryptTo                                        []string
	signKey                                          string
	retain                                           time.Duration
}

func newCollectFlagSet(f *collectFlags, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("rtsnap collect", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.StringVar(&f.output, "output", "", "directory for the archive; must be a tmpfs (default: first tmpfs among /run/rtsnap, /dev/shm/rtsnap), e.g. --output /dev/shm/case42")
	fs.BoolVar(&f.allowDisk, "allow-disk", false, "allow --output on a disk filesystem (the disk under investigation may be failing)")
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "bound for the whole run; the process exits within it + 2s, e.g. --timeout 2m")
	fs.DurationVar(&f.sourceTimeout, "source-timeout", 15*time.Second, "bound for each source; a source still running then is recorded as timeout, e.g. --source-timeout 30s")
	fs.DurationVar(&f.callTimeout, "call-timeout", 5*time.Second, "bound for each runtime call inside a source, e.g. --call-timeout 2s")
	fs.Int64Var(&f.maxSize, "max-size", 64<<20, "archive budget in bytes, e.g. --max-size 16777216")
	fs.DurationVar(&f.since, "since", time.Hour, "window for logs, journals and events, e.g. --since 30m")
	fs.StringSliceVar(&f.only, "only", nil, "run only these sources (comma-separated or repeated), e.g. --only cri,containerd")
	fs.StringSliceVar(&f.skip, "skip", nil, "do not run these sources, e.g. --skip logs")
	fs.StringSliceVar(&f.namespaces, "namespace", nil, "containerd namespaces to collect (default all), e.g. --namespace k8s.io")
	fs.StringSliceVar(&f.podNamespaces, "pod-namespace", nil, "Kubernetes namespaces to collect (default all), e.g. --pod-namespace tenant-a")
	fs.IntVar(&f.maxContainers, "max-containers", 1000, "bound on per-container work per runtime (0: no bound), e.g. --max-containers 200")
	fs.StringArrayVar(&f.endpoints, "runtime-endpoint", nil, "CRI/containerd socket (repeatable; default: discovered), e.g. --runtime-endpoint unix:///run/containerd/containerd.sock")
	fs.StringVar(&f.dockerHost, "docker-socket", "/var/run/docker.sock", "Docker Engine API socket, e.g. --docker-socket /run/docker.sock")
	fs.StringArrayVar(&f.journalDirs, "journal-dir", nil, "extra journal directory to read besides the system journal (repeatable), e.g. --journal-dir /var/log/journal/remote")
	fs.StringVar(&f.caseID, "case-id", "", "support case id recorded in the manifest, e.g. --case-id SR-12345")
	fs.StringVar(&f.note, "note", "", "free-text note recorded in the manifest, e.g. --note 'pods stuck in ContainerCreating'")
	fs.StringVar(&f.operator, "operator", "", "who collected (default: $SUDO_USER, else the current user), e.g. --operator alice")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress and no summary on the terminal (errors still go to stderr)")
	fs.BoolVar(&f.jsonOut, "json", false, "print the final summary as JSON on stdout")
	fs.IntVar(&f.parallel, "parallel", 4, "sources running at once, e.g. --parallel 2")
	fs.IntVar(&f.perRuntime, "per-runtime-calls", 4, "calls in flight against any one runtime, so kubelet is not starved, e.g. --per-runtime-calls 2")
	fs.Int64Var(&f.memoryLimit, "memory-limit", 100<<20, "soft limit on the collector's Go memory in bytes (as GOMEMLIMIT): the collector runs on a node that may be short of memory, so its garbage collector works harder instead of growing; 0: no limit, e.g. --memory-limit 209715200")
	fs.IntVar(&f.nice, "nice", 10, "CPU nice value for the collector (0: leave as is)")
	fs.BoolVar(&f.noIdleIO, "no-idle-io", false, "keep the normal I/O priority instead of the idle class")
	fs.BoolVar(&f.criStats, "cri-stats", false, "also ask CRI for container and pod stats (ListContainerStats, ListPodSandboxStats): costly for the runtime on busy nodes, and the cgroup source reads the same figures")
	fs.BoolVar(&f.active, "active", false, "allow the one non-read-only action: ask containerd and dockerd for a goroutine dump (SIGUSR1)")
	fs.StringArrayVar(&f.redactKeys, "redact-key", nil, "extra secret key name to redact (repeatable), e.g. --redact-key license_key")
	fs.StringArrayVar(&f.redactRegexes, "redact-regex", nil, "extra pattern to redact (repeatable; group 1 if present), e.g. --redact-regex 'acme-[0-9a-f]{32}'")
	fs.StringVar(&f.redactRules, "redact-rules", "", "file of extra keys and patterns (see docs/redaction.md), e.g. --redact-rules rules.yaml")
	fs.BoolVar(&f.pseudonymize, "pseudonymize", false, "replace secrets with keyed HMAC tokens instead of [REDACTED:rule], so equal values stay comparable")
	fs.StringVar(&f.pseudonymKeyFile, "pseudonym-key-file", "", "key for --pseudonymize; the same key gives the same tokens across bundles, e.g. --pseudonym-key-file /root/rtsnap.key")
	fs.BoolVar(&f.pseudoHosts, "pseudonymize-hosts", false, "also replace this node's hostname with a consistent pseudonym")
	fs.BoolVar(&f.pseudoIPs, "pseudonymize-ips", false, "also replace IP addresses with consistent pseudonyms")
	fs.BoolVar(&f.pseudoMACs, "pseudonymize-macs", false, "also replace MAC addresses with consistent pseudonyms")
	fs.BoolVar(&f.noDefaultRedaction, "no-default-redaction", false, "DANGEROUS: turn the default redaction rules off; the manifest then marks the bundle unredacted")
	fs.StringArrayVar(&f.encryptTo, "encrypt-to", nil, "encrypt the archive with age to this recipient (repeatable): an age1... public key, an ssh-ed25519 or ssh-rsa public key, or a file of them; the plaintext never reaches the disk, e.g. --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
	fs.StringVar(&f.signKey, "sign-key", "", "minisign secret key: write a detached <archive>.minisig with a signed custody record (passphrase from $RTSNAP_SIGN_PASSWORD if the key has one), e.g. --sign-key /root/rtsnap-keys/rtsnap-minisign.key")
	fs.DurationVar(&f.retain, "retain", export.DefaultRetain, "before collecting, remove rtsnap bundles in the output dir older than this (0: keep all), e.g. --retain 2h")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap collect [FLAGS]\n\nCapture a bounded, redacted, read-only snapshot of this node's container runtimes\ninto one tar.zst archive on a tmpfs.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExit status: 0 archive written, 1 failed (nothing written), 2 usage error, 130 interrupted (first Ctrl-C: the archive is written with what was collected, marked interrupted; second: nothing written).\n")
	}
	return fs
}

func runCollect(args []string, stdout, stderr io.Writer) int {
	var f collectFlags
	fs := newCollectFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rtsnap collect: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	registry, err := all.Registry()
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap collect: %v\n", err)
		return 1
	}
	sources, err := registry.Select(f.only, f.skip)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap collect: %v\n", err)
		return 2
	}

	hostname, bootID, machineID, kernel, cgroupMode := host.Identity("/proc", "/sys")
	red, err := newRedactor(&f, hostname)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap collect: %v\n", err)
		return 2
	}
	plan, err := newExportPlan(&f)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap collect: %v\n", err)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "rtsnap collect: %s\n", red.String(err.Error()))
		if errors.Is(err, collect.ErrInterrupted) {
			return 130
		}
		return 1
	}

	dir, err := collect.PrepareOutputDir(f.output, f.allowDisk)
	if err != nil {
		return fail(err)
	}
	// Retention first: old bundles on a tmpfs are RAM the new one may need.
	pruned, pruneErr := export.Prune(dir, f.retain, time.Now(), false)
	if f.memoryLimit > 0 {
		debug.SetMemoryLimit(f.memoryLimit)
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
	// Last resort: whatever a source or the kernel does, the process is gone
	// by --timeout + 2 s. The writer has removed its temporary file by then.
	watchdog := time.AfterFunc(f.timeout+2*time.Second, func() {
		fmt.Fprintln(stderr, "rtsnap collect: --timeout + 2s reached; exiting")
		os.Exit(1)
	})
	defer watchdog.Stop()

	ver, commit := version.Info()
	var actions []string
	if f.active {
		actions = append(actions, "goroutine dump (SIGUSR1) of containerd and dockerd")
	}
	opts := collect.Options{
		OutputDir: dir, Timeout: f.timeout, SourceTimeout: f.sourceTimeout, CallTimeout: f.callTimeout,
		MaxSize: f.maxSize, Parallel: f.parallel, PerRuntimeCalls: f.perRuntime,
		Env: collect.Env{
			Since: f.since, Namespaces: f.namespaces, PodNamespaces: f.podNamespaces,
			MaxContainers: f.maxContainers, RuntimeEndpoints: f.endpoints, DockerHost: explicitValue(fs, "docker-socket", f.dockerHost),
			JournalDirs: f.journalDirs, Active: f.active, CRIStats: f.criStats,
		},
		Manifest: bundle.Manifest{
			Collector:     bundle.CollectorInfo{Name: "rtsnap", Version: ver, Commit: commit, GoVersion: runtime.Version()},
			Host:          bundle.HostInfo{Hostname: red.String(hostname), BootID: bootID, MachineIDSHA256: machineID, Kernel: kernel, CgroupMode: cgroupMode},
			CaseID:        red.String(f.caseID),
			Note:          red.String(f.note),
			Operator:      red.String(operator(f.operator)),
			CommandLine:   redactArgs(red, append([]string{"rtsnap", "collect"}, args...)),
			Options:       flagValues(fs, red),
			ActiveActions: actions,
			Unredacted:    f.noDefaultRedaction,
			Redaction:     bundle.RedactionInfo{Pseudonymized: f.pseudonymize},
		},
	}
	opts.Finish = finish
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
		return 130 // the archive is written, marked interrupted
	}
	return 0
}

// explicitValue is a flag's value when the operator gave it, else "": an
// explicitly named socket that is missing is an error, the default one is
// just absent on this node.
func explicitValue(fs *pflag.FlagSet, name, value string) string {
	if fs.Changed(name) {
		return value
	}
	return ""
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
