package journal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/internal/capped"
	"github.com/rtsnap/rtsnap/internal/childenv"
	"github.com/rtsnap/rtsnap/internal/journalfield"
)

// journalctlTimeout bounds one journalctl run (one stream of one journal).
const journalctlTimeout = 10 * time.Second

// maxLine bounds one JSON line journalctl prints; longer entries are skipped.
const maxLine = 1 << 20

// errNoJournalctl: neither libsystemd nor the journalctl binary is there.
var errNoJournalctl = errors.New("no journalctl binary")

// readJournalctl is the fallback when no file reader can open a journal: the
// journalctl binary, one run per stream, newest first (--reverse), stopped
// as soon as the stream's bound is reached, so its output stays bounded.
func readJournalctl(ctx context.Context, t journalTarget, since time.Time) (map[string]*streamResult, error) {
	bin, err := exec.LookPath("journalctl")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoJournalctl, err)
	}
	into := map[string]*streamResult{}
	for _, u := range Units {
		r, err := journalctlStream(ctx, bin, t, u, since)
		into[u.Name] = r
		if err != nil {
			return into, err
		}
	}
	return into, nil
}

func journalctlStream(ctx context.Context, bin string, t journalTarget, u Unit, since time.Time) (*streamResult, error) {
	args := []string{"-o", "json", "--no-pager", "--reverse", "--since", "@" + strconv.FormatInt(since.Unix(), 10)}
	switch {
	case t.dir != "":
		args = append(args, "--directory", t.dir)
	case t.root != "":
		args = append(args, "--root", t.root)
	}
	for i, m := range u.Matches {
		if i > 0 {
			args = append(args, "+")
		}
		args = append(args, m)
	}
	cctx, cancel := context.WithTimeout(ctx, journalctlTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.WaitDelay = time.Second
	cmd.Env = childenv.Short(os.Environ())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return &streamResult{}, fmt.Errorf("journalctl: %w", err)
	}
	var stderr strings.Builder
	cmd.Stderr = &capped.Writer{W: &stderr, Left: capped.StderrBytes}
	if err := cmd.Start(); err != nil {
		return &streamResult{}, fmt.Errorf("journalctl: %w", err)
	}
	var b streamBound
	var newestFirst []Entry
	sinceUsec := uint64(since.UnixMicro())
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for !b.full() && sc.Scan() {
		f := stringFields(sc.Bytes())
		if f == nil || !matches(f, u) {
			continue
		}
		e := fromFields(f, t.label)
		if e.RealtimeUsec < sinceUsec {
			break
		}
		if u.Filter != nil && !u.Filter(e.Message) {
			b.scanned++
			continue
		}
		b.add(e)
		newestFirst = append(newestFirst, e)
	}
	truncated := b.full()
	scanErr := sc.Err()
	if truncated || scanErr != nil {
		// Stop journalctl once we stop reading; its exit status then says
		// nothing about the entries already read.
		cancel()
	}
	waitErr := cmd.Wait()
	res := &streamResult{reverse(newestFirst), truncated}
	switch {
	case ctx.Err() != nil:
		res.truncated = true
		return res, ctx.Err()
	case scanErr != nil:
		res.truncated = true
		return res, fmt.Errorf("journalctl %s: reading output: %w", t.label, scanErr)
	case truncated:
		return res, nil
	case cctx.Err() != nil:
		res.truncated = true
		return res, fmt.Errorf("journalctl %s: no answer within %s", t.label, journalctlTimeout)
	case waitErr != nil:
		return res, fmt.Errorf("journalctl %s: %w: %s", t.label, waitErr, strings.TrimSpace(stderr.String()))
	}
	return res, nil
}

// stringFields decodes one journal JSON entry, keeping its text fields:
// strings, and the fields journalctl writes as arrays of byte values
// because they are not printable UTF-8 (a coloured message; see
// internal/journalfield). Other values are left out.
func stringFields(line []byte) map[string]string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(line, &raw) != nil {
		return nil
	}
	f := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := journalfield.String(v, maxLine); ok {
			f[k] = s
		}
	}
	return f
}

// matches applies a stream's OR-ed matches (journalctl applied them too;
// this keeps both readers' results the same).
func matches(f map[string]string, u Unit) bool {
	for _, m := range u.Matches {
		k, v, _ := strings.Cut(m, "=")
		if f[k] == v {
			return true
		}
	}
	return false
}
