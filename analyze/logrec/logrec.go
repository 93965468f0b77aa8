// Package logrec turns one log line, in any of the formats container nodes
// write, into a record: time, level, component, message, fields (pod=,
// image=, container=, err=...) and the error chain, with quoting levels
// undone. Rules classify on the record, not on the raw bytes, so the same
// cause matches whether it came from klog, logrus, journald, CRI-O, the
// kernel or a `kubectl describe` event row pasted into a case.
//
// Every function here runs in time linear in the line (MaxLine caps it) and
// never panics on any input (FuzzParse).
package logrec

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on what one record may cost. A line longer than MaxLine is cut
// before parsing; quoting deeper than MaxQuoteDepth is left as it is; a chain
// or field list longer than its cap keeps its first entries.
const (
	MaxLine       = 16 << 10
	MaxQuoteDepth = 4
	MaxChain      = 32
	MaxFields     = 64
)

// Format names the line shape Parse recognised.
type Format string

// Formats Parse knows. Plain is anything else: the whole line is the message.
const (
	Plain     Format = "plain"
	Klog      Format = "klog"
	Logrus    Format = "logrus"
	JSON      Format = "json"
	Kernel    Format = "kernel"
	KubeEvent Format = "kube-event"
)

// Record is one parsed log line.
type Record struct {
	Format Format
	// Time is zero when the line carries no full date (klog has no year:
	// its time is left zero and the caller's record time is used).
	Time time.Time
	// Level is lower case: error, warning, info, debug, fatal, or "".
	Level string
	// Component is the program that wrote the line when the line says it
	// (a syslog identifier, a kubectl event's From column), else "".
	Component string
	// Message is the human part (klog's quoted msg, logrus msg=), unquoted.
	Message string
	// Fields holds key=value pairs (keys as written; values unquoted).
	Fields map[string]string
	// Chain is the error chain, outermost step first, innermost cause last:
	// "failed to X: failed to Y: Z" gives [failed to X, failed to Y, Z].
	Chain []string
	// Text is message, fields and error with every quoting level undone:
	// what classification patterns run on.
	Text string

	// fieldsInMessage: Fields were read out of Message (free text), so
	// Text must not repeat them.
	fieldsInMessage bool
}

// Cause is the innermost step of the error chain ("" when there is none).
func (r Record) Cause() string {
	if len(r.Chain) == 0 {
		return ""
	}
	return r.Chain[len(r.Chain)-1]
}

// Error is the error field the line carries (err=, error=), unquoted.
func (r Record) Error() string {
	for _, k := range []string{"err", "error", "Error"} {
		if v, ok := r.Fields[k]; ok {
			return v
		}
	}
	return ""
}

var (
	// "Sep 02 17:07:20 host kubelet[5467]: " and "2024-01-02T03:04:05.123+0000 host unit[1]: ".
	// journalctl prints the month in the host's locale: "4月 05 22:54:09",
	// "sept. 20 16:43:05", "Okt 01 ..." are pasted as often as the C locale.
	syslogPrefix = regexp.MustCompile(`^(?:(?:[A-Z][a-zäéû]{2}|\d{1,2}月|[a-zäéèûô]{3,5}\.?) +\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) ([A-Za-z0-9_.@/-]+)(?:\[\d+\])?: `)
	// "[ 1234.567890] ", "[ +0.002284] " (dmesg -H), "kernel:[ 4071.48] " (a
	// syslogd wall message), and dmesg -T's "[Tue Nov 20 22:30:22 2018] ".
	kernelPrefix  = regexp.MustCompile(`^(?:kernel: ?)?\[ *\+?\d+\.\d+\] `)
	kernelTPrefix = regexp.MustCompile(`^\[([A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4})\] `)
	// "node-1: {...}": talosctl logs and other collectors put the node name
	// before a JSON record.
	hostJSONPrefix = regexp.MustCompile(`^[A-Za-z0-9_.-]+: \{"`)
	klogHeader     = regexp.MustCompile(`^([IWEF])(\d{4}) (\d\d:\d\d:\d\d\.\d+) +\d+ ([^ \]]+:\d+)\] ?`)
	// "  Warning  Failed  3m (x4 over 5m)  kubelet, node-1  Failed to pull ..."
	describeRow = regexp.MustCompile(`^\s*(Warning|Normal)\s{1,}([A-Za-z]+)\s{2,}(?:\S+(?: \(x\d+ over \S+\))?|<unknown>)\s{2,}(\S+(?:, \S+)?)\s{2,}(.*)$`)
	// "9m37s   Warning  Failed  pod/web-1  Failed to pull ..." (kubectl get events)
	getEventsRow = regexp.MustCompile(`^\s*(?:\S+\s+)?(Warning|Normal)\s+([A-Za-z]+)\s+((?:pod|node)/\S+)\s+(.*)$`)
	// a leading "2024-01-02T03:04:05.123Z " or "2024/01/02 03:04:05 " timestamp
	leadingTime = regexp.MustCompile(`^(\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) +`)
	// "ERRO[0016] ", "[ERROR] ", "error: ": a level only when marked as one.
	levelWord = regexp.MustCompile(`^(?:\[(ERROR|WARN|WARNING|INFO|DEBUG|FATAL)\]|(ERRO|WARN|INFO|DEBU|FATA)\[[^\]]*\]|(error|warning|fatal|ERROR|WARNING|FATAL):) `)
)

