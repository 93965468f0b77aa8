package collect

import (
	"errors"
	"fmt"
	"io/fs"
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
// failing and must not be written to. Mistakes are named before the tmpfs
// check, which would otherwise blame the filesystem of some parent: a
// missing parent, a path that is a file, a dir this user cannot write to.
// Only the last element is created, so a typo does not grow a tree.
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
	} else {
		if err := checkOutputPath(dir); err != nil {
			return "", err
		}
		if !allowDisk {
			ok, err := IsTmpfs(dir)
			if err != nil {
				return "", err
			}
			if !ok {
				return "", fmt.Errorf("--output %s is on a disk filesystem; rtsnap writes only to a tmpfs so the disk under investigation is left alone (use a tmpfs such as /dev/shm, or --allow-disk): %w", dir, ErrNotTmpfs)
			}
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("creating output dir %s: %w", dir, err)
	}
	if err := checkWritable(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// ErrOutputDir says --output names something that cannot hold the archive.
var ErrOutputDir = errors.New("unusable output directory")

// checkOutputPath: dir is a directory, or its parent is one (dir is then created).
func checkOutputPath(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("--output %s is not a directory (%s): %w", dir, describe(fi), ErrOutputDir)
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("--output %s: permission denied looking it up (run as root?): %w", dir, err)
	case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("--output %s: %w", dir, err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	pfi, err := os.Stat(parent)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--output %s: directory %s does not exist; create it on a tmpfs first, or pick an existing tmpfs such as /dev/shm: %w", dir, parent, ErrOutputDir)
	case err != nil:
		return fmt.Errorf("--output %s: %w", dir, err)
	case !pfi.IsDir():
		return fmt.Errorf("--output %s: %s is not a directory (%s): %w", dir, parent, describe(pfi), ErrOutputDir)
	}
	return nil
}

// checkWritable finds out now, not after a minute of collecting, whether this
// process can create the archive in dir (a non-root user, a read-only mount).
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".rtsnap-probe-*")
	if err != nil {
		hint := ""
		if errors.Is(err, fs.ErrPermission) && os.Geteuid() != 0 {
			hint = " (not running as root)"
		}
		return fmt.Errorf("output dir %s is not writable%s: %w", dir, hint, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func describe(fi fs.FileInfo) string {
	if fi.Mode().IsRegular() {
		return "a regular file"
	}
	return "mode " + fi.Mode().String()
}
