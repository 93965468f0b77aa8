package collect

import (
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"strings"

	"github.com/rtsnap/rtsnap/redact"
)

// jsonParts is a document cut into the parts redact.JSONDoc takes, each
// marshaled only when it is written: the members of a struct in the order
// encoding/json writes them, the slice among them with the most elements
// (or the document itself, when it is a slice) a list marshaled one element
// at a time. At 2,000 containers the CRI containers document is 22 MB
// compact; cut this way, one record at a time exists as JSON.
type jsonParts struct {
	members []jsonMember // none when the document is the list
	records reflect.Value
}

type jsonMember struct {
	key   string
	value reflect.Value
	list  bool
}

// minRecords is the list length from which a document is written in parts:
// below it, the whole document is small.
const minRecords = 100

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// splitJSON cuts v as encoding/json would write it, or reports false when
// v is not a shape whose encoding it can repeat exactly: a struct whose
// exported fields all carry a plain json name (at most ",omitempty"), none
// embedded, with no marshaling method of its own, or a slice (not []byte);
// and a list of at least least elements (minRecords in the collector).
// TestSplitJSONMatchesMarshal holds the parts, joined, to json.Marshal(v).
func splitJSON(v any, least int) (jsonParts, bool) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || hasMarshaler(rv.Type()) {
		return jsonParts{}, false
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return jsonParts{}, false
		}
		rv = rv.Elem()
		if hasMarshaler(rv.Type()) {
			return jsonParts{}, false
		}
	}
	switch rv.Kind() {
	case reflect.Slice:
		if !isList(rv) || rv.Len() < least {
			return jsonParts{}, false
		}
		return jsonParts{records: rv}, true
	case reflect.Struct:
	default:
		return jsonParts{}, false
	}
	t := rv.Type()
	var parts jsonParts
	seen := map[string]bool{}
	list := -1
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return jsonParts{}, false
		}
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		if !plainName(name) || seen[name] || (opt != "" && opt != "omitempty") {
			return jsonParts{}, false
		}
		seen[name] = true
		fv := rv.Field(i)
		if opt == "omitempty" && isEmptyValue(fv) {
			continue
		}
		parts.members = append(parts.members, jsonMember{key: name, value: fv})
		if isList(fv) && (list < 0 || fv.Len() > parts.members[list].value.Len()) {
			list = len(parts.members) - 1
		}
	}
	if list < 0 || parts.members[list].value.Len() < least {
		return jsonParts{}, false
	}
	parts.members[list].list = true
	parts.records = parts.members[list].value
	return parts, true
}

// redact writes the parts redacted to w (redact.JSONDoc) and returns the
// number of replacements.
func (p jsonParts) redact(w io.Writer, red *redact.Redactor, file string) (int, error) {
	d := red.NewJSONDoc(w, file, p.members == nil)
	if err := p.write(d); err != nil {
		return 0, err
	}
	return d.Close(false)
}

// write hands the parts to d, marshaling each as it goes.
func (p jsonParts) write(d *redact.JSONDoc) error {
	if p.members == nil {
		return p.writeRecords(d)
	}
	for _, m := range p.members {
		if !m.list {
			b, err := marshalValue(m.value)
			if err != nil {
				return err
			}
			if err := d.Member(m.key, b); err != nil {
				return err
			}
			continue
		}
		if err := d.BeginList(m.key); err != nil {
			return err
		}
		if err := p.writeRecords(d); err != nil {
			return err
		}
		if err := d.EndList(); err != nil {
			return err
		}
	}
	return nil
}

// writeRecords marshals every record into one buffer: d.Record is done
// with a record's bytes when it returns (it writes the record redacted and
// recycles its parse tree), and json.Marshal's fresh copy of each record
// was a tenth of a 2,000-container collection's allocations.
func (p jsonParts) writeRecords(d *redact.JSONDoc) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range p.records.Len() {
		buf.Reset()
		// enc escapes HTML as Marshal does.
		if err := enc.Encode(asMarshaled(p.records.Index(i))); err != nil {
			return err
		}
		// Encode ends the value with a newline; Marshal does not.
		if err := d.Record(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})); err != nil {
			return err
		}
	}
	return nil
}

// marshalValue encodes v as encoding/json encodes it inside its parent.
func marshalValue(v reflect.Value) ([]byte, error) {
	return json.Marshal(asMarshaled(v))
}

// asMarshaled is v as encoding/json sees it inside its parent: through its
// address when it has one, so a method on the pointer is used exactly when
// it would be.
func asMarshaled(v reflect.Value) any {
	if v.CanAddr() {
		return v.Addr().Interface()
	}
	return v.Interface()
}

// isList: a non-nil slice that encoding/json writes as an array.
func isList(v reflect.Value) bool {
	return v.Kind() == reflect.Slice && !v.IsNil() && v.Type().Elem().Kind() != reflect.Uint8
}

func hasMarshaler(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(marshalerType) || x.Implements(textMarshalerType) {
			return true
		}
	}
	return false
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// plainName: a json name encoding/json takes as written (a subset of its
// valid tags: letters, digits, '_', '-', '.').
func plainName(s string) bool {
	if s == "" || s == "-" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
