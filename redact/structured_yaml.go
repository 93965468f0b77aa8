package redact

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// redactYAML redacts every document of a YAML stream through yaml.v3's
// node tree. yaml.v3 gives each node's line and column (in characters) but
// not its end, so each scalar's extent is found in the original text from
// its style; the redacted copy is parsed again and must have the same tree
// with exactly the intended values changed, else the caller falls back.
func (r *Redactor) redactYAML(data []byte, h *hits) ([]byte, error) {
	docs, err := parseYAMLDocs(data)
	if err != nil {
		return nil, err
	}
	w := yamlWalker{r: r, h: h, data: data, lines: newLineIndex(data),
		repl: map[*yaml.Node]yamlRepl{}, followed: map[*yaml.Node]bool{}}
	for _, d := range docs {
		w.walk(d, 0)
	}
	if w.err != nil {
		return nil, w.err
	}
	// In place first; if the copy does not read back the same, every
	// changed scalar as a quoted string.
	for _, quote := range []bool{false, true} {
		edits, covered, loose, err := w.scalarEdits(docs, quote)
		if err != nil {
			return nil, err
		}
		var ch hits
		edits = append(edits, r.yamlComments(data, covered, w.lines, &ch)...)
		if len(edits) == 0 {
			return data, nil
		}
		out, err := applyEdits(data, edits)
		if err != nil {
			return nil, errStructSpan
		}
		if after, err := parseYAMLDocs(out); err == nil && len(after) == len(docs) && sameDocs(docs, after, w.repl, loose) {
			h.merge(&ch)
			return out, nil
		}
	}
	return nil, errStructCheck
}

func sameDocs(a, b []*yaml.Node, repl map[*yaml.Node]yamlRepl, loose map[*yaml.Node]bool) bool {
	for i := range a {
		if !sameYAML(a[i], b[i], repl, loose, 0) {
			return false
		}
	}
	return true
}

// parseYAMLDocs parses every document of a stream.
func parseYAMLDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, parseFailure("YAML", err, 0)
		}
		docs = append(docs, &n)
	}
}

// yamlRepl is a scalar's new value. text: it is the text rules' output
// (not a marker for the whole value), with hits found in it.
type yamlRepl struct {
	value string
	text  bool
	hits  int
}

type yamlWalker struct {
	r     *Redactor
	h     *hits
	data  []byte
	lines lineIndex
	// repl is each scalar's new value.
	repl map[*yaml.Node]yamlRepl
	// followed are alias targets already redacted as secrets: an alias is
	// followed once, so a billion aliases cost a billion steps, not more.
	followed map[*yaml.Node]bool
	budget
}

// standardYAMLTag: a tag of YAML's own types (yaml.v3 gives every
// resolved scalar one) holds no text of the file's; any other, local
// ("!DB_PASSWORD=x"), global ("!!http://u:pw@h": FuzzRedact) or verbatim,
// does.
func standardYAMLTag(tag string) bool {
	switch tag {
	case "", "!", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!!binary", "!!timestamp", "!!merge",
		"!!omap", "!!pairs", "!!set", "!!value", "!!yaml":
		return true
	}
	return false
}

// propertyHolds: the text rules would change a node's tag or anchor with
// its scalar, apart or glued as the source may have them.
func (w *yamlWalker) propertyHolds(prop, value string) bool {
	for _, t := range []string{prop + " " + value, prop + value} {
		if w.r.text(t, textOpts{}, &hits{}) != t {
			return true
		}
	}
	return false
}

// walk redacts a node that is not (yet) known to be a secret.
func (w *yamlWalker) walk(n *yaml.Node, depth int) {
	if !w.count(depth) {
		return
	}
	// A local tag is text the walk does not redact ("!DB_PASSWORD=x" is a
	// tag on an empty scalar, "!--client-secret x" a tag on "x": FuzzRedact):
	// one the text rules would change, with the scalar after it, sends the
	// file to the line path, which reads the line as text.
	// An anchor's name likewise ("&ghp_<token>" on an empty scalar,
	// "&app:pw@tcp(db)/x", the anchor "app" glued to its scalar:
	// FuzzRedact); its aliases name it again, so the anchor is enough.
	if !standardYAMLTag(n.Tag) && w.propertyHolds(n.Tag, n.Value) ||
		n.Anchor != "" && w.propertyHolds("&"+n.Anchor, n.Value) {
		w.err = errStructTag
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			w.walk(c, depth+1)
		}
	case yaml.MappingNode:
		w.mapping(n, depth)
	case yaml.SequenceNode:
		prog := argvPasswordsOf(len(n.Content), func(i int) (string, bool) { return n.Content[i].Value, isYAMLString(n.Content[i]) })
		for i, c := range n.Content {
			// argv as a list (Pod args, command): "--password", "x", and
			// known programs' own flags (programs.go).
			if c.Kind == yaml.ScalarNode && prog[i] ||
				i > 0 && c.Kind == yaml.ScalarNode && isYAMLString(n.Content[i-1]) && w.r.argvSecretFlag(n.Content[i-1].Value) {
				w.secret(c, RuleSecretKey, depth+1)
				continue
			}
			w.walk(c, depth+1)
		}
	case yaml.ScalarNode:
		w.text(n)
	}
	// An alias outside a secret: its target is redacted where it stands.
}

