//go:build unix

package hostile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/safetext"
)

// inProcessBound is the "does not hang" bound of one in-process analysis
// (a quiet machine takes well under a second on the minimal source).
const inProcessBound = 60 * time.Second

// analyzeAll runs what inspect, timeline and report do, in process, and
// returns the analysis (nil with the error when the bundle was refused).
func analyzeAll(path string) (a *analyze.Analysis, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	a, err = analyze.Load(path, analyze.Options{})
	if err != nil {
		return nil, err
	}
	var w bytes.Buffer
	render.InspectText(&w, render.NewInspectDoc(a))
	tl := timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{})
	doc := render.NewReportDoc(a, tl, nil)
	if err := render.HTML(&w, doc); err != nil {
		return a, fmt.Errorf("html: %w", err)
	}
	if err := render.Markdown(&w, doc); err != nil {
		return a, fmt.Errorf("markdown: %w", err)
	}
	return a, nil
}

// withDeadline runs f, failing the test when it has not returned in time.
func withDeadline(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(inProcessBound):
		t.Fatalf("%s: still running after %v (a stall)", what, time.Since(start))
	}
}

// nameIn reports whether a refusal names the member: by path, or by base
// name when the mutation renamed it.
func nameIn(msg, member string) bool {
	msg = safetext.Line(msg)
	return strings.Contains(msg, safetext.Line(member)) || strings.Contains(msg, safetext.Line(filepath.Base(member)))
}

// checkInProcess applies mu to member p of s and analyzes the result.
func checkInProcess(t *testing.T, dir string, s *Source, mu Mutation, p string, sc Scale) {
	t.Helper()
	ar, err := mu.Build(s, p, sc)
	if err != nil {
		t.Fatalf("%s on %s: building: %v", mu.Name, p, err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.tar.zst", s.Name, mu.Name, sum([]byte(p))[:12]))
	if err := ar.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	var a *analyze.Analysis
	withDeadline(t, mu.Name+" on "+p, func() { a, err = analyzeAll(path) })
	var ue *analyze.UnreadableError
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "panic"):
		t.Errorf("%s on %s: %v", mu.Name, p, err)
	case p == bundle.ManifestPath && errors.As(err, &ue):
		// A content mutation of the manifest may make it invalid: refused,
		// and the refusal names it.
		if !nameIn(err.Error(), p) {
			t.Errorf("%s on %s: the refusal does not name the manifest: %v", mu.Name, p, safetext.Line(err.Error()))
		}
	case mu.Refused && !errors.As(err, &ue):
		t.Errorf("%s on %s: not refused (err %v)", mu.Name, p, err)
	case mu.Refused && mu.Member && !nameIn(err.Error(), p) && !strings.Contains(err.Error(), "after "+strconv.Quote(before(s, p))):
		// A header or frame that cannot be read is named by the entry
		// before it (its own name is in what could not be read).
		t.Errorf("%s on %s: the refusal does not name the member: %v", mu.Name, p, safetext.Line(err.Error()))
	case !mu.Refused && err != nil:
		t.Errorf("%s on %s: %v", mu.Name, p, safetext.Line(err.Error()))
	case mu.Breaks && a != nil && isJSONish(p, nil) && !namesBroken(a, p):
		t.Errorf("%s on %s: the analysis neither reports a parse error nor a cut for it", mu.Name, p)
	}
}

// before is the entry before member p in archive order.
func before(s *Source, p string) string {
	prev := bundle.ManifestPath
	for _, m := range s.Members {
		if m.Path == p {
			return prev
		}
		prev = m.Path
	}
	return prev
}

func namesBroken(a *analyze.Analysis, p string) bool {
	for _, pe := range a.Node.ParseErrors {
		if pe.Path == p {
			return true
		}
	}
	for _, c := range a.Node.Cuts {
		if c.Path == p {
			return true
		}
	}
	return false
}

// targets is every member the analyzer opens, and the manifest, for
// content mutations (that fit); every member for container mutations.
func targets(s *Source, mu Mutation) []string {
	if !mu.Member {
		return []string{""}
	}
	var out []string
	if mu.Content != nil {
		out = append(out, bundle.ManifestPath)
	}
	for _, p := range s.Opened() {
		m, _ := s.Member(p)
		if mu.Applies == nil || mu.Applies(p, m.Data) {
			out = append(out, p)
		}
	}
	return out
}

// TestOpenedMembers: the member list is derived from a run, so it must
// hold every kind of file the minimal source has a parser for.
func TestOpenedMembers(t *testing.T) {
	got := Minimal().Opened()
	for _, want := range []string{"cri/run-containerd-containerd-sock/containers.json", "journal/containerd.jsonl",
		"logs/pods/lab_web_u1/app/2.log", "configs/etc/containerd/certs.d/docker.io/hosts.toml", "docker/containers.json", "redaction-report.json"} {
		if i := sort.SearchStrings(got, want); i == len(got) || got[i] != want {
			t.Errorf("%s is not among the opened members %v", want, got)
		}
	}
	// The minimal source is valid: it analyzes cleanly.
	dir := t.TempDir()
	p := filepath.Join(dir, "min.tar.zst")
	s := Minimal()
	if err := archiveOf(s, manifestFor(s, s.Members)).WriteFile(p); err != nil {
		t.Fatal(err)
	}
	a, err := analyzeAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Node.ParseErrors) > 0 {
		t.Errorf("the minimal source has parse errors: %+v", a.Node.ParseErrors)
	}
}

