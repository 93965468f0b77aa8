package redact

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// toAny turns a parsed tree into what encoding/json's Unmarshal (with
// UseNumber) gives for the same text: later duplicate keys win.
func toAny(n *node) any {
	switch n.kind {
	case 'o':
		m := map[string]any{}
		for i, k := range n.keys {
			m[k] = toAny(n.vals[i])
		}
		return m
	case 'a':
		a := []any{}
		for _, v := range n.vals {
			a = append(a, toAny(v))
		}
		return a
	case 's':
		return n.str
	}
	switch n.raw {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	return json.Number(n.raw)
}

// checkAgainstStdlib asserts the hand parser accepts exactly what
// encoding/json accepts and reads the same values.
func checkAgainstStdlib(t *testing.T, data []byte) {
	t.Helper()
	n, end, err := parseJSONValue(data)
	ours := err == nil && len(bytes.Trim(data[end:], " \t\r\n")) == 0
	if valid := json.Valid(data); ours != valid {
		t.Fatalf("%q: hand parser accepts=%v (err %v), encoding/json valid=%v", data, ours, err, valid)
	}
	if !ours {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		if err.Error() == errTooDeep.Error() {
			return
		}
		t.Fatalf("%q: encoding/json: %v", data, err)
	}
	if got := toAny(n); !cmp.Equal(got, want) {
		t.Fatalf("%q: values differ (-hand +stdlib):\n%s", data, cmp.Diff(got, want))
	}
}

var jsonParseCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.0E-3`, `true`, `false`, `null`,
	` {"a": [1, 2, {"b": null}], "c": "d"} `,
	`{"k":"v","k":"w"}`,
	`"esc \" \\ \/ \b \f \n \r \t \u00e9 \u2028"`,
	`"pair \ud83d\ude00 lone \ud83d x \ude00 bad-pair \ud83d\u0041"`,
	"\"invalid utf8 \xff\xfe and \xc3\"",
	`"😀 ünïcödé"`,
	// Not JSON.
	``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
	`tru`, `nul`, `"unterminated`, "\"ctl \x01\"", `"\x"`, `"\u12"`, `"\u12zz"`, `[1 2]`,
	`{}]`, `{} x`, `[]]-----BEGIN`, `NaN`, `Infinity`,
}

func TestJSONParserMatchesStdlib(t *testing.T) {
	for _, c := range jsonParseCases {
		checkAgainstStdlib(t, []byte(c))
	}
}

func TestJSONParserDepth(t *testing.T) {
	deep := bytes.Repeat([]byte("["), maxDepth+2)
	deep = append(deep, bytes.Repeat([]byte("]"), maxDepth+2)...)
	if _, _, err := parseJSONValue(deep); err != errTooDeep {
		t.Fatalf("nesting past %d: err %v, want %v", maxDepth, err, errTooDeep)
	}
	ok := bytes.Repeat([]byte("["), maxDepth)
	ok = append(ok, bytes.Repeat([]byte("]"), maxDepth)...)
	if _, _, err := parseJSONValue(ok); err != nil {
		t.Fatalf("nesting of %d: %v", maxDepth, err)
	}
}

// The document form takes several values in a row but nothing else after
// them: a stray bracket used to be dropped silently with what followed.
func TestRedactJSONDocTrailing(t *testing.T) {
	r := &Redactor{}
	for _, c := range []string{`{}]`, `{"a":1} x`, `[]]-----BEGIN`} {
		if _, ok := r.redactJSONDoc([]byte(c), &hits{}); ok {
			t.Errorf("%q taken as JSON", c)
		}
	}
	if out, ok := r.redactJSONDoc([]byte("{\"a\":1}\n{\"b\":2}\n"), &hits{}); !ok || !bytes.Contains(out, []byte(`"b": 2`)) {
		t.Errorf("two documents: ok=%v out=%q", ok, out)
	}
}

func FuzzJSONParser(f *testing.F) {
	for _, c := range jsonParseCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstStdlib(t, data)
	})
}
