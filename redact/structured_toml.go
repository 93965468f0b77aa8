package redact

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// redactTOML redacts a TOML document through go-toml's unstable AST, which
// keeps each value's byte range (Node.Raw): table headers, dotted and quoted
// keys, inline tables, arrays (of tables) and multi-line strings are seen as
// the TOML reader sees them. The copy must parse again with the same keys.
func (r *Redactor) redactTOML(data []byte, h *hits) ([]byte, error) {
	if tomlNesting(data) > maxDepth {
		return nil, errStructTooDeep // go-toml recurses into nested arrays and tables
	}
	w := tomlWalker{r: r, h: h, data: data, lines: newLineIndex(data), creds: map[string]bool{}, users: map[string][]*unstable.Node{}}
	p := unstable.Parser{KeepComments: true}
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(e.Key(), nil)
			w.keyText(e.Key())
			w.comments(e)
		case unstable.KeyValue:
			parts := keyParts(e.Key(), table)
			w.keyText(e.Key())
			w.keyval(parts, e.Value(), 0)
			w.comments(e)
		case unstable.Comment:
			w.comment(e)
		}
		for c := e.Next(); c.Valid(); c = c.Next() {
			w.comments(c) // a comment after an expression on its line
		}
		// The arena is reused by the next expression: registry user names
		// are resolved now, their edits kept as byte ranges.
		w.flushUsers()
		if w.err != nil {
			return nil, w.err
		}
	}
	if err := p.Error(); err != nil {
		var perr *unstable.ParserError
		line := 0
		if errors.As(err, &perr) && perr.Highlight != nil {
			line = w.lines.line(int(p.Range(perr.Highlight).Offset))
		}
		return nil, parseFailure("TOML", err, line)
	}
	w.commitUsers()
	if len(w.edits) == 0 {
		return data, nil
	}
	out, err := applyEdits(data, w.edits)
	if err != nil {
		return nil, errStructSpan
	}
	if !sameTOMLKeys(data, out) {
		return nil, errStructCheck
	}
	return out, nil
}

type tomlWalker struct {
	r     *Redactor
	h     *hits
	data  []byte
	lines lineIndex
	edits []edit
	budget
	// creds are the tables (key paths) holding a secret key; users, the
	// user names of the current expression by table, and pendingUsers,
	// those waiting for the end of the document to know whether a
	// password sits next to them (as a registry auth table's does).
	creds        map[string]bool
	users        map[string][]*unstable.Node
	pendingUsers map[string][]edit
}

