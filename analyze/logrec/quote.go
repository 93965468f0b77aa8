package logrec

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Unquote undoes up to MaxQuoteDepth levels of backslash escaping, the way
// a klog err= value that holds a logrus line that holds a Go %q string is
// nested: \\\" becomes \" becomes ". \n, \t and \r become spaces, so one
// record reads as one line. Each level is one linear pass.
func Unquote(s string) string {
	for depth := 0; depth < MaxQuoteDepth && strings.IndexByte(s, '\\') >= 0; depth++ {
		var b strings.Builder
		b.Grow(len(s))
		changed := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' || i+1 == len(s) {
				b.WriteByte(c)
				continue
			}
			switch n := s[i+1]; n {
			case '\\', '"', '\'':
				b.WriteByte(n)
			case 'n', 't', 'r':
				b.WriteByte(' ')
			default:
				b.WriteByte(c)
				continue
			}
			i++
			changed = true
		}
		s = b.String()
		if !changed {
			break
		}
	}
	return s
}

// quoted reads a double-quoted string at the start of s: the raw inside
// (escapes kept), the bytes consumed including both quotes, and whether the
// closing quote was found. An unterminated string runs to the end of s.
func quoted(s string) (string, int, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", 0, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i], i + 1, true
		}
	}
	return s[1:], len(s), true
}

// contextKeys are the keys a loose scan (plain text, unstructured klog,
// event rows) picks up: the ones naming what a failure is about. Anything
// else that looks like k=v in free text is prose, not a field.
var contextKeys = map[string]bool{
	"pod": true, "podUID": true, "pod_uid": true, "image": true, "container": true, "containerName": true,
	"containerID": true, "namespace": true, "err": true, "error": true, "sandbox": true, "podSandboxID": true,
	"id": true, "ref": true, "path": true, "plugin": true, "runtime": true, "reason": true,
}

// pairs scans s once for key=value and key="value" pairs. loose keeps only
// contextKeys; strict (logfmt, structured klog) keeps every key.
func pairs(s string, loose bool) map[string]string { return pairsRest(s, loose, nil) }

// pairsRest is pairs that also collects the words that are not part of a
// pair into rest (when non-nil): text a broken quote left outside its field.
func pairsRest(s string, loose bool, rest *strings.Builder) map[string]string {
	out := map[string]string{}
	skip := func(i int) int {
		j := strings.IndexByte(s[i:], ' ')
		end := len(s)
		if j >= 0 {
			end = i + j
		}
		if rest != nil && rest.Len() < MaxLine {
			if rest.Len() > 0 {
				rest.WriteByte(' ')
			}
			rest.WriteString(s[i:end])
		}
		if j < 0 {
			return -1
		}
		return end + 1
	}
	for i := 0; i < len(s) && len(out) < MaxFields; {
		// a key starts the string or follows a space
		if i > 0 && s[i-1] != ' ' {
			if i = skip(i); i < 0 {
				break
			}
			continue
		}
		k := i
		for k < len(s) && isKeyByte(s[k], k == i) {
			k++
		}
		if k == i || k >= len(s) || s[k] != '=' {
			if i = skip(i); i < 0 {
				break
			}
			continue
		}
		key := s[i:k]
		v := s[k+1:]
		var val string
		var n int
		if raw, m, ok := quoted(v); ok {
			val, n = Unquote(raw), m
		} else {
			n = strings.IndexByte(v, ' ')
			if n < 0 {
				n = len(v)
			}
			val = v[:n]
		}
		if !loose || contextKeys[key] {
			if _, dup := out[key]; !dup {
				out[key] = val
			}
		}
		i = k + 1 + n
	}
	return out
}

func isKeyByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '.', c == '-':
		return !first
	}
	return false
}

// chainSeps split an error chain: Go's "outer: inner" wrapping and gRPC's
// "rpc error: code = X desc = inner".
var chainSeps = []string{": ", "desc = ", ", error: ", "; "}

// SplitChain splits an error text into its steps, outermost first, in one
// scan. A chain longer than MaxChain keeps its first MaxChain-1 steps and
// the rest as the innermost step, so the cause is never lost.
func SplitChain(s string) []string {
	var out []string
	add := func(p string) {
		p = strings.TrimSpace(p)
		p = strings.Trim(p, `"`)
		switch {
		case strings.HasPrefix(p, "code = ") && len(out) > 0:
			out[len(out)-1] += " (" + p + ")"
		case p != "" && p != "rpc error" && !strings.HasPrefix(p, "code = "):
			out = append(out, p)
		}
	}
	start := 0
	for i := 0; i < len(s) && len(out) < MaxChain-1; i++ {
		if c := s[i]; c != ':' && c != 'd' && c != ',' && c != ';' {
			continue
		}
		for _, sep := range chainSeps {
			if strings.HasPrefix(s[i:], sep) && (sep != "desc = " || i == 0 || s[i-1] == ' ') {
				add(s[start:i])
				start = i + len(sep)
				i = start - 1
				break
			}
		}
	}
	add(s[start:])
	return out
}

