package rules

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/catalog"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logrec"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// LogCatalogID is the rule that classifies log records with the failure
// catalog (family 13). Its findings carry the catalog class's id.
const LogCatalogID = "RT1300-log-catalog"

// logSignatures parses every daemon, kubelet and kernel log record
// (analyze/logrec) and gives it at most one catalog class; each class seen
// becomes one finding with first/last time and count, placed in time
// (current, recent, history) against the bundle's state.
func logSignatures() []Rule {
	cat, err := catalog.Load()
	if err != nil {
		panic(err) // the embedded catalog is checked by its tests
	}
	return []Rule{{ID: LogCatalogID, Family: 13, Title: "Failure catalog: causes in the runtime's logs",
		Reads:     []string{"journal/*.jsonl", "journal/files/*.log", "cri/<endpoint>/status.json", "cri/<endpoint>/pods.json", "cri/<endpoint>/images.json", "discovery/endpoints.json"},
		CheckWork: func(n *facts.Node, w *Work) []finding.Finding { return catalogFindingsWithin(n, cat, w) }}}
}

// LogCatalogStoppedID is the warning that the catalog's work budget ran
// out before every record was judged.
const LogCatalogStoppedID = "RT1300-log-catalog-stopped"

// budgetStop is where classification stopped.
type budgetStop struct {
	path string
	line int
	left int // records of path not judged, the one at line included
}

func (s *budgetStop) finding(n *facts.Node, b *logwork.Budget) finding.Finding {
	later := 0
	for _, p := range facts.SortedKeys(n.Logs) {
		if p > s.path && runtimeLogs(p) {
			later += len(n.Logs[p].Records)
		}
	}
	return finding.Finding{
		ID: LogCatalogStoppedID, Severity: finding.Warning,
		Title: fmt.Sprintf("The failure catalog judged only part of the logs: %d records were not classified", s.left+later),
		Explanation: fmt.Sprintf("Classifying log records stopped at %s line %d, after the rules reading the logs had spent %d MiB units of their shared work budget (logwork.DefaultUnits, "+
			"one unit a byte read by a regexp; far above what a real node's logs cost). The records from there on (%d in this file, %d in later files) were not classified: absent catalog findings prove nothing about them. "+
			"Records packed with many failure signatures at once are what costs this much; a bundle like that may be crafted.", s.path, s.line, b.Spent()>>20, s.left, later),
		Evidence:    []finding.Evidence{{Path: s.path, LineStart: s.line}},
		Subject:     finding.Subject{File: s.path},
		Remediation: []string{"Read the unclassified records by hand (rtsnap-analyze show BUNDLE " + s.path + ").", "If the bundle came from rtsnap collect, report its manifest: a real node's logs stay far below the limit."},
	}
}

// classHits is what one class collected about one subject (an image, a
// pod, or the node) over all records.
type classHits struct {
	class       *catalog.Class
	key         string
	count       int
	first, last time.Time
	latest      []logHit // the last maxEvidence hits
	lastRec     logrec.Record
	lastCause   string
	pods        map[string]bool // the pods its records name ("" for records naming none), at most maxGroupPods
}

// maxGroupPods bounds the pod names one group remembers.
const maxGroupPods = 16

// maxSubjectsPerClass bounds the findings one class makes (one per image or pod).
const maxSubjectsPerClass = 10

func catalogFindings(n *facts.Node, cat *catalog.Catalog) []finding.Finding {
	return catalogFindingsWithin(n, cat, &Work{Budget: logwork.New(logwork.DefaultUnits), reader: LogCatalogID})
}

// parseTextCost is what the catalog does to every record before its
// patterns run, in log work units: logrec.ParseText (its anchored header
// regexps, the pairs, the unquoted text) and the literal automaton's pass
// over the lowered text.
func parseTextCost(r facts.LogRecord) int64 { return 4 * logwork.Scan(len(r.Message)) }