// keyParts appends a key's parts (unquoted, as TOML reads them) to prefix.
func keyParts(it unstable.Iterator, prefix []string) []string {
	parts := slices.Clip(prefix)
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// tablePath names a table for creds/users.
func tablePath(parts []string) string { return strings.Join(parts, "\x00") }

// keyval applies the key rules to one key = value (parts is the full key
// path: table, then dotted key). A secret table makes every value in it
// secret: [registry.configs."x".auth] username = ..., registry.auth.user =
// ..., auth = {username = ...}.
func (w *tomlWalker) keyval(parts []string, v *unstable.Node, depth int) {
	if !w.count(depth) {
		return
	}
	r := w.r
	last := parts[len(parts)-1]
	parent := tablePath(parts[:len(parts)-1])
	// The table or inline table holding the key names a secret ([...auth],
	// auth = {...}): as the line path's auth tables, only the nearest one,
	// so [a.auth.tls] is not blanked.
	inSecret := len(parts) > 1 && r.keys.isSecret(parts[len(parts)-2]) && !isAuthorizationKey(parts[len(parts)-2])
	switch {
	case inSecret && r.describesKey(last):
		w.value(v, parts, depth+1) // [auth] method = "oidc"
	case inSecret && isUserKey(last):
		w.secret(v, RuleRegistry, depth+1) // the user of a registry auth table
	case inSecret:
		w.creds[parent] = true
		w.secret(v, RuleSecretKey, depth+1)
	case isAuthorizationKey(last):
		w.authorization(v, depth+1)
	case r.keys.isSecret(last) || v.Kind == unstable.String && r.keys.entropyKey(last) && highEntropy(string(v.Data)):
		w.creds[parent] = true
		w.secret(v, RuleSecretKey, depth+1)
	case isUserKey(last) && v.Kind == unstable.String:
		w.users[parent] = append(w.users[parent], v)
	default:
		w.value(v, parts, depth+1)
	}
}

// value walks a value under a key that is not secret.
func (w *tomlWalker) value(v *unstable.Node, parts []string, depth int) {
	if !w.count(depth) {
		return
	}
	switch v.Kind {
	case unstable.String:
		if out, ok := w.r.freeText(string(v.Data), w.line(v), w.h); ok {
			w.replace(v, out, false)
		}
	case unstable.Array:
		prev := ""
		for c := v.Child(); c.Valid(); c = c.Next() {
			switch {
			case c.Kind == unstable.Comment:
				continue
			case prev != "" && w.r.argvSecretFlag(prev):
				// argv as a list (stream processors' args): "--password", "x".
				w.secret(c, RuleSecretKey, depth+1)
			default:
				w.value(c, parts, depth+1)
			}
			prev = ""
			if c.Kind == unstable.String {
				prev = string(c.Data)
			}
		}
	case unstable.InlineTable:
		for c := v.Child(); c.Valid(); c = c.Next() {
			if c.Kind == unstable.KeyValue {
				w.keyText(c.Key())
				w.keyval(keyParts(c.Key(), parts), c.Value(), depth+1)
			}
		}
	}
}

// secret replaces every value below v, keeping booleans, dates and the
// values keepUnderSecretKey keeps.
func (w *tomlWalker) secret(v *unstable.Node, rule string, depth int) {
	if !w.count(depth) {
		return
	}
	switch v.Kind {
	case unstable.String, unstable.Integer, unstable.Float:
		if val := string(v.Data); !keepUnderSecretKey(val) {
			w.replace(v, w.r.replacement(rule, val), true)
			w.h.add(rule, w.line(v), "")
		}
	case unstable.Array:
		for c := v.Child(); c.Valid(); c = c.Next() {
			w.secret(c, rule, depth+1)
		}
	case unstable.InlineTable:
		for c := v.Child(); c.Valid(); c = c.Next() {
			if c.Kind != unstable.KeyValue {
				continue
			}
			if parts := keyParts(c.Key(), nil); w.r.describesKey(parts[len(parts)-1]) {
				w.value(c.Value(), parts, depth+1)
				continue
			}
			w.secret(c.Value(), rule, depth+1)
		}
	}
}

// authorization keeps a header value's scheme (Authorization = ["Bearer x"]).
func (w *tomlWalker) authorization(v *unstable.Node, depth int) {
	if !w.count(depth) {
		return
	}
	switch v.Kind {
	case unstable.String:
		if out, ok := w.r.authorizationString(string(v.Data), w.line(v), w.h); ok {
			w.replace(v, out, false)
		}
	case unstable.Array:
		for c := v.Child(); c.Valid(); c = c.Next() {
			w.authorization(c, depth+1)
		}
	}
}

func (w *tomlWalker) line(v *unstable.Node) int { return w.lines.line(int(v.Raw.Offset)) }

// replace replaces a value with the string s. marker: s is a marker (no
// quote, backslash or control character), which keeps a multi-line
// string's delimiters and first line break.
func (w *tomlWalker) replace(v *unstable.Node, s string, marker bool) {
	start, end := int(v.Raw.Offset), int(v.Raw.Offset+v.Raw.Length)
	raw := w.data[start:end]
	repl := quoteStructured(s)
	if marker && len(raw) >= 6 && (bytes.HasPrefix(raw, []byte(`"""`)) || bytes.HasPrefix(raw, []byte(`'''`))) {
		nl := ""
		if bytes.HasPrefix(raw[3:], []byte("\n")) {
			nl = "\n"
		} else if bytes.HasPrefix(raw[3:], []byte("\r\n")) {
			nl = "\r\n"
		}
		repl = string(raw[:3]) + nl + s + string(raw[:3])
	}
	w.edits = append(w.edits, edit{start, end, repl})
}

// keyText runs the text rules over a key's parts: a key can hold a
// secret (a URL with a password, a token as a table name).
func (w *tomlWalker) keyText(it unstable.Iterator) {
	first, last := -1, -1
	parts := 0
	for it.Next() {
		k := it.Node()
		if out, ok := w.r.freeText(string(k.Data), w.line(k), w.h); ok {
			w.replace(k, out, false)
		}
		if first < 0 {
			first = int(k.Raw.Offset)
		}
		last, parts = int(k.Raw.Offset+k.Raw.Length), parts+1
	}
	// A token with dots (a JWT) read as a dotted key: no part holds it
	// whole. The line path replaces it (changing the keys is then right).
	if parts > 1 {
		var lh hits
		if raw := string(w.data[first:last]); w.r.text(raw, textOpts{}, &lh) != raw && w.err == nil {
			w.err = errStructKey
		}
	}
}

// flushUsers turns the expression's user names into pending edits.
func (w *tomlWalker) flushUsers() {
	for parent, vs := range w.users {
		if w.pendingUsers == nil {
			w.pendingUsers = map[string][]edit{}
		}
		for _, v := range vs {
			if val := string(v.Data); !keepUnderSecretKey(val) {
				w.pendingUsers[parent] = append(w.pendingUsers[parent],
					edit{int(v.Raw.Offset), int(v.Raw.Offset + v.Raw.Length), quoteStructured(w.r.replacement(RuleRegistry, val))})
			}
		}
		delete(w.users, parent)
	}
}

// commitUsers redacts the user names of tables that hold a secret.
func (w *tomlWalker) commitUsers() {
	for parent, es := range w.pendingUsers {
		if !w.creds[parent] {
			continue
		}
		for _, e := range es {
			w.edits = append(w.edits, e)
			w.h.add(RuleRegistry, w.lines.line(e.start), "")
		}
	}
}

// comments redacts the comments inside an expression (arrays and inline
// tables hold them as children, a run of them as children of the first).
func (w *tomlWalker) comments(n *unstable.Node) {
	if n.Kind == unstable.Comment {
		w.comment(n)
	}
	for c := n.Child(); c.Valid(); c = c.Next() {
		w.comments(c)
	}
}

// comment runs the text rules over a comment's text, after its '#'.
func (w *tomlWalker) comment(n *unstable.Node) {
	if n.Kind != unstable.Comment || len(n.Data) < 2 {
		return
	}
	start := int(n.Raw.Offset) + 1
	if out, ok := w.r.commentText(string(n.Data[1:]), w.lines.line(start), w.h); ok {
		w.edits = append(w.edits, edit{start, int(n.Raw.Offset + n.Raw.Length), out})
	}
}

// tomlNesting is the deepest nesting of arrays and inline tables, outside
// strings and comments: go-toml's parser recurses per level, so it is
// measured before parsing.
func tomlNesting(d []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(d); i++ {
		switch c := d[i]; c {
		case '[', '{':
			if depth++; depth > deepest {
				deepest = depth
				if deepest > maxDepth {
					return deepest
				}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '#':
			for i < len(d) && d[i] != '\n' {
				i++
			}
		case '"', '\'':
			delim := string(c)
			if i+2 < len(d) && d[i+1] == c && d[i+2] == c {
				delim = strings.Repeat(delim, 3)
			}
			i += len(delim)
			for i < len(d) && !bytes.HasPrefix(d[i:], []byte(delim)) {
				if c == '"' && d[i] == '\\' {
					i++
				}
				i++
			}
			i += len(delim) - 1
		}
	}
	return deepest
}

// sameTOMLKeys: out parses and has data's keys, in the same order (a
// key part the text rules changed reads as a marker). It reads both with
// the unstable parser: toml.Unmarshal checks each table against every
// other (quadratic in the number of tables).
func sameTOMLKeys(data, out []byte) bool {
	before, ok := tomlKeyList(data)
	if !ok {
		return false
	}
	after, ok := tomlKeyList(out)
	if !ok || len(before) != len(after) {
		return false
	}
	for i := range before {
		if before[i] != after[i] && !strings.Contains(after[i], "[REDACTED:") && !strings.Contains(after[i], "[PSEUDO:") {
			return false
		}
	}
	return true
}

// tomlKeyList lists every key part of a document in order, with a
// separator per expression, and whether it parsed.
func tomlKeyList(data []byte) ([]string, bool) {
	var out []string
	var visit func(n *unstable.Node)
	visit = func(n *unstable.Node) {
		switch n.Kind {
		case unstable.KeyValue:
			for it := n.Key(); it.Next(); {
				out = append(out, string(it.Node().Data))
			}
			out = append(out, "=")
			visit(n.Value())
		case unstable.Array, unstable.InlineTable:
			for c := n.Child(); c.Valid(); c = c.Next() {
				visit(c)
			}
			out = append(out, "]")
		}
	}
	p := unstable.Parser{}
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			out = append(out, "["+e.Kind.String())
			for it := e.Key(); it.Next(); {
				out = append(out, string(it.Node().Data))
			}
		case unstable.KeyValue:
			visit(e)
		}
	}
	return out, p.Error() == nil
}