// Parse reads one line. It never fails: an unknown shape is a Plain record
// whose message is the line.
func Parse(line string) Record {
	r := ParseText(line)
	r.Complete()
	return r
}

// ParseText is Parse without the parts read out of the text itself: the
// error chain and the pod, image and container a line names in free text.
// Classification looks at Text alone, and of a node's hundreds of thousands
// of log lines a few hundred land in a class: reading context with
// backtracking regexps from every line was a fifth of the analysis of a
// 2,000-container bundle (issue #19). Complete adds them to the records
// that need them; Parse is both.
func ParseText(line string) Record {
	if len(line) > MaxLine {
		line = cutUTF8(line, MaxLine)
	}
	line = strings.TrimRight(line, "\r\n")
	line = unBorder(line)
	var r Record
	rest := strings.TrimLeft(line, " \t")
	// Each prefix regexp runs only where its first bytes can start it
	// (FuzzPrefixGuards): most lines are none of them, and a
	// regexp that fails at its first byte still costs a run per line.
	if mayBeSyslog(rest) {
		if m := syslogPrefix.FindStringSubmatch(rest); m != nil {
			r.Component = componentName(m[2])
			rest = rest[len(m[0]):]
		}
	}
	if strings.HasPrefix(rest, "[") || strings.HasPrefix(rest, "kernel:") {
		if m := kernelPrefix.FindString(rest); m != "" {
			r.Component, r.Format = "kernel", Kernel
			rest = rest[len(m):]
		} else if m := kernelTPrefix.FindStringSubmatch(rest); m != nil {
			r.Component, r.Format = "kernel", Kernel
			if t, err := time.Parse("Mon Jan _2 15:04:05 2006", m[1]); err == nil {
				r.Time = t.UTC()
			}
			rest = rest[len(m[0]):]
		}
	}
	if len(rest) > 0 && isDigit(rest[0]) {
		if m := leadingTime.FindStringSubmatch(rest); m != nil {
			if t, ok := parseTime(m[1]); ok {
				r.Time = t
			}
			rest = rest[len(m[0]):]
		}
	}
	if strings.Contains(rest, hostJSONMark) {
		if loc := hostJSONPrefix.FindStringIndex(rest); loc != nil {
			rest = rest[loc[1]-2:]
		}
	}
	var klog []string
	if mayBeKlog(rest) {
		klog = klogHeader.FindStringSubmatch(rest)
	}
	switch {
	case klog != nil:
		parseKlog(&r, rest, klog)
	case strings.HasPrefix(rest, "{") && strings.Contains(rest, `"msg"`) || strings.HasPrefix(rest, `{"level"`):
		parseJSON(&r, rest)
	case isLogrus(rest):
		parseLogrus(&r, rest)
	default:
		if m := describeRow.FindStringSubmatch(rest); m != nil {
			parseEventRow(&r, m[1], m[2], m[3], m[4])
		} else if m := getEventsRow.FindStringSubmatch(rest); m != nil {
			parseEventRow(&r, m[1], m[2], "", m[4])
			r.Fields["object"] = m[3]
		} else {
			if r.Format == "" {
				r.Format = Plain
			}
			// The level word stays in the message: "error adding seccomp
			// filter rule" starts with a level-looking word that is prose.
			if m := levelWord.FindStringSubmatch(rest); m != nil {
				r.Level = normLevel(m[1] + m[2] + m[3])
			}
			r.Message = Unquote(rest)
			r.Fields = pairs(rest, true)
			r.fieldsInMessage = true
		}
	}
	if r.Fields == nil {
		r.Fields = map[string]string{}
	}
	r.Text = buildText(r)
	return r
}

