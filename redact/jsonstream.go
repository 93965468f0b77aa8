package redact

import (
	"bytes"
	"errors"
	"io"
)

// ErrNotStreamed is returned by WriteJSON for a document it does not redact
// record by record (not JSON, more than one document, or a shape whose
// redaction depends on more than one record at a time). Part of the output
// may have been written: the caller discards it and uses Bytes instead.
var ErrNotStreamed = errors.New("JSON document not redacted record by record")

// streamFlush is how much redacted output WriteJSON gathers before it hands
// it to the writer.
const streamFlush = 64 << 10

// WriteJSON redacts one JSON document exactly as Bytes(file, JSON, data)
// does and writes the same bytes to w, but one record at a time: the
// elements of an array that is the document, or that is the value of one
// of its top-level keys, are parsed, redacted, encoded and dropped one by
// one. The collector's list documents (2,000 containers' verbose CRI status,
// 22 MB) then never exist as one parse tree or one redacted copy in memory,
// only the largest record does. It returns the number of replacements,
// recorded under file when the whole document was written; on an error
// nothing is recorded.
//
// The records are redacted on their own only where the whole-document walk
// would treat each on its own too: under a top-level key that is not one
// the walk reads its siblings for (a secret key, a {"key": ..., "value":
// ...} pair's value, "Args", a user name next to a credential, an
// authorization header), in a list that holds no string (an argv list's
// rules read the element before). A list is taken record by record when it
// starts with an object; any other shape returns ErrNotStreamed.
// TestWriteJSONMatchesBytes and FuzzWriteJSON hold the two paths to the
// same bytes.
func (r *Redactor) WriteJSON(w io.Writer, file string, data []byte) (int, error) {
	s := jsonStream{r: r, dst: w, p: jsonParser{data: data}}
	s.walker = jsonWalker{r: r, h: &s.h, path: make([]byte, 0, 256), memo: &walkMemo{}}
	if err := s.document(); err != nil {
		return 0, err
	}
	return r.record(file, &s.h), nil
}

type jsonStream struct {
	r      *Redactor
	dst    io.Writer
	p      jsonParser
	h      hits
	walker jsonWalker
	out    bytes.Buffer
}

func (s *jsonStream) document() error {
	p := &s.p
	if !p.skipSpace() {
		return ErrNotStreamed
	}
	var err error
	switch p.data[p.pos] {
	case '{':
		err = s.object()
	case '[':
		err = s.records(0, "")
	default:
		return ErrNotStreamed
	}
	if err != nil {
		return err
	}
	// A second document after the first is redacted by Bytes alone.
	if p.skipSpace() {
		return ErrNotStreamed
	}
	if bytes.HasSuffix(p.data, []byte("\n")) {
		s.out.WriteByte('\n')
	}
	return s.flush(0)
}

// object streams the top-level object: its keys in order, an array of
// records under a key record by record, any other value whole.
func (s *jsonStream) object() error {
	p := &s.p
	more, err := p.open('}')
	if err != nil {
		return ErrNotStreamed
	}
	if !more {
		s.out.WriteString("{}")
		return nil
	}
	s.out.WriteString("{\n")
	for first := true; more; first = false {
		if !p.skipSpace() || p.data[p.pos] != '"' {
			return ErrNotStreamed
		}
		k, err := p.str()
		if err != nil || p.expect(':') != nil || !s.r.plainKey(k) {
			return ErrNotStreamed
		}
		s.key(k, first)
		if !p.skipSpace() {
			return ErrNotStreamed
		}
		if p.data[p.pos] == '[' && s.objectsFollow() {
			if err := s.records(1, k); err != nil {
				return err
			}
		} else {
			v, err := p.value(1)
			if err != nil {
				return ErrNotStreamed
			}
			s.member(k, v)
		}
		if more, err = p.next('}'); err != nil {
			return ErrNotStreamed
		}
		if err := s.flush(streamFlush); err != nil {
			return err
		}
	}
	s.out.WriteString("\n}")
	return nil
}

