package jfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

const journalRemote = "/lib/systemd/systemd-journal-remote"

// need returns the path of a tool the differential tests run; without it they
// skip, except under CI=true (CI installs systemd-journal-remote and journalctl).
func need(t testing.TB, path string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v", path, err)
		}
		t.Skipf("%s not installed: %v", path, err)
	}
	return p
}

// exportStream is journal export format (https://systemd.io/JOURNAL_EXPORT_FORMATS/):
// short fields, a multi-line field in the binary form, a field large enough
// that journald compresses it (over 512 bytes), UTF-8, and the kubelet and
// containerd lines the journal source looks for. The log lines are real ones:
// kubelet's CrashLoopBackOff line from https://github.com/kubernetes/kubernetes/issues/97525,
// containerd's pull failure from https://github.com/containerd/containerd/issues/4985.
func exportStream(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n", 1700000000000000+i*1000, 5000+i)
		switch i % 3 {
		case 0:
			b.WriteString("_SYSTEMD_UNIT=kubelet.service\nSYSLOG_IDENTIFIER=kubelet\n")
			b.WriteString(`MESSAGE=E1221 13:27:41.180474    3025 pod_workers.go:191] Error syncing pod 4f4a0e5d ("nginx_default(4f4a0e5d)"), skipping: failed to "StartContainer" for "nginx" with CrashLoopBackOff: "back-off 5m0s restarting failed container=nginx pod=nginx_default(4f4a0e5d)"` + "\n")
		case 1:
			b.WriteString("_COMM=containerd\nPRIORITY=3\n")
			b.WriteString(`MESSAGE=time="2021-02-03T10:00:00Z" level=error msg="PullImage \"k8s.gcr.io/pause:3.2\" failed" error="failed to pull and unpack image: failed to resolve reference: dial tcp 127.0.0.1:1: connect: connection refused"` + "\n")
		default:
			b.WriteString("_TRANSPORT=kernel\nMESSAGE=Memory cgroup out of memory: Killed process 4242 (stress) total-vm:1MB — ünïcode\n")
		}
		multi := []byte("line one\nline two")
		b.WriteString("MULTI\n")
		binary.Write(&b, binary.LittleEndian, uint64(len(multi)))
		b.Write(multi)
		fmt.Fprintf(&b, "\nBIG=%s%d\n\n", strings.Repeat("payload ", 400), i)
	}
	return b.Bytes()
}

// makeJournal writes a journal file with systemd-journal-remote (the same tool
// the lab uses), compact or not.
func makeJournal(t testing.TB, n int, compact bool) string {
	t.Helper()
	bin := need(t, journalRemote)
	out := filepath.Join(t.TempDir(), fmt.Sprintf("t-%v.journal", compact))
	cmd := exec.Command(bin, "--output="+out, "-")
	cmd.Stdin = bytes.NewReader(exportStream(n))
	cmd.Env = append(os.Environ(), "SYSTEMD_JOURNAL_COMPACT="+map[bool]string{true: "1", false: "0"}[compact])
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("journal-remote: %v: %s", err, msg)
	}
	return out
}

// readAll decodes every entry of a file the way journalctl -o json shows it.
func readAll(t testing.TB, path string) []map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	fi, _ := fh.Stat()
	f, err := Open(fh, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	offs, err := f.EntryOffsets(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	for _, o := range offs {
		e, err := f.Entry(o)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{"__CURSOR": f.Cursor(e), "__REALTIME_TIMESTAMP": strconv.FormatUint(e.RealtimeUsec, 10),
			"__MONOTONIC_TIMESTAMP": strconv.FormatUint(e.MonotonicUsec, 10), "_BOOT_ID": BootID(e)}
		for _, it := range e.Items {
			p, _, err := f.Data(it)
			if err != nil {
				t.Fatal(err)
			}
			k, v, _ := bytes.Cut(p, []byte("="))
			m[string(k)] = string(v)
		}
		got = append(got, m)
	}
	return got
}

// journalctlAll is journalctl's view of the same file: string fields only
// (it prints binary and non-printable fields as arrays of bytes).
func journalctlAll(t testing.TB, path string) []map[string]string {
	t.Helper()
	bin := need(t, "journalctl")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--file", path, "-o", "json", "--all", "--no-pager").Output()
	if err != nil {
		t.Fatalf("journalctl: %v", err)
	}
	var want []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for k, v := range raw {
			if s, ok := v.(string); ok {
				m[k] = s
			}
		}
		want = append(want, m)
	}
	return want
}

// compare checks every string field journalctl shows against ours.
func compare(t *testing.T, path string) int {
	t.Helper()
	got, want := readAll(t, path), journalctlAll(t, path)
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, journalctl shows %d", path, len(got), len(want))
	}
	for i := range want {
		for k, v := range want[i] {
			if k == "__SEQNUM" || k == "__SEQNUM_ID" { // journalctl 254+ only
				continue
			}
			if got[i][k] != v {
				t.Fatalf("%s entry %d field %s = %.80q, journalctl %.80q", path, i, k, got[i][k], v)
			}
		}
	}
	return len(want)
}

