//go:build unix

// Package smallfile reads the small files of /proc, /sys and cgroupfs that
// the collector reads by the thousand (about 30 per container): open, read
// into a pooled buffer, close. os.ReadFile costs an fstat and, through
// os.File, a poller registration attempt per file, and grows its buffer from
// nothing; at 2,000 containers those syscalls were a quarter of the
// collector's CPU (docs/benchmarks.md).
//
// The analyzer builds for every platform a support engineer uses; off unix,
// Read is os.Open and a bounded read (smallfile_other.go).

package smallfile

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"syscall"
)

// bufSize covers nearly every such file in one read (a cgroup's
// memory.stat is about 1 KiB, /proc/<pid>/status 1.5 KiB, limits 1.3 KiB).
const bufSize = 8 << 10

var pool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// Read returns the contents of path, at most limit bytes (the rest is left
// unread: a /proc file can be endless, an environ large). The error wraps the
// cause as os.ReadFile's does (an *fs.PathError, so errors.Is(err,
// fs.ErrNotExist) works).
func Read(path string, limit int) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("smallfile.Read %s: limit %d must be positive", path, limit)
	}
	fd, err := open(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	bp := pool.Get().(*[]byte)
	defer pool.Put(bp)
	buf := *bp
	var out []byte // only for files larger than the buffer
	n := 0
	for {
		if n == len(buf) {
			if n >= limit {
				break
			}
			out = append(out, buf...)
			n = 0
		}
		want := min(len(buf), limit-len(out))
		if want <= n {
			break
		}
		m, err := syscall.Read(fd, buf[n:want])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return append(out, buf[:n]...), nil
}

func open(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if !errors.Is(err, syscall.EINTR) {
			return fd, err
		}
	}
}
