package journalfield

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	// The lnav#1087 entry, cut to its first bytes: "Nov-29 00:48:17.779 [bot-sdkAppservice] \x1b[32minfo\x1b[39m: ["
	lnav := `[78,111,118,45,50,57,32,48,48,58,52,56,58,49,55,46,55,55,57,32,91,98,111,116,45,115,100,107,65,112,112,115,101,114,118,105,99,101,93,32,27,91,51,50,109,105,110,102,111,27,91,51,57,109,58,32,91]`
	for _, c := range []struct {
		raw, want string
		ok        bool
	}{
		{`"hello"`, "hello", true},
		{`"a\u001b[31mb"`, "a\x1b[31mb", true},
		{lnav, "Nov-29 00:48:17.779 [bot-sdkAppservice] \x1b[32minfo\x1b[39m: [", true},
		{"[\n  104,\n  105\n]", "hi", true},
		{`[]`, "", true},
		{`[256]`, "", false},
		{`[-1]`, "", false},
		{`[1.0]`, "", false},
		{`[01]`, "", false},
		{`[1,]`, "", false},
		{`[1 2]`, "", false},
		{`[1`, "", false},
		{`["a"]`, "", false},
		{`12`, "", false},
		{`{"a":1}`, "", false},
		{`null`, "", false},
		{`[1]x`, "", false},
	} {
		got, ok := String(json.RawMessage(c.raw), 1<<10)
		if got != c.want || ok != c.ok {
			t.Errorf("String(%.40q) = %q, %v; want %q, %v", c.raw, got, ok, c.want, c.ok)
		}
	}
}

func TestStringCutsAtMax(t *testing.T) {
	raw := "[" + strings.Repeat("65,", 100000) + "66]"
	got, ok := String(json.RawMessage(raw), 16)
	if !ok || got != strings.Repeat("A", 16) {
		t.Fatalf("got %q, %v", got, ok)
	}
}

var plainByte = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// oracle: encoding/json's reading of an array of plain decimal integers in 0..255.
func oracle(raw []byte) (string, bool) {
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return "", false
	}
	var b []byte
	for _, e := range elems {
		var v int
		if !plainByte.Match(e) || json.Unmarshal(e, &v) != nil || v > 255 {
			return "", false
		}
		b = append(b, byte(v))
	}
	return string(b), true
}

func FuzzByteArray(f *testing.F) {
	for _, s := range []string{`[1,2,3]`, `[ 255 , 0 ]`, `[]`, `[256]`, `[-0]`, `[1e2]`, `["x"]`, `[1,,2]`, "[\t7\r\n]", `[0, 00]`, `[9999999999999999999999]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 0 && raw[0] == '"' {
			return
		}
		want, wantOK := oracle(raw)
		got, ok := String(raw, 1<<20)
		if got != want || ok != wantOK {
			t.Fatalf("String(%q) = %q, %v; encoding/json: %q, %v", raw, got, ok, want, wantOK)
		}
	})
}
