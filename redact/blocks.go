package redact

import (
	"bytes"
	"regexp"
	"strings"
)

// A secret's value can span lines: a YAML block scalar ("password: |"), a
// YAML key whose value is a nested map or list ("credentials:" then indented
// lines), or a TOML multi-line string (key = """ ... """). The line after the
// key does not name the secret, so the key's line opens a block and the
// block's lines are replaced until it ends.
type block struct {
	active bool
	// yaml: lines indented deeper than col belong to the block.
	col int
	// scalar: every line is the value (block scalar); otherwise only the
	// values of "key: value" and "- item" lines are.
	scalar bool
	// delim ends a TOML multi-line string.
	delim string
}

var (
	// yamlKeyOpensRE: a key with no value on its line, or a block scalar indicator.
	yamlKeyOpensRE = regexp.MustCompile(`^(\s*(?:-\s+)?)["']?([^:"'#]+?)["']?:\s*([|>][-+0-9]*)?\s*(?:#.*)?$`)
	// yamlNestedRE: a nested "key: value" or "- item" line.
	yamlNestedRE = regexp.MustCompile(`^(\s*(?:-\s+)?(?:["']?[^:"'#]+?["']?:\s+)?)(.*?)\s*$`)
)

// openBlock notes a secret key whose value starts on the next line.
func (r *Redactor) openBlock(ln string, o textOpts, st *lineState) {
	switch {
	case o.yaml:
		col, key, indicator, ok := yamlKeyOpens(ln)
		// "secret:" alone is a Kubernetes volume source (secretName, items).
		if !ok || !r.keys.isSecret(key) || strings.HasSuffix(strings.ToLower(key), "authorization") || key == "secret" {
			return
		}
		st.block = block{active: true, col: col, scalar: indicator != ""}
	case o.toml:
		key, delim, end, ok := tomlMultiOpens(ln)
		if !ok || !r.keys.isSecret(key) {
			return
		}
		if strings.Contains(ln[end:], delim) {
			return // closed on the same line: the key/value rules see it
		}
		st.block = block{active: true, delim: delim}
	}
}

// yamlKeyOpens is yamlKeyOpensRE on ln, for the keys isSecret can take (at
// most maxKeyLen bytes): the key's indentation, the key and the block
// indicator. The regexp runs only on the part of the line that decides it,
// because on every line of a YAML file it read the whole line (a 1 MiB
// line cost 60-80 ms): the key ends at the line's first ':' (it holds none),
// so a first ':' far from the indentation makes a key too long; what
// follows the first '#' after the ':' is a comment (".*"), trailing white
// space is the pattern's "\s*", and leading white space is the indentation
// whenever the key is not blank (TestYAMLKeyOpensAgreesWithTheRegexp).
func yamlKeyOpens(ln string) (col int, key, indicator string, ok bool) {
	c := strings.IndexByte(ln, ':')
	if c < 0 {
		return 0, "", "", false
	}
	ws, lead := 0, 0 // leading white space; and dashes too
	for ws < c && isRESpace(ln[ws]) {
		ws++
	}
	for lead = ws; lead < c && (isRESpace(ln[lead]) || ln[lead] == '-'); lead++ {
	}
	if c-lead-2 > maxKeyLen {
		return 0, "", "", false
	}
	end := len(ln)
	if h := strings.IndexByte(ln[c:], '#'); h >= 0 {
		end = c + h
	}
	part := strings.TrimRight(ln[ws:end], " \t\n\f\r")
	m := yamlKeyOpensRE.FindStringSubmatch(part)
	if m == nil {
		return 0, "", "", false
	}
	return ws + len(m[1]), m[2], m[3], true
}

// tomlMultiOpens is tomlMultiRE on ln, by hand (the pattern reads no byte
// two ways: its classes are disjoint): the key, the multi-line string's
// delimiter, and where the delimiter ends. Checked against the regexp by
// TestTOMLMultiOpensAgreesWithTheRegexp.
func tomlMultiOpens(ln string) (key, delim string, end int, ok bool) {
	i := 0
	for i < len(ln) && isRESpace(ln[i]) {
		i++
	}
	if i < len(ln) && (ln[i] == '"' || ln[i] == '\'') {
		i++
	}
	ks := i
	for i < len(ln) && (isKeyByte(ln[i]) && ln[i] < 0x80) {
		i++
	}
	if i == ks {
		return "", "", 0, false
	}
	key = ln[ks:i]
	if i < len(ln) && (ln[i] == '"' || ln[i] == '\'') {
		i++
	}
	for i < len(ln) && isRESpace(ln[i]) {
		i++
	}
	if i >= len(ln) || ln[i] != '=' {
		return "", "", 0, false
	}
	i++
	for i < len(ln) && isRESpace(ln[i]) {
		i++
	}
	if rest := ln[i:]; strings.HasPrefix(rest, `"""`) || strings.HasPrefix(rest, "'''") {
		return key, rest[:3], i + 3, true
	}
	return "", "", 0, false
}

