package analyze_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/rules"
	"github.com/rtsnap/rtsnap/bundle"
)

// The analyzer benchmarks run on two bundles: testdata/bundles/broken-node
// (a real lab bundle: one pod, a sandbox and 2 containers) and the same
// bundle scaled to 250 such pods, 500 containers (scaledSpec). Neither needs
// root or the lab.

// benchPods is the scaled bundle's pod count: two containers each.
const benchPods = 250

type benchCase struct {
	name string
	pods int // 0: the fixture file itself
}

var benchCases = []benchCase{{"broken-node", 0}, {fmt.Sprintf("broken-node-%d-containers", 2*benchPods), benchPods}}

// benchBundle writes the case's bundle (the fixture is used in place) and
// returns its path.
func benchBundle(b *testing.B, c benchCase) string {
	if c.pods == 0 {
		return brokenNode
	}
	return bundletest.Write(b, b.TempDir(), "scaled.tar.zst", scaledSpec(b, c.pods, false))
}

// benchLoad analyzes a bundle once, outside the timer, and checks it is the
// bundle the benchmark means: no parse error, 2 containers per pod, each seen
// by CRI, containerd, its task, runc and its cgroup, and findings, none of
// them a rule that panicked.
func benchLoad(b *testing.B, p string, pods int) *analyze.Analysis {
	b.Helper()
	a, err := analyze.Load(p, analyze.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, pe := range a.Node.ParseErrors {
		b.Fatalf("parse error in %s: %+v", p, pe)
	}
	if pods == 0 {
		pods = 1
	}
	if n := joinedContainers(a.Node); n != 2*pods {
		b.Fatalf("%s: %d containers seen by CRI, containerd, task and runc, want %d", p, n, 2*pods)
	}
	if len(a.Findings) == 0 {
		b.Fatalf("%s: no findings", p)
	}
	for _, f := range a.Findings {
		if f.ID == rules.RuleFailedID {
			b.Fatalf("%s: %s", p, f.Explanation)
		}
	}
	return a
}

// joinedContainers counts the non-sandbox join rows every layer knows.
func joinedContainers(n *facts.Node) int {
	count := 0
	for _, c := range n.Containers {
		if !c.Sandbox && c.CRI != nil && c.Containerd != nil && c.Task != nil && c.Runc != nil && c.Cgroup != nil {
			count++
		}
	}
	return count
}

func perSecond(b *testing.B, n int, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/s, unit)
	}
}

// BenchmarkRules times every rule of the default registry over facts built
// once (what analyze.Load spends after parsing).
func BenchmarkRules(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			a := benchLoad(b, benchBundle(b, c), c.pods)
			reg := rules.Default()
			containers := joinedContainers(a.Node)
			b.ReportAllocs()
			var fs int
			for b.Loop() {
				fs = len(reg.Run(a.Node))
			}
			if fs != len(a.Findings) {
				b.Fatalf("%d findings, analyze.Load gave %d", fs, len(a.Findings))
			}
			perSecond(b, containers, "containers/s")
		})
	}
}

// BenchmarkLoad times analyze.Load: read, decompress and verify the bundle
// against its manifest and sidecar, parse every file into facts, join, run
// the rules. MB/s counts the bundle's uncompressed files.
func BenchmarkLoad(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			p := benchBundle(b, c)
			want := benchLoad(b, p, c.pods)
			var size int64
			for _, f := range want.Node.Manifest.Files {
				size += f.Size
			}
			b.SetBytes(size)
			b.ReportAllocs()
			var a *analyze.Analysis
			for b.Loop() {
				var err error
				if a, err = analyze.Load(p, analyze.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			if len(a.Findings) != len(want.Findings) || len(a.Node.Containers) != len(want.Node.Containers) {
				b.Fatalf("%d findings, %d join rows; want %d, %d", len(a.Findings), len(a.Node.Containers), len(want.Findings), len(want.Node.Containers))
			}
			perSecond(b, 1, "bundles/s")
		})
	}
}

