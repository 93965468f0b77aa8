package redact

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// node is a JSON value that keeps object key order, so a redacted document
// reads like the original.
type node struct {
	kind    byte // 'o' object, 'a' array, 's' string, 'r' raw scalar (number, bool, null)
	keys    []string
	vals    []*node
	str     string
	raw     string
	changed bool
}

const maxDepth = 200

type jsonError string

func (e jsonError) Error() string { return string(e) }

const errTooDeep = jsonError("JSON nested too deeply")

// redactJSONDoc parses, redacts and re-encodes one JSON document (or several
// concatenated). It reports false when the data is not JSON.
func (r *Redactor) redactJSONDoc(data []byte, h *hits) ([]byte, bool) {
	return r.redactJSONDocWith(data, h, &walkMemo{})
}

// redactJSONDocWith is redactJSONDoc remembering recurring strings in memo
// (nil: none, which the tests compare against).
func (r *Redactor) redactJSONDocWith(data []byte, h *hits, memo *walkMemo) ([]byte, bool) {
	p := jsonParser{data: data}
	var out bytes.Buffer
	// Indented output is longer than compact input (half as long again
	// for the collector's nested documents): one allocation instead of a
	// chain of doublings.
	out.Grow(len(data) + len(data)/2)
	docs := 0
	w := jsonWalker{r: r, h: h, path: make([]byte, 0, 256), memo: memo}
	// Anything after a document that is not another document makes it not
	// JSON: dropping it would lose data.
	for p.skipSpace() {
		n, err := p.value(0)
		if err != nil {
			return nil, false
		}
		docs++
		w.path = w.path[:0]
		w.walk(n, false)
		if docs > 1 {
			out.WriteByte('\n')
		}
		encode(&out, n, "")
	}
	if docs == 0 {
		return nil, false
	}
	if bytes.HasSuffix(data, []byte("\n")) {
		out.WriteByte('\n')
	}
	return out.Bytes(), true
}

// jsonLines redacts one JSON document per line, falling back to text per
// line (with text state, so a PEM key over several non-JSON lines is caught).
func (r *Redactor) jsonLines(s string, h *hits) []byte {
	n := 0
	st := lineState{}
	orphans := orphanKeyLines(s, true)
	return appendLines(make([]byte, 0, textCap(len(s))), s, func(ln string) string {
		n++
		st.orphan = orphans[n]
		return r.jsonLine(ln, n, &st, h)
	})
}

// jsonLine redacts one line of a JSON-lines file: a record is parsed and
// walked, anything else is text. A record nothing is replaced in is
// returned as written (not re-encoded), so quietRecord can hand lines back
// without parsing them and give the same bytes.
func (r *Redactor) jsonLine(ln string, n int, st *lineState, h *hits) string {
	if !looksLikeJSON(ln) && !(st.orphan && r.defaults) {
		// Text, as jsonLineParsed would take it: its own scan decides,
		// so the line is scanned once, not also by quietRecord (a 1 MiB
		// line of text cost the JSON-lines kind 2-8 ms more than Text).
		return r.line(ln, n, textOpts{}, st, h)
	}
	if r.quietRecord(ln, st) {
		return ln
	}
	return r.jsonLineParsed(ln, n, st, h)
}

