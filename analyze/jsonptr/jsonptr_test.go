package jsonptr

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rfcDoc is the example of RFC 6901 section 5
// (https://www.rfc-editor.org/rfc/rfc6901#section-5).
const rfcDoc = `{
      "foo": ["bar", "baz"],
      "": 0,
      "a/b": 1,
      "c%d": 2,
      "e^f": 3,
      "g|h": 4,
      "i\\j": 5,
      "k\"l": 6,
      " ": 7,
      "m~n": 8
   }`

func TestRFC6901Examples(t *testing.T) {
	for ptr, want := range map[string]string{
		"":       rfcDoc,
		"/foo":   `["bar", "baz"]`,
		"/foo/0": `"bar"`,
		"/":      `0`,
		"/a~1b":  `1`,
		"/c%d":   `2`,
		"/e^f":   `3`,
		"/g|h":   `4`,
		"/i\\j":  `5`,
		"/k\"l":  `6`,
		"/ ":     `7`,
		"/m~0n":  `8`,
	} {
		got, err := Extract([]byte(rfcDoc), ptr)
		if err != nil || !jsonEqual(t, got, []byte(want)) {
			t.Errorf("%q: %s, %v; want %s", ptr, got, err, want)
		}
	}
}

func TestErrors(t *testing.T) {
	for ptr, want := range map[string]string{
		"foo":      "does not start with /",
		"/foo/2":   "past the array",
		"/foo/01":  "not an array index",
		"/foo/-":   "not an array index",
		"/nope":    `no member "nope"`,
		"/foo/0/x": "a scalar has no member",
		"/m~2n":    "'~' must be followed by 0 or 1",
	} {
		_, err := Extract([]byte(rfcDoc), ptr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", ptr, err, want)
		}
	}
	if _, err := Extract([]byte(rfcDoc), "/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("not ErrNotFound: %v", err)
	}
	// A file cut at its budget: what precedes the cut can still be shown
	// (the bundle marks the file truncated); past it is an error.
	if got, err := Extract([]byte(`{"a": [1, {"b": 2}, 3`), "/a/1"); err != nil || string(got) != `{"b": 2}` {
		t.Errorf("before the cut: %s %v", got, err)
	}
	if _, err := Extract([]byte(`{"a": [1, {"b": 2}, 3`), "/a/4"); err == nil {
		t.Error("a pointer past the cut resolved")
	}
}

// A pointer deep into a large array costs one pass: 200 000 elements.
func TestLargeArrayIsLinear(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := range 200000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"n":` + strconv.Itoa(i) + `,"pad":"xxxxxxxxxxxxxxxx"}`)
	}
	b.WriteString(`]}`)
	got, err := Extract(b.Bytes(), "/items/199999/n")
	if err != nil || string(got) != "199999" {
		t.Fatalf("%s %v", got, err)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

// reference resolves a pointer the slow way: decode everything, walk.
func reference(data []byte, tokens []string) (any, bool) {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil, false
	}
	for _, tok := range tokens {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) || (len(tok) > 1 && tok[0] == '0') || tok[0] == '+' {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// FuzzExtract compares the streaming walk with the decode-everything one
// on documents without duplicate keys (where "first one wins" and Go's
// "last one wins" differ by design).
func FuzzExtract(f *testing.F) {
	f.Add([]byte(rfcDoc), "/foo/1")
	f.Add([]byte(`{"a":{"b":[0,{"c~/":true}]}}`), "/a/b/1/c~0~1")
	f.Add([]byte(`[[[[1]]]]`), "/0/0/0/0")
	f.Fuzz(func(t *testing.T, data []byte, ptr string) {
		tokens, err := Parse(ptr)
		if err != nil || !json.Valid(data) || hasDuplicateKeys(data) {
			return
		}
		want, ok := reference(data, tokens)
		got, err := Extract(data, ptr)
		if ok != (err == nil) {
			t.Fatalf("%q in %q: reference found=%v, Extract err=%v", ptr, data, ok, err)
		}
		if ok {
			var g any
			if json.Unmarshal(got, &g) != nil || !cmp.Equal(g, want) {
				t.Fatalf("%q in %q: %s, want %v", ptr, data, got, want)
			}
		}
	})
}

func hasDuplicateKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys  map[string]bool
		isObj bool
		key   bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.isObj && top.key {
			if top.keys[s] {
				return true
			}
			top.keys[s] = true
			top.key = false
			continue
		}
		if top != nil && top.isObj {
			top.key = true // after a value, the next string is a key
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, isObj: true, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].isObj {
				stack[len(stack)-1].key = true
			}
		}
	}
}

// Hostile shapes: nesting past the decoder's depth limit, a pointer of a
// million tokens, a huge index. Each ends in an error, quickly (the
// first version built the error's location at every step: 10 minutes).
func TestHostileInputs(t *testing.T) {
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	}()
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	if _, err := Extract([]byte(deep), strings.Repeat("/0", 200000)); err == nil {
		t.Error("200 000 levels of nesting resolved")
	}
	if _, err := Extract([]byte(`{"a":1}`), strings.Repeat("/a", 1000000)); err == nil {
		t.Error("a million-token pointer resolved")
	}
	if _, err := Extract([]byte(`[1,2,3]`), "/99999999999999999999999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("huge index: %v", err)
	}
}
