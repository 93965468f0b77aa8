package facts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/logwork"
	"github.com/rtsnap/rtsnap/internal/journalfield"
	"github.com/rtsnap/rtsnap/internal/termcodes"
)

// Bounds on what one JSON-lines file may cost: a bundle is untrusted.
const (
	MaxRecordsPerFile = 50_000
	MaxMessageBytes   = 4 << 10
)

// LogFile is one parsed JSON-lines file (a journal unit, a container log).
type LogFile struct {
	Path    string
	Records []LogRecord
	// Lines is the number of non-empty lines; Records may hold fewer when
	// the file exceeded MaxRecordsPerFile or the bundle's caps (Truncated;
	// Node.Cuts says which) or lines were bad.
	Lines     int
	Truncated bool
	// cutByBudget: the bundle's caps ran out in this file; the rest is counted, not parsed.
	cutByBudget bool
}

// LogRecord is one line: the fields rules and the timeline need.
type LogRecord struct {
	Line    int
	Time    time.Time // zero when the line carries no usable time
	Unit    string
	PID     string
	Message string
}

// timeKeys are tried in order; journal export uses __REALTIME_TIMESTAMP (µs).
var timeKeys = []string{"time", "realtime", "__REALTIME_TIMESTAMP", "timestamp", "ts"}
var messageKeys = []string{"message", "MESSAGE", "msg", "log"}
var unitKeys = []string{"unit", "_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER", "source"}
var pidKeys = []string{"pid", "_PID"}

func jsonLinesParser() Parser {
	return Parser{
		Name:  "jsonlines",
		Match: func(p string) bool { return strings.HasSuffix(p, ".jsonl") },
		Parse: parseJSONLines,
	}
}

// parseJSONLines keeps good lines and reports bad ones as one ParseError per
// file (first bad line plus a count), so a garbage file cannot flood output.
func parseJSONLines(n *Node, path string, data []byte) error {
	lf := &LogFile{Path: path}
	n.Logs[path] = lf
	var firstBad *ParseError
	lineNo := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lf.Lines++
		if len(lf.Records) >= MaxRecordsPerFile || lf.cutByBudget {
			lf.Truncated = true
			continue
		}
		var rec LogRecord
		var err error
		n.LogWorkSpent += logwork.Decode(len(line))
		if len(line) > MaxLogLineBytes {
			err = fmt.Errorf("a line of %d bytes is over the %d-byte limit for one record", len(line), MaxLogLineBytes)
		} else {
			rec, err = parseLogLine(line)
		}
		if err != nil {
			if firstBad == nil {
				firstBad = &ParseError{Path: path, Parser: "jsonlines", Line: lineNo, Err: err.Error()}
			}
			firstBad.Count++
			continue
		}
		rec.Line = lineNo
		if n.keepRecord(lf, rec) {
			lf.Records = append(lf.Records, rec)
		}
	}
	if firstBad != nil {
		n.ParseErrors = append(n.ParseErrors, *firstBad)
	}
	return nil
}

func parseLogLine(line []byte) (LogRecord, error) {
	var obj map[string]json.RawMessage
	// The JSON v2 engine's v1 mode (defaultUnmarshal): encoding/json's
	// results (TestLogLinesMatchEncodingJSON) without its separate
	// validating pass, which with the unquoting of the message was most
	// of the decoding of a journal of 4 KB records.
	if err := defaultUnmarshal(line, &obj); err != nil {
		return LogRecord{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var rec LogRecord
	for _, k := range timeKeys {
		if raw, ok := obj[k]; ok {
			if t, ok := parseTime(raw); ok {
				rec.Time = t
				break
			}
		}
	}
	// The text a person would read: without colour escapes (termcodes).
	rec.Message = cutString(termcodes.Strip(firstString(obj, messageKeys)), MaxMessageBytes)
	rec.Unit = cutString(firstString(obj, unitKeys), 256)
	rec.PID = cutString(firstString(obj, pidKeys), 32)
	return rec, nil
}

// firstString returns the first key present as text: a string, a number
// rendered, or the array of byte values journalctl writes for a field that
// is not printable UTF-8 (journalfield; read up to 4x the message budget,
// so escapes stripped after it do not eat the text kept).
func firstString(obj map[string]json.RawMessage, keys []string) string {
	for _, k := range keys {
		raw, ok := obj[k]
		if !ok {
			continue
		}
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if defaultUnmarshal(raw, &s) == nil {
				return s
			}
			continue
		}
		if s, ok := journalfield.String(raw, 4*MaxMessageBytes); ok {
			return s
		}
		var f json.Number
		if json.Unmarshal(raw, &f) == nil {
			return f.String()
		}
	}
	return ""
}

// parseTime accepts RFC 3339 strings and Unix epochs as numbers or numeric
// strings, guessing the unit from the magnitude (s, ms, µs, ns).
func parseTime(raw json.RawMessage) (time.Time, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil && i > 0 {
		// Exact: journal times are µs since the epoch, and a float64 of
		// their nanoseconds keeps only 256 ns steps.
		return epochInt(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return time.Time{}, false
	}
	var ns float64
	switch {
	case f > 1e17:
		ns = f
	case f > 1e14:
		ns = f * 1e3
	case f > 1e11:
		ns = f * 1e6
	default:
		ns = f * 1e9
	}
	if ns > math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)).UTC(), true
}

// epochInt is parseTime's unit guess for an integer epoch, in integers.
func epochInt(i int64) time.Time {
	switch {
	case i > 1e17:
		return time.Unix(0, i).UTC()
	case i > 1e14:
		return time.UnixMicro(i).UTC()
	case i > 1e11:
		return time.UnixMilli(i).UTC()
	}
	return time.Unix(i, 0).UTC()
}

func cutString(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	// A copy: the prefix alone would pin the whole (maybe huge) string.
	return strings.Clone(s[:i])
}
