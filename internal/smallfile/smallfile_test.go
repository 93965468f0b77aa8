//go:build unix

package smallfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
