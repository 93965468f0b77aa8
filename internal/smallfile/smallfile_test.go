//go:build unix

package smallfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Differential: the same bytes as os.ReadFile for files of the kinds the
// collector reads (procfs, sysfs, a regular file around the buffer size).
func TestSameAsReadFile(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, n := range []int{0, 1, bufSize - 1, bufSize, bufSize + 1, 3*bufSize + 17} {
		p := filepath.Join(dir, "f"+string(rune('a'+len(paths))))
		data := bytes.Repeat([]byte("0123456789abcdef\n"), n/17+1)[:n]
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// Files whose content does not change between two reads.
	paths = append(paths, "/proc/self/limits", "/proc/self/cgroup", "/proc/self/cmdline", "/proc/self/mountinfo", "/proc/cpuinfo")
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		paths = append(paths, "/sys/fs/cgroup/cgroup.controllers")
	}
	for _, p := range paths {
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Read(p, 16<<20)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, os.ReadFile %d", p, len(got), len(want))
		}
	}
}

func TestLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big")
	data := bytes.Repeat([]byte("x"), 5*bufSize)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 100, bufSize, bufSize + 5, 2 * bufSize, 5 * bufSize, 9 * bufSize} {
		got, err := Read(p, limit)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(limit, len(data)); len(got) != want {
			t.Errorf("limit %d: %d bytes, want %d", limit, len(got), want)
		}
	}
	// An endless file stops at the limit.
	got, err := Read("/dev/zero", 3*bufSize+1)
	if err != nil || len(got) != 3*bufSize+1 {
		t.Fatalf("/dev/zero: %d bytes, %v", len(got), err)
	}
	if _, err := Read(p, 0); err == nil {
		t.Error("limit 0 accepted")
	}
}

func TestErrorsAreLikeReadFile(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "missing"), 10)
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Read(t.TempDir(), 10); err == nil {
		t.Error("reading a directory succeeded")
	}
}

// TestReadReuseIsRead: ReadReuse gives Read's bytes and errors for every
// size and limit around the buffer sizes, whatever buffer it is handed
// (nil, too small, larger, holding an earlier file's bytes).
func TestReadReuseIsRead(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, n := range []int{0, 1, 100, bufSize - 1, bufSize, bufSize + 1, 2*bufSize + 3, 5 * bufSize} {
		p := filepath.Join(dir, "f"+string(rune('a'+i)))
		data := bytes.Repeat([]byte("0123456789abcdef\n"), n/17+1)[:n]
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	paths = append(paths, "/proc/self/limits", "/dev/zero", filepath.Join(dir, "missing"), dir)
	bufs := [][]byte{nil, make([]byte, 3), make([]byte, 0, 10), bytes.Repeat([]byte("z"), 6*bufSize)}
	for _, p := range paths {
		for _, limit := range []int{1, 17, bufSize, bufSize + 1, 3 * bufSize, 16 << 20} {
			if p == "/dev/zero" && limit > 3*bufSize {
				continue // endless: Read stops at the limit, as ReadReuse must
			}
			want, wantErr := Read(p, limit)
			for i, b := range bufs {
				got, err := ReadReuse(b, p, limit)
				if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
					t.Fatalf("%s limit %d buf %d: error %v, Read's %v", p, limit, i, err, wantErr)
				}
				if err == nil && !bytes.Equal(got, want) {
					t.Fatalf("%s limit %d buf %d: %d bytes, Read %d", p, limit, i, len(got), len(want))
				}
			}
		}
	}
	if _, err := ReadReuse(nil, paths[0], 0); err == nil {
		t.Error("limit 0 accepted")
	}
}

