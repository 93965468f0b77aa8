//go:build !unix

package smallfile

import (
	"fmt"
	"io"
	"os"
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