// text runs the text rules over a string scalar.
func (w *yamlWalker) text(n *yaml.Node) {
	if !isYAMLString(n) {
		return
	}
	before := w.h.n
	if out, ok := w.r.freeText(n.Value, n.Line, w.h); ok {
		w.repl[n] = yamlRepl{value: out, text: true, hits: w.h.n - before}
	}
}

// mapping applies the key rules JSON objects get (json.go walk): secret
// keys, name/value pairs, Authorization values, registry user names; and
// Kubernetes Secret objects, whose data and stringData values are all secret.
func (w *yamlWalker) mapping(n *yaml.Node, depth int) {
	r := w.r
	pairSecret, hasValue, hasCred, secretObject, entropy := false, false, false, false, false
	var value *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "value", "Value":
			hasValue, value = true, v
		case "key", "Key", "name", "Name":
			pairSecret = pairSecret || v.Kind == yaml.ScalarNode && r.keys.isSecret(v.Value)
			entropy = entropy || v.Kind == yaml.ScalarNode && r.keys.entropyKey(v.Value)
		case "kind":
			secretObject = v.Kind == yaml.ScalarNode && v.Value == "Secret"
		}
		hasCred = hasCred || r.keys.isSecret(k)
	}
	if entropy && !pairSecret && value != nil && value.Kind == yaml.ScalarNode {
		pairSecret = highEntropy(value.Value) // LICENSE: a license key, not "MIT"
	}
	pairSecret = pairSecret && hasValue
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		k := kn.Value
		if kn.Kind != yaml.ScalarNode {
			w.walk(kn, depth+1) // a complex key: its strings are text
			w.walk(v, depth+1)
			continue
		}
		w.text(kn) // a key can hold a secret too (a URL with a password)
		switch {
		case isAuthorizationKey(k) && v.Kind == yaml.ScalarNode:
			if isYAMLString(v) {
				if out, ok := r.authorizationString(v.Value, v.Line, w.h); ok {
					w.repl[v] = yamlRepl{value: out}
				}
			}
		case isAuthorizationKey(k), k == "secret" && v.Kind == yaml.MappingNode:
			// kubelet's authorization: {mode: Webhook}; a Pod's
			// secret: {secretName: x} volume source.
			w.walk(v, depth+1)
		case r.keys.isSecret(k) || v.Kind == yaml.ScalarNode && r.keys.entropyKey(k) && highEntropy(v.Value):
			w.secret(v, RuleSecretKey, depth+1)
		case pairSecret && (k == "value" || k == "Value"):
			w.secret(v, RuleSecretPair, depth+1)
		case secretObject && (k == "data" || k == "stringData"):
			w.secret(v, RuleSecretKey, depth+1)
		case hasCred && isUserKey(k) && v.Kind == yaml.ScalarNode:
			w.secret(v, RuleRegistry, depth+1)
		default:
			w.walk(v, depth+1)
		}
	}
}

// secret replaces every scalar value below n; keys stay.
func (w *yamlWalker) secret(n *yaml.Node, rule string, depth int) {
	if !w.count(depth) {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!bool" || n.Tag == "!!null" || keepUnderSecretKey(n.Value) {
			return
		}
		w.repl[n] = yamlRepl{value: w.r.replacement(rule, n.Value)}
		w.h.add(rule, n.Line, "")
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			if k := n.Content[i-1]; k.Kind == yaml.ScalarNode && w.r.describesKey(k.Value) {
				w.walk(n.Content[i], depth+1)
				continue
			}
			w.secret(n.Content[i], rule, depth+1)
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			w.secret(c, rule, depth+1)
		}
	case yaml.AliasNode:
		// The anchored value is the secret: it is replaced where it is
		// defined (the alias then reads the marker), and the report notes
		// the alias's line.
		if len(w.h.notes) < maxPlaces {
			w.h.notes = append(w.h.notes, "yaml alias at line "+strconv.Itoa(n.Line)+" refers to a redacted value")
		}
		if n.Alias != nil && !w.followed[n.Alias] {
			w.followed[n.Alias] = true
			w.secret(n.Alias, rule, depth+1)
		}
	}
}

