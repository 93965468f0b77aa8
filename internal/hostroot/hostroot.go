// Package hostroot resolves host paths when the collector runs in a container
// with the host's / mounted at a directory (--host-root, e.g. /host).
//
// Paths recorded in a bundle stay host paths ("/run/containerd/containerd.sock"),
// so a bundle taken from a container reads the same as one taken on the host;
// only the path opened, statted or dialled is resolved. Symlinks are resolved
// inside the root (securejoin): the host's /var/run -> /run must lead to the
// host's /run, not the container's.
package hostroot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// Root is where the host's / is. The zero value is the host itself.
type Root struct{ dir string }

// New checks dir ("" or "/" for the host itself) and returns its Root.
func New(dir string) (Root, error) {
	if dir == "" || filepath.Clean(dir) == "/" {
		return Root{}, nil
	}
	if !filepath.IsAbs(dir) {
		return Root{}, fmt.Errorf("--host-root %q: must be an absolute path", dir)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return Root{}, fmt.Errorf("--host-root: %w", err)
	}
	if !fi.IsDir() {
		return Root{}, fmt.Errorf("--host-root %s: not a directory", dir)
	}
	return Root{dir: filepath.Clean(dir)}, nil
}

// Dir is the root directory ("/" for the host itself).
func (r Root) Dir() string {
	if r.dir == "" {
		return "/"
	}
	return r.dir
}

// IsHost reports whether paths are used as they are.
func (r Root) IsHost() bool { return r.dir == "" }

// Path resolves a host path (absolute; a relative one is taken from /) to
// the path to open here. Symlinks on the way are followed inside the root; a
// path that does not exist resolves as far as it does, so a stat of the
// result fails the way it would on the host.
func (r Root) Path(p string) string {
	if r.dir == "" {
		return p
	}
	if p == "" {
		return ""
	}
	if rp, err := securejoin.SecureJoin(r.dir, p); err == nil {
		return rp
	}
	return filepath.Join(r.dir, p)
}

// Host turns a resolved path back into the host path it stands for (paths
// found by listing a resolved directory, e.g. glob results).
func (r Root) Host(p string) string {
	if r.dir == "" {
		return p
	}
	if rest, ok := strings.CutPrefix(p, r.dir); ok && (rest == "" || rest[0] == '/') {
		if rest == "" {
			return "/"
		}
		return rest
	}
	return p
}
