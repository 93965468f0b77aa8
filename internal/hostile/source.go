package hostile

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/rules"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
)

// Member is one data file of a Source, in archive order.
type Member struct {
	Path string
	Data []byte
}

// Source is a valid bundle taken apart: the mutations of mutate.go put it
// back together with one thing wrong. It comes from a real lab bundle
// (LoadSource) or is the smallest bundle every parser still has a file in
// (Minimal).
type Source struct {
	Name     string
	Manifest bundle.Manifest
	Members  []Member
}

// LoadSource reads and verifies a bundle file into a Source.
func LoadSource(name, path string) (*Source, error) {
	b, err := bundle.OpenFile(path, bundle.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("reading the source bundle %s: %w", path, err)
	}
	s := &Source{Name: name, Manifest: *b.Manifest}
	for _, f := range b.Manifest.Files {
		d, _ := b.File(f.Path)
		s.Members = append(s.Members, Member{Path: f.Path, Data: d})
	}
	return s, nil
}

// Minimal is a small valid bundle with one file for each kind of parser the
// analyzer has: CRI state, a journal, a container log, a config, Docker,
// the host and the redaction report.
func Minimal() *Source {
	m := manifest("node-min", "host", "cri", "journal", "logs", "configs", "docker")
	m.FormatVersion = bundle.FormatVersion
	id := strings.Repeat("ab", 32)
	pod := strings.Repeat("cd", 32)
	ts := T0.Add(-time.Minute)
	files := []Member{
		{"host/host.json", []byte(`{"hostname":"node-min","kernel":"6.18.0-1-amd64","boot_id":"6a1f0c6e-3d1b-4c55-9f0e-6a2b1c3d4e5f"}`)},
		{"cri/run-containerd-containerd-sock/version.json", []byte(`{"endpoint":"/run/containerd/containerd.sock","version":{"runtime_name":"containerd","runtime_version":"v1.7.35"}}`)},
		{"cri/run-containerd-containerd-sock/pods.json", []byte(fmt.Sprintf(`{"pods":[{"pod":{"id":%q,"metadata":{"name":"web","namespace":"lab","uid":"u1"},"state":0,"created_at":%d}}]}`, pod, ts.UnixNano()))},
		{"cri/run-containerd-containerd-sock/containers.json", []byte(fmt.Sprintf(`{"containers":[{"container":{"id":%q,"pod_sandbox_id":%q,"metadata":{"name":"app","attempt":2},"image":{"image":"registry.k8s.io/pause:3.9"},"state":2,"created_at":%d,"labels":{"io.kubernetes.pod.name":"web","io.kubernetes.pod.namespace":"lab"}},"status":{"exit_code":137,"reason":"OOMKilled","finished_at":%d}}]}`, id, pod, ts.UnixNano(), ts.Add(time.Second).UnixNano()))},
		{"journal/containerd.jsonl", []byte(fmt.Sprintf("{\"__REALTIME_TIMESTAMP\":\"%d\",\"_SYSTEMD_UNIT\":\"containerd.service\",\"MESSAGE\":\"level=error msg=\\\"RunPodSandbox for web failed\\\" error=\\\"failed to pull image: rpc error: code = NotFound\\\"\"}\n{\"__REALTIME_TIMESTAMP\":\"%d\",\"_SYSTEMD_UNIT\":\"kubelet.service\",\"MESSAGE\":\"E1124 09:29:59.000000 812 pod_workers.go:1298] \\\"Error syncing pod, skipping\\\" err=\\\"failed to \\\\\\\"StartContainer\\\\\\\" with CrashLoopBackOff\\\"\"}\n", ts.UnixMicro(), ts.Add(time.Second).UnixMicro()))},
		{"logs/pods/lab_web_u1/app/2.log", []byte(ts.Format(time.RFC3339Nano) + " stderr F panic: runtime error: invalid memory address or nil pointer dereference\n")},
		{"configs/etc/containerd/config.toml", []byte("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.9\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n")},
		{"configs/etc/containerd/certs.d/docker.io/hosts.toml", []byte("server = \"https://registry-1.docker.io\"\n[host.\"https://mirror.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n")},
		{"docker/version.json", []byte(`{"Version":"20.10.24","ApiVersion":"1.41"}`)},
		{"docker/containers.json", []byte(fmt.Sprintf(`[{"Id":%q,"Names":["/web"],"Image":"nginx:1.25","State":"restarting","Status":"Restarting (1) 2 seconds ago","Created":%d}]`, id, ts.Unix()))},
		{"redaction-report.json", []byte(`{"rule_set_version":"1","defaults_enabled":true,"pseudonymized":false,"total":0,"by_rule":{},"files":[]}`)},
	}
	s := &Source{Name: "minimal", Manifest: m, Members: files}
	s.Manifest.Files = nil
	for _, f := range files {
		s.Manifest.Files = append(s.Manifest.Files, fileEntry(f.Path, f.Data))
	}
	return s
}