// isYAMLString: a scalar that reads as a string (not a number, bool, null).
func isYAMLString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "" || n.Tag == "!!binary")
}

// scalarEdits locates every scalar in the text (so comments can be told
// from content) and turns each replacement into an edit. covered are the
// scalars' byte ranges in document order. A block scalar keeps its style
// (the marker becomes its content); the text rules' output for a plain or
// block scalar is made in place, in the source's own lines, unless quote
// is set (then every changed scalar becomes a double-quoted string). loose
// are the scalars whose new value is only known by parsing again.
func (w *yamlWalker) scalarEdits(docs []*yaml.Node, quote bool) ([]edit, [][2]int, map[*yaml.Node]bool, error) {
	var edits []edit
	var covered [][2]int
	loose := map[*yaml.Node]bool{}
	var visit func(n *yaml.Node) error
	visit = func(n *yaml.Node) error {
		if n.Kind != yaml.ScalarNode {
			for _, c := range n.Content {
				if err := visit(c); err != nil {
					return err
				}
			}
			return nil
		}
		s, body, e, ok := w.span(n)
		if !ok {
			return errStructSpan
		}
		if e > s {
			covered = append(covered, [2]int{s, e})
		}
		rp, ok := w.repl[n]
		if !ok {
			return nil
		}
		block := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
		switch {
		case !quote && rp.text && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0:
			// The rules again over the source lines: kept only when they
			// find at least what they found in the value.
			var lh hits
			src := string(w.data[body:e])
			if out := w.r.text(src, textOpts{}, &lh); out != src && lh.n >= rp.hits {
				edits = append(edits, edit{body, e, out})
				loose[n] = true
				return nil
			}
		case !quote && block && !rp.text && body < e:
			edits = append(edits, edit{body, e, rp.value})
			return nil
		}
		q := quoteStructured(rp.value)
		if s > 0 && !isYAMLSpace(w.data[s-1]) && w.data[s-1] != '[' && w.data[s-1] != '{' && w.data[s-1] != ',' {
			q = " " + q // after "&0" with no space: "&0?0" is anchor 0, scalar ?0
		}
		edits = append(edits, edit{s, e, q})
		return nil
	}
	for _, d := range docs {
		if err := visit(d); err != nil {
			return nil, nil, nil, err
		}
	}
	return edits, covered, loose, nil
}

// offset is the byte offset of a 1-based line and character column.
func (w *yamlWalker) offset(line, col int) (int, bool) {
	if line < 1 || line > len(w.lines) {
		return 0, false
	}
	off := w.lines[line-1]
	if line == 1 && bytes.HasPrefix(w.data, []byte("\ufeff")) {
		off += 3 // yaml.v3 does not count a byte order mark as a column
	}
	for c := 1; c < col; c++ {
		if off >= len(w.data) {
			return 0, false
		}
		_, size := utf8.DecodeRune(w.data[off:])
		off += size
	}
	return off, true
}

