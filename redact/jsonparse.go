package redact

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// jsonParser reads JSON text into the redactor's order-keeping tree. It is
// written by hand because encoding/json's Decoder.Token, the only standard
// way to keep key order, costs about ten times a plain scan and allocates
// for every token: on a 500-container node it was half of the collector's
// CPU time. Strings decode exactly as encoding/json decodes them (escapes,
// surrogate pairs, invalid UTF-8 and lone surrogates as U+FFFD); numbers keep
// their text; anything that is not JSON is an error, never a guess.
//
// Numbers and strings without escapes are views of data, not copies (a
// copy per string was a tenth of the JSON-lines path): every caller
// (redactJSONDoc, jsonLineParsed, recordText, the tests) encodes or copies
// what it keeps before its data changes, and nothing the tree holds is kept
// in hits, notes or lineState.
type jsonParser struct {
	data []byte
	pos  int
	// Nodes are cut from slab: one allocation per many nodes, not one
	// each. A slab is as large as the nodes cut so far (8 to 256), so a
	// log record of ten fields does not clear 256 nodes (22 KiB) per
	// line, which was most of the JSON-lines path's time.
	slab []node
	used int
	// keep is the slab reset hands out again (see reset).
	keep []node
	// The members of the objects and arrays being parsed, innermost
	// last, wait here; a node's are then cut, counted, from keySlab and
	// valSlab (cutMembers), instead of each node appending into slices of
	// its own, which grew by doubling: the parser's largest allocation
	// on a 2,000-container collection.
	keyStack []string
	valStack []*node
	keySlab  []string
	valSlab  []*node
}

// memberSlab is the fewest members a new slab holds.
const memberSlab = 512

// cutMembers moves what was pushed on *stack since base into an exact cut
// of *slab (a new slab when it lacks room) and returns the cut, its
// capacity fixed so an append to it copies, never runs into a neighbour's.
// The stack's vacated slots are cleared: it holds no view of data past its
// document.
func cutMembers[T any](stack, slab *[]T, base int) []T {
	top := (*stack)[base:]
	if len(top) == 0 {
		return nil
	}
	if cap(*slab)-len(*slab) < len(top) {
		*slab = make([]T, 0, max(len(top), memberSlab))
	}
	at := len(*slab)
	*slab = append(*slab, top...)
	clear(top)
	*stack = (*stack)[:base]
	return (*slab)[at:len(*slab):len(*slab)]
}

func (p *jsonParser) newNode(kind byte) *node {
	if len(p.slab) == 0 {
		p.slab = make([]node, min(max(p.used, 8), 256))
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	p.used++
	*n = node{kind: kind} // a reused node holds the last document's fields
	return n
}

// reset readies p for another document, handing out the nodes of the ones
// before again: for a caller that keeps no node of them (a JSON-lines
// file, parsed and encoded line by line).
func (p *jsonParser) reset(data []byte) {
	if p.used > len(p.keep) {
		p.keep = make([]node, p.used) // every node of a document as large fits in one slab
	}
	p.data, p.pos, p.slab, p.used = data, 0, p.keep, 0
	p.reuseMembers()
}

// reuseMembers readies the member slabs and stacks for a new document, as
// reset and recycle ready the nodes (under the same condition: no node of
// the documents before is kept). A parse that failed left its members on
// the stacks.
func (p *jsonParser) reuseMembers() {
	clear(p.keyStack)
	clear(p.valStack)
	p.keyStack, p.valStack = p.keyStack[:0], p.valStack[:0]
	p.keySlab, p.valSlab = p.keySlab[:0], p.valSlab[:0]
}

// view is b as a string without copying it (see jsonParser).
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

const (
	errJSONSyntax = jsonError("invalid JSON")
	errJSONEOF    = jsonError("unexpected end of JSON input")
)

// parseJSONValue parses one value at the start of data (after white space)
// and returns it with the offset just past it.
func parseJSONValue(data []byte) (*node, int, error) {
	p := jsonParser{data: data}
	n, err := p.value(0)
	return n, p.pos, err
}

// skipSpace moves past JSON white space and reports whether input remains.
func (p *jsonParser) skipSpace() bool {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return true
		}
	}
	return false
}