// TestEveryMutationOnEveryMember applies every member mutation to every
// member the analyzer opens of the minimal source (Light volumes) and
// analyzes each result in process: refused ones name the member, the rest
// analyze without a panic or a stall.
func TestEveryMutationOnEveryMember(t *testing.T) {
	s := Minimal()
	dir := t.TempDir()
	for _, mu := range append(Mutations(), CollideIDs) {
		if mu.FullOnly {
			continue
		}
		t.Run(mu.Name, func(t *testing.T) {
			for _, p := range targets(s, mu) {
				checkInProcess(t, dir, s, mu, p, Light)
			}
		})
	}
}

// TestTruncatedAtEveryBoundary cuts the minimal source's archive at every
// structural boundary: in the tar stream (each header's start, middle and
// end, each body's middle and end, the trailer) and in the zstd stream
// (each frame's end and middle). Every cut must be refused.
func TestTruncatedAtEveryBoundary(t *testing.T) {
	s := Minimal()
	a := archiveOf(s, manifestFor(s, s.Members))
	cuts, err := Truncations(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(cuts) < 5*len(s.Members) {
		t.Fatalf("only %d cuts", len(cuts))
	}
	dir := t.TempDir()
	for i, c := range cuts {
		p := filepath.Join(dir, fmt.Sprintf("cut-%d.tar.zst", i))
		if err := os.WriteFile(p, c.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		var err error
		withDeadline(t, c.Where, func() { _, err = analyzeAll(p) })
		var ue *analyze.UnreadableError
		if !errors.As(err, &ue) {
			t.Errorf("cut %s: not refused: %v", c.Where, err)
		}
		os.Remove(p)
	}
}

var labOnce sync.Once
var labSource *Source
var labErr error

// errSkippedLab: the lab was not there to collect from (outside CI).
var errSkippedLab = errors.New("no lab to collect from")

// labBundle collects one real bundle from the lab (every runtime it runs).
// The lab's shared lock is held by a subtest for the collection only: the
// suites that follow run for minutes on the bundle alone, and holding the
// lock through them kept every fault test of other packages waiting.
func labBundle(t *testing.T) *Source {
	if testing.Short() {
		t.Skip("integration test: needs the runtime lab")
	}
	labOnce.Do(func() {
		collected := false
		t.Run("collect from the lab", func(t *testing.T) {
			env := lab.Require(t)
			collected = true
			dir, err := os.MkdirTemp("", "rtsnap-hostile-lab-")
			if err != nil {
				labErr = err
				return
			}
			defer os.RemoveAll(dir)
			bin, err := lab.BuildCollector(dir)
			if err != nil {
				labErr = err
				return
			}
			args := []string{"--since", "2h", "--docker-socket", env["RTSNAP_LAB_DOCKER_SOCK"], "--journal-dir", env["RTSNAP_LAB_JOURNAL_DIR"]}
			for _, k := range []string{"RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK", "RTSNAP_LAB_CRIO_SOCK"} {
				if env[k] != "" {
					args = append(args, "--runtime-endpoint", "unix://"+env[k])
				}
			}
			p := lab.Collect(t, bin, args...)
			labSource, labErr = LoadSource("lab", p)
		})
		if !collected && labErr == nil {
			labErr = errSkippedLab
		}
	})
	if labErr == errSkippedLab {
		t.Skip("the runtime lab is not up (see the subtest)")
	}
	if labErr != nil {
		t.Fatal(labErr)
	}
	return labSource
}

// TestMutationsOnLabBundle: the container mutations on the members of a
// real lab bundle the analyzer opens, dealt out in turn (mutation k on
// members k, k+n, k+2n, ... for n mutations: every member meets one, each
// mutation several; every mutation on every member was over an hour here,
// and the minimal source gets that sweep), and every content mutation on
// all of them at once (Light volumes; one analysis each: a lab bundle
// takes about a second of CPU to analyze).
func TestMutationsOnLabBundle(t *testing.T) {
	s := labBundle(t)
	opened := s.Opened()
	t.Logf("lab bundle: %d members, %d opened by the analyzer", len(s.Members), len(opened))
	dir := t.TempDir()
	var container []Mutation // the member mutations dealt out
	for _, mu := range Mutations() {
		if mu.Member && mu.Content == nil && !mu.FullOnly {
			container = append(container, mu)
		}
	}
	turn := map[string]int{}
	for k, mu := range container {
		turn[mu.Name] = k
	}
	for _, mu := range append(Mutations(), CollideIDs) {
		if mu.FullOnly {
			continue
		}
		t.Run(mu.Name, func(t *testing.T) {
			if mu.Content == nil && !mu.Member {
				checkInProcess(t, dir, s, mu, "", Light)
				return
			}
			if mu.Content == nil {
				ts := targets(s, mu)
				for i := turn[mu.Name] % len(ts); i < len(ts); i += len(container) {
					checkInProcess(t, dir, s, mu, ts[i], Light)
				}
				return
			}
			path := filepath.Join(dir, "all-"+mu.Name+".tar.zst")
			on := opened
			if mu.Volume { // never on every member at once (its doc): gigabytes
				on = []string{volumeTarget(s, opened, mu)}
			}
			if err := mu.ApplyAll(s, on, Light).WriteFile(path); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(path)
			var err error
			withDeadline(t, mu.Name, func() { _, err = analyzeAll(path) })
			switch {
			case err != nil && mu.Volume && errors.Is(err, bundle.ErrLimit):
				// A volume attack on every member at once may pass the reader's
				// total: refused as over the limits, which is right.
				t.Logf("%s on every member: %v", mu.Name, err)
			case err != nil:
				t.Errorf("%s on every member: %v", mu.Name, safetext.Line(err.Error()))
			}
		})
	}
}