func fileEntry(p string, d []byte) bundle.FileEntry {
	sum := sha256.Sum256(d)
	src, _, _ := strings.Cut(p, "/")
	if !strings.Contains(p, "/") {
		src = "rtsnap"
	}
	return bundle.FileEntry{Path: p, Source: src, Size: int64(len(d)), SHA256: hex.EncodeToString(sum[:])}
}

// Member returns the member at path p.
func (s *Source) Member(p string) (Member, bool) {
	for _, m := range s.Members {
		if m.Path == p {
			return m, true
		}
	}
	return Member{}, false
}

// Opened lists, sorted, every member the analyzer reads: the paths the
// facts loader, the rules and the timeline ask the bundle for, recorded on
// a real run over s rather than listed by hand, so a new parser's files are
// mutated as soon as it reads them.
func (s *Source) Opened() []string {
	data := map[string][]byte{}
	for _, m := range s.Members {
		data[m.Path] = m.Data
	}
	seen := map[string]bool{}
	file := func(p string) ([]byte, bool) {
		d, ok := data[p]
		if ok {
			seen[p] = true
		}
		return d, ok
	}
	m := s.Manifest
	n := facts.New(s.Name, &m, file, facts.DefaultParsers())
	rules.Default().Run(n)
	timeline.Build(n, timeline.DefaultExtractors(), timeline.Filter{})
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Entry is one tar entry of a crafted archive. Data is the body; Stream,
// when set, writes Hdr.Size bytes instead (for bodies too large to hold).
type Entry struct {
	Hdr    tar.Header
	Data   []byte
	Stream func(io.Writer) error
	// patchType, when set, replaces the written header's type byte (for
	// header types archive/tar will not write by hand).
	patchType byte
}

// regular is a well-formed bundle entry for p.
func regular(p string, d []byte) Entry {
	return Entry{Hdr: tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(d)), ModTime: T0, Format: tar.FormatPAX}, Data: d}
}

// Archive is a bundle before it is written: the raw manifest (nil leaves
// it out), the entries, and whether the end-of-archive trailer follows.
type Archive struct {
	Manifest  []byte
	Entries   []Entry
	NoTrailer bool
	// BadChecksum names the entry whose zstd frame gets a wrong content
	// checksum.
	BadChecksum string
}

// archiveOf is s as a valid archive, with manifest m.
func archiveOf(s *Source, m bundle.Manifest) Archive {
	a := Archive{Manifest: mustJSON(m)}
	for _, mem := range s.Members {
		a.Entries = append(a.Entries, regular(mem.Path, mem.Data))
	}
	return a
}

// manifestFor is s's manifest with Files listing members as they are.
func manifestFor(s *Source, members []Member) bundle.Manifest {
	m := s.Manifest
	m.FormatVersion = bundle.FormatVersion
	m.Files = make([]bundle.FileEntry, 0, len(members))
	for _, mem := range members {
		m.Files = append(m.Files, fileEntry(mem.Path, mem.Data))
	}
	return m
}