func (p *jsonParser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	if !p.skipSpace() {
		return nil, errJSONEOF
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n := p.newNode('s')
		n.str = s
		return n, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return nil, errJSONSyntax
}

func (p *jsonParser) object(depth int) (*node, error) {
	n := p.newNode('o')
	keyBase, valBase := len(p.keyStack), len(p.valStack)
	more, err := p.open('}')
	for ; more && err == nil; more, err = p.next('}') {
		if !p.skipSpace() {
			return nil, errJSONEOF
		}
		if p.data[p.pos] != '"' {
			return nil, errJSONSyntax
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.keyStack = append(p.keyStack, k)
		p.valStack = append(p.valStack, v)
	}
	if err != nil {
		return nil, err
	}
	n.keys = cutMembers(&p.keyStack, &p.keySlab, keyBase)
	n.vals = cutMembers(&p.valStack, &p.valSlab, valBase)
	return n, nil
}

func (p *jsonParser) array(depth int) (*node, error) {
	n := p.newNode('a')
	valBase := len(p.valStack)
	more, err := p.open(']')
	for ; more && err == nil; more, err = p.next(']') {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.valStack = append(p.valStack, v)
	}
	if err != nil {
		return nil, err
	}
	n.vals = cutMembers(&p.valStack, &p.valSlab, valBase)
	return n, nil
}

// open steps past the opening bracket at p.pos and reports whether an
// element follows (false for an empty object or array).
func (p *jsonParser) open(closing byte) (bool, error) {
	p.pos++
	if !p.skipSpace() {
		return false, errJSONEOF
	}
	if p.data[p.pos] == closing {
		p.pos++
		return false, nil
	}
	return true, nil
}

// next reads what follows an element: a comma (another element follows) or
// the closing bracket (the end).
func (p *jsonParser) next(closing byte) (bool, error) {
	if !p.skipSpace() {
		return false, errJSONEOF
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return true, nil
	case closing:
		p.pos++
		return false, nil
	}
	return false, errJSONSyntax
}

// expect skips white space and one byte c.
func (p *jsonParser) expect(c byte) error {
	if !p.skipSpace() {
		return errJSONEOF
	}
	if p.data[p.pos] != c {
		return errJSONSyntax
	}
	p.pos++
	return nil
}

func (p *jsonParser) literal(word string) (*node, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, errJSONSyntax
	}
	p.pos += len(word)
	n := p.newNode('r')
	n.raw = word
	return n, nil
}

// number checks the JSON number grammar and keeps the text as it is.
func (p *jsonParser) number() (*node, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if d[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return nil, errJSONSyntax
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, errJSONSyntax
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, errJSONSyntax
		}
	}
	p.pos = i
	n := p.newNode('r')
	n.raw = view(d[start:i])
	return n, nil
}

// str reads a string literal at p.pos (which is '"'). The fast path takes a
// string with no escapes and valid UTF-8 as it is.
func (p *jsonParser) str() (string, error) {
	d := p.data
	start := p.pos + 1
	for i := start; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return view(d[start:i]), nil
		case c == '\\' || c >= utf8.RuneSelf:
			return p.strSlow(start)
		case c < ' ':
			return "", errJSONSyntax
		}
	}
	return "", errJSONEOF
}

// strSlow decodes escapes and replaces invalid UTF-8 and lone surrogates with
// U+FFFD, as encoding/json does.
func (p *jsonParser) strSlow(start int) (string, error) {
	d := p.data
	b := make([]byte, 0, 64)
	i := start
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(b), nil
		case c < ' ':
			return "", errJSONSyntax
		case c == '\\':
			if i+1 >= len(d) {
				return "", errJSONEOF
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b, i = append(b, '\b'), i+2
			case 'f':
				b, i = append(b, '\f'), i+2
			case 'n':
				b, i = append(b, '\n'), i+2
			case 'r':
				b, i = append(b, '\r'), i+2
			case 't':
				b, i = append(b, '\t'), i+2
			case 'u':
				r := hex4(d[i+2:])
				if r < 0 {
					return "", errJSONSyntax
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2 := escapedRune(d[i:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", errJSONSyntax
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	return "", errJSONEOF
}

// escapedRune reads a `\uXXXX` escape at the start of d, or returns -1.
func escapedRune(d []byte) rune {
	if len(d) < 6 || d[0] != '\\' || d[1] != 'u' {
		return -1
	}
	return hex4(d[2:])
}

// hex4 reads four hex digits, or returns -1.
func hex4(d []byte) rune {
	if len(d) < 4 {
		return -1
	}
	var r rune
	for _, c := range d[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