func TestMatchesJournalctlRegularAndCompact(t *testing.T) {
	for _, compact := range []bool{false, true} {
		path := makeJournal(t, 300, compact)
		fh, _ := os.Open(path)
		fi, _ := fh.Stat()
		f, err := Open(fh, fi.Size())
		if err != nil {
			t.Fatal(err)
		}
		if f.H.Compact() != compact {
			t.Errorf("compact=%v file reads as compact=%v", compact, f.H.Compact())
		}
		fh.Close()
		if n := compare(t, path); n != 300 {
			t.Errorf("compact=%v: %d entries", compact, n)
		}
	}
}

// The lab's journal is real journald output (containerd, docker, kubelet and
// kernel entries), written while the lab runs.
func TestMatchesJournalctlOnLabJournal(t *testing.T) {
	files, _ := filepath.Glob("/var/lib/rtsnap-lab/journal/*.journal")
	sys, _ := filepath.Glob("/var/log/journal/*/*.journal")
	files = append(files, sys...)
	if len(files) == 0 {
		if testing.Short() || os.Getenv("CI") != "true" {
			t.Skip("no lab or system journal files here")
		}
		t.Fatal("no lab journal under CI")
	}
	for _, p := range files {
		if n := compare(t, p); n == 0 {
			t.Errorf("%s: no entries", p)
		}
	}
}

func TestRejectsNonJournal(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     nil,
		"short":     []byte("LPKSHHRH"),
		"signature": bytes.Repeat([]byte{'A'}, 4096),
	} {
		if _, err := Open(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestUnknownIncompatibleFlagRefused(t *testing.T) {
	data, err := os.ReadFile(makeJournal(t, 3, true))
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(data[12:], binary.LittleEndian.Uint32(data[12:])|1<<30)
	if _, err := Open(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("unknown flag: %v", err)
	}
}

// A file cut short (a copy taken while journald writes, a full disk) yields
// the entries before the cut and errors after it, never a panic.
func TestTruncatedFile(t *testing.T) {
	data, err := os.ReadFile(makeJournal(t, 200, true))
	if err != nil {
		t.Fatal(err)
	}
	full, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	offs, err := full.EntryOffsets(1 << 20)
	if err != nil || len(offs) != 200 {
		t.Fatalf("%d offsets, %v", len(offs), err)
	}
	// journald preallocates, and hash tables come first: cut between the
	// first entry and the last object written (tail_object_offset).
	cut := data[:(offs[0]+binary.LittleEndian.Uint64(data[136:]))/2]
	f, err := Open(bytes.NewReader(cut), int64(len(cut)))
	if err != nil {
		t.Fatal(err)
	}
	// The entry arrays sit past the cut: the walk stops with an error.
	if o, err := f.EntryOffsets(1 << 20); err == nil {
		t.Errorf("cut file: %d offsets, no error", len(o))
	}
	ok, bad := 0, 0
	for _, o := range offs {
		e, err := f.Entry(o)
		for _, it := range e.Items {
			if _, _, derr := f.Data(it); derr != nil {
				err = derr
			}
		}
		if err != nil {
			if bad == 0 {
				t.Logf("first failure at %d of cut %d: %v", o, len(cut), err)
			}
			bad++
		} else {
			ok++
		}
	}
	if bad == 0 || ok == 0 {
		t.Errorf("half a file: %d entries read whole, %d failed", ok, bad)
	}
}

// systemd 252 here writes ZSTD only; XZ (older systemd) and LZ4 (RHEL 8's
// systemd 239 default) payloads are made with the same libraries' encoders,
// in systemd's layout (LZ4: le64 decompressed size, then one block).
func TestDecompressXZAndLZ4(t *testing.T) {
	f := &File{MaxPayload: 1 << 20}
	want := []byte("MESSAGE=" + strings.Repeat("kubelet restarted ", 100))
	var xb bytes.Buffer
	w, _ := xz.NewWriter(&xb)
	w.Write(want)
	w.Close()
	got, err := f.decompress(objCompressedXZ, xb.Bytes())
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("xz: %v %.40q", err, got)
	}
	blk := make([]byte, lz4.CompressBlockBound(len(want)))
	n, err := lz4.CompressBlock(want, blk, nil)
	if err != nil || n == 0 {
		t.Fatal(err)
	}
	raw := binary.LittleEndian.AppendUint64(nil, uint64(len(want)))
	got, err = f.decompress(objCompressedLZ4, append(raw, blk[:n]...))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("lz4: %v %.40q", err, got)
	}
	// A size prefix larger than any object is refused before allocating.
	huge := binary.LittleEndian.AppendUint64(nil, 1<<40)
	if _, err := f.decompress(objCompressedLZ4, append(huge, blk[:n]...)); err == nil {
		t.Fatal("lz4 with a 1 TiB size prefix accepted")
	}
	// Uncompressed payloads pass through.
	if got, _ := f.decompress(0, want); !bytes.Equal(got, want) {
		t.Fatal("plain payload changed")
	}
}

// FuzzFile: any bytes give entries or errors, bounded, never a panic or hang.
func FuzzFile(f *testing.F) {
	if _, err := exec.LookPath(journalRemote); err == nil {
		for _, compact := range []bool{false, true} {
			if data, err := os.ReadFile(makeJournal(f, 4, compact)); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("LPKSHHRH"))
	f.Fuzz(func(t *testing.T, data []byte) {
		jf, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		defer jf.Close()
		offs, _ := jf.EntryOffsets(1000)
		for _, o := range offs {
			e, err := jf.Entry(o)
			if err != nil {
				continue
			}
			for _, it := range e.Items {
				jf.Data(it)
				jf.DataHead(it, 16)
			}
		}
	})
}
