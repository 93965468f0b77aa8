package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Filesystem magic numbers from statfs(2) for RAM-backed filesystems.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// DefaultOutputDirs are tried in order when --output is not given: /run is a
// tmpfs on systemd nodes, /dev/shm nearly everywhere.
var DefaultOutputDirs = []string{"/run/rtsnap", "/dev/shm/rtsnap"}

// ErrNotTmpfs says the output dir would put the archive on a real disk.
var ErrNotTmpfs = errors.New("not a tmpfs")

// IsTmpfs reports whether dir (or, when it does not exist yet, its nearest
// existing parent) lives on a RAM-backed filesystem.
func IsTmpfs(dir string) (bool, error) {
	p := filepath.Clean(dir)
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(p, &st)
		if err == nil {
			return st.Type == tmpfsMagic || st.Type == ramfsMagic, nil
		}
		if !errors.Is(err, syscall.ENOENT) {
			return false, fmt.Errorf("statfs %s: %w", p, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return false, fmt.Errorf("statfs %s: %w", dir, err)
		}
		p = parent
	}
}

// PrepareOutputDir picks and creates the output directory. An explicit dir
// must be a tmpfs unless allowDisk; with none given, the first tmpfs among
// DefaultOutputDirs is used. Why: the disk under investigation may be full or
// failing and must not be written to.
func PrepareOutputDir(dir string, allowDisk bool) (string, error) {
	if dir == "" {
		for _, d := range DefaultOutputDirs {
			if ok, err := IsTmpfs(d); err == nil && ok {
				dir = d
				break
			}
		}
		if dir == "" {
			return "", fmt.Errorf("no tmpfs for the archive: neither %s nor %s is on a tmpfs; mount one or pass --output DIR (a tmpfs) or --allow-disk: %w",
				DefaultOutputDirs[0], DefaultOutputDirs[1], ErrNotTmpfs)
		}
	} else if !allowDisk {
		ok, err := IsTmpfs(dir)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("--output %s is on a disk filesystem; rtsnap writes only to a tmpfs so the disk under investigation is left alone (use a tmpfs such as /dev/shm, or --allow-disk): %w", dir, ErrNotTmpfs)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating output dir: %w", err)
	}
	return dir, nil
}
