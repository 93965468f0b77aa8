package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Structure-aware redaction of TOML and YAML (issue #13, item 6): a real
// parser finds each value, the same key decision as JSON's (keyMatcher) says
// which are secret, and only the value's bytes in the original text are
// replaced, so comments, order and layout survive and the file stays valid.
// A file that does not parse, or is too large, or whose redacted copy does
// not parse back to the same keys, is redacted line by line instead (the
// text path) and the report notes it.

// Limits of the structured path, one definition each. A configuration file
// is a few KiB; past these the line path (linear, no tree in memory) is
// used. maxDepth (json.go) bounds nesting for every structured kind.
const (
	maxStructBytes = 2 << 20
	maxStructNodes = 1 << 19
	// maxStructLine: a line longer than this is data (a log, a blob), not
	// configuration, and the parsers' cost is not worth it there: yaml.v3
	// took 160 ms more than the line path for a 1 MiB line
	// (BenchmarkAdversarialLines).
	maxStructLine = 64 << 10
)

// budget bounds a walk: its nodes and depth. err is the first limit hit.
type budget struct {
	nodes int
	err   error
}

// count takes one node at depth and reports whether the walk goes on.
func (b *budget) count(depth int) bool {
	b.nodes++
	switch {
	case b.err != nil:
	case depth > maxDepth:
		b.err = errStructTooDeep
	case b.nodes > maxStructNodes:
		b.err = errStructTooMany
	default:
		return true
	}
	return false
}

// structErr is why the structured path gave up. Its text goes into the
// report: it names a line at most, never content.
type structErr string

func (e structErr) Error() string { return string(e) }

const (
	errStructTooLarge = structErr("larger than the structured-redaction limit")
	errStructLongLine = structErr("a line longer than the structured-redaction limit")
	errStructTooDeep  = structErr("nested deeper than the structured-redaction limit")
	errStructTooMany  = structErr("more nodes than the structured-redaction limit")
	errStructSpan     = structErr("a value's position could not be found")
	errStructCheck    = structErr("the redacted copy did not parse back to the same keys")
	errStructKey      = structErr("a dotted key holds a secret")
	errStructTag      = structErr("a YAML tag or anchor holds a secret")
	errStructPEM      = structErr("a private key in a comment or outside a value")
)

// structured redacts a TOML or YAML document, falling back to the line path.
// With the default rules off (--no-default-redaction) only the user's keys
// and patterns apply, as the line path applies them.
func (r *Redactor) structured(kind Kind, data []byte, h *hits) []byte {
	if !r.defaults {
		return r.textBytes(data, textOpts{toml: kind == TOML, yaml: kind == YAML}, h)
	}
	var sh hits
	var out []byte
	var err error = errStructTooLarge
	if len(data) <= maxStructBytes && longestLine(data) > maxStructLine {
		err = errStructLongLine
	} else if len(data) <= maxStructBytes && pemInComment(data) {
		err = errStructPEM
	} else if len(data) <= maxStructBytes {
		if kind == YAML {
			out, err = r.redactYAML(data, &sh)
		} else {
			out, err = r.redactTOML(data, &sh)
		}
	}
	if err == nil && pemArmourSurvives(out) {
		// The parser put the armour where no rule reads it whole (an
		// anchor's name: "&-----BEGIN RSA PRIVATE KEY-----", FuzzRedact):
		// the line path carries the key from BEGIN to END.
		err = errStructPEM
	}
	if err == nil {
		h.merge(&sh)
		h.notes = append(h.notes, sh.notes...)
		return out
	}
	h.notes = append(h.notes, structuredFallbackNote(kind, err))
	if kind == YAML {
		data = r.yamlPropertyValues(data, h)
	}
	return r.textBytes(data, textOpts{toml: kind == TOML, yaml: kind == YAML}, h)
}

// propertyAfterColon: ln has a ':', blanks and then '&' or '!', which
// every yamlPropertyRE match has. The regexp's lazy key cost 100 ms on a
// 1 MiB line of "password=a&" that only this test turns away.
func propertyAfterColon(ln []byte) bool {
	for i := 0; i < len(ln); i++ {
		if ln[i] != ':' {
			continue
		}
		j := i + 1
		for j < len(ln) && (ln[j] == ' ' || ln[j] == '\t') {
			j++
		}
		if j > i+1 && j < len(ln) && (ln[j] == '&' || ln[j] == '!') {
			return true
		}
		i = j - 1
	}
	return false
}

// longestLine is the length of data's longest line.
func longestLine(data []byte) int {
	longest := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data)
		}
		longest = max(longest, i)
		data = data[min(i+1, len(data)):]
	}
	return longest
}

// yamlPropertyRE is "key: &anchor value" or "key: !tag value" on one line.
var yamlPropertyRE = regexp.MustCompile(`^(\s*(?:-\s+)?["']?([^:"'#\n]+?)["']?:[ \t]+(?:[&!][^\s]*[ \t]+)+)([^\s#|>].*?)[ \t\r]*$`)

