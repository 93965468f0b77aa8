package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func testManifest() *Manifest {
	return &Manifest{Collector: CollectorInfo{Name: "rtsnap", Version: "test"}, Host: HostInfo{Hostname: "node-a"},
		Sources: []SourceStatus{{Name: "cri", Status: StatusOK}}}
}

func writeBundle(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	w, err := NewWriter(WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for p, d := range files {
		if _, err := w.Add(p, strings.SplitN(p, "/", 2)[0], "json", []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	path, _, err := w.Commit(context.Background(), dir, "b.tar.zst", testManifest(), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRoundTripConcurrentAdds(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				data := fmt.Sprintf(`{"source":%d,"file":%d,"pad":%q}`, g, i, strings.Repeat("x", i*37))
				if _, err := w.Add(fmt.Sprintf("src%d/f%03d.json", g, i), fmt.Sprintf("src%d", g), "json", []byte(data)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if _, err := w.Add("src0/f000.json", "src0", "json", []byte("again")); err == nil {
		t.Error("duplicate path accepted")
	}
	path, size, err := w.Commit(context.Background(), dir, "rtsnap-node-a.tar.zst", testManifest(), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != size || fi.Mode().Perm() != 0o600 {
		t.Fatalf("size %d vs %d, mode %v", fi.Size(), size, fi.Mode())
	}
	b, err := OpenFile(path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Paths()) != 400 || len(b.Manifest.Files) != 400 || b.Manifest.FormatVersion != FormatVersion {
		t.Fatalf("got %d paths", len(b.Paths()))
	}
	d, ok := b.File("src3/f007.json")
	if !ok || !strings.Contains(string(d), `"file":7`) {
		t.Fatalf("content: %q", d)
	}
	// manifest.json is the first tar entry, readable by plain archive/tar.
	raw, _ := os.ReadFile(path)
	dec, _ := zstd.NewReader(bytes.NewReader(raw))
	defer dec.Close()
	hdr, err := tar.NewReader(dec).Next()
	if err != nil || hdr.Name != ManifestPath {
		t.Fatalf("first entry %v %v", hdr, err)
	}
	// And by the tar binary, when there is one with zstd.
	if _, err := exec.LookPath("zstd"); err == nil {
		out, err := exec.Command("tar", "--zstd", "-tf", path).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "manifest.json\n") || strings.Count(string(out), "\n") != 401 {
			t.Fatalf("tar --zstd -tf: %v\n%.300s", err, out)
		}
	}
	side, _ := os.ReadFile(path + ".sha256")
	sum := sha256.Sum256(raw)
	if string(side) != hex.EncodeToString(sum[:])+"  rtsnap-node-a.tar.zst\n" {
		t.Fatalf("sidecar %q", side)
	}
}

func TestBudgetIsNeverExceeded(t *testing.T) {
	dir := t.TempDir()
	const max = 200 << 10
	w, _ := NewWriter(WriterOptions{MaxSize: max})
	incompressible := make([]byte, 16<<10)
	full := 0
	for i := 0; i < 40; i++ {
		for j := range incompressible {
			incompressible[j] = byte((i*7919 + j*104729) % 251)
		}
		sum := sha256.Sum256(incompressible)
		chunk := bytes.Repeat(sum[:], len(incompressible)/32)
		if _, err := w.Add(fmt.Sprintf("x/%d.bin", i), "x", "text", chunk); errors.Is(err, ErrFull) {
			full++
		} else if err != nil {
			t.Fatal(err)
		}
		rnd := make([]byte, 8<<10)
		for j := range rnd {
			rnd[j] = byte(j*i*2654435761>>13 ^ j>>3)
		}
		if _, err := w.Add(fmt.Sprintf("y/%d.bin", i), "y", "text", rnd); errors.Is(err, ErrFull) {
			full++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if full == 0 {
		t.Fatal("never hit the budget; the test data is too compressible")
	}
	path, size, err := w.Commit(context.Background(), dir, "b.tar.zst", testManifest(), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size > max {
		t.Fatalf("archive %d bytes over budget %d", size, max)
	}
	if _, err := OpenFile(path, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
}

func TestCommitCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	w, _ := NewWriter(WriterOptions{})
	w.Add("a/b.json", "a", "json", []byte(`{}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := w.Commit(ctx, dir, "b.tar.zst", testManifest(), CommitOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

// A tiny tmpfs: the archive either fits and is valid, or the commit fails
// cleanly with ErrNoSpace and leaves nothing.
func TestTinyTmpfs(t *testing.T) {
	if testing.Short() || os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	w, _ := NewWriter(WriterOptions{MaxSize: 8 << 20})
	mask := make([]byte, 1<<20)
	for i := range mask {
		mask[i] = byte(i*2654435761>>7 ^ i>>11)
	}
	for i := 0; i < 4; i++ {
		h := sha256.Sum256([]byte{byte(i)})
		chunk := bytes.Repeat(h[:], 32<<10) // 1 MiB, weakly compressible
		for j := range chunk {
			chunk[j] ^= mask[j]
		}
		if _, err := w.Add(fmt.Sprintf("big/%d", i), "big", "text", chunk); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := w.Commit(context.Background(), dir, "b.tar.zst", testManifest(), CommitOptions{})
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("err = %v, want ErrNoSpace", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	// ENOSPC in the middle of the write (the free-space check passed, but a
	// wrapper triples the bytes): ErrNoSpace, and the temporary file is gone.
	w2, _ := NewWriter(WriterOptions{})
	if _, err := w2.Add("big/0", "big", "text", noise(3, 700<<10)); err != nil {
		t.Fatal(err)
	}
	_, _, err = w2.Commit(context.Background(), dir, "c.tar.zst", testManifest(), CommitOptions{
		Wrap: func(w io.Writer) (io.WriteCloser, error) { return tripler{w}, nil },
	})
	if !errors.Is(err, ErrNoSpace) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("mid-write ENOSPC: err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind after ENOSPC: %v", entries)
	}
	// A small archive fits the same filesystem.
	p := writeBundle(t, dir, map[string]string{"a/x.json": `{"ok":true}`})
	if _, err := OpenFile(p, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
}

// craft builds an archive by hand: entries in order, the manifest listing
// `listed` (path → content used for size and hash).
type craftEntry struct {
	hdr  tar.Header
	data string
}

func craft(t testing.TB, listed map[string]string, entries []craftEntry, mutate func([]byte) []byte) []byte {
	t.Helper()
	m := testManifest()
	m.FormatVersion = FormatVersion
	for p, d := range listed {
		s := sha256.Sum256([]byte(d))
		m.Files = append(m.Files, FileEntry{Path: p, Size: int64(len(d)), SHA256: hex.EncodeToString(s[:])})
	}
	mj, _ := json.Marshal(m)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	all := append([]craftEntry{{hdr: tar.Header{Name: ManifestPath, Typeflag: tar.TypeReg, Mode: 0o600}, data: string(mj)}}, entries...)
	for _, e := range all {
		h := e.hdr
		if h.Typeflag == tar.TypeReg || h.Typeflag == 0 {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.data))
		}
	}
	tw.Close()
	raw := buf.Bytes()
	if mutate != nil {
		raw = mutate(raw)
	}
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll(raw, nil)
}

func reg(name, data string) craftEntry {
	return craftEntry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o600}, data: data}
}

func TestReaderRejectsCraftedArchives(t *testing.T) {
	ok := map[string]string{"a/x.json": "{}"}
	valid := craft(t, ok, []craftEntry{reg("a/x.json", "{}")}, nil)
	if _, err := Read(bytes.NewReader(valid), DefaultLimits()); err != nil {
		t.Fatalf("valid crafted archive rejected: %v", err)
	}
	small := DefaultLimits()
	small.MaxTotalBytes, small.MaxFileBytes, small.MaxEntries = 1<<20, 1<<20, 10
	bomb := func() []byte {
		// 64 MiB of zeros compresses to a few KiB.
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		m := testManifest()
		m.FormatVersion = 1
		mj, _ := json.Marshal(m)
		tw.WriteHeader(&tar.Header{Name: ManifestPath, Typeflag: tar.TypeReg, Size: int64(len(mj))})
		tw.Write(mj)
		tw.WriteHeader(&tar.Header{Name: "a/zero", Typeflag: tar.TypeReg, Size: 64 << 20})
		tw.Write(make([]byte, 64<<20))
		tw.Close()
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
		return enc.EncodeAll(buf.Bytes(), nil)
	}()
	manyEntries := func() []byte {
		listed := map[string]string{}
		var es []craftEntry
		for i := 0; i < 20; i++ {
			p := fmt.Sprintf("a/%d", i)
			listed[p] = "x"
			es = append(es, reg(p, "x"))
		}
		return craft(t, listed, es, nil)
	}()
	cases := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"traversal", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), reg("../etc/x", "x")}, nil), DefaultLimits(), ErrTampered},
		{"absolute", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), reg("/etc/passwd", "x")}, nil), DefaultLimits(), ErrTampered},
		{"symlink", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), {hdr: tar.Header{Name: "a/l", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}}}, nil), DefaultLimits(), ErrTampered},
		{"hardlink", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), {hdr: tar.Header{Name: "a/h", Typeflag: tar.TypeLink, Linkname: "a/x.json"}}}, nil), DefaultLimits(), ErrTampered},
		{"device", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), {hdr: tar.Header{Name: "a/d", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}}, nil), DefaultLimits(), ErrTampered},
		{"duplicate", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), reg("a/x.json", "{}")}, nil), DefaultLimits(), ErrTampered},
		{"unlisted", craft(t, ok, []craftEntry{reg("a/x.json", "{}"), reg("a/extra", "x")}, nil), DefaultLimits(), ErrTampered},
		{"missing", craft(t, map[string]string{"a/x.json": "{}", "a/y": "y"}, []craftEntry{reg("a/x.json", "{}")}, nil), DefaultLimits(), ErrTampered},
		{"bad hash", craft(t, ok, []craftEntry{reg("a/x.json", "[]")}, nil), DefaultLimits(), ErrTampered},
		{"size mismatch", craft(t, ok, []craftEntry{reg("a/x.json", "{ }")}, nil), DefaultLimits(), ErrTampered},
		{"manifest not first", func() []byte {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			tw.WriteHeader(&tar.Header{Name: "a/x", Typeflag: tar.TypeReg, Size: 1})
			tw.Write([]byte("x"))
			tw.Close()
			enc, _ := zstd.NewWriter(nil)
			return enc.EncodeAll(buf.Bytes(), nil)
		}(), DefaultLimits(), ErrCorrupt},
		{"truncated zstd", valid[:len(valid)-7], DefaultLimits(), ErrCorrupt},
		{"truncated tar", craft(t, map[string]string{"a/big": strings.Repeat("y", 3000)}, []craftEntry{reg("a/big", strings.Repeat("y", 3000))},
			func(b []byte) []byte { return b[:len(b)-1024-2000] }), DefaultLimits(), ErrCorrupt},
		// Cut exactly at an entry boundary (issue #15): archive/tar says io.EOF,
		// the reader must still refuse it. One zero block is not a trailer either.
		{"tar without trailer", craft(t, ok, []craftEntry{reg("a/x.json", "{}")}, func(b []byte) []byte { return b[:len(b)-1024] }), DefaultLimits(), ErrCorrupt},
		{"tar with half a trailer", craft(t, ok, []craftEntry{reg("a/x.json", "{}")}, func(b []byte) []byte { return b[:len(b)-512] }), DefaultLimits(), ErrCorrupt},
		{"trailing garbage", craft(t, ok, []craftEntry{reg("a/x.json", "{}")}, func(b []byte) []byte { return append(b, []byte("evil")...) }), DefaultLimits(), ErrCorrupt},
		{"not zstd", []byte("hello, this is not a bundle"), DefaultLimits(), ErrCorrupt},
		{"zstd bomb", bomb, small, ErrLimit},
		{"too many entries", manyEntries, small, ErrLimit},
		{"huge manifest", craft(t, ok, []craftEntry{reg("a/x.json", "{}")}, nil), Limits{MaxEntries: 10, MaxFileBytes: 1 << 20, MaxTotalBytes: 1 << 20, MaxManifestBytes: 16, MaxWindowBytes: 8 << 20}, ErrLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.data), c.lim)
			if !errors.Is(err, c.want) {
				t.Fatalf("Read: %v, want %v", err, c.want)
			}
			rep := Verify(bytes.NewReader(c.data), c.lim)
			if rep.OK() || !errors.Is(rep.Err(), c.want) {
				t.Fatalf("Verify: %+v, want %v", rep.Problems, c.want)
			}
		})
	}
}

func TestVerifyFileReportsEveryProblemAndSidecar(t *testing.T) {
	dir := t.TempDir()
	p := writeBundle(t, dir, map[string]string{"a/1.json": `{"a":1}`, "a/2.json": `{"a":2}`})
	rep, err := VerifyFile(p, DefaultLimits())
	if err != nil || !rep.OK() || rep.Files != 2 {
		t.Fatalf("clean bundle: %+v %v", rep, err)
	}
	raw, _ := os.ReadFile(p)
	raw[len(raw)/2] ^= 0x40
	os.WriteFile(p, raw, 0o600)
	rep, _ = VerifyFile(p, DefaultLimits())
	if rep.OK() {
		t.Fatal("flipped byte not detected")
	}
	kinds := map[string]bool{}
	for _, pr := range rep.Problems {
		kinds[pr.Kind] = true
	}
	if !kinds["sidecar-mismatch"] {
		t.Fatalf("sidecar mismatch not reported: %+v", rep.Problems)
	}
	if _, err := VerifyFile(filepath.Join(dir, "nope"), DefaultLimits()); err == nil {
		t.Fatal("missing file: no error")
	}
}

// hostileSeeds are small crafted archives, one per rejection rule, plus a
// valid Writer-made bundle: FuzzRead's seed corpus.
func hostileSeeds(tb testing.TB) [][]byte {
	ok := map[string]string{"a/x.json": "{}"}
	x := reg("a/x.json", "{}")
	valid := craft(tb, ok, []craftEntry{x}, nil)
	dir := tb.TempDir()
	real, err := os.ReadFile(writeBundle(tb, dir, map[string]string{"cri/cd16/pods.json": `{"items":[]}`, "host/os-release": "ID=debian\n"}))
	if err != nil {
		tb.Fatal(err)
	}
	return [][]byte{
		real,
		valid,
		craft(tb, ok, []craftEntry{x, reg("../x", "x")}, nil),
		craft(tb, ok, []craftEntry{x, reg("/etc/x", "x")}, nil),
		craft(tb, ok, []craftEntry{x, {hdr: tar.Header{Name: "a/l", Typeflag: tar.TypeSymlink, Linkname: "/"}}}, nil),
		craft(tb, ok, []craftEntry{x, {hdr: tar.Header{Name: "a/h", Typeflag: tar.TypeLink, Linkname: "a/x.json"}}}, nil),
		craft(tb, ok, []craftEntry{x, {hdr: tar.Header{Name: "a/d", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}}, nil),
		craft(tb, ok, []craftEntry{x, x}, nil),
		craft(tb, ok, []craftEntry{x, reg("a/extra", "x")}, nil),
		craft(tb, map[string]string{"a/x.json": "{}", "a/y": "y"}, []craftEntry{x}, nil),
		craft(tb, ok, []craftEntry{reg("a/x.json", "[]")}, nil),
		craft(tb, ok, []craftEntry{reg("a/x.json", "{ }")}, nil),
		craft(tb, ok, []craftEntry{x}, func(b []byte) []byte { return append(b, "evil"...) }),
		valid[:len(valid)-7],
		{0x28, 0xb5, 0x2f, 0xfd},
	}
}

func FuzzRead(f *testing.F) {
	for _, seed := range hostileSeeds(f) {
		f.Add(seed)
	}
	lim := Limits{MaxEntries: 100, MaxFileBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxManifestBytes: 1 << 20, MaxWindowBytes: 8 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(bytes.NewReader(data), lim)
		if err == nil {
			var total int64
			for _, p := range b.Paths() {
				d, _ := b.File(p)
				total += int64(len(d))
			}
			if total > lim.MaxTotalBytes {
				t.Fatalf("read %d bytes past the limit", total)
			}
		} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTampered) && !errors.Is(err, ErrLimit) {
			t.Fatalf("unclassified error: %v", err)
		}
		Verify(bytes.NewReader(data), lim)
	})
}

// tripler writes everything three times: a wrapper whose output outgrows the
// free-space check.
type tripler struct{ w io.Writer }

func (t tripler) Write(p []byte) (int, error) {
	for i := 0; i < 3; i++ {
		if _, err := t.w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
func (t tripler) Close() error { return nil }
