// Package bundletest writes real bundles with the bundle writer for the
// analyzer's tests: realistic manifests, files, and ways to damage them.
package bundletest

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

// T0 is the fixed collection start of every test bundle, so output is stable.
var T0 = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

// Spec describes a bundle to write.
type Spec struct {
	Manifest bundle.Manifest
	// Files maps path to content; Source defaults to the first path element.
	Files map[string]string
	// Truncated marks files as cut at their limit.
	Truncated []string
}

// Healthy is a bundle from a healthy node: every source ok.
func Healthy() Spec {
	m := bundle.Manifest{
		Collector:   bundle.CollectorInfo{Name: "rtsnap", Version: "0.3.0", Commit: "0123456789abcdef0123456789abcdef01234567", GoVersion: "go1.26.0"},
		Host:        bundle.HostInfo{Hostname: "node-a", BootID: "6a1f0c6e-3d1b-4c55-9f0e-6a2b1c3d4e5f", MachineIDSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Kernel: "6.18.0-1-amd64", CgroupMode: "hybrid"},
		StartedAt:   T0,
		FinishedAt:  T0.Add(4200 * time.Millisecond),
		CaseID:      "CASE-4711",
		Operator:    "oncall",
		CommandLine: []string{"rtsnap", "collect", "--output", "/dev/shm", "--case-id", "CASE-4711"},
		Options:     map[string]string{"timeout": "60s", "source-timeout": "15s", "max-size": "67108864"},
		Redaction:   bundle.RedactionInfo{RuleSetVersion: "1", Total: 3, ByRule: map[string]int{"env-secret": 2, "registry-auth": 1}},
		Sources: []bundle.SourceStatus{
			{Name: "host", Status: bundle.StatusOK, StartedAt: T0.Add(10 * time.Millisecond), DurationMS: 850, Bytes: 5400, Files: 1},
			{Name: "cri", Status: bundle.StatusOK, StartedAt: T0.Add(12 * time.Millisecond), DurationMS: 1320, Bytes: 2100, Files: 1},
			{Name: "journal", Status: bundle.StatusOK, StartedAt: T0.Add(15 * time.Millisecond), DurationMS: 2400, Bytes: 800, Files: 1},
			{Name: "configs", Status: bundle.StatusOK, StartedAt: T0.Add(16 * time.Millisecond), DurationMS: 40, Bytes: 300, Files: 1},
		},
		PeakRSSBytes: 48 << 20,
	}
	files := map[string]string{
		"host/host.json": `{"hostname":"node-a","kernel":"6.18.0-1-amd64"}`,
		"cri/run-containerd-containerd-sock/version.json": `{"runtime_name":"containerd","runtime_version":"v1.6.20"}`,
		"journal/containerd.jsonl": fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"containerd.service","MESSAGE":"starting containerd","_PID":"812"}
{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"containerd.service","MESSAGE":"RunPodSandbox for name:\"web-cd16\" namespace:\"lab\" returns sandbox id","_PID":"812"}
`, T0.Add(-time.Hour).UnixMicro(), T0.Add(-59*time.Minute).UnixMicro()),
		"configs/containerd/config.toml": "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.9\"\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n    SystemdCgroup = false\n",
		"redaction-report.json":          `{"rule_set_version":"1","defaults_enabled":true,"pseudonymized":false,"total":3,"by_rule":{"env-secret":2,"registry-auth":1},"files":[{"path":"cri/run-containerd-containerd-sock/version.json","total":3,"rules":[]}]}`,
	}
	return Spec{Manifest: m, Files: files}
}

// TimedOut is Healthy with the cri source stopped at its deadline, as on a
// node whose containerd does not answer.
func TimedOut() Spec {
	s := Healthy()
	s.Manifest.StartedAt = T0.Add(time.Hour)
	s.Manifest.FinishedAt = T0.Add(time.Hour + 16*time.Second)
	for i := range s.Manifest.Sources {
		s.Manifest.Sources[i].StartedAt = s.Manifest.Sources[i].StartedAt.Add(time.Hour)
		s.Manifest.Sources[i].DurationMS += 17
	}
	s.Manifest.Sources[1] = bundle.SourceStatus{Name: "cri", Status: bundle.StatusTimeout, Reason: "context deadline exceeded",
		StartedAt: T0.Add(time.Hour + 12*time.Millisecond), DurationMS: 15000, Bytes: 0, Files: 0}
	delete(s.Files, "cri/run-containerd-containerd-sock/version.json")
	s.Files["configs/containerd/config.toml"] = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.9\"\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n"
	return s
}

// Write commits the bundle into dir and returns its path.
func Write(t testing.TB, dir, name string, s Spec) string {
	t.Helper()
	return WriteWith(t, dir, name, s, bundle.CommitOptions{})
}

// WriteWith is Write with commit options, e.g. an encryption hook (Wrap) as
// rtsnap collect --encrypt-to commits.
func WriteWith(t testing.TB, dir, name string, s Spec, opts bundle.CommitOptions) string {
	t.Helper()
	w, err := bundle.NewWriter(bundle.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	paths := make([]string, 0, len(s.Files))
	for p := range s.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	trunc := map[string]bool{}
	for _, p := range s.Truncated {
		trunc[p] = true
	}
	for _, p := range paths {
		src := p
		if i := indexByte(p, '/'); i > 0 {
			src = p[:i]
		} else {
			src = "rtsnap"
		}
		if _, err := w.Add(p, src, "", []byte(s.Files[p])); err != nil {
			t.Fatalf("adding %s: %v", p, err)
		}
		if trunc[p] {
			w.Annotate(p, 0, true)
		}
	}
	m := s.Manifest
	out, _, err := w.Commit(context.Background(), dir, name, &m, opts)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return out
}

// FlipByte flips one byte in the middle of the file, as a tamperer or a bad
// disk would.
func FlipByte(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