// yamlPropertyValues is the fallback's answer to anchors: the line rules
// read "password: &pw value" as the value "&pw", so a secret key's value
// after an anchor or tag is replaced before they run. Only lines holding
// '&' or '!' are matched.
func (r *Redactor) yamlPropertyValues(data []byte, h *hits) []byte {
	var out []byte
	last, line := 0, 0
	for pos := 0; pos < len(data); {
		end := len(data)
		if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 {
			end = pos + i
		}
		line++
		ln := data[pos:end]
		if propertyAfterColon(ln) {
			if sm := yamlPropertyRE.FindSubmatchIndex(ln); sm != nil {
				v := string(ln[sm[6]:sm[7]])
				if r.keys.isSecret(string(ln[sm[4]:sm[5]])) && !keepUnderSecretKey(strings.Trim(v, `"'`)) {
					h.add(RuleSecretKey, line, "")
					out = append(append(out, data[last:pos+sm[6]]...), quoteStructured(r.replacement(RuleSecretKey, v))...)
					last = pos + sm[7]
				}
			}
		}
		pos = end + 1
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

func structuredFallbackNote(kind Kind, err error) string {
	return fmt.Sprintf("%s not redacted structurally (%v): redacted line by line", kind, err)
}

// parseErrLineRE finds the line a parser's error names; the rest of the
// message is dropped (it may quote the input).
var parseErrLineRE = regexp.MustCompile(`line (\d+)`)

// parseFailure turns a parser's error into one that names only a line.
func parseFailure(kind string, err error, line int) error {
	if line == 0 {
		if m := parseErrLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
	}
	if line > 0 {
		return structErr(fmt.Sprintf("not valid %s (line %d)", kind, line))
	}
	return structErr("not valid " + kind)
}

// edit replaces data[start:end] with repl.
type edit struct {
	start, end int
	repl       string
}

// applyEdits returns data with the edits made; they must not overlap.
func applyEdits(data []byte, edits []edit) ([]byte, error) {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	out := make([]byte, 0, textCap(len(data)))
	last := 0
	for _, e := range edits {
		if e.start < last || e.end < e.start || e.end > len(data) {
			return nil, errors.New("overlapping edits")
		}
		out = append(out, data[last:e.start]...)
		out = append(out, e.repl...)
		last = e.end
	}
	return append(out, data[last:]...), nil
}

// lineIndex maps byte offsets to 1-based line numbers and back.
type lineIndex []int // start offset of each line

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			idx = append(idx, i+1)
		case '\r':
			// YAML counts a lone CR as a line break; CRLF is one.
			if i+1 >= len(data) || data[i+1] != '\n' {
				idx = append(idx, i+1)
			}
		}
	}
	return idx
}

// line is the 1-based line holding offset off.
func (l lineIndex) line(off int) int {
	return sort.Search(len(l), func(i int) bool { return l[i] > off })
}

// quoteStructured writes s as a double-quoted string both YAML and TOML read
// back as s: every control character, DEL, C1 controls, the BOM, the
// noncharacters YAML rejects and invalid UTF-8 are escaped.
func quoteStructured(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0xfeff || r == 0xfffe || r == 0xffff || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// authorizationString redacts an Authorization value as the text rule for
// the header does: the scheme stays, the credential goes.
func (r *Redactor) authorizationString(v string, line int, h *hits) (string, bool) {
	const prefix = "Authorization: "
	var lh hits
	out := r.text(prefix+v, textOpts{line0: line - 1}, &lh)
	if len(lh.list) == 0 || !strings.HasPrefix(out, prefix) {
		return v, false
	}
	h.merge(&lh)
	return out[len(prefix):], true
}

// freeText runs the text rules over a string value (vendor tokens, URLs
// with passwords, PEM keys, key=value inside it). A value holding a JSON
// document (a docker config.json in a ConfigMap) is redacted as JSON.
func (r *Redactor) freeText(v string, line int, h *hits) (string, bool) {
	if t := strings.TrimSpace(v); len(t) > 1 && (t[0] == '{' || t[0] == '[') {
		var lh hits
		if out, ok := r.redactJSONDoc([]byte(t), &lh); ok {
			if len(lh.list) == 0 {
				return v, false
			}
			for _, x := range lh.list {
				h.addN(x.rule, line, "", x.n)
			}
			return string(out), true
		}
	}
	var lh hits
	out := r.text(v, textOpts{line0: line - 1}, &lh)
	if len(lh.list) == 0 || out == v {
		return v, false
	}
	h.merge(&lh)
	return out, true
}

// commentText is freeText of a comment's text, kept on one line: a JSON
// comment comes back re-encoded indented, and is compacted
// ("#{"key":"DB_PASSWORD","value":"x"}" was left whole for its line
// breaks in YAML and TOML: FuzzRedact).
func (r *Redactor) commentText(v string, line int, h *hits) (string, bool) {
	out, ok := r.freeText(v, line, h)
	if !ok || !strings.ContainsAny(out, "\r\n") {
		return out, ok
	}
	var b bytes.Buffer
	if json.Compact(&b, []byte(out)) == nil && !bytes.ContainsAny(b.Bytes(), "\r\n") {
		return b.String(), true
	}
	return r.text(v, textOpts{line0: line - 1}, h), true // one line in, one out
}

// argvSecretFlag: an argv element "--password" whose value is the next element.
func (r *Redactor) argvSecretFlag(s string) bool {
	return r.secretFlag(&node{kind: 's', str: s})
}

// keepUnderSecretKey: values that stay even under a secret key.
func keepUnderSecretKey(v string) bool {
	return v == "" || isMarker(v) || boringValue(v)
}

// describesKey: a key inside a secret's map that holds a setting about it,
// not part of it (auth: {method: oidc, issuer: https://...}): its last
// word is one of the descriptor words keys.go knows, and it is not itself
// a secret key. Its value is walked as any other (the text rules still
// see it) instead of being blanked.
func (r *Redactor) describesKey(k string) bool {
	segs := segments(k)
	return len(segs) > 0 && descriptorWords[segs[len(segs)-1]] && !r.keys.isSecret(k)
}

// isUserKey names a registry user next to a password.
func isUserKey(k string) bool { return k == "username" || k == "Username" || k == "user" }

// appendNotes adds notes to a file's, each once and at most maxPlaces.
func appendNotes(have, add []string) []string {
	for _, n := range add {
		if len(have) < maxPlaces && !slices.Contains(have, n) {
			have = append(have, n)
		}
	}
	return have
}
