package podstatus

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// SyncError is one "failed to <Op> for <Target> with <Reason>" of a kubelet
// "Error syncing pod, skipping" line: what the kubelet's reason cache holds
// for a container (Op StartContainer: CrashLoopBackOff, ErrImagePull,
// ImagePullBackOff, CreateContainerConfigError, ...) or for the pod
// (CreatePodSandbox, KillPodSandbox, ...).
type SyncError struct {
	// Time is the line's time; zero when it has none that parses.
	Time time.Time
	// Path and Line locate the log line in the bundle; Seq orders lines
	// without a time (the order they were read in).
	Path string
	Line int
	Seq  int
	// PodNamespace/PodName from pod="ns/name", PodUID from podUID="...".
	PodNamespace, PodName, PodUID string
	// Op is StartContainer, CreatePodSandbox, KillPodSandbox, KillContainer, ...
	Op string
	// Container is the target of StartContainer/KillContainer (a container
	// name); empty for pod-level operations.
	Container string
	Reason    string
	Message   string
}

// PodEvent is a kubelet sync-loop event for pods ("SyncLoop ADD", "SyncLoop
// DELETE", "SyncLoop REMOVE", logged at -v=2).
type PodEvent struct {
	Time         time.Time
	Seq          int
	Kind         string
	PodNamespace string
	PodName      string
}

// kubelet's klog text header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg
// (https://github.com/kubernetes/klog/blob/v2.130.1/klog.go#L655). Not
// anchored: syslog and journalctl output put their own prefix before it.
var klogHeader = regexp.MustCompile(`\b[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,9})\s+\d+\s+[^\]\s]+\]\s`)

// Two shapes of the same line, both seen in the wild:
//   - structured (kubelet 1.20+): "Error syncing pod, skipping" err="..."
//     pod="ns/name" podUID="uid", every value Go-quoted, so the nested
//     error's quotes are escaped once;
//   - older: Error syncing pod <uid> ("name_ns(uid)"), skipping: <error>,
//     the error verbatim.
//
// The error is the kubelet's SyncResult text, fmt.Errorf("failed to %q for %q
// with %v: %q", action, target, reason, message), one or several joined as
// "[e1, e2]" (pkg/kubelet/container/sync_result.go).
var (
	// pod=, podUID= (klog prints a types.UID bare, some versions quoted)
	// and err= are read by kv.go.
	oldSyncPod = regexp.MustCompile(`Error syncing pod ([0-9a-fA-F-]+) \("([^"_]+)_([^"(]+)\(([^)"]*)\)"\), skipping: `)
	oldNoName  = regexp.MustCompile(`Error syncing pod ([0-9a-fA-F-]+)(?: \([^)]*\))?, skipping: `)
	failedTo   = regexp.MustCompile(`^failed to "(\w+)" for "((?:[^"\\]|\\.)*)" with (\w+): ("(?:[^"\\]|\\.)*")`)
	// "SyncLoop DELETE" source="api" pods=["ns/a","ns/b"]
	syncLoop = regexp.MustCompile(`"SyncLoop (ADD|UPDATE|DELETE|REMOVE|RECONCILE)".*?\spods=\[([^\]]*)\]`)
	quoted   = regexp.MustCompile(`"([^"\\]*)"`)
)

// maxMessage bounds a kept error message; maxLine the part of a line read.
const (
	maxMessage = 600
	maxLine    = 64 << 10
)

// KubeletLog is what the parser keeps from the kubelet's log lines.
type KubeletLog struct {
	Errors []SyncError
	Events []PodEvent
	// Lines is the number of kubelet sync lines seen, so callers know a
	// kubelet log was there even when it held no error.
	Lines int
}