// catalogFindingsWithin is catalogFindings paying the catalog's work from
// w's budget; when it runs out, the records not judged are reported (one
// warning naming the record it stopped at), not silently dropped.
func catalogFindingsWithin(n *facts.Node, cat *catalog.Catalog, w *Work) []finding.Finding {
	budget := w.Budget
	groups := map[string]*classHits{}
	perClass := map[string]int{}
	var stopped *budgetStop
records:
	for _, p := range facts.SortedKeys(n.Logs) {
		if !runtimeLogs(p) {
			continue
		}
		for i, r := range n.Logs[p].Records {
			// Classify reads Text only; the chain and context fields are
			// read for the few records that land in a class.
			var m *catalog.Match
			ok := budget.Pay(parseTextCost(r))
			var lr logrec.Record
			if ok {
				lr = logrec.ParseText(r.Message)
				m, ok = cat.ClassifyWithin(lr, budget)
			}
			if !ok {
				stopped = &budgetStop{path: p, line: r.Line, left: len(n.Logs[p].Records) - i}
				budget.Stopped(logwork.Stop{Reader: LogCatalogID, Path: p, Line: r.Line, Left: stopped.left})
				break records
			}
			if m == nil {
				continue
			}
			lr.Complete()
			g := group(groups, perClass, m.Class, subjectKey(m.Class, lr))
			t := r.Time
			if t.IsZero() {
				t = lr.Time
			}
			g.count++
			if !t.IsZero() && (g.first.IsZero() || t.Before(g.first)) {
				g.first = t
			}
			// The latest record by time (paths are read in name order).
			if g.count == 1 || !t.Before(g.last) {
				g.lastRec, g.lastCause = lr, m.Cause
				if !t.IsZero() {
					g.last = t
				}
			}
			g.latest = append(g.latest, logHit{p, r})
			if len(g.latest) > maxEvidence {
				g.latest = g.latest[1:]
			}
			if len(g.pods) < maxGroupPods {
				g.pods[lr.Fields["pod"]] = true
			}
		}
	}
	st := w.stateView(n)
	var out []finding.Finding
	for _, gk := range facts.SortedKeys(groups) {
		out = append(out, groups[gk].finding(n, st))
	}
	out = capFindings(out)
	if stopped != nil {
		out = append(out, stopped.finding(n, budget))
	}
	return out
}

// group finds or makes the group of a class and subject; past
// maxSubjectsPerClass subjects, more go to the class's node-wide group.
func group(groups map[string]*classHits, perClass map[string]int, cl *catalog.Class, key string) *classHits {
	gk := cl.ID + "\x00" + key
	if g := groups[gk]; g != nil {
		return g
	}
	if perClass[cl.ID] >= maxSubjectsPerClass {
		key, gk = "", cl.ID+"\x00"
		if g := groups[gk]; g != nil {
			return g
		}
	}
	g := &classHits{class: cl, key: key, pods: map[string]bool{}}
	groups[gk] = g
	perClass[cl.ID]++
	return g
}

// subjectKey is what a class's findings are kept apart by: the image for
// pull and content causes, the pod for a pod's container causes.
func subjectKey(cl *catalog.Class, r logrec.Record) string {
	switch {
	case imageClass(cl):
		return r.Fields["image"]
	case podClasses[cl.ID] || cl.ID == "RT1347-cni-setup-failed":
		return r.Fields["pod"]
	}
	return ""
}

func imageClass(cl *catalog.Class) bool {
	return cl.Area == "registry" || cl.Area == "content and snapshots" || cl.ID == "RT1346-sandbox-image-pull-failed"
}

func (g *classHits) finding(n *facts.Node, st *stateView) finding.Finding {
	cl, rec := g.class, g.lastRec
	f := finding.Finding{
		ID:          cl.ID,
		Severity:    cl.Severity,
		Subject:     finding.Subject{Source: "journal", Pod: rec.Fields["pod"], Container: rec.Fields["container"]},
		Evidence:    hitsEvidence(g.latest),
		Remediation: st.commands(cl.Fix),
		References:  cl.References,
		Seen:        &finding.Seen{First: g.first, Last: g.last, Count: g.count},
	}
	about := aboutText(rec)
	f.Title = cl.Title + about + " (" + plural(g.count, "log record") + ")"
	var b strings.Builder
	b.WriteString(cl.Explanation)
	fmt.Fprintf(&b, " Cause in the latest record: %q.", finding.Cut(g.lastCause, 200))
	if ctx := outerContext(rec, g.lastCause); ctx != "" {
		fmt.Fprintf(&b, " While: %s.", ctx)
	}
	current, contradicted, why := st.judge(cl, rec, g.last, n.Manifest.StartedAt)
	if imageClass(cl) && !current && !contradicted {
		// Any record of the group may name the pod that waits for the image.
		for _, pod := range facts.SortedKeys(g.pods) {
			if current, contradicted, why = st.judgePull(rec.Fields["image"], pod, g.last, n.Manifest.StartedAt); current || contradicted {
				break
			}
		}
	}
	f.Explanation = b.String()
	placeInTime(&f, current, contradicted, why, g.last, n.Manifest.StartedAt)
	return f
}

