package journal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// journalctlTimeout bounds one journalctl run.
const journalctlTimeout = 10 * time.Second

// maxJournalctlOutput bounds what one journalctl run may print.
const maxJournalctlOutput = 32 << 20

// readJournalctl is the fallback for hosts where libsystemd cannot be loaded:
// the journalctl binary, one run per target, JSON output.
func readJournalctl(ctx context.Context, targets []journalTarget, since time.Time, into map[string][]Entry) error {
	bin, err := exec.LookPath("journalctl")
	if err != nil {
		return wrapf("no libsystemd and no journalctl binary: %w", err)
	}
	for _, t := range targets {
		args := []string{"-o", "json", "--no-pager", "--since", "@" + strconv.FormatInt(since.Unix(), 10)}
		if t.dir != "" {
			args = append(args, "--directory", t.dir)
		}
		cctx, cancel := context.WithTimeout(ctx, journalctlTimeout)
		cmd := exec.CommandContext(cctx, bin, args...)
		cmd.WaitDelay = time.Second
		var out limitedBuffer
		out.max = maxJournalctlOutput
		cmd.Stdout = &out
		runErr := cmd.Run()
		cancel()
		if runErr != nil && out.Len() == 0 {
			return wrapf("journalctl %s: %w", dirLabel(t), runErr)
		}
		sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		counts := map[string]int{}
		for sc.Scan() {
			var raw map[string]any
			if json.Unmarshal(sc.Bytes(), &raw) != nil {
				continue
			}
			f := map[string]string{}
			for k, v := range raw {
				if s, ok := v.(string); ok {
					f[k] = s
				}
			}
			for _, u := range Units {
				if matches(f, u) && counts[u.Name] < maxEntriesPerUnit {
					into[u.Name] = append(into[u.Name], fromFields(f, dirLabel(t)))
					counts[u.Name]++
				}
			}
		}
	}
	for u := range into {
		es := into[u]
		sort.SliceStable(es, func(a, b int) bool { return es[a].RealtimeUsec < es[b].RealtimeUsec })
	}
	return nil
}

func matches(f map[string]string, u Unit) bool {
	for _, m := range u.Matches {
		k, v, _ := strings.Cut(m, "=")
		if f[k] == v {
			return u.Filter == nil || u.Filter(f["MESSAGE"])
		}
	}
	return false
}

// limitedBuffer keeps at most max bytes and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.Len(); room > 0 {
		if len(p) > room {
			l.Buffer.Write(p[:room])
		} else {
			l.Buffer.Write(p)
		}
	}
	return len(p), nil
}