// Complete adds to a record from ParseText what Parse has beyond it: the
// error chain and the context fields. Calling it twice changes nothing.
func (r *Record) Complete() {
	if r.Chain == nil {
		r.Chain = SplitChain(r.Text)
	}
	contextFields(r)
}

// componentName maps syslog identifiers to the component they are:
// "k3s", "kubelet", "containerd", "dockerd", "crio", "kernel"...
func componentName(ident string) string {
	ident = strings.ToLower(ident)
	switch {
	case ident == "docker" || strings.HasPrefix(ident, "dockerd"):
		return "dockerd"
	case strings.HasPrefix(ident, "crio") || ident == "cri-o":
		return "crio"
	case strings.HasPrefix(ident, "hyperkube") || strings.HasPrefix(ident, "kubelet"):
		return "kubelet"
	}
	return ident
}

// mayBeSyslog is syslogPrefix's first byte: an ASCII letter or digit, or
// the lead byte of the accented letters its month names allow (ä é è û ô,
// all U+00C0 to U+00FF); and not klog's start (a level letter and a digit),
// which none of its alternatives can begin with.
func mayBeSyslog(s string) bool {
	if len(s) == 0 || mayBeKlog(s) {
		return false
	}
	c := s[0]
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == 0xC3
}

// hostJSONMark is what every hostJSONPrefix match holds.
const hostJSONMark = `: {"`

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// mayBeKlog is klogHeader's first two bytes, a level letter and a digit:
// false for every line klogHeader cannot match, and for nearly every other
// line at the cost of two comparisons instead of a regexp run.
func mayBeKlog(s string) bool {
	return len(s) > 1 && strings.IndexByte("IWEF", s[0]) >= 0 && isDigit(s[1])
}

// parseKlog reads s, whose klogHeader submatches are m.
func parseKlog(r *Record, s string, m []string) {
	r.Format = Klog
	r.Level = map[string]string{"I": "info", "W": "warning", "E": "error", "F": "fatal"}[m[1]]
	if r.Component == "" {
		r.Component = "kubelet"
	}
	body := s[len(m[0]):]
	// Structured klog: "msg" key="value" key2=value. The message is the
	// first quoted string; everything after it is pairs.
	if strings.HasPrefix(body, `"`) {
		if v, n, ok := quoted(body); ok {
			r.Message = Unquote(v)
			r.Fields = pairs(body[n:], false)
			return
		}
	}
	r.Message = Unquote(body)
	r.Fields = pairs(body, true)
	r.fieldsInMessage = true
}

func isLogrus(s string) bool {
	return (strings.HasPrefix(s, "time=") || strings.HasPrefix(s, "level=") || strings.Contains(s, " level=")) &&
		strings.Contains(s, "msg=")
}