var (
	imageInText = regexp.MustCompile(`(?i)(?:pull(?:ing)?(?: and unpack)? image|PullImage|image|failed to resolve reference|failed to get sandbox image|manifest for|pull access denied for|Back-off pulling image) "?([a-z0-9][a-z0-9._/-]*(?::[0-9]+)?/?[a-z0-9._/-]*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?)"?`)
	podInText   = regexp.MustCompile(`(?:Error syncing pod [0-9a-f-]{36} \(|pod=|podName=|pod )"?([a-z0-9][a-z0-9.-]*_[a-z0-9][a-z0-9.-]*|[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9.-]*)`)
	// containerd's CRI log: "RunPodSandbox for &PodSandboxMetadata{Name:web,Uid:...,Namespace:lab,...}"
	sandboxMetaInText = regexp.MustCompile(`PodSandboxMetadata\{Name:([^,}]+),(?:Uid:[^,}]*,)?Namespace:([^,}]+)`)
	containerInText   = regexp.MustCompile(`failed to "(?:StartContainer|CreateContainer)" for "([^"]+)"|container "?([a-z0-9][a-z0-9-]*)"? (?:in pod|failed)`)
)

// contextFields fills pod, image and container from the text when the line
// has no such field: which image, which pod, which container the failure is about.
func contextFields(r *Record) {
	// The regexps backtrack; a literal test first keeps lines that cannot
	// match (most of them) cheap.
	lower := strings.ToLower(r.Text)
	if _, ok := r.Fields["image"]; !ok && (strings.Contains(lower, "image") || strings.Contains(lower, "reference") || strings.Contains(lower, "manifest") || strings.Contains(lower, "pull")) {
		if m := imageInText.FindStringSubmatch(r.Text); m != nil && strings.ContainsAny(m[1], ":/.") {
			r.Fields["image"] = m[1]
		}
	}
	if _, ok := r.Fields["pod"]; !ok {
		if v, ok := r.Fields["object"]; ok && strings.HasPrefix(v, "pod/") {
			r.Fields["pod"] = strings.TrimPrefix(v, "pod/")
		} else if !strings.Contains(lower, "pod") {
			// no pod named
		} else if m := sandboxMetaInText.FindStringSubmatch(r.Text); m != nil {
			r.Fields["pod"] = m[2] + "/" + m[1]
		} else if m := podInText.FindStringSubmatch(r.Text); m != nil {
			r.Fields["pod"] = m[1]
		}
	}
	if _, ok := r.Fields["container"]; !ok && strings.Contains(lower, "container") {
		if v, ok := r.Fields["containerName"]; ok {
			r.Fields["container"] = v
		} else if m := containerInText.FindStringSubmatch(r.Text); m != nil {
			r.Fields["container"] = m[1] + m[2]
		}
	}
}

// parseJSON reads a JSON log line (containerd/CRI-O/zap with a JSON formatter).
func parseJSON(r *Record, s string) {
	var obj map[string]any
	if json.Unmarshal([]byte(s), &obj) != nil {
		r.Format, r.Message, r.Fields = Plain, Unquote(s), pairs(s, true)
		r.fieldsInMessage = true
		return
	}
	r.Format = JSON
	r.Fields = map[string]string{}
	for k, v := range obj {
		if len(r.Fields) == MaxFields {
			break
		}
		switch x := v.(type) {
		case string:
			r.Fields[k] = Unquote(x)
		case float64:
			r.Fields[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			r.Fields[k] = strconv.FormatBool(x)
		}
	}
	for _, k := range []string{"msg", "message", "MESSAGE"} {
		if v, ok := r.Fields[k]; ok {
			r.Message = v
			delete(r.Fields, k)
			break
		}
	}
	for _, k := range []string{"level", "severity", "lvl"} {
		if v, ok := r.Fields[k]; ok {
			r.Level = normLevel(v)
			delete(r.Fields, k)
			break
		}
	}
	for _, k := range []string{"time", "ts", "timestamp"} {
		if v, ok := r.Fields[k]; ok {
			if t, ok := parseTime(v); ok {
				r.Time = t
			} else if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1e11 {
				r.Time = time.Unix(int64(f), 0).UTC()
			}
			delete(r.Fields, k)
			break
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
