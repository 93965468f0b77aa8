// Package hostile writes the crafted bundles of issue #15 (and the
// container-layer attacks the reader already refused) so tests and people
// can run every analyzer command on them: `go run ./internal/hostile/gen DIR`.
// Each case says what it attacks and what the analyzer must do with it.
// They are generated, not stored: several expand to hundreds of megabytes.
package hostile

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/bundle"
	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
)

// Case is one hostile input. Path is a bundle file, or a directory for
// Dir cases (findings DIR); PathB is the second bundle for diff cases.
type Case struct {
	Name   string
	Path   string
	PathB  string
	Dir    bool
	Attack string
	// Unreadable: the analyzer must refuse it (exit 3) rather than analyze it.
	Unreadable bool
}

// T0 is every case's collection time, so outputs are stable.
var T0 = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

// Control sequences from the world: OSC 52 writes the clipboard, CSI 2J
// clears the screen (xterm ctlseqs,
// https://invisible-island.net/xterm/ctlseqs/ctlseqs.html), U+009B is the
// 8-bit CSI, U+202E reverses text (Trojan Source, CVE-2021-42574).
const (
	OSC52  = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
	CSI2J  = "\x1b[2J\x1b[H"
	C1CSI  = "\u009b2J"
	RLO    = "\u202e"
	Escape = OSC52 + CSI2J + C1CSI + RLO
	// Markdown that must stay text: a link, a tracking pixel, an autolink,
	// a bare URL GFM would link, emphasis and a heading.
	MarkdownInjection = "[click](https://evil.example/x) ![p](https://evil.example/t.png) <https://evil.example/a> https://evil.example/b **b** # h"
)

// WriteAll writes every case into dir (which must exist) and returns them.
func WriteAll(dir string) ([]Case, error) { return write(dir, true) }

// WriteLight writes only the cases that are quick to generate and analyze
// (not the ones that expand to hundreds of MB or 100,000 rows).
func WriteLight(dir string) ([]Case, error) { return write(dir, false) }

