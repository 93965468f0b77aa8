// Package tail reads the end of log files: bounded in bytes however large the
// file, starting at a line boundary, without the lines stamped before a time.
package tail

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// lineTime finds a timestamp at the start of a log line: logfmt time="...",
// an RFC 3339 prefix (CRI and most daemons), or a klog header
// (Lmmdd hh:mm:ss.uuuuuu: the kubelet's own log file), which has no year and
// is in local time: its year is the one that puts it nearest ref.
var lineTimeRE = regexp.MustCompile(`^(?:time="([^"]+)"|\{"log":.*"time":"([^"]+)"\}$|(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d)))`)

var klogRE = regexp.MustCompile(`^[IWEF](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{1,9}) `)

func lineTime(l string, ref time.Time) (time.Time, bool) {
	if m := klogRE.FindStringSubmatch(l); m != nil && !ref.IsZero() {
		t, err := time.ParseInLocation("2006 0102 15:04:05.999999999", fmt.Sprintf("%d %s%s %s:%s:%s.%s", ref.Year(), m[1], m[2], m[3], m[4], m[5], m[6]), time.Local)
		if err != nil {
			return time.Time{}, false
		}
		const half = 183 * 24 * time.Hour
		switch {
		case t.Sub(ref) > half:
			t = t.AddDate(-1, 0, 0)
		case ref.Sub(t) > half:
			t = t.AddDate(1, 0, 0)
		}
		return t, true
	}
	m := lineTimeRE.FindStringSubmatch(l)
	if m == nil {
		return time.Time{}, false
	}
	s := m[1] + m[2] + m[3]
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// File returns at most max bytes from the end of a file, starting at a line
// boundary, without lines stamped before since. It never reads more than
// max bytes, however large the file.
func File(path string, max int64, since time.Time) (data []byte, size int64, truncated bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, false, err
	}
	size = fi.Size()
	off := int64(0)
	if size > max {
		off, truncated = size-max, true
	}
	buf := make([]byte, size-off)
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, size, truncated, err
	}
	buf = buf[:n]
	if off > 0 {
		if i := strings.IndexByte(string(buf[:min(len(buf), 1<<16)]), '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	// Drop the leading lines older than since (stamped lines are in order).
	start := 0
	for start < len(buf) {
		end := start
		for end < len(buf) && buf[end] != '\n' {
			end++
		}
		t, ok := lineTime(string(buf[start:min(end, start+4096)]), since)
		if ok && !t.Before(since) {
			break
		}
		if !ok && start == 0 {
			// No timestamp on the first line: keep everything.
			break
		}
		start = end + 1
		if ok {
			truncated = true
		}
	}
	if start > len(buf) {
		start = len(buf)
	}
	return buf[start:], size, truncated, nil
}
