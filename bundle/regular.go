package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Bounds on the small files read beside a bundle: they are as untrusted as
// the bundle (a .sha256 that is a symlink to /dev/zero ran the analyzer out
// of memory, issue #15).
const (
	// SidecarSuffix names the archive's checksum file.
	SidecarSuffix = ".sha256"
	// MaxSidecarBytes: "<64 hex>  <name>\n" with a long name.
	MaxSidecarBytes = 4 << 10
)

// ErrNotRegular: a path the analyzer was asked to read is a FIFO, device,
// socket or directory. Opening a FIFO blocks until a writer comes, so a
// FIFO named x.tar.zst in a directory hung `findings DIR`.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge: a file beside or instead of a bundle is over its size bound.
var ErrTooLarge = errors.New("file over its size bound")

// OpenRegular opens p for reading only when it is (or a symlink resolves
// to) a regular file of at most max bytes (max <= 0: no size bound). It
// checks before opening, so a FIFO is never opened, and again on the open
// file (O_NONBLOCK where the platform has it), so a file swapped in between
// cannot block either.
func OpenRegular(p string, max int64) (*os.File, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(p, st, max); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, err
	}
	st, err = f.Stat()
	if err == nil {
		err = checkRegular(p, st, max)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkRegular(p string, st os.FileInfo, max int64) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", filepath.Base(p), ErrNotRegular, st.Mode().Type())
	}
	if max > 0 && st.Size() > max {
		return fmt.Errorf("%s: %w: %d bytes, at most %d", filepath.Base(p), ErrTooLarge, st.Size(), max)
	}
	return nil
}

// ReadRegular reads a regular file of at most max bytes (the read is
// bounded too: a file that grows after the check is cut with ErrTooLarge).
func ReadRegular(p string, max int64) ([]byte, error) {
	f, err := OpenRegular(p, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: grew past %d bytes while read", filepath.Base(p), ErrTooLarge, max)
	}
	return data, nil
}

// MaxArchiveBytes bounds the archive file itself: no valid bundle is larger
// than its decompressed tar stream (zstd and age add a few bytes per block).
func (l Limits) MaxArchiveBytes() int64 {
	return l.MaxTotalBytes + l.MaxManifestBytes + int64(l.MaxEntries+2)*1536 + 64<<20
}

// SidecarSum is the checksum NAME.sha256 gives for the archive at p;
// present is false when there is no sidecar. A sidecar that is not a
// small regular file is an error, not "absent".
func SidecarSum(p string) (sum string, present bool, err error) {
	raw, err := ReadRegular(p+SidecarSuffix, MaxSidecarBytes)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", true, err
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return "", true, nil
	}
	return fields[0], true, nil
}
