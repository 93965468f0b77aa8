//go:build !unix

package smallfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Read returns the contents of path, at most limit bytes, as the unix Read
// does: the analyzer reads no /proc here, so os.File's costs do not matter.
func Read(path string, limit int) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("smallfile.Read %s: limit %d must be positive", path, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)))
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// ReadReuse is Read; off unix buf is not reused.
func ReadReuse(buf []byte, path string, limit int) ([]byte, error) { return Read(path, limit) }

// ReadRecord is Read.
func ReadRecord(path string, limit int) ([]byte, error) { return Read(path, limit) }

// Dir names a directory whose files are read by path off unix.
type Dir struct{ path string }

// OpenDir checks that path is a directory.
func OpenDir(path string) (Dir, error) {
	fi, err := os.Stat(path)
	if err == nil && !fi.IsDir() {
		err = &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("not a directory")}
	}
	return Dir{path: path}, err
}

// Path is the directory's path.
func (d Dir) Path() string { return d.path }

// Close does nothing.
func (d Dir) Close() error { return nil }

// Read is Read of the file name in d.
func (d Dir) Read(name string, limit int) ([]byte, error) {
	return Read(filepath.Join(d.path, name), limit)
}

// ReadRecord is Read of the file name in d.
func (d Dir) ReadRecord(name string, limit int) ([]byte, error) { return d.Read(name, limit) }

// Readlink is os.Readlink of the file name in d.
func (d Dir) Readlink(name string) (string, error) { return os.Readlink(filepath.Join(d.path, name)) }
