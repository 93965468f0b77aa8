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
	"slices"
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
	buf := (*bp)[:min(bufSize, limit)]
	n, err := readInto(fd, buf)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if n < len(buf) || n == limit {
		return append([]byte(nil), buf[:n]...), nil
	}
	// Larger than the buffer (a runc state.json is about 9 KiB): go on in
	// a buffer of our own, doubled as it fills, read into directly, so a
	// file costs one allocation or a few, not one per buffer's worth.
	out := make([]byte, n, min(2*len(buf), limit))
	copy(out, buf)
	for {
		if len(out) == cap(out) {
			if len(out) >= limit {
				return out, nil
			}
			out = append(out, 0)[:len(out)]
			out = out[:len(out):min(cap(out), limit)]
		}
		m, err := readInto(fd, out[len(out):cap(out)])
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		out = out[:len(out)+m]
		if len(out) < cap(out) {
			return out, nil // the read stopped short of the space: EOF
		}
	}
}

// readInto fills b from fd until b is full or the file ends, retrying on
// EINTR; n is how much it read.
func readInto(fd int, b []byte) (n int, err error) {
	for n < len(b) {
		m, err := syscall.Read(fd, b[n:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

func open(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if !errors.Is(err, syscall.EINTR) {
			return fd, err
		}
	}
}

// ReadReuse is Read into buf, grown as needed and returned, for a caller
// that reads many files in turn and keeps none of their bytes (the runc
// state files: about 9 KiB each, 2,250 of them at 2,000 containers, were
// 39 MB of a collection's allocations through Read's own buffers).
func ReadReuse(buf []byte, path string, limit int) ([]byte, error) {
	if limit <= 0 {
		return buf[:0], fmt.Errorf("smallfile.ReadReuse %s: limit %d must be positive", path, limit)
	}
	fd, err := open(path)
	if err != nil {
		return buf[:0], &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit {
				return buf, nil
			}
			buf = slices.Grow(buf, min(max(cap(buf), bufSize), limit-len(buf)))
		}
		space := buf[len(buf):min(cap(buf), limit)]
		m, err := readInto(fd, space)
		if err != nil {
			return buf[:0], &fs.PathError{Op: "read", Path: path, Err: err}
		}
		buf = buf[:len(buf)+m]
		if m < len(space) || len(buf) == limit {
			return buf, nil // short of the space: EOF
		}
	}
}