// pieces renders the archive as tar bytes, one piece per entry (header,
// body, padding), the manifest first and the trailer last. Structural
// boundaries are where pieces meet and, inside a piece, where its body
// starts and ends (Boundaries).
func (a Archive) pieces() ([][]byte, error) {
	var out [][]byte
	all := a.Entries
	if a.Manifest != nil {
		all = append([]Entry{regular(bundle.ManifestPath, a.Manifest)}, all...)
	}
	for _, e := range all {
		if e.Stream != nil {
			return nil, fmt.Errorf("%s: a streamed entry cannot be held as pieces", e.Hdr.Name)
		}
		var buf bytes.Buffer
		if err := writeEntry(&buf, e); err != nil {
			return nil, err
		}
		out = append(out, buf.Bytes())
	}
	if !a.NoTrailer {
		out = append(out, make([]byte, 1024))
	}
	return out, nil
}

// writeEntry writes one header, body and padding. A header whose Size lies
// about the body (Size larger than Data) is written with the body it has:
// the tar writer would refuse to, so the header block is patched.
func writeEntry(w io.Writer, e Entry) error {
	h := e.Hdr
	lie := e.Stream == nil && h.Typeflag == tar.TypeReg && h.Size != int64(len(e.Data))
	if lie {
		h.Size = int64(len(e.Data))
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&h); err != nil {
		return fmt.Errorf("tar header %q: %w", trimName(h.Name), err)
	}
	hdrLen := buf.Len()
	if e.Stream != nil {
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		buf.Reset()
		cw := &countWriter{w: w}
		if err := e.Stream(cw); err != nil {
			return err
		}
		if pad := (512 - cw.n%512) % 512; pad > 0 {
			_, err := w.Write(make([]byte, pad))
			return err
		}
		return nil
	}
	if _, err := tw.Write(e.Data); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	raw := buf.Bytes()
	if lie {
		patchSize(raw[hdrLen-512:hdrLen], e.Hdr.Size)
	}
	if e.patchType != 0 {
		raw[hdrLen-512+156] = e.patchType
		patchSize(raw[hdrLen-512:hdrLen], h.Size)
	}
	_, err := w.Write(raw)
	return err
}

