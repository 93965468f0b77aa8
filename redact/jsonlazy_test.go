package redact

import (
	"strings"
	"testing"
)

// TestMayBeObjectGuardsNestedJSON: a string mayBeObject turns away is one
// nestedJSON would not have redacted either (so the walk skips it with the
// same result), and one it lets through still gets its secret redacted.
func TestMayBeObjectGuardsNestedJSON(t *testing.T) {
	r := newR(t, Config{})
	for _, s := range []string{
		"", "{", "}", "x", "{x", "x}", " {", "password=hunter2", `"{\"password\":\"x\"}"`,
		`[{"password":"hunter2hunter2"}]`, `a {"password":"hunter2hunter2"}`, `{"password":"hunter2hunter2"} b`,
		`{"password":"hunter2hunter2"}`, ` {"token":"abcdefabcdef0123"} `, "\t{}\n", `{"a":1}`, `{not json}`,
	} {
		var h hits
		n := &node{kind: 's', str: s}
		got := r.nestedJSON(n, "/x", &h)
		if !mayBeObject(s) && got {
			t.Errorf("%q: mayBeObject says no, nestedJSON redacted it", s)
		}
		if strings.Contains(s, "hunter2") || strings.Contains(s, "abcdef") {
			if mayBeObject(s) && (!got || strings.Contains(n.str, "hunter2") || strings.Contains(n.str, "abcdefabcdef0123")) {
				t.Errorf("%q: an object holding a secret came out %q", s, n.str)
			}
		}
	}
}