// recordFiles are files of the kinds ReadRecord is for, present on any
// Linux machine: /proc/self's one-record files and cgroup interface files
// of both hierarchies (whichever this machine mounts).
func recordFiles(t *testing.T) []string {
	t.Helper()
	paths := []string{"/proc/self/stat", "/proc/self/status", "/proc/self/limits", "/proc/self/cgroup",
		"/proc/self/cmdline", "/proc/self/oom_score_adj"}
	globs, _ := filepath.Glob("/sys/fs/cgroup/*/memory.*_in_bytes")
	more, _ := filepath.Glob("/sys/fs/cgroup/*/*.stat")
	more2, _ := filepath.Glob("/sys/fs/cgroup/*.stat")
	more3, _ := filepath.Glob("/sys/fs/cgroup/cgroup.*")
	for _, p := range append(append(append(globs, more...), more2...), more3...) {
		if b := filepath.Base(p); b != "cgroup.procs" && b != "cgroup.threads" && b != "cgroup.pressure" {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o444 != 0 {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) < 10 {
		t.Fatalf("only %d record files found: %v", len(paths), paths)
	}
	return paths
}

// Differential: ReadRecord and Dir's reads give what os.ReadFile gives, for
// the one-record files they are for and for regular files around the
// buffer size (where a short read is the end too). A file whose content
// moves between two reads (a counter) is compared by its length class
// only.
func TestReadRecordSameAsReadFile(t *testing.T) {
	dir := t.TempDir()
	var regular []string
	for i, n := range []int{0, 1, bufSize - 1, bufSize, bufSize + 1, 3*bufSize + 17} {
		p := filepath.Join(dir, "f"+string(rune('a'+i)))
		if err := os.WriteFile(p, bytes.Repeat([]byte("x"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		regular = append(regular, p)
	}
	stable := func(p string) bool {
		b := filepath.Base(p)
		return filepath.Dir(p) == dir || b == "limits" || b == "cgroup" || b == "cmdline" || b == "oom_score_adj" ||
			strings.HasSuffix(b, "limit_in_bytes") || strings.HasPrefix(b, "cgroup.")
	}
	for _, p := range append(regular, recordFiles(t)...) {
		want, err := os.ReadFile(p)
		if err != nil {
			continue // not readable here (permissions): nothing to compare
		}
		d, err := OpenDir(filepath.Dir(p))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		got["ReadRecord"], err = ReadRecord(p, 16<<20)
		if err != nil {
			t.Fatal(err)
		}
		if got["Dir.ReadRecord"], err = d.ReadRecord(filepath.Base(p), 16<<20); err != nil {
			t.Fatal(err)
		}
		if got["Dir.Read"], err = d.Read(filepath.Base(p), 16<<20); err != nil {
			t.Fatal(err)
		}
		d.Close()
		for how, g := range got {
			switch {
			case stable(p) && !bytes.Equal(g, want):
				t.Errorf("%s %s: %q, os.ReadFile %q", how, p, g, want)
			case !stable(p) && (len(g) == 0) != (len(want) == 0):
				t.Errorf("%s %s: %d bytes, os.ReadFile %d", how, p, len(g), len(want))
			}
		}
	}
}

func TestDirReadlinkAndErrors(t *testing.T) {
	d, err := OpenDir("/proc/self/ns")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, n := range []string{"net", "mnt", "pid"} {
		want, err := os.Readlink("/proc/self/ns/" + n)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := d.Readlink(n); err != nil || got != want {
			t.Errorf("Readlink %s: %q %v, want %q", n, got, err, want)
		}
	}
	// A target longer than Readlink's first buffer.
	dir := t.TempDir()
	long := strings.Repeat("a/", 300) + "end"
	if err := os.Symlink(long, filepath.Join(dir, "l")); err != nil {
		t.Fatal(err)
	}
	td, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer td.Close()
	if got, err := td.Readlink("l"); err != nil || got != long {
		t.Errorf("long link: %d bytes %v, want %d", len(got), err, len(long))
	}
	if _, err := td.Read("missing", 10); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(dir, "missing")) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := td.Readlink("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing link: %v", err)
	}
	if _, err := OpenDir(filepath.Join(dir, "l")); err == nil {
		t.Error("OpenDir of a link to nothing succeeded")
	}
	if f := filepath.Join(dir, "file"); os.WriteFile(f, nil, 0o600) == nil {
		if _, err := OpenDir(f); err == nil {
			t.Error("OpenDir of a regular file succeeded")
		}
	}
}