// objectsFollow: the array at p.pos starts with an object.
func (s *jsonStream) objectsFollow() bool {
	return startsObject(s.p.data[s.p.pos+1:])
}

// records streams the array at p.pos, no element a string, at depth
// (0: the document, 1: the value of top-level key).
func (s *jsonStream) records(depth int, key string) error {
	p := &s.p
	more, err := p.open(']')
	if err != nil {
		return ErrNotStreamed
	}
	if !more {
		s.out.WriteString("[]")
		return nil
	}
	s.out.WriteString("[\n")
	for i := 0; more; i++ {
		// A string element may be an argv entry: the walk reads it with
		// the element before it, and the list goes whole.
		if !p.skipSpace() || p.data[p.pos] == '"' {
			return ErrNotStreamed
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return ErrNotStreamed
		}
		s.record(v, depth, key, i)
		if more, err = p.next(']'); err != nil {
			return ErrNotStreamed
		}
		if err := s.flush(streamFlush); err != nil {
			return err
		}
	}
	s.endRecords(depth)
	return nil
}

// key writes a top-level key (first: the object's first).
func (s *jsonStream) key(k string, first bool) {
	if !first {
		s.out.WriteString(",\n")
	}
	s.out.WriteString("  ")
	writeString(&s.out, k)
	s.out.WriteString(": ")
}

// member redacts and writes v, the value of top-level key k, whole.
func (s *jsonStream) member(k string, v *node) {
	s.walker.path = s.walker.path[:0]
	s.walker.push(k)
	s.walker.walk(v, false)
	encode(&s.out, v, "  ")
	s.p.recycle()
}

// record redacts and writes v, element i of the list at depth (0: the
// document, 1: the value of top-level key).
func (s *jsonStream) record(v *node, depth int, key string, i int) {
	s.walker.path = s.walker.path[:0]
	if depth == 1 {
		s.walker.push(key)
	}
	s.walker.pushIndex(i)
	s.walker.walk(v, false)
	if i > 0 {
		s.out.WriteString(",\n")
	}
	indent := recordIndent[depth]
	s.out.WriteString(indent)
	encode(&s.out, v, indent)
	s.p.recycle()
}

// recordIndent is a record's indentation at depth 0 and 1.
var recordIndent = [2]string{"  ", "    "}

// endRecords closes a list of records at depth.
func (s *jsonStream) endRecords(depth int) {
	s.out.WriteString("\n" + recordIndent[depth][2:] + "]")
}

// flush hands the output gathered so far to the writer once it holds at
// least min bytes.
func (s *jsonStream) flush(min int) error {
	if s.out.Len() == 0 || s.out.Len() < min {
		return nil
	}
	_, err := s.dst.Write(s.out.Bytes())
	s.out.Reset()
	return err
}

// plainKey: a key whose value the JSON walk redacts without looking at the
// object's other keys (see jsonWalker.walk's object case).
func (r *Redactor) plainKey(k string) bool {
	switch k {
	case "value", "Value", "Args", "username", "Username", "user":
		return false
	}
	return !isAuthorizationKey(k) && !r.keys.isSecret(k)
}

// recycle hands the nodes of the record just encoded out again for the
// next one, as reset does between JSON lines, keeping the parser's place.
func (p *jsonParser) recycle() {
	if p.used > len(p.keep) {
		p.keep = make([]node, p.used)
	}
	p.slab, p.used = p.keep, 0
	p.reuseMembers()
}

// JSONDoc writes one redacted JSON document that the caller hands over in
// parts, each part already JSON: the members of a top-level object in
// order, the records of a list one at a time (the collector marshals a
// list document record by record, so not even its compact form is ever
// whole in memory). The bytes written, the replacements and the report are
// those of Bytes(file, JSON, the document the parts make), under the same
// conditions as WriteJSON: any other shape makes a call return
// ErrNotStreamed, and the caller discards what was written. Errors stick:
// every later call returns the first.
type JSONDoc struct {
	s     jsonStream
	file  string
	list  bool // the document is a list of records
	parts int  // top-level members or records written
	inKey string
	in    int // records of the open list under inKey; -1: none open
	err   error
}