// BenchmarkDiff times diff.Compare with the default differs on two bundles
// of one node, before and after (scaledSpec with after=true): the kernel
// changed, a tenth of the pods gone, every tenth pod's containers exited, a
// containerd config edited. Both sides are loaded once, outside the timer, as
// the diff command does before comparing; containers/s counts both sides.
func BenchmarkDiff(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			pods := max(c.pods, 1)
			before := benchLoad(b, benchBundle(b, c), c.pods)
			afterPods := pods - pods/10
			after := benchLoad(b, bundletest.Write(b, b.TempDir(), "after.tar.zst", scaledSpec(b, pods, true)), afterPods)
			containers := joinedContainers(before.Node) + joinedContainers(after.Node)
			differs := diff.DefaultDiffers()
			b.ReportAllocs()
			var r *diff.Result
			for b.Loop() {
				r = diff.Compare(before.Node, after.Node, before.Findings, after.Findings, differs, diff.Options{})
			}
			var states int
			for _, ch := range r.Changes {
				if ch.Section == "containers" {
					states++
				}
			}
			// Every tenth pod's 2 containers exited (cri and task state each)
			// and, at scale, a tenth of the pods removed (a change at least).
			exited := (afterPods + 9) / 10
			if states < 2*2*exited+pods-afterPods || len(r.TextDiffs) == 0 {
				b.Fatalf("diff: %d container changes, %d text diffs (%d changes in all)", states, len(r.TextDiffs), len(r.Changes))
			}
			perSecond(b, containers, "containers/s")
		})
	}
}

var (
	fixtureOnce sync.Once
	fixtureSpec bundletest.Spec
	fixtureErr  error
)

// readFixture reads the broken-node bundle into a spec, once per process.
func readFixture(b *testing.B) bundletest.Spec {
	fixtureOnce.Do(func() {
		bn, err := bundle.OpenFile(brokenNode, bundle.DefaultLimits())
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureSpec = bundletest.Spec{Manifest: *bn.Manifest, Files: map[string]string{}}
		fixtureSpec.Manifest.Files = nil
		for _, f := range bn.Manifest.Files {
			data, _ := bn.File(f.Path)
			fixtureSpec.Files[f.Path] = string(data)
		}
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureSpec
}

// scaledSpec is the broken-node bundle with its one pod replicated to pods
// pods. Every record that names the pod's sandbox or container ids (CRI pods
// and containers, containerd containers, tasks and snapshots, runc states,
// cgroups, processes) is copied with new ids and the pod renamed web-cd16-pNNN
// (uid and log paths follow). Pids are kept: rules join by id, never by pid.
//
// With after, it is the same node later: the kernel upgraded, the last tenth
// of the pods gone, the containers of every tenth pod (pod 0 included)
// exited in CRI with their tasks stopped, and cd16's containerd config
// edited.
func scaledSpec(b *testing.B, pods int, after bool) bundletest.Spec {
	base := readFixture(b)
	spec := bundletest.Spec{Manifest: base.Manifest, Files: map[string]string{}}
	spec.Manifest.Sources = append([]bundle.SourceStatus(nil), base.Manifest.Sources...)
	sandboxes, containers, podNames := seedIDs(b, base.Files)
	seeds := append(append([]string(nil), sandboxes...), containers...)
	keep := pods
	if after {
		keep = pods - pods/10
		spec.Manifest.Host.Kernel += "+1"
		spec.Manifest.StartedAt = spec.Manifest.StartedAt.Add(time.Hour)
		spec.Manifest.FinishedAt = spec.Manifest.FinishedAt.Add(time.Hour)
	}
	replacers := make([]*strings.Replacer, keep)
	for k := range replacers {
		var pairs []string
		if k > 0 {
			for _, id := range seeds {
				sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", id, k))
				pairs = append(pairs, id, hex.EncodeToString(sum[:]))
			}
			for _, name := range podNames {
				pairs = append(pairs, name, fmt.Sprintf("%s-p%03d", name, k))
			}
		}
		replacers[k] = strings.NewReplacer(pairs...)
	}
	copied := 0
	for p, data := range base.Files {
		spec.Files[p] = data
		dir, _, _ := strings.Cut(p, "/")
		if path.Ext(p) != ".json" || !map[string]bool{"cri": true, "containerd": true, "runc": true, "cgroup": true, "proc": true}[dir] {
			continue
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(data))
		dec.UseNumber() // created_at in ns does not survive float64
		if err := dec.Decode(&v); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		n := 0
		switch t := v.(type) {
		case []any:
			v, n = replicate(b, p, t, seeds, sandboxes, replacers, after)
		case map[string]any:
			for key, list := range t {
				if l, ok := list.([]any); ok {
					var m int
					t[key], m = replicate(b, p, l, seeds, sandboxes, replacers, after)
					n += m
				}
			}
		}
		if n == 0 {
			continue
		}
		copied += n
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		spec.Files[p] = string(out)
	}
	if copied == 0 {
		b.Fatal("no record names the fixture's pod: scaledSpec has nothing to replicate")
	}
	if after {
		const cfg = "configs/containerd-dump/run_rtsnap-lab_cd16_containerd.toml"
		old, ok := spec.Files[cfg]
		if !ok {
			b.Fatalf("%s missing from the fixture", cfg)
		}
		spec.Files[cfg] = strings.Replace(old, "\n", "\n# edited between the two collections\n", 1)
	}
	return spec
}

// seedIDs returns the sandbox ids, container ids and pod names of the
// fixture's CRI endpoints.
func seedIDs(b *testing.B, files map[string]string) (sandboxes, containers, podNames []string) {
	for p, data := range files {
		if !strings.HasPrefix(p, "cri/") {
			continue
		}
		switch path.Base(p) {
		case "pods.json":
			var v struct {
				Pods []struct {
					Pod struct {
						ID       string `json:"id"`
						Metadata struct{ Name string }
					}
				}
			}
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				b.Fatalf("%s: %v", p, err)
			}
			for _, pod := range v.Pods {
				sandboxes = append(sandboxes, pod.Pod.ID)
				podNames = append(podNames, pod.Pod.Metadata.Name)
			}
		case "containers.json":
			var v struct {
				Containers []struct {
					Container struct {
						ID string `json:"id"`
					}
				}
			}
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				b.Fatalf("%s: %v", p, err)
			}
			for _, c := range v.Containers {
				containers = append(containers, c.Container.ID)
			}
		}
	}
	if len(sandboxes) != 1 || len(containers) != 2 || len(podNames) != 1 {
		b.Fatalf("fixture: sandboxes %v, containers %v, pods %v; want one pod, its sandbox and 2 containers", sandboxes, containers, podNames)
	}
	return sandboxes, containers, podNames
}

