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
// would treat each on its own too: a top-level key that is not one the walk
// reads its siblings for (a secret key, a {"key": ..., "value": ...} pair's
// value, "Args", a user name next to a credential, an authorization
// header), and arrays of objects (an argv list's rules look at the element
// before). Any other shape returns ErrNotStreamed; TestWriteJSONMatchesBytes
// holds the two paths to the same bytes.
func (r *Redactor) WriteJSON(w io.Writer, file string, data []byte) (int, error) {
	s := jsonStream{r: r, dst: w, p: jsonParser{data: data}}
	s.walker = jsonWalker{r: r, h: &s.h, path: make([]byte, 0, 256)}
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
		if !first {
			s.out.WriteString(",\n")
		}
		s.out.WriteString("  ")
		writeString(&s.out, k)
		s.out.WriteString(": ")
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
			s.walker.path = s.walker.path[:0]
			s.walker.push(k)
			s.walker.walk(v, false)
			encode(&s.out, v, "  ")
			s.p.recycle()
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
	d := s.p.data
	for i := s.p.pos + 1; i < len(d); i++ {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return d[i] == '{'
		}
	}
	return false
}

// records streams the array at p.pos, every element an object, at depth
// (0: the document, 1: the value of top-level key).
func (s *jsonStream) records(depth int, key string) error {
	p := &s.p
	indent := "  "
	if depth == 1 {
		indent = "    "
	}
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
		if !p.skipSpace() || p.data[p.pos] != '{' {
			return ErrNotStreamed
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return ErrNotStreamed
		}
		s.walker.path = s.walker.path[:0]
		if depth == 1 {
			s.walker.push(key)
		}
		s.walker.pushIndex(i)
		s.walker.walk(v, false)
		if i > 0 {
			s.out.WriteString(",\n")
		}
		s.out.WriteString(indent)
		encode(&s.out, v, indent)
		s.p.recycle()
		if more, err = p.next(']'); err != nil {
			return ErrNotStreamed
		}
		if err := s.flush(streamFlush); err != nil {
			return err
		}
	}
	s.out.WriteString("\n" + indent[2:] + "]")
	return nil
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
}
