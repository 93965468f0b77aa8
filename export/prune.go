package export

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DefaultRetain is how long bundles stay in the output dir (a tmpfs: RAM).
const DefaultRetain = 24 * time.Hour

// ownFile matches what rtsnap writes into its output dir and nothing else:
// the archive (plain or age-encrypted, numbered -N when its second was taken:
// bundle.NumberedName) and its .sha256 and .minisig sidecars.
var ownFile = regexp.MustCompile(`^rtsnap-[A-Za-z0-9._-]+-[0-9]{8}T[0-9]{6}Z(-[0-9]{1,3})?\.tar\.zst(\.age)?(\.sha256|\.minisig)?$`)

// Removed is one file retention removed (or would remove, in a dry run).
type Removed struct {
	Path  string        `json:"path"`
	Size  int64         `json:"size"`
	Age   time.Duration `json:"-"`
	AgeMS int64         `json:"age_ms"`
}

// Prune removes rtsnap's own bundles in dir that are older than retain: a
// regular file whose name matches an rtsnap archive or sidecar. A sidecar
// follows its archive's age when the archive exists, so a set goes as one.
// Everything else — other names, directories, symlinks, the temporary files
// of a commit in progress — is left alone. retain <= 0 disables pruning.
func Prune(dir string, retain time.Duration, now time.Time, dryRun bool) ([]Removed, error) {
	if retain <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("retention in %s: %w", dir, err)
	}
	type cand struct {
		name string
		info os.FileInfo
	}
	var own []cand
	mtimes := map[string]time.Time{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !ownFile.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		own = append(own, cand{e.Name(), info})
		mtimes[e.Name()] = info.ModTime()
	}
	sort.Slice(own, func(i, j int) bool { return own[i].name < own[j].name })
	var removed []Removed
	var errs []string
	for _, c := range own {
		mtime := c.info.ModTime()
		if t, ok := mtimes[archiveOf(c.name)]; ok {
			mtime = t
		}
		age := now.Sub(mtime)
		if age <= retain {
			continue
		}
		p := filepath.Join(dir, c.name)
		if !dryRun {
			if err := os.Remove(p); err != nil {
				errs = append(errs, err.Error())
				continue
			}
		}
		removed = append(removed, Removed{Path: p, Size: c.info.Size(), Age: age, AgeMS: age.Milliseconds()})
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("retention in %s: %s", dir, strings.Join(errs, "; "))
	}
	return removed, nil
}

// archiveOf strips a sidecar suffix.
func archiveOf(name string) string {
	for _, s := range []string{".sha256", SignatureSuffix} {
		if n, ok := strings.CutSuffix(name, s); ok {
			return n
		}
	}
	return name
}