// looksLikeJSON: ln may be a JSON record (jsonLineParsed parses it).
func looksLikeJSON(ln string) bool {
	t := strings.TrimSpace(ln)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// jsonLineParsed is jsonLine without the shortcut (quietRecord's oracle).
func (r *Redactor) jsonLineParsed(ln string, n int, st *lineState, h *hits) string {
	if t := strings.TrimSpace(ln); looksLikeJSON(t) {
		var lh hits
		if st.json == nil {
			st.json = &jsonParser{}
		}
		// The parser only reads t, and the strings it makes are copies.
		if out, ok := r.redactJSONDocCompact(st.json, unsafe.Slice(unsafe.StringData(t), len(t)), st, &lh); ok {
			if len(lh.list) == 0 {
				return ln
			}
			for _, x := range lh.list {
				h.addN(x.rule, n, "", x.n)
			}
			return string(out)
		}
	}
	if st.orphan && r.defaults {
		return r.orphanTextLine(ln, n, textOpts{}, h)
	}
	return r.line(ln, n, textOpts{}, st, h)
}

// redactJSONDocCompact redacts one JSON log record with p (its nodes reused
// from the record before); st is the file's state (a private key across
// records), or nil.
func (r *Redactor) redactJSONDocCompact(p *jsonParser, data []byte, st *lineState, h *hits) ([]byte, bool) {
	p.reset(data)
	n, err := p.value(0)
	// Anything after the document ("[]]-----BEGIN ...") makes it not JSON:
	// dropping it would lose data and hide a key's first line.
	if err != nil || len(bytes.TrimSpace(data[p.pos:])) > 0 {
		return nil, false
	}
	w := jsonWalker{r: r, h: h, path: make([]byte, 0, 64)}
	if r.defaults {
		w.rec = st
	}
	w.walk(n, false)
	if len(h.list) == 0 {
		return nil, true // nothing replaced: the caller keeps the line
	}
	var out bytes.Buffer
	out.Grow(len(data) + 64)
	encodeCompact(&out, n)
	return out.Bytes(), true
}

// walk redacts a tree rooted at JSON pointer ptr. secretCtx: every string
// below is a secret's value.
func (r *Redactor) walk(n *node, ptr string, h *hits, secretCtx bool) {
	w := jsonWalker{r: r, h: h, path: append(make([]byte, 0, 256), ptr...)}
	w.walk(n, secretCtx)
}

// jsonWalker keeps the JSON pointer of the node it is at as bytes, pushed
// and popped on the way down and up, and makes a string of it only for a
// hit: building every node's pointer by concatenation cost more than the
// checks themselves on large documents.
type jsonWalker struct {
	r    *Redactor
	h    *hits
	path []byte
	// argv0 is the program of the "Args" list being walked (docker
	// inspect keeps it apart, in "Path").
	argv0 string
	// rec is the file's state when walking a log record (records.go).
	rec *lineState
	// memo, when set, is what the walk remembers of recurring strings
	// (walkmemo.go).
	memo *walkMemo
}

// pendingPtr stands in for the pointer in hits recorded by text redaction
// of a string value; the walker fills in the real one afterwards.
const pendingPtr = "\x00"

func (w *jsonWalker) ptr() string { return string(w.path) }

func (w *jsonWalker) push(key string) int {
	mark := len(w.path)
	w.path = append(w.path, '/')
	if strings.ContainsAny(key, "~/") {
		w.path = append(w.path, escapePtr(key)...)
	} else {
		w.path = append(w.path, key...)
	}
	return mark
}

func (w *jsonWalker) pushIndex(i int) int {
	mark := len(w.path)
	w.path = strconv.AppendInt(append(w.path, '/'), int64(i), 10)
	return mark
}

func (w *jsonWalker) walk(n *node, secretCtx bool) {
	r, h := w.r, w.h
	switch n.kind {
	case 'o':
		pairSecret := r.pairIsSecret(n)
		hasCred := false
		var small [32]bool
		secret := small[:0]
		if len(n.keys) > len(small) {
			secret = make([]bool, 0, len(n.keys))
		}
		jwk := isJWK(n.keys)
		for i, k := range n.keys {
			s := w.secretKey(k) || n.vals[i].kind == 's' && r.keys.entropyKey(k) && highEntropy(n.vals[i].str) || jwk && jwkPrivate[k]
			secret = append(secret, s)
			hasCred = hasCred || s
		}
		for i, k := range n.keys {
			mark := w.push(k)
			v := n.vals[i]
			switch {
			case isAuthorizationKey(k) && !secretCtx:
				r.authorizationValue(v, w.ptr(), h)
			case secretCtx || secret[i]:
				r.secretValue(v, w.ptr(), RuleSecretKey, h)
			case pairSecret && (k == "value" || k == "Value"):
				r.secretValue(v, w.ptr(), RuleSecretPair, h)
			case k == "Args" && v.kind == 'a':
				w.argv0 = dockerPath(n)
				w.walk(v, false)
				w.argv0 = ""
			case hasCred && (k == "username" || k == "Username" || k == "user"):
				r.secretValue(v, w.ptr(), RuleRegistry, h)
			case v.kind == 's' && w.nested(v):
			case w.rec != nil && v.kind == 's' && isMessageKey(k):
				if !r.recordMessage(v, w.rec, w.rec.orphan, w.ptr(), h) {
					w.walk(v, false)
				}
			default:
				w.walk(v, false)
			}
			w.path = w.path[:mark]
		}
	case 'a':
		prog := w.programArgs(n, secretCtx)
		w.argv0 = ""
		for i, v := range n.vals {
			mark := w.pushIndex(i)
			switch {
			case prog[i] > 0:
				w.programValue(v, prog[i]-1)
			case !secretCtx && i > 0 && (r.secretFlag(n.vals[i-1]) || r.entropyFlag(n.vals[i-1], v)):
				// argv as a list (OCI process.args, Docker Cmd): "--password", "x".
				r.secretValue(v, w.ptr(), RuleSecretKey, h)
			case !secretCtx && i > 0 && v.kind == 's' && isUserFlag(n.vals[i-1]) && w.userFlagValue(v):
				// "--user", "name:password" (but "1000:1000" is uid:gid).
			default:
				w.walk(v, secretCtx)
			}
			w.path = w.path[:mark]
		}
	case 's':
		if secretCtx {
			r.secretValue(n, w.ptr(), RuleSecretKey, h)
			return
		}
		if w.nested(n) {
			return
		}
		if w.knownClean(n.str) {
			return
		}
		var lh hits
		// A KEY=value string is an env entry (OCI process.env, Docker
		// Config.Env): its value runs to the end, spaces and all.
		out := r.text(n.str, textOpts{jpath: pendingPtr, env: looksLikeEnv(n.str)}, &lh)
		if len(lh.list) == 0 {
			w.rememberClean(n.str)
		} else {
			n.str, n.changed = out, true
			ptr := w.ptr()
			for i := range lh.list {
				if lh.list[i].jpath == pendingPtr {
					lh.list[i].jpath = ptr
				}
			}
			h.merge(&lh)
		}
	}
}

// programArgs maps each element of an argv list holding a known
// program's password to 1 + the offset where the password starts.
func (w *jsonWalker) programArgs(n *node, secretCtx bool) map[int]int {
	if secretCtx || len(n.vals) < 2 || len(n.vals) > 4096 {
		return nil
	}
	// Most lists (capabilities, mount options, environments) name no
	// program: they are told from their words without a copy.
	named := w.argv0 != "" && namesProgram(w.argv0)
	for _, v := range n.vals {
		if v.kind != 's' {
			return nil
		}
		named = named || namesProgram(v.str)
	}
	if !named {
		return nil
	}
	argv := make([]string, 0, len(n.vals)+1)
	shift := 0
	if w.argv0 != "" {
		argv, shift = append(argv, w.argv0), 1
	}
	for _, v := range n.vals {
		argv = append(argv, v.str)
	}
	spans := programPasswords(argv, nil)
	if len(spans) == 0 {
		return nil
	}
	m := make(map[int]int, len(spans))
	for _, sp := range spans {
		if sp.i >= shift {
			m[sp.i-shift] = sp.from + 1
		}
	}
	return m
}

// dockerPath is the "Path" string of a docker inspect object, or "".
func dockerPath(n *node) string {
	for i, k := range n.keys {
		if k == "Path" && n.vals[i].kind == 's' {
			return n.vals[i].str
		}
	}
	return ""
}

// programValue replaces an argv element's password from offset from.
func (w *jsonWalker) programValue(v *node, from int) {
	pw := v.str[from:]
	if pw == "" || isMarker(pw) {
		return
	}
	v.str, v.changed = v.str[:from]+w.r.replacement(RuleSecretKey, pw), true
	w.h.add(RuleSecretKey, 0, w.ptr())
}

// userFlagValue redacts the password of a "name:password" value after
// --user and reports whether it did.
func (w *jsonWalker) userFlagValue(v *node) bool {
	name, pw, ok := strings.Cut(v.str, ":")
	if !ok || pw == "" || allDigits(pw) || isMarker(pw) {
		return false
	}
	v.str, v.changed = name+":"+w.r.replacement(RuleSecretKey, pw), true
	w.h.add(RuleSecretKey, 0, w.ptr())
	return true
}

// isAuthorizationKey: a key ending in "authorization", any case, without
// lowercasing a copy of every key.
func isAuthorizationKey(k string) bool {
	const suffix = "authorization"
	return len(k) >= len(suffix) && strings.EqualFold(k[len(k)-len(suffix):], suffix)
}

// secretFlag: a string "--password" or "-token" (no "=value") naming a secret.
func (r *Redactor) secretFlag(n *node) bool {
	if n.kind != 's' || !strings.HasPrefix(n.str, "-") || strings.ContainsAny(n.str, "= ") {
		return false
	}
	k := strings.TrimLeft(n.str, "-")
	return k != "" && len(n.str)-len(k) <= 2 && r.keys.isSecret(k)
}

func isUserFlag(n *node) bool {
	return n.kind == 's' && (n.str == "--user" || n.str == "-u")
}

// looksLikeEnv: a single-line NAME=value string.
func looksLikeEnv(s string) bool {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 || strings.IndexByte(s, '\n') >= 0 {
		return false
	}
	for i := 0; i < eq; i++ {
		if !isKeyByte(s[i]) {
			return false
		}
	}
	return true
}

// authorizationValue redacts a header value as the authorization-header
// rule does in text: the scheme stays, the credential goes.
func (r *Redactor) authorizationValue(n *node, ptr string, h *hits) {
	switch n.kind {
	case 's':
		const prefix = "Authorization: "
		var lh hits
		out := r.text(prefix+n.str, textOpts{jpath: ptr}, &lh)
		if len(lh.list) > 0 && strings.HasPrefix(out, prefix) {
			n.str, n.changed = out[len(prefix):], true
			h.merge(&lh)
		}
	case 'a':
		for i, v := range n.vals {
			r.authorizationValue(v, ptr+"/"+strconv.Itoa(i), h)
		}
	default:
		r.walk(n, ptr, h, false)
	}
}

// pairIsSecret: {"key": "DB_PASSWORD", "value": ...} (CRI) or {"name": ..., "value": ...} (Kubernetes).
func (r *Redactor) pairIsSecret(n *node) bool {
	hasValue, secret, entropy := false, false, false
	var value *node
	for i, k := range n.keys {
		switch k {
		case "value", "Value":
			hasValue, value = true, n.vals[i]
		case "key", "Key", "name", "Name":
			if n.vals[i].kind == 's' && r.keys.isSecret(n.vals[i].str) {
				secret = true
			}
			entropy = entropy || n.vals[i].kind == 's' && r.keys.entropyKey(n.vals[i].str)
		}
	}
	if entropy && !secret && value != nil && value.kind == 's' {
		secret = highEntropy(value.str) // LICENSE: a license key, not "MIT"
	}
	return hasValue && secret
}

// secretValue replaces every scalar below n.
func (r *Redactor) secretValue(n *node, ptr, rule string, h *hits) {
	switch n.kind {
	case 's':
		if n.str == "" || isMarker(n.str) || boringValue(n.str) {
			return
		}
		n.str, n.changed = r.replacement(rule, n.str), true
		h.add(rule, 0, ptr)
	case 'r':
		if n.raw == "null" || n.raw == "true" || n.raw == "false" {
			return
		}
		n.kind, n.str, n.changed = 's', r.replacement(rule, n.raw), true
		h.add(rule, 0, ptr)
	case 'o', 'a':
		for i, v := range n.vals {
			child := ptr + "/" + strconv.Itoa(i)
			if n.kind == 'o' {
				child = ptr + "/" + escapePtr(n.keys[i])
			}
			r.secretValue(v, child, rule, h)
		}
	}
}

var ptrEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escapePtr(k string) string {
	return ptrEscaper.Replace(k)
}

// writeString writes s as a JSON string, as encoding/json would with HTML
// escaping off (an Encoder per string was a third of the JSON path's time).
func writeString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			if r == utf8.RuneError {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(`\u202`)
				b.WriteByte(hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

func encode(b *bytes.Buffer, n *node, indent string) {
	switch n.kind {
	case 'o':
		if len(n.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		in := indent + "  "
		for i, k := range n.keys {
			b.WriteString(in)
			writeString(b, k)
			b.WriteString(": ")
			encode(b, n.vals[i], in)
			if i < len(n.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case 'a':
		if len(n.vals) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		in := indent + "  "
		for i, v := range n.vals {
			b.WriteString(in)
			encode(b, v, in)
			if i < len(n.vals)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case 's':
		writeString(b, n.str)
	default:
		b.WriteString(n.raw)
	}
}

func encodeCompact(b *bytes.Buffer, n *node) {
	switch n.kind {
	case 'o':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			encodeCompact(b, n.vals[i])
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeCompact(b, v)
		}
		b.WriteByte(']')
	case 's':
		writeString(b, n.str)
	default:
		b.WriteString(n.raw)
	}
}