// span is the byte range of a scalar's text (after its anchor and tag)
// and where its content starts (past a block scalar's header line). An
// empty plain scalar ("key:" alone) has an empty span.
func (w *yamlWalker) span(n *yaml.Node) (start, body, end int, ok bool) {
	d := w.data
	off, ok := w.offset(n.Line, n.Column)
	if !ok {
		return 0, 0, 0, false
	}
	// Properties: &anchor (its name is what yaml.v3 read: "&0?0" is the
	// anchor 0 and the scalar ?0) and !tag (up to white space), then
	// white space.
	for off < len(d) && (d[off] == '&' || d[off] == '!') {
		if d[off] == '&' {
			if n.Anchor == "" || !bytes.HasPrefix(d[off+1:], []byte(n.Anchor)) {
				return 0, 0, 0, false
			}
			off += 1 + len(n.Anchor)
		} else {
			for off < len(d) && !isYAMLSpace(d[off]) {
				off++
			}
		}
		for off < len(d) && isYAMLSpace(d[off]) {
			off++
		}
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if off >= len(d) || d[off] != '"' {
			return 0, 0, 0, false
		}
		for i := off + 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return off, off, i + 1, true
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		if off >= len(d) || d[off] != '\'' {
			return 0, 0, 0, false
		}
		for i := off + 1; i < len(d); i++ {
			if d[i] == '\'' {
				if i+1 < len(d) && d[i+1] == '\'' {
					i++
					continue
				}
				return off, off, i + 1, true
			}
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return blockScalarSpan(d, off)
	default:
		e, ok := plainSpan(d, off, n.Value)
		return off, off, e, ok
	}
	return 0, 0, 0, false
}

func isYAMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// blockScalarSpan: from the | or > indicator to the end of the last line
// indented at least as much as the first content line; body is where the
// first content line's text starts.
func blockScalarSpan(d []byte, off int) (start, body, end int, ok bool) {
	if off >= len(d) || d[off] != '|' && d[off] != '>' {
		return 0, 0, 0, false
	}
	pos := off
	for pos < len(d) && d[pos] != '\n' && d[pos] != '\r' {
		pos++
	}
	end = pos // header only: an empty block
	body = pos
	indent := -1
	for pos < len(d) {
		pos = skipBreak(d, pos)
		ls := pos
		for pos < len(d) && d[pos] == ' ' {
			pos++
		}
		ind := pos - ls
		le := pos
		for le < len(d) && d[le] != '\n' && d[le] != '\r' {
			le++
		}
		if le == pos { // a blank line belongs to the block, if more follows
			pos = le
			continue
		}
		if indent < 0 {
			indent, body = ind, pos
		}
		if ind < indent {
			break
		}
		end, pos = le, le
	}
	return off, body, end, true
}

func skipBreak(d []byte, pos int) int {
	if pos < len(d) && d[pos] == '\r' {
		pos++
	}
	if pos < len(d) && d[pos] == '\n' {
		pos++
	}
	return pos
}

// plainSpan matches a plain scalar's words in the text: a multi-line plain
// scalar is folded into single spaces, nothing else changes it.
func plainSpan(d []byte, off int, value string) (int, bool) {
	pos := off
	for _, word := range strings.FieldsFunc(value, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		for pos < len(d) && isYAMLSpace(d[pos]) && pos > off {
			pos++
		}
		if !bytes.HasPrefix(d[pos:], []byte(word)) {
			return 0, false
		}
		pos += len(word)
	}
	return pos, true
}

// yamlComments redacts the text of comments (a password left in a
// commented-out line): a '#' at a line's start or after white space,
// outside every scalar, runs to the end of its line.
func (r *Redactor) yamlComments(d []byte, covered [][2]int, lines lineIndex, h *hits) []edit {
	var edits []edit
	ci := 0
	for i := 0; i < len(d); i++ {
		for ci < len(covered) && covered[ci][1] <= i {
			ci++
		}
		if ci < len(covered) && covered[ci][0] <= i {
			i = covered[ci][1] - 1
			continue
		}
		if d[i] != '#' || i > 0 && !isYAMLSpace(d[i-1]) {
			continue
		}
		e := i
		for e < len(d) && d[e] != '\n' && d[e] != '\r' {
			e++
		}
		if out, ok := r.commentText(string(d[i+1:e]), lines.line(i), h); ok {
			edits = append(edits, edit{i + 1, e, out})
		}
		i = e
	}
	return edits
}

// sameYAML: b is a with exactly the scalars in repl changed to their new
// values, every key and every other value as it was.
func sameYAML(a, b *yaml.Node, repl map[*yaml.Node]yamlRepl, loose map[*yaml.Node]bool, depth int) bool {
	if depth > maxDepth || a.Kind != b.Kind || len(a.Content) != len(b.Content) || a.Anchor != b.Anchor {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		if loose[a] {
			return true
		}
		if v, ok := repl[a]; ok {
			// A block scalar's marker reads back with its line break.
			return strings.TrimRight(b.Value, "\n") == strings.TrimRight(v.value, "\n")
		}
		return a.Value == b.Value && a.Tag == b.Tag
	case yaml.AliasNode:
		return a.Value == b.Value
	}
	for i := range a.Content {
		if !sameYAML(a.Content[i], b.Content[i], repl, loose, depth+1) {
			return false
		}
	}
	return true
}