// replicate returns list with every record that names a seed id copied once
// per replacer (the first keeps the seed ids), and how many records it copied.
func replicate(b *testing.B, p string, list []any, seeds, sandboxes []string, replacers []*strings.Replacer, after bool) ([]any, int) {
	out := make([]any, 0, len(list))
	n := 0
	for _, rec := range list {
		raw, err := json.Marshal(rec)
		if err != nil {
			b.Fatal(err)
		}
		named := false
		for _, id := range seeds {
			named = named || bytes.Contains(raw, []byte(id))
		}
		if !named {
			out = append(out, rec)
			continue
		}
		n++
		for k, r := range replacers {
			dec := json.NewDecoder(strings.NewReader(r.Replace(string(raw))))
			dec.UseNumber()
			var c any
			if err := dec.Decode(&c); err != nil {
				b.Fatalf("%s: %v", p, err)
			}
			if after && k%10 == 0 {
				var renamed []string
				for _, id := range sandboxes {
					renamed = append(renamed, r.Replace(id))
				}
				exit(p, c, renamed)
			}
			out = append(out, c)
		}
	}
	return out, n
}

// exit marks a CRI container record exited and a container's containerd task
// stopped; other records, sandboxes' included, are left alone.
func exit(p string, rec any, sandboxes []string) {
	m, ok := rec.(map[string]any)
	if !ok {
		return
	}
	switch {
	case strings.HasPrefix(p, "cri/") && path.Base(p) == "containers.json":
		for _, key := range []string{"container", "status"} {
			if c, ok := m[key].(map[string]any); ok {
				c["state"] = json.Number("2") // CONTAINER_EXITED
			}
		}
	case path.Base(p) == "tasks.json":
		id, _ := m["id"].(string)
		if _, ok := m["status"]; ok && !slices.Contains(sandboxes, id) {
			m["status"] = "STOPPED"
		}
	}
}