// blockLine redacts a line inside a block; ok is false when the line ends a
// YAML block (and must be redacted as any other line).
func (r *Redactor) blockLine(ln string, n int, o textOpts, st *lineState, h *hits) (string, bool) {
	b := &st.block
	if b.delim != "" {
		i := strings.Index(ln, b.delim)
		if i < 0 {
			return r.blockValue(ln, "", ln, n, o, h), true
		}
		b.active = false
		if strings.TrimSpace(ln[:i]) == "" {
			return ln, true
		}
		return r.blockValue(ln[:i], "", ln[:i], n, o, h) + ln[i:], true
	}
	trimmed := strings.TrimLeft(ln, " \t")
	if trimmed == "" {
		return ln, true
	}
	if len(ln)-len(trimmed) <= b.col && !(strings.HasPrefix(trimmed, "- ") && len(ln)-len(trimmed) == b.col && !b.scalar) {
		b.active = false
		return "", false
	}
	if b.scalar {
		return r.blockValue(ln, ln[:len(ln)-len(trimmed)], trimmed, n, o, h), true
	}
	m := yamlNestedRE.FindStringSubmatch(ln)
	if m == nil || m[2] == "" || m[2] == "|" || m[2] == ">" {
		return ln, true
	}
	return r.blockValue(ln, m[1], m[2], n, o, h), true
}

// blockValue replaces value, keeping prefix.
func (r *Redactor) blockValue(ln, prefix, value string, n int, o textOpts, h *hits) string {
	inner := strings.Trim(strings.TrimSpace(value), `"'`)
	if inner == "" || isMarker(inner) {
		return ln
	}
	r.place(h, RuleSecretKey, n, o)
	return prefix + quoteLike(value, r.replacement(RuleSecretKey, inner))
}

// textPairs redacts the value of a key/value pair split across fields in
// text form, when its key or name is secret-looking: JSON that did not parse,
// "&KeyValue{Key:DB_PASSWORD,Value:x,}" in a runtime's debug log,
// {Name:API_TOKEN Value:x} from Go's %+v, key:"X" value:"y" from protobuf
// text. A hand scan from each "value": a regexp here cost half the redactor's time.
func (r *Redactor) textPairs(ln string, lower []byte, n int, o textOpts, h *hits) string {
	var b strings.Builder
	last := 0
	// The last key asked and the answer: a pair's name repeats in a line
	// of many (a struct dump, a list of env pairs), and isSecret was most
	// of such a line. The decision depends on the key alone.
	lastKey, lastSecret := "", false
	for from := 0; from < len(lower); {
		i := bytes.Index(lower[from:], []byte("value"))
		if i < 0 {
			break
		}
		p := from + i
		from = p + 5
		key, ok := pairKeyBefore(ln, lower, p)
		if !ok {
			continue
		}
		if key != lastKey { // (isSecret("") is false, as lastSecret starts)
			lastKey, lastSecret = key, r.keys.isSecret(key)
		}
		if !lastSecret {
			continue
		}
		vs, ve, ok := pairValueAfter(ln, p+5)
		if !ok || vs < last || insideMarker(ln, vs) {
			continue
		}
		v := ln[vs:ve]
		inner := trimQuotes(v)
		if inner == "" || isMarker(inner) || boringValue(inner) {
			continue
		}
		repl := quoteLike(v, r.replacement(RuleSecretPair, inner))
		growOutput(&b, len(ln), vs-last+len(repl))
		b.WriteString(ln[last:vs])
		b.WriteString(repl)
		last = ve
		from = ve
		r.place(h, RuleSecretPair, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

// pairKeyBefore reads backwards from "value" at p over
// (key|name) ["']? [:=] ["']? NAME ["']? [,]? and returns NAME.
func pairKeyBefore(ln string, lower []byte, p int) (string, bool) {
	j := p - 1
	skip := func(set string) {
		for j >= 0 && strings.IndexByte(set, ln[j]) >= 0 {
			j--
		}
	}
	if p > 0 && isKeyByte(ln[p-1]) {
		return "", false // part of a longer word (ValueFrom is after, not before)
	}
	// The quotes may be escaped: {\"name\":\"X\",\"value\":\"v\"} printed
	// inside a quoted string.
	skip(`"' \`)
	skip(",")
	skip(`"' \`)
	ke := j + 1
	for j >= 0 && isKeyByte(ln[j]) {
		j--
	}
	ks := j + 1
	if ks >= ke {
		return "", false
	}
	skip(`"' \`)
	if j < 0 || (ln[j] != ':' && ln[j] != '=') {
		return "", false
	}
	j--
	skip(`"' \`)
	for _, w := range []string{"key", "name"} {
		s := j - len(w) + 1
		if s >= 0 && string(lower[s:j+1]) == w && (s == 0 || !isKeyByte(ln[s-1])) {
			return ln[ks:ke], true
		}
	}
	return "", false
}

// pairValueAfter reads ["']? [:=] then a quoted or bare value.
func pairValueAfter(ln string, k int) (int, int, bool) {
	for k < len(ln) && (ln[k] == '"' || ln[k] == '\'' || ln[k] == ' ' || ln[k] == '\\') {
		k++
	}
	if k >= len(ln) || (ln[k] != ':' && ln[k] != '=') {
		return 0, 0, false
	}
	k++
	for k < len(ln) && ln[k] == ' ' {
		k++
	}
	if k >= len(ln) {
		return 0, 0, false
	}
	vs, ve := k, k
	if q := ln[k]; q == '"' || q == '\'' {
		return vs, escapedQuoteEnd(ln, k), true
	}
	if q := escapedQuote(ln[k:]); q > 0 {
		ve = len(ln)
		if j := strings.Index(ln[k+q:], ln[k:k+q]); j >= 0 {
			ve = k + q + j + q
		}
		return vs, ve, true
	}
	for ve < len(ln) && ln[ve] != ',' && ln[ve] != '}' && ln[ve] != ' ' && ln[ve] != '\t' {
		ve++
	}
	return vs, ve, ve > vs
}
