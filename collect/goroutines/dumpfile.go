package goroutines

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// dumpCandidates are the globs a daemon writes its dump to. containerd 1.6,
// 1.7 and 2.x: <TMPDIR or /tmp>/containerd.<pid>.stacks.log (overwritten on
// each dump). dockerd: goroutine-stacks-<time>.log in its exec root
// (/var/run/docker), or its data root when it has no exec root.
func dumpCandidates(procRoot string, p procscan.Process) []string {
	if p.Role == procscan.RoleContainerd {
		tmp := envVar(procRoot, p.PID, "TMPDIR")
		if tmp == "" {
			tmp = "/tmp"
		}
		return []string{filepath.Join(tmp, "containerd."+strconv.Itoa(p.PID)+".stacks.log")}
	}
	root := "/var/run/docker"
	if v, ok := procscan.FlagValue(p.Args, "exec-root"); ok {
		root = v
	}
	data := "/var/lib/docker"
	if v, ok := procscan.FlagValue(p.Args, "data-root", "graph"); ok {
		data = v
	}
	return []string{filepath.Join(root, "goroutine-stacks-*.log"), filepath.Join(data, "goroutine-stacks-*.log")}
}

// waitFile waits until a file named by the globs or by named() was modified
// after since, is not one already taken, and has stopped growing (the daemon
// writes the dump while we poll). It gives up after wait or with ctx.
func waitFile(ctx context.Context, globs []string, named func() string, since time.Time, taken map[string]bool, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	lastSize := map[string]int64{}
	for {
		var cands []string
		for _, g := range globs {
			m, _ := filepath.Glob(g)
			cands = append(cands, m...)
		}
		sort.Strings(cands) // dockerd's names sort by time: newest last
		if n := named(); n != "" {
			cands = append(cands, n)
		}
		for i := len(cands) - 1; i >= 0; i-- {
			c := cands[i]
			fi, err := os.Stat(c)
			if err != nil || taken[c] || !fi.Mode().IsRegular() || !fi.ModTime().After(since) || fi.Size() == 0 {
				continue
			}
			if prev, seen := lastSize[c]; seen && prev == fi.Size() {
				return c, nil
			}
			lastSize[c] = fi.Size()
			break
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no dump file within %s (looked for %v and the path the daemon's log names)", wait, globs)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writtenToRE matches the log line both daemons write after a dump:
// containerd "goroutine stack dump written to /tmp/containerd.<pid>.stacks.log",
// dockerd "goroutine stacks written to /var/run/docker/goroutine-stacks-<time>.log".
var writtenToRE = regexp.MustCompile(`goroutine stack(?:s| dump) written to ([^\s"\\]+)`)

// maxLogScan bounds how much of a daemon's log is read looking for that line.
// containerd logs the whole dump before it, so the window must hold one dump.
const maxLogScan = 8 << 20

// writtenTo returns the path the daemon's log names after offset, if any.
func writtenTo(logPath string, offset int64) string {
	if logPath == "" {
		return ""
	}
	f, err := os.Open(logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	if size := fileSize(logPath); size-offset > maxLogScan {
		offset = size - maxLogScan
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	raw, _ := io.ReadAll(io.LimitReader(f, maxLogScan))
	m := writtenToRE.FindAllSubmatch(raw, -1)
	if len(m) == 0 {
		return ""
	}
	return string(m[len(m)-1][1])
}

// stderrFile is where a daemon's stderr goes when that is a regular file
// (a daemon started by hand, or by a unit with StandardError=file:).
// Under journald it is a socket and the journal source has the dump.
func stderrFile(procRoot string, pid int) string {
	target, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "fd", "2"))
	if err != nil || !filepath.IsAbs(target) {
		return ""
	}
	if fi, err := os.Stat(target); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return target
}

func fileSize(path string) int64 {
	if path == "" {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func envVar(procRoot string, pid int, name string) string {
	raw, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "environ"))
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(name+"=")); ok {
			return string(v)
		}
	}
	return ""
}
