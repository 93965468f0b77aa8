package facts

import (
	"bytes"
	"path"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/logwork"
	"github.com/rtsnap/rtsnap/internal/termcodes"
)

// textLogParser reads plain-text logs into LogFiles: CRI container logs
// (logs/pods/<ns>/<pod>/<container>/<n>.log: "<RFC3339Nano> <stream> <tag> <msg>")
// and daemon log files (journal/files/*.log, logrus `time="..." ... msg="..."`
// or a leading timestamp). Same bounds as JSON lines.
func textLogParser() Parser {
	return Parser{
		Name: "textlog",
		Match: func(p string) bool {
			return strings.HasSuffix(p, ".log") && (strings.HasPrefix(p, "logs/") || strings.HasPrefix(p, "journal/files/"))
		},
		Parse: parseTextLog,
	}
}

func parseTextLog(n *Node, p string, data []byte) error {
	lf := &LogFile{Path: p}
	n.Logs[p] = lf
	unit := strings.TrimSuffix(path.Base(p), ".log")
	if parts := split(p); len(parts) == 6 && parts[1] == "pods" {
		unit = parts[2] + "/" + parts[3] + "/" + parts[4] // ns/pod/container
	}
	lineNo := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lf.Lines++
		if len(lf.Records) >= MaxRecordsPerFile || lf.cutByBudget {
			lf.Truncated = true
			continue
		}
		if len(line) > 4*MaxMessageBytes {
			line = line[:4*MaxMessageBytes]
		}
		n.LogWorkSpent += 2 * logwork.Scan(len(line)) // escapes stripped, the time parsed
		rec := parseTextLine(termcodes.Strip(string(line)))
		// A copy, so the record does not pin the whole (4x longer) line.
		rec.Message = strings.Clone(rec.Message)
		rec.Line, rec.Unit = lineNo, unit
		if n.keepRecord(lf, rec) {
			lf.Records = append(lf.Records, rec)
		}
	}
	return nil
}

// parseTextLine takes a leading RFC 3339 timestamp (CRI format: the stream
// and the partial/full tag follow and are dropped) or a logrus time="..." field.
func parseTextLine(line string) LogRecord {
	var rec LogRecord
	if i := strings.IndexByte(line, ' '); i > 0 {
		if t, err := time.Parse(time.RFC3339Nano, line[:i]); err == nil {
			rec.Time = t.UTC()
			rest := line[i+1:]
			if f := strings.SplitN(rest, " ", 3); len(f) == 3 && (f[0] == "stdout" || f[0] == "stderr") && (f[1] == "F" || f[1] == "P") {
				rest = f[2]
			}
			rec.Message = cutString(rest, MaxMessageBytes)
			return rec
		}
	}
	if v, ok := logfmtValue(line, "time"); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			rec.Time = t.UTC()
		}
	}
	rec.Message = cutString(line, MaxMessageBytes)
	return rec
}

// logfmtValue finds key="value" or key=value in a logfmt line.
func logfmtValue(line, key string) (string, bool) {
	i := strings.Index(line, key+"=")
	for i > 0 && line[i-1] != ' ' {
		j := strings.Index(line[i+1:], key+"=")
		if j < 0 {
			return "", false
		}
		i += 1 + j
	}
	if i < 0 {
		return "", false
	}
	v := line[i+len(key)+1:]
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		var b strings.Builder
		for k := 0; k < len(v); k++ {
			switch {
			case v[k] == '\\' && k+1 < len(v):
				k++
				b.WriteByte(v[k])
			case v[k] == '"':
				return b.String(), true
			default:
				b.WriteByte(v[k])
			}
		}
		return b.String(), true
	}
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return v, true
}