func parseLogrus(r *Record, s string) {
	r.Format = Logrus
	var rest strings.Builder
	r.Fields = pairsRest(s, false, &rest)
	if t, ok := parseTime(r.Fields["time"]); ok {
		r.Time = t
	}
	r.Level = normLevel(r.Fields["level"])
	r.Message = Unquote(r.Fields["msg"])
	// Text before the first pair is the caller's context ("[ERROR CRI]:
	// container runtime is not running: output: time=... msg=...").
	first := len(s)
	for _, k := range []string{"time=", "level="} {
		if i := strings.Index(s, k); i >= 0 && i < first {
			first = i
		}
	}
	// Words outside any pair: the prefix before the first one, and what a
	// broken quote in msg= left behind. Both belong to the message.
	if extra := strings.TrimSpace(rest.String()); extra != "" {
		if pre := strings.TrimSpace(s[:first]); pre != "" && strings.HasPrefix(extra, pre) {
			r.Message = pre + " " + r.Message + strings.TrimPrefix(extra, pre)
		} else {
			r.Message += " " + extra
		}
	}
	delete(r.Fields, "time")
	delete(r.Fields, "level")
	delete(r.Fields, "msg")
}

func parseEventRow(r *Record, typ, reason, from, msg string) {
	r.Format = KubeEvent
	r.Level = "info"
	if typ == "Warning" {
		r.Level = "warning"
	}
	if from != "" {
		r.Component = componentName(strings.SplitN(from, ",", 2)[0])
	}
	r.Message = Unquote(msg)
	r.Fields = pairs(msg, true)
	r.fieldsInMessage = true
	r.Fields["reason"] = reason
}

func normLevel(l string) string {
	switch strings.ToLower(strings.Trim(l, `"[]`)) {
	case "e", "erro", "error", "err":
		return "error"
	case "w", "warn", "warning":
		return "warning"
	case "i", "info", "notice":
		return "info"
	case "d", "debu", "debug", "trace":
		return "debug"
	case "f", "fata", "fatal", "panic", "crit":
		return "fatal"
	}
	return ""
}

// buildText joins the message and field values (error fields last, since
// they carry the innermost cause), quoting levels undone.
func buildText(r Record) string {
	var b strings.Builder
	b.WriteString(r.Message)
	if r.fieldsInMessage {
		return cutUTF8(b.String(), MaxLine)
	}
	keys := sortedKeys(r.Fields)
	var errs []string
	for _, k := range keys {
		switch k {
		case "err", "error", "Error":
			errs = append(errs, r.Fields[k])
			continue
		case "reason":
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(r.Fields[k])
	}
	for _, e := range errs {
		b.WriteString(": ")
		b.WriteString(e)
	}
	return cutUTF8(b.String(), MaxLine)
}

func parseTime(s string) (time.Time, bool) {
	s = strings.Replace(s, ",", ".", 1)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02 15:04:05.999999999", "2006/01/02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// borderRunes are the column borders unBorder joins across; borderLead is
// the first byte of each one's UTF-8 form (TestBorderLead checks it).
const (
	borderRunes = "│┃║"
	borderLead  = 0xE2
)

// unBorder replaces each run of box-drawing column borders (U+2502 │, U+2503
// ┃, U+2551 ║) and the blanks around it with one space: a line pasted from a
// terminal UI (k9s, a table view) carries the pane's border where the
// terminal wrapped it ("failed ││  to setup network"), and a pattern must see
// the words joined. One pass, only for lines that hold such a rune.
func unBorder(s string) string {
	// Each border rune's UTF-8 form starts with borderLead: a line without
	// that byte (nearly every line) is returned after one IndexByte, where
	// ContainsAny decoded every rune of it (5% of inspect at 2,000
	// containers, issue #19).
	if strings.IndexByte(s, borderLead) < 0 || !strings.ContainsAny(s, borderRunes) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start, border := -1, false // the current run of blanks and borders
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch c {
		case '│', '┃', '║', ' ', '\t':
			if start < 0 {
				start = i
			}
			border = border || (c != ' ' && c != '\t')
		default:
			if start >= 0 {
				if border {
					b.WriteByte(' ')
				} else {
					b.WriteString(s[start:i])
				}
				start, border = -1, false
			}
			// the bytes as they were: an invalid one stays itself
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	if start >= 0 && !border {
		b.WriteString(s[start:])
	}
	return b.String()
}

func cutUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i]
}