// ParseLine reads one log line (message text; t is its time when the log
// source knew it, else zero and the klog header's time is used, with the
// year taken from ref). seq orders lines. It keeps sync errors and sync-loop
// events, ignores every other line and never fails.
func (k *KubeletLog) ParseLine(path string, line, seq int, t time.Time, msg string, ref time.Time) {
	if len(msg) > maxLine {
		msg = msg[:maxLine]
	}
	if !syncCandidate(msg) {
		return
	}
	k.Lines++
	if t.IsZero() {
		t = klogTime(msg, ref)
	}
	if m := syncLoop.FindStringSubmatch(msg); m != nil {
		for _, q := range quoted.FindAllStringSubmatch(m[2], 64) {
			ns, name, ok := strings.Cut(q[1], "/")
			if !ok {
				continue
			}
			k.Events = append(k.Events, PodEvent{Time: t, Seq: seq, Kind: m[1], PodNamespace: ns, PodName: name})
		}
		return
	}
	base := SyncError{Time: t, Path: path, Line: line, Seq: seq}
	var errText string
	if m := oldSyncPod.FindStringSubmatchIndex(msg); m != nil {
		base.PodUID, base.PodName, base.PodNamespace = msg[m[2]:m[3]], msg[m[4]:m[5]], msg[m[6]:m[7]]
		errText = msg[m[1]:]
	} else if m := oldNoName.FindStringSubmatchIndex(msg); m != nil {
		base.PodUID = msg[m[2]:m[3]]
		errText = msg[m[1]:]
	} else {
		if v, ok := podField(msg); ok {
			base.PodNamespace, base.PodName, _ = strings.Cut(v, "/")
		}
		if v, ok := podUIDField(msg); ok {
			base.PodUID = v
		}
		if q := errFieldQuote(msg); q >= 0 {
			errText = goQuotedPrefix(msg[q:])
		}
	}
	if base.PodName == "" && base.PodUID == "" {
		return
	}
	for _, seg := range syncResults(errText) {
		m := failedTo.FindStringSubmatch(seg)
		if m == nil {
			continue
		}
		e := base
		e.Op, e.Reason = m[1], m[3]
		e.Message = unquote(m[4])
		if len(e.Message) > maxMessage {
			e.Message = e.Message[:maxMessage]
		}
		if e.Op == "StartContainer" || e.Op == "KillContainer" {
			e.Container = unquote(`"` + m[2] + `"`)
		}
		k.Errors = append(k.Errors, e)
	}
}

// syncCandidate: the line may be a sync error or a sync-loop event; only
// those lines run ParseLine's regexps.
func syncCandidate(msg string) bool {
	return strings.Contains(msg, "Error syncing pod") || strings.Contains(msg, `"SyncLoop `)
}

// parseCost is what ParseLine costs on a candidate line, in log work
// units: up to six regexp passes (the sync-loop or old-format headers, pod=,
// podUID=, err= and the klog header).
func parseCost(msg string) int64 { return 6 * logwork.Read(min(len(msg), maxLine)) }

// maxResults bounds the sync results read from one line.
const maxResults = 32

// syncResults splits "[failed to ..., failed to ...]" (or one "failed to
// ...") into its results.
func syncResults(s string) []string {
	var out []string
	for len(out) < maxResults {
		i := strings.Index(s, `failed to "`)
		if i < 0 {
			break
		}
		s = s[i:]
		next := strings.Index(s[1:], `, failed to "`)
		if next < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:next+1])
		s = s[next+3:]
	}
	return out
}

// goQuotedPrefix unquotes the Go-quoted string s starts with ("" when it
// does not start with a complete one).
func goQuotedPrefix(s string) string {
	if !strings.HasPrefix(s, `"`) {
		return ""
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return unquote(s[:i+1])
		}
	}
	return ""
}

// unquote undoes Go quoting; text that is not a valid quoted string is
// returned without its outer quotes.
func unquote(q string) string {
	if u, err := strconv.Unquote(q); err == nil {
		return u
	}
	return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`)
}

// klogTime reads a klog header's month, day and time. klog writes no year
// and the node's local time: the year is ref's (the year before when that
// would put the line more than a day after ref), the zone ref's.
func klogTime(msg string, ref time.Time) time.Time {
	m := klogHeader.FindStringSubmatch(msg)
	if m == nil || ref.IsZero() {
		return time.Time{}
	}
	num := func(s string) int {
		n := 0
		for _, c := range s {
			n = n*10 + int(c-'0')
		}
		return n
	}
	frac := m[6]
	ns := num(frac)
	for i := len(frac); i < 9; i++ {
		ns *= 10
	}
	t := time.Date(ref.Year(), time.Month(num(m[1])), num(m[2]), num(m[3]), num(m[4]), num(m[5]), ns, ref.Location())
	if t.After(ref.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t
}

// later says whether a happened after b, by time when both have one and by
// read order otherwise.
func later(at time.Time, aseq int, bt time.Time, bseq int) bool {
	if !at.IsZero() && !bt.IsZero() && !at.Equal(bt) {
		return at.After(bt)
	}
	return aseq > bseq
}
