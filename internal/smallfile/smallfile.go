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

	"golang.org/x/sys/unix"
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
	return read(unix.AT_FDCWD, path, path, limit, false)
}

// ReadRecord is Read for a file the kernel formats whole on each read: a
// cgroup interface file (but cgroup.procs and tasks, a record per pid), a
// /proc/<pid>/ stat, status, limits, cgroup, cmdline or oom_score_adj. A
// read that returns less than asked then returned all there is, and the
// read at end of file that Read makes to see it (a system call per file,
// about 44,000 per collection at 2,000 containers) is left out. A file of
// several records (mountinfo, cgroup.procs) comes a page at a time:
// ReadRecord would cut it, so it is read with Read.
func ReadRecord(path string, limit int) ([]byte, error) {
	return read(unix.AT_FDCWD, path, path, limit, true)
}

// read reads name relative to dirfd (path is how errors name it).
func read(dirfd int, name, path string, limit int, record bool) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("smallfile.Read %s: limit %d must be positive", path, limit)
	}
	fd, err := openAt(dirfd, name, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	bp := pool.Get().(*[]byte)
	defer pool.Put(bp)
	buf := (*bp)[:min(bufSize, limit)]
	n, err := readInto(fd, buf, record)
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
		m, err := readInto(fd, out[len(out):cap(out)], record)
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
// EINTR; n is how much it read. With record, a read short of what was
// asked is the end (see ReadRecord).
func readInto(fd int, b []byte, record bool) (n int, err error) {
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
		short := m < len(b)-n
		n += m
		if record && short {
			break
		}
	}
	return n, nil
}

// Dir is a directory whose files are read in a row (a /proc/<pid>, a
// cgroup): each is opened relative to it (openat), so the kernel walks the
// directory's path once, not once per file (at 2,000 containers the opens
// of /proc and cgroup files were the largest system-call cost).
type Dir struct {
	fd   int
	path string
}

// OpenDir opens path for reading the files in it; Close releases it.
func OpenDir(path string) (Dir, error) {
	fd, err := openAt(unix.AT_FDCWD, path, unix.O_DIRECTORY)
	if err != nil {
		return Dir{fd: -1, path: path}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return Dir{fd: fd, path: path}, nil
}

// Path is the directory's path.
func (d Dir) Path() string { return d.path }

// Close closes the directory.
func (d Dir) Close() error {
	if d.fd < 0 {
		return nil
	}
	return syscall.Close(d.fd)
}

// Read is Read of the file name in d.
func (d Dir) Read(name string, limit int) ([]byte, error) {
	return read(d.fd, name, d.path+"/"+name, limit, false)
}

// ReadRecord is ReadRecord of the file name in d.
func (d Dir) ReadRecord(name string, limit int) ([]byte, error) {
	return read(d.fd, name, d.path+"/"+name, limit, true)
}

// maxLink bounds a link target read: PATH_MAX.
const maxLink = 4096

// Readlink is where the symbolic link name in d points.
func (d Dir) Readlink(name string) (string, error) {
	var small [128]byte
	buf := small[:]
	for {
		n, err := unix.Readlinkat(d.fd, name, buf)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: d.path + "/" + name, Err: err}
		}
		if n < len(buf) || len(buf) >= maxLink {
			return string(buf[:n]), nil
		}
		buf = make([]byte, maxLink)
	}
}

// openAt opens name relative to dirfd (unix.AT_FDCWD: a path) for
// reading, with flags added.
func openAt(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC|flags, 0)
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
	fd, err := openAt(unix.AT_FDCWD, path, 0)
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
		m, err := readInto(fd, space, false)
		if err != nil {
			return buf[:0], &fs.PathError{Op: "read", Path: path, Err: err}
		}
		buf = buf[:len(buf)+m]
		if m < len(space) || len(buf) == limit {
			return buf, nil // short of the space: EOF
		}
	}
}