// placeInTime sets a log-based finding's When and severity: resolved
// history at info when the state contradicts it, current at its own
// severity when the state shows it, else recent or history by the last
// record's age, at warning at most (a log record alone does not show the
// node is broken now). It says which in the explanation.
func placeInTime(f *finding.Finding, current, contradicted bool, why string, last, collected time.Time) {
	switch {
	case contradicted:
		f.When, f.Severity = finding.History, finding.Info
		f.Title = "Resolved: " + f.Title
		f.Explanation += " Resolved history: " + why + "."
	case current:
		f.When = finding.Current
		f.Explanation += " Current: " + why + "."
	default:
		f.When = finding.PhaseOf(last, collected)
		f.Severity = min(f.Severity, finding.Warning)
		if f.When == finding.History {
			f.Explanation += fmt.Sprintf(" History: last seen %s before collection; nothing in the bundle's state shows it now.", collected.Sub(last).Round(time.Minute))
		} else {
			f.Explanation += " Recent; only the logs show it, so it is reported at warning at most."
		}
	}
}

// aboutText names what the latest record is about: image, pod, container.
func aboutText(r logrec.Record) string {
	var parts []string
	for _, k := range []string{"image", "pod", "container"} {
		if v := r.Fields[k]; v != "" {
			parts = append(parts, k+" "+finding.Cut(v, 120))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// outerContext is the chain's steps before the cause: which operation failed
// on the way to it ("failed to pull and unpack image X", "RunPodSandbox").
func outerContext(r logrec.Record, cause string) string {
	var steps []string
	for _, s := range r.Chain {
		if cause != "" && strings.Contains(s, cause) {
			break
		}
		steps = append(steps, finding.Cut(s, 120))
		if len(steps) == 3 {
			break
		}
	}
	return strings.Join(steps, " → ")
}

// stateView is what the bundle's state says, for placing log findings in
// time: a log cause the state still shows is current; one the state
// contradicts is resolved history.
type stateView struct {
	haveCRI                    bool
	netNotReady, netReady      []string // endpoints by NetworkReady
	endpointsDown, endpointsUp []string // discovered sockets by whether they answered
	criAnswered, criSilent     []string // CRI endpoints by whether Version answered
	// pods says what the state shows of each pod, by every name a record
	// may use for it: "ns/name", "name_ns" and "name" (podAliases). One
	// map of flags, not one map per fact: on 100,000 pods the maps were
	// most of the view's second of work.
	pods map[string]podFacts
	// firstWaiting is the first pod with a READY sandbox and no container:
	// waiting for one (ContainerCreating, a pull).
	firstWaiting string
	// waitingByAlias is the first waiting pod each name a record may use
	// for a pod stands for (podAliases): judgePull runs for every image
	// finding and catalog group, and a scan of the waiting pods in each was
	// findings x pods (100,000 waiting pods in a crafted bundle).
	waitingByAlias          map[string]string
	images                  map[string]bool // every repo tag and digest known to CRI
	haveImages              bool
	criSock, containerdSock string
}

// podFacts are what the CRI state shows of the pods a name stands for.
type podFacts uint8

const (
	podListed       podFacts = 1 << iota // in a CRI pod or container list
	podFailed                            // a container exited non-zero
	podReadySandbox                      // a READY sandbox
	podNotReady                          // a NOTREADY sandbox
	podRunning                           // a READY sandbox, containers, and every container running
)

func (f podFacts) has(flag podFacts) bool { return f&flag != 0 }

func newStateView(n *facts.Node) *stateView {
	// The pod map is sized for the node at once (three names a pod):
	// growing maps by splitting was a third of a 100,000-pod bundle's
	// analysis (internal/hostile's scale-100k).
	st := &stateView{pods: make(map[string]podFacts, 3*len(n.Containers)), images: map[string]bool{}}
	for _, slug := range facts.SortedKeys(n.CRI) {
		ep := n.CRI[slug]
		st.haveCRI = true
		if st.criSock == "" {
			st.criSock = ep.Endpoint()
		}
		if ep.Version != nil && ep.Version.Error == "" {
			st.criAnswered = append(st.criAnswered, ep.Endpoint())
		} else {
			st.criSilent = append(st.criSilent, ep.Endpoint())
		}
		if ep.Status != nil && ep.Status.Status != nil {
			for _, c := range ep.Status.Status.Conditions {
				if c != nil && c.Type == "NetworkReady" {
					if c.Status {
						st.netReady = append(st.netReady, ep.Endpoint())
					} else {
						st.netNotReady = append(st.netNotReady, ep.Endpoint())
					}
				}
			}
		}
		if ep.Images != nil {
			st.haveImages = true
			for _, im := range ep.Images.Images {
				if im == nil || im.Image == nil {
					continue
				}
				for _, t := range append(append([]string{}, im.Image.RepoTags...), im.Image.RepoDigests...) {
					st.images[normImage(t)] = true
				}
			}
		}
	}
	for _, slug := range facts.SortedKeys(n.Containerd) {
		if st.containerdSock == "" {
			st.containerdSock = n.Containerd[slug].Endpoint()
		}
	}
	for _, s := range n.Discovery.Endpoints {
		if s.Answers {
			st.endpointsUp = append(st.endpointsUp, s.Path)
		} else {
			st.endpointsDown = append(st.endpointsDown, s.Path)
		}
	}
	hasContainer, notRunning := make(map[string]bool, len(n.Containers)), map[string]bool{}
	for _, c := range n.Containers {
		if c.Pod != "" && !c.Sandbox {
			nk := c.PodNamespace + "/" + c.Pod
			hasContainer[nk] = true
			if c.CRIState() != "CONTAINER_RUNNING" {
				notRunning[nk] = true
			}
		}
	}
	// A pod waits for a container when it has a READY sandbox and none.
	waits := func(c *facts.Container, nk string) bool {
		return c.CRIPod != nil && c.CRIState() == "SANDBOX_READY" && !hasContainer[nk]
	}
	waiting := 0
	for _, c := range n.Containers {
		if c.Pod != "" && waits(c, c.PodNamespace+"/"+c.Pod) {
			waiting++
		}
	}
	st.waitingByAlias = make(map[string]string, 3*waiting)
	for _, c := range n.Containers {
		if c.Pod == "" {
			continue
		}
		nk := c.PodNamespace + "/" + c.Pod
		state := c.CRIState()
		if waits(c, nk) {
			if st.firstWaiting == "" {
				st.firstWaiting = nk
			}
			for _, a := range podAliases(nk) {
				if _, ok := st.waitingByAlias[a]; !ok {
					st.waitingByAlias[a] = nk
				}
			}
		}
		f := podListed
		if c.CRI != nil && c.CRI.Status != nil && state == "CONTAINER_EXITED" && c.CRI.Status.ExitCode != 0 {
			f |= podFailed
		}
		if c.CRIPod != nil {
			switch state {
			case "SANDBOX_READY":
				f |= podReadySandbox
				if hasContainer[nk] && !notRunning[nk] {
					f |= podRunning
				}
			case "SANDBOX_NOTREADY":
				f |= podNotReady
			}
		}
		for _, k := range [...]string{nk, c.Pod + "_" + c.PodNamespace, c.Pod} {
			st.pods[k] |= f
		}
	}
	return st
}

// podClasses are causes tied to one pod's containers: current while a
// container of the pod is exited non-zero in CRI (containerd and cri-dockerd
// leave a container whose start failed exited with 128), resolved once the
// pod is gone.
var podClasses = map[string]bool{
	"RT1352-crashloop-backoff": true, "RT1325-executable-not-found": true, "RT1332-init-oom-killed": true,
	"RT1330-container-name-reserved": true, "RT1331-stop-timeout": true, "RT1333-memory-limit-below-minimum": true,
	"RT1651-runtime-privilege-denied": true, "RT1659-read-only-filesystem": true, "RT1663-bind-mount-type-mismatch": true,
	"RT1664-oci-hook-failed": true, "RT1700-liveness-probe-failed": true, "RT1704-exec-interpreter-missing": true,
}

// startClasses are pod classes that keep a container from ever starting:
// a pod whose containers all run now has got past them (resolved), which is
// not true of a crash loop, whose container runs between its exits.
var startClasses = map[string]bool{
	"RT1651-runtime-privilege-denied": true, "RT1659-read-only-filesystem": true, "RT1663-bind-mount-type-mismatch": true,
	"RT1664-oci-hook-failed": true, "RT1704-exec-interpreter-missing": true,
}

var sockInText = regexp.MustCompile(`/[A-Za-z0-9_./-]+\.sock\b`)

// judge says whether the state backs a record's cause (current) or
// contradicts it (resolved), and why. Without state that bears on the
// cause it says neither, and the record's age decides.
func (st *stateView) judge(cl *catalog.Class, r logrec.Record, last, collected time.Time) (current, contradicted bool, why string) {
	pod := r.Fields["pod"]
	switch {
	case cl.ID == "RT1309-cni-not-initialized":
		if len(st.netNotReady) > 0 {
			return true, false, "the CRI status of " + strings.Join(st.netNotReady, ", ") + " says NetworkReady=false"
		}
		if len(st.netReady) > 0 {
			return false, true, "every CRI status in the bundle says NetworkReady=true (" + strings.Join(st.netReady, ", ") + ")"
		}
	case cl.ID == "RT1347-cni-setup-failed":
		if pod == "" || !st.haveCRI {
			break
		}
		if st.pods[pod].has(podReadySandbox) {
			return false, true, "pod " + pod + " has a READY sandbox now"
		}
		if st.pods[pod].has(podNotReady) {
			return true, false, "pod " + pod + " has a NOTREADY sandbox and no READY one in the CRI state"
		}
	case cl.ID == "RT1335-runtime-down":
		sock := sockInText.FindString(r.Text)
		if slices.Contains(st.endpointsDown, sock) {
			return true, false, "the socket " + sock + " does not answer now"
		}
		if slices.Contains(st.endpointsUp, sock) {
			return false, true, "the socket " + sock + " answered during collection"
		}
	case cl.ID == "RT1336-runtime-slow" || cl.ID == "RT1334-pleg-not-healthy":
		if len(st.criSilent) > 0 {
			return true, false, "CRI endpoints that did not answer during collection: " + strings.Join(st.criSilent, ", ")
		}
		if len(st.criAnswered) > 0 {
			return false, true, "every CRI endpoint answered during collection (" + strings.Join(st.criAnswered, ", ") + ")"
		}
	case podClasses[cl.ID]:
		if pod == "" || !st.haveCRI {
			break
		}
		if st.pods[pod].has(podFailed) {
			return true, false, "pod " + pod + " has a container that exited non-zero in the CRI state"
		}
		if !st.pods[pod].has(podListed) {
			return false, true, "pod " + pod + " is no longer on the node (not in any CRI pod list)"
		}
		if startClasses[cl.ID] && st.pods[pod].has(podRunning) {
			return false, true, "pod " + pod + " has a READY sandbox and every container of it is running now"
		}
	case imageClass(cl):
		return st.judgePull(r.Fields["image"], pod, last, collected)
	}
	return false, false, ""
}

// judgePull places a failed pull: resolved when the image is present now;
// current when the pod (or, for a record naming no pod, some pod) has a
// ready sandbox and no container yet, which is what a pod stuck on its
// image looks like in CRI, and the failure is recent.
func (st *stateView) judgePull(img, pod string, last, collected time.Time) (current, contradicted bool, why string) {
	if img != "" && st.haveImages && st.images[normImage(img)] {
		return false, true, "image " + img + " is present in the runtime now"
	}
	if finding.PhaseOf(last, collected) != finding.Recent {
		return false, false, ""
	}
	w := ""
	if pod == "" {
		w = st.firstWaiting
	} else {
		w = st.waitingByAlias[pod]
	}
	if w != "" {
		return true, false, "pod " + w + " has a ready sandbox and no container yet (waiting for its image)"
	}
	return false, false, ""
}

// podAliases are the names a record may use for pod "ns/name".
func podAliases(nsName string) []string {
	ns, name, _ := strings.Cut(nsName, "/")
	return []string{nsName, name + "_" + ns, name}
}

// commands fills the catalog's socket placeholders with this node's sockets.
func (st *stateView) commands(fix []string) []string {
	cri := sockPath(st.criSock, "/run/containerd/containerd.sock")
	cd := sockPath(st.containerdSock, cri)
	out := make([]string, len(fix))
	for i, f := range fix {
		out[i] = strings.NewReplacer("{sock}", cri, "{cdsock}", cd).Replace(f)
	}
	return out
}

// nodeCRISocket is the node's first CRI socket (the default path when the
// bundle has none), for commands in remediation.
func nodeCRISocket(n *facts.Node) string {
	for _, slug := range facts.SortedKeys(n.CRI) {
		return sockPath(n.CRI[slug].Endpoint(), "/run/containerd/containerd.sock")
	}
	return "/run/containerd/containerd.sock"
}

// ctrCmd is ctr aimed at one containerd daemon and namespace.
func ctrCmd(ep *facts.ContainerdEndpoint, ns string) string {
	return "ctr -a " + sockPath(ep.Endpoint(), "/run/containerd/containerd.sock") + " -n " + ns
}

func sockPath(endpoint, fallback string) string {
	p := strings.TrimPrefix(endpoint, "unix://")
	if p == "" || !strings.HasPrefix(p, "/") {
		return fallback
	}
	return p
}

// CatalogClasses lists the catalog's class ids, for docs and tests.
func CatalogClasses() []string {
	cat, err := catalog.Load()
	if err != nil {
		return nil
	}
	ids := make([]string, 0, len(cat.Classes))
	for _, c := range cat.Classes {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	return ids
}