// NewJSONDoc starts a document written to w: a list of records when list,
// else an object.
func (r *Redactor) NewJSONDoc(w io.Writer, file string, list bool) *JSONDoc {
	d := &JSONDoc{s: jsonStream{r: r, dst: w}, file: file, list: list, in: -1}
	d.s.walker = jsonWalker{r: r, h: &d.s.h, path: make([]byte, 0, 256), memo: &walkMemo{}}
	if list {
		d.in = 0
	}
	return d
}

// parse reads part, one whole JSON value, at depth.
func (d *JSONDoc) parse(part []byte, depth int) (*node, error) {
	p := &d.s.p
	p.data, p.pos = part, 0
	v, err := p.value(depth)
	if err != nil || p.skipSpace() {
		return nil, ErrNotStreamed
	}
	return v, nil
}

func (d *JSONDoc) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

// Member writes top-level key k with its value, whole.
func (d *JSONDoc) Member(k string, value []byte) error {
	if d.err != nil || d.list || d.in >= 0 || !d.s.r.plainKey(k) {
		return d.fail(ErrNotStreamed)
	}
	v, err := d.parse(value, 1)
	if err != nil {
		return d.fail(err)
	}
	d.open()
	d.s.key(k, d.parts == 0)
	d.s.member(k, v)
	d.parts++
	return d.flush()
}

// BeginList opens top-level key k, whose value is a list of records.
func (d *JSONDoc) BeginList(k string) error {
	if d.err != nil || d.list || d.in >= 0 || !d.s.r.plainKey(k) {
		return d.fail(ErrNotStreamed)
	}
	d.open()
	d.s.key(k, d.parts == 0)
	d.parts++
	d.inKey, d.in = k, 0
	return nil
}

// Record writes the next record of the list open: any JSON value but a
// string (an argv list is not a list of records).
func (d *JSONDoc) Record(value []byte) error {
	if d.err != nil || d.in < 0 || firstByte(value) == '"' {
		return d.fail(ErrNotStreamed)
	}
	depth := 1
	if d.list {
		depth = 0
	}
	v, err := d.parse(value, depth+1)
	if err != nil {
		return d.fail(err)
	}
	if d.in == 0 {
		d.s.out.WriteString("[\n")
	}
	d.s.record(v, depth, d.inKey, d.in)
	d.in++
	return d.flush()
}

// EndList closes the list BeginList opened.
func (d *JSONDoc) EndList() error {
	if d.err != nil || d.list || d.in < 0 {
		return d.fail(ErrNotStreamed)
	}
	d.closeList(1)
	d.in = -1
	return nil
}

func (d *JSONDoc) closeList(depth int) {
	if d.in == 0 {
		d.s.out.WriteString("[]")
	} else {
		d.s.endRecords(depth)
	}
}

// open writes the object's opening brace before its first member.
func (d *JSONDoc) open() {
	if d.parts == 0 {
		d.s.out.WriteString("{\n")
	}
}

func (d *JSONDoc) flush() error {
	if err := d.s.flush(streamFlush); err != nil {
		return d.fail(err)
	}
	return nil
}

// Close ends the document (with a newline after it when newline, as
// Bytes keeps a document's last newline), writes what is left and returns
// the number of replacements, recorded under the file only now.
func (d *JSONDoc) Close(newline bool) (int, error) {
	if d.err != nil || (!d.list && d.in >= 0) {
		return 0, d.fail(ErrNotStreamed)
	}
	switch {
	case d.list:
		d.closeList(0)
	case d.parts == 0:
		d.s.out.WriteString("{}")
	default:
		d.s.out.WriteString("\n}")
	}
	if newline {
		d.s.out.WriteByte('\n')
	}
	if err := d.s.flush(0); err != nil {
		return 0, d.fail(err)
	}
	d.err = errors.New("redact: JSONDoc closed")
	return d.s.r.record(d.file, &d.s.h), nil
}

// startsObject: the first byte after white space is '{'.
func startsObject(b []byte) bool { return firstByte(b) == '{' }

// firstByte is the first byte after white space, or 0.
func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}