func write(dir string, heavy bool) ([]Case, error) {
	gens := []func(string) ([]Case, error){sidecarDevZero, fifoInDir, escapes, markdownInjection, noTrailer, containerCases}
	if heavy {
		gens = append([]func(string) ([]Case, error){notReady, scale, dockerBlowUp, logFlood, longLineDiff, shapeCases}, gens...)
	}
	var out []Case
	for _, gen := range gens {
		cs, err := gen(dir)
		if err != nil {
			return out, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// manifest is a plausible collection with the given sources all ok.
func manifest(host string, sources ...string) bundle.Manifest {
	m := bundle.Manifest{
		Collector:  bundle.CollectorInfo{Name: "rtsnap", Version: "0.3.0", Commit: "0123456789abcdef0123456789abcdef01234567", GoVersion: "go1.26.0"},
		Host:       bundle.HostInfo{Hostname: host, BootID: "6a1f0c6e-3d1b-4c55-9f0e-6a2b1c3d4e5f", Kernel: "6.18.0-1-amd64", CgroupMode: "unified"},
		StartedAt:  T0,
		FinishedAt: T0.Add(3 * time.Second),
		Options:    map[string]string{"timeout": "60s"},
		Redaction:  bundle.RedactionInfo{RuleSetVersion: "1"},
	}
	for i, s := range sources {
		m.Sources = append(m.Sources, bundle.SourceStatus{Name: s, Status: bundle.StatusOK, StartedAt: T0.Add(time.Duration(i) * time.Millisecond), DurationMS: 100, Files: 1})
	}
	return m
}

// file is one bundle entry; data is produced on demand so a large case is
// never all in memory at once.
type file struct {
	path string
	data func() []byte
}

func fixed(p string, d []byte) file { return file{p, func() []byte { return d }} }

// commit writes files with the real bundle writer: these bundles verify.
func commit(dir, name string, m bundle.Manifest, files []file) (string, error) {
	w, err := bundle.NewWriter(bundle.WriterOptions{MaxSize: 256 << 20, Level: zstd.SpeedFastest})
	if err != nil {
		return "", err
	}
	for _, f := range files {
		src := strings.SplitN(f.path, "/", 2)[0]
		if _, err := w.Add(f.path, src, "", f.data()); err != nil {
			return "", fmt.Errorf("%s: adding %q: %w", name, f.path, err)
		}
	}
	p, _, err := w.Commit(context.Background(), dir, name, &m, bundle.CommitOptions{})
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// PodsBundle is a CRI endpoint with pods sandboxes (state as given) and, when
// withContainers, one running container in each. It is the shape of the
// quadratic-join case and of the 100,000-pod benchmark.
func PodsBundle(dir, name string, pods int, state criapi.PodSandboxState, withContainers bool) (string, error) {
	m := manifest("node-scale", "cri")
	slug := "run-containerd-containerd-sock"
	pl := &crischema.PodList{}
	cl := &crischema.ContainerList{}
	for i := 0; i < pods; i++ {
		id := fmt.Sprintf("%064x", i+1)
		pl.Pods = append(pl.Pods, &crischema.PodRecord{Pod: &criapi.PodSandbox{Id: id,
			Metadata: &criapi.PodSandboxMetadata{Name: fmt.Sprintf("pod-%d", i), Namespace: "scale", Uid: fmt.Sprintf("uid-%d", i)},
			State:    state, CreatedAt: T0.Add(-time.Hour).UnixNano()}})
		if withContainers {
			cl.Containers = append(cl.Containers, &crischema.ContainerRecord{Container: &criapi.Container{Id: fmt.Sprintf("%064x", pods+i+1), PodSandboxId: id,
				Metadata: &criapi.ContainerMetadata{Name: "app"}, Image: &criapi.ImageSpec{Image: "registry.k8s.io/pause:3.9"},
				State: criapi.ContainerState_CONTAINER_RUNNING, CreatedAt: T0.Add(-time.Hour).UnixNano(),
				Labels: map[string]string{"io.kubernetes.pod.name": fmt.Sprintf("pod-%d", i), "io.kubernetes.pod.namespace": "scale"}}})
		}
	}
	files := []file{
		fixed("cri/"+slug+"/version.json", mustJSON(crischema.VersionRecord{Endpoint: "/run/containerd/containerd.sock", Version: &criapi.VersionResponse{RuntimeName: "containerd", RuntimeVersion: "v1.7.35"}})),
		fixed("cri/"+slug+"/pods.json", mustJSON(pl)),
		fixed("cri/"+slug+"/containers.json", mustJSON(cl)),
	}
	return commit(dir, name, m, files)
}

func notReady(dir string) ([]Case, error) {
	var out []Case
	for _, n := range []int{40_000, 100_000} {
		p, err := PodsBundle(dir, fmt.Sprintf("notready-%dk.tar.zst", n/1000), n, criapi.PodSandboxState_SANDBOX_NOTREADY, false)
		if err != nil {
			return nil, err
		}
		out = append(out, Case{Name: fmt.Sprintf("notready-%dk", n/1000), Path: p, Attack: "quadratic rule: sandboxNotReady scanned every join row per NOTREADY sandbox"})
	}
	return out, nil
}

// ScalePods is the benchmark's size: 100,000 pods with a container each.
const ScalePods = 100_000

func scale(dir string) ([]Case, error) {
	p, err := PodsBundle(dir, "scale-100k.tar.zst", ScalePods, criapi.PodSandboxState_SANDBOX_READY, true)
	return []Case{{Name: "scale-100k", Path: p, Attack: "100,000 pods and containers: every join and rule must be n log n (inspect in under 5 s)"}}, err
}

// repeatJSON is "[e,e,...]" of about n bytes.
func repeatJSON(e string, n int) []byte {
	var b bytes.Buffer
	b.Grow(n + len(e) + 2)
	b.WriteByte('[')
	for b.Len() < n {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(e)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func dockerBlowUp(dir string) ([]Case, error) {
	blow := func() []byte { return repeatJSON(`{"":0}`, 36<<20) }
	files := []file{{"docker/containers.json", blow}, {"docker/inspect.json", blow}, {"docker/images.json", blow},
		fixed("docker/version.json", []byte(`{"Version":"20.10.24","ApiVersion":"1.41"}`))}
	p, err := commit(dir, "docker-blowup.tar.zst", manifest("node-docker", "docker"), files)
	return []Case{{Name: "docker-blowup", Path: p, Attack: `decode blow-up: [{"":0},...] costs 60x its size as []map[string]any`}}, err
}

func logFlood(dir string) ([]Case, error) {
	// 200 files of 2.3 MB: 460 MB of log lines, a few MB compressed.
	var text, jl bytes.Buffer
	for i := 0; text.Len() < 2300<<10; i++ {
		ts := T0.Add(-time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)
		fmt.Fprintf(&text, "%s stderr F level=error msg=\"failed to pull image: rpc error: code = Unknown desc = %d\"\n", ts, i)
		fmt.Fprintf(&jl, "{\"__REALTIME_TIMESTAMP\":\"%d\",\"_SYSTEMD_UNIT\":\"kubelet.service\",\"MESSAGE\":\"E1124 09:29:59 pod_workers.go:1298] Error syncing pod %d\"}\n", T0.Add(-time.Duration(i)*time.Millisecond).UnixMicro(), i)
	}
	tb, jb := text.Bytes(), jl.Bytes()
	var files []file
	for i := 0; i < 100; i++ {
		files = append(files, fixed(fmt.Sprintf("logs/pods/ns/pod-%d/app/0.log", i), tb), fixed(fmt.Sprintf("journal/unit-%d.jsonl", i), jb))
	}
	p, err := commit(dir, "log-flood.tar.zst", manifest("node-logs", "logs", "journal"), files)
	return []Case{{Name: "log-flood", Path: p, Attack: "460 MB of log lines in a few MB: no overall cap on records and timeline events"}}, err
}

func longLineDiff(dir string) ([]Case, error) {
	cfg := func(salt string) func() []byte {
		return func() []byte {
			prefix := strings.Repeat("x", 8<<10)
			var b bytes.Buffer
			for i := 0; i < 600; i++ {
				fmt.Fprintf(&b, "key%d = \"%s%s\"\n", i, prefix, salt)
			}
			return b.Bytes()
		}
	}
	var pa, pb string
	for _, side := range []string{"a", "b"} {
		var files []file
		for i := 0; i < 10; i++ {
			files = append(files, file{fmt.Sprintf("configs/etc/containerd/conf.d/%d.toml", i), cfg(side)})
		}
		p, err := commit(dir, "diff-long-"+side+".tar.zst", manifest("node-diff", "configs"), files)
		if err != nil {
			return nil, err
		}
		if side == "a" {
			pa = p
		} else {
			pb = p
		}
	}
	return []Case{{Name: "diff-long-lines", Path: pa, PathB: pb, Attack: "config line diff: long lines made diff take 65 s and print 262 MB"}}, nil
}

func sidecarDevZero(dir string) ([]Case, error) {
	p, err := commit(dir, "sidecar-devzero.tar.zst", manifest("node-side", "host"), []file{fixed("host/host.json", []byte(`{"hostname":"node-side"}`))})
	if err != nil {
		return nil, err
	}
	os.Remove(p + bundle.SidecarSuffix)
	if err := os.Symlink("/dev/zero", p+bundle.SidecarSuffix); err != nil {
		return nil, err
	}
	return []Case{{Name: "sidecar-devzero", Path: p, Unreadable: true, Attack: "the .sha256 sidecar is a symlink to /dev/zero, read whole"}}, nil
}

func fifoInDir(dir string) ([]Case, error) {
	sub := filepath.Join(dir, "fifo-dir")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return nil, err
	}
	if _, err := commit(sub, "a-healthy.tar.zst", manifest("node-fifo", "host"), []file{fixed("host/host.json", []byte(`{"hostname":"node-fifo"}`))}); err != nil {
		return nil, err
	}
	fifo := filepath.Join(sub, "b-fifo.tar.zst")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		return nil, fmt.Errorf("mkfifo: %w", err)
	}
	return []Case{{Name: "fifo-in-dir", Path: sub, Dir: true, Attack: "a FIFO named *.tar.zst in a directory hung findings DIR"},
		{Name: "fifo", Path: fifo, Unreadable: true, Attack: "a FIFO given as the bundle"}}, nil
}

func escapes(dir string) ([]Case, error) {
	m := manifest("node"+Escape, "cri", "journal")
	m.CaseID = "SR-1" + Escape
	m.Sources[0].Status, m.Sources[0].Reason = bundle.StatusError, "dial unix /run/"+Escape+".sock: connection refused"
	files := []file{
		fixed("journal/kube"+OSC52+".jsonl", []byte(fmt.Sprintf("{\"__REALTIME_TIMESTAMP\":\"%d\",\"MESSAGE\":\"msg %s end\"}\n", T0.UnixMicro(), jsonEsc(Escape)))),
		fixed("logs/pods/ns/pod"+RLO+"/app/0.log", []byte(T0.Format(time.RFC3339Nano)+" stdout F "+Escape+" in a log line\n")),
		fixed("configs/etc/x"+CSI2J+".toml", []byte("a = \""+Escape+"\"\n")),
		fixed("host/host.json", []byte(`{"hostname":"`+jsonEsc(Escape)+`"}`)),
	}
	p, err := commit(dir, "escapes.tar.zst", m, files)
	if err != nil {
		return nil, err
	}
	// The same names in a bundle that fails to load: load errors name the entry.
	raw := craftTar(map[string]string{"host/host.json": "{}"}, []entry{reg("host/host.json", "{}"), reg("unlisted/"+OSC52+CSI2J+RLO, "x")}, true)
	bad := filepath.Join(dir, "escapes-unlisted.tar.zst")
	if err := os.WriteFile(bad, raw, 0o600); err != nil {
		return nil, err
	}
	return []Case{{Name: "escapes", Path: p, PathB: p, Attack: "OSC 52, CSI 2J, C1 and U+202E in names and content"},
		{Name: "escapes-in-load-error", Path: bad, Unreadable: true, Attack: "a load error names an entry holding OSC 52 and CSI 2J"}}, nil
}

// jsonEsc is s as the inside of a JSON string (controls as \u escapes, as a
// collector's encoder writes them).
func jsonEsc(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func markdownInjection(dir string) ([]Case, error) {
	m := manifest("node-md", "cri")
	m.CaseID = MarkdownInjection
	m.Sources[0].Status, m.Sources[0].Reason = bundle.StatusError, MarkdownInjection
	files := []file{fixed("logs/pods/ns/md/app/0.log", []byte(T0.Format(time.RFC3339Nano)+" stdout F "+MarkdownInjection+"\n"))}
	p, err := commit(dir, "markdown.tar.zst", m, files)
	return []Case{{Name: "markdown", Path: p, Attack: "links, images, autolinks and markup in content reach summary.md and the Markdown report"}}, err
}

func noTrailer(dir string) ([]Case, error) {
	raw := craftTar(map[string]string{"host/host.json": "{}"}, []entry{reg("host/host.json", "{}")}, false)
	p := filepath.Join(dir, "no-trailer.tar.zst")
	return []Case{{Name: "no-trailer", Path: p, Unreadable: true, Attack: "tar stream without its end-of-archive trailer"}}, os.WriteFile(p, raw, 0o600)
}

// containerCases are the container-layer attacks the reader already refused.
func containerCases(dir string) ([]Case, error) {
	ok := map[string]string{"a/x.json": "{}"}
	many := map[string]string{}
	var manyEntries []entry
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("a/%d", i)
		many[p] = ""
		manyEntries = append(manyEntries, reg(p, ""))
	}
	cases := []struct {
		name, attack string
		raw          []byte
	}{
		{"traversal", "../ in an entry name", craftTar(ok, []entry{reg("a/x.json", "{}"), reg("../../etc/cron.d/x", "x")}, true)},
		{"symlink-entry", "a symlink entry to /etc/shadow", craftTar(ok, []entry{reg("a/x.json", "{}"), {hdr: tar.Header{Name: "a/l", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}}}, true)},
		{"device-entry", "a character device entry", craftTar(ok, []entry{reg("a/x.json", "{}"), {hdr: tar.Header{Name: "a/d", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}}, true)},
		{"bad-hash", "content that does not match the manifest", craftTar(ok, []entry{reg("a/x.json", "[]")}, true)},
		{"zstd-bomb", "3 GiB of zeros in a few hundred KB", zstdBomb()},
		{"many-entries", "1000 empty entries", craftTar(many, manyEntries, true)},
	}
	var out []Case
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".tar.zst")
		if err := os.WriteFile(p, c.raw, 0o600); err != nil {
			return nil, err
		}
		// many-entries is a valid bundle; the others must be refused.
		out = append(out, Case{Name: c.name, Path: p, Attack: c.attack, Unreadable: c.name != "many-entries"})
	}
	return out, nil
}

type entry struct {
	hdr  tar.Header
	data string
}

func reg(name, data string) entry {
	return entry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o600, ModTime: T0}, data: data}
}

// craftTar builds an archive by hand (the bundle writer refuses to write
// these): the manifest listing `listed`, then the entries; trailer false
// drops the end-of-archive blocks.
func craftTar(listed map[string]string, entries []entry, trailer bool) []byte {
	m := manifest("node-crafted")
	m.FormatVersion = bundle.FormatVersion
	for p, d := range listed {
		s := sha256.Sum256([]byte(d))
		m.Files = append(m.Files, bundle.FileEntry{Path: p, Source: "a", Size: int64(len(d)), SHA256: hex.EncodeToString(s[:])})
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mj := mustJSON(m)
	all := append([]entry{{hdr: tar.Header{Name: bundle.ManifestPath, Typeflag: tar.TypeReg, Mode: 0o600, ModTime: T0}, data: string(mj)}}, entries...)
	for _, e := range all {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		tw.WriteHeader(&h)
		tw.Write([]byte(e.data))
	}
	tw.Flush()
	raw := buf.Bytes()
	if trailer {
		tw.Close()
		raw = buf.Bytes()
	}
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll(raw, nil)
}

// zstdBomb is a listed 3 GiB file of zeros, streamed through the encoder.
func zstdBomb() []byte {
	const size = 3 << 30
	m := manifest("node-bomb")
	m.FormatVersion = bundle.FormatVersion
	m.Files = []bundle.FileEntry{{Path: "a/zero", Source: "a", Size: size, SHA256: strings.Repeat("0", 64)}}
	var out bytes.Buffer
	enc, _ := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedFastest))
	tw := tar.NewWriter(enc)
	mj := mustJSON(m)
	tw.WriteHeader(&tar.Header{Name: bundle.ManifestPath, Typeflag: tar.TypeReg, Size: int64(len(mj)), Mode: 0o600})
	tw.Write(mj)
	tw.WriteHeader(&tar.Header{Name: "a/zero", Typeflag: tar.TypeReg, Size: size, Mode: 0o600})
	zero := make([]byte, 1<<20)
	for i := 0; i < size>>20; i++ {
		tw.Write(zero)
	}
	tw.Close()
	enc.Close()
	return out.Bytes()
}