func trimName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// patchSize rewrites a ustar header block's size field (base-256 when it
// does not fit in 11 octal digits) and its checksum.
func patchSize(blk []byte, size int64) {
	f := blk[124:136]
	if size >= 0 && size < 1<<33 {
		copy(f, fmt.Sprintf("%011o\x00", size))
	} else {
		for i := range f {
			f[i] = 0
		}
		f[0] = 0x80
		for i := 11; i >= 4; i-- {
			f[i] = byte(size)
			size >>= 8
		}
	}
	for i := 148; i < 156; i++ {
		blk[i] = ' '
	}
	var sum int64
	for _, b := range blk[:512] {
		sum += int64(b)
	}
	copy(blk[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Write writes the archive as a bundle would be: each entry its own zstd
// frame (the writer batches entries into frames the same way).
func (a Archive) Write(w io.Writer) error {
	all := a.Entries
	if a.Manifest != nil {
		all = append([]Entry{regular(bundle.ManifestPath, a.Manifest)}, all...)
	}
	// One encoder, Reset per frame: a new one per entry costs megabytes each.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		return err
	}
	for _, e := range all {
		var frame bytes.Buffer
		out := io.Writer(&frame)
		if e.Stream != nil {
			out = w
		}
		enc.Reset(out)
		if err := writeEntry(enc, e); err != nil {
			enc.Close()
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		if raw := frame.Bytes(); len(raw) > 4 && e.Hdr.Name == a.BadChecksum {
			raw[len(raw)-1] ^= 0xff // the frame's last 4 bytes are its checksum
		}
		if _, err := w.Write(frame.Bytes()); err != nil {
			return err
		}
	}
	if !a.NoTrailer {
		return writeFrame(w, make([]byte, 1024))
	}
	return nil
}

func writeFrame(w io.Writer, raw []byte) error {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	_, err = w.Write(enc.EncodeAll(raw, nil))
	return err
}

// WriteFile writes the archive to path (mode 0600, no sidecar).
func (a Archive) WriteFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := a.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// Cut is an archive truncated at one structural boundary.
type Cut struct {
	Where string
	Data  []byte
}

// Truncations cuts the archive at every structural boundary. In the tar
// stream (re-compressed whole, so only tar sees the cut): each entry's
// start, the middle and end of its header block(s), the middle and end of
// its body, and inside the trailer. In the zstd stream as written (one
// frame per entry): each frame's end and middle, and the frame header.
func Truncations(a Archive) ([]Cut, error) {
	pcs, err := a.pieces()
	if err != nil {
		return nil, err
	}
	var tarRaw []byte
	var offs []struct {
		at    int
		where string
	}
	add := func(at int, where string) {
		offs = append(offs, struct {
			at    int
			where string
		}{at, where})
	}
	for i, pc := range pcs {
		start := len(tarRaw)
		name := "trailer"
		if i < len(a.Entries)+1 && !(a.Manifest == nil && i >= len(a.Entries)) {
			name = fmt.Sprintf("entry %d", i)
		}
		add(start, name+" start")
		if name == "trailer" {
			add(start+512, "between the trailer's blocks")
			add(start+len(pc)-1, "last byte of the trailer")
		} else {
			body := bodyLen(pc)
			hdrEnd := len(pc) - roundUp(body)
			add(start+256, name+" mid-header")
			add(start+hdrEnd-1, name+" last header byte")
			if body > 1 {
				add(start+hdrEnd+body/2, name+" mid-body")
			}
			add(start+hdrEnd+body, name+" end of body, before padding")
		}
		tarRaw = append(tarRaw, pc...)
	}
	var out []Cut
	for _, o := range offs {
		if o.at <= 0 || o.at >= len(tarRaw) {
			continue
		}
		var b bytes.Buffer
		if err := writeFrame(&b, tarRaw[:o.at]); err != nil {
			return nil, err
		}
		out = append(out, Cut{Where: fmt.Sprintf("tar at %d (%s)", o.at, o.where), Data: b.Bytes()})
	}
	// The zstd stream: frames as Write makes them.
	var z bytes.Buffer
	var ends []int
	for _, pc := range pcs {
		if err := writeFrameChecked(&z, pc); err != nil {
			return nil, err
		}
		ends = append(ends, z.Len())
	}
	full := z.Bytes()
	prev := 0
	for i, end := range ends {
		for _, at := range []int{prev + 4, prev + (end-prev)/2, end - 1} {
			if at > 0 && at < len(full) {
				out = append(out, Cut{Where: fmt.Sprintf("zstd frame %d at %d", i, at), Data: full[:at]})
			}
		}
		if end < len(full) {
			out = append(out, Cut{Where: fmt.Sprintf("zstd after frame %d", i), Data: full[:end]})
		}
		prev = end
	}
	return out, nil
}

// writeFrameChecked writes raw as one zstd frame with a content checksum.
func writeFrameChecked(w io.Writer, raw []byte) error {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		return err
	}
	_, err = w.Write(enc.EncodeAll(raw, nil))
	return err
}

func roundUp(n int) int { return (n + 511) / 512 * 512 }

// bodyLen reads the body size from a piece's last header block.
func bodyLen(pc []byte) int {
	tr := tar.NewReader(bytes.NewReader(pc))
	h, err := tr.Next()
	if err != nil {
		return 0
	}
	return int(h.Size)
}
