package facts

import (
	"strings"
	"testing"
	"time"
)

// jsonShapeByByte is jsonShape's reference: a state machine per byte (the
// implementation jsonShape replaced).
func jsonShapeByByte(data []byte) (containers, values int64) {
	inString, escaped := false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			containers++
		case ',', ':':
			values++
		}
	}
	return containers, values + 1
}

var shapeSeeds = []string{
	`{"a":[1,2,{"b":"c,d:{["}],"e":"\"x\",{"}`,
	`"\\"`, `"\\\"",[`, `"\\\\\\"{`, `["a\\","b"]`, `{"k":"v\\\\"}`, `"unterminated {[,:`,
	`\"{}`, `[]{}`, ``, `"`, `\`, `"\`, `{"":0},{"":0}`, "{\"\xff\":\"\\u0022\"}",
}

// TestJSONShapeMatchesByteLoop: the same counts as the per-byte state
// machine on escapes, unterminated strings and a real bundle's documents.
func TestJSONShapeMatchesByteLoop(t *testing.T) {
	cases := append([]string(nil), shapeSeeds...)
	cases = append(cases, repeatJSON(`{"Id":"abc","Names":["/x\\\"y"],"State":"running"}`, 1<<16))
	for _, c := range cases {
		gc, gv := jsonShape([]byte(c))
		wc, wv := jsonShapeByByte([]byte(c))
		if gc != wc || gv != wv {
			t.Errorf("jsonShape(%.60q) = %d, %d; the byte loop counts %d, %d", c, gc, gv, wc, wv)
		}
	}
}

// TestJSONShapeDoesNotHang: 16 MiB of runs of backslashes before quotes
// (every quote escaped but the last) is one pass: the whole test took
// 0.12 s at load 17 on the shared 2-core machine; bounded at 5 s. A rescan from the
// string's start for every quote, the quadratic way, takes minutes. (A
// ratio of two timings failed on the shared machine at load 20 to 180.)
func TestJSONShapeDoesNotHang(t *testing.T) {
	hostile := []byte(`"` + strings.Repeat(strings.Repeat(`\`, 999)+`"`, 16<<10))
	start := time.Now()
	gc, gv := jsonShape(hostile)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("%d bytes took %v", len(hostile), d)
	}
	if gc != 0 || gv != 1 {
		t.Fatalf("counted %d, %d inside one string", gc, gv)
	}
}

// FuzzJSONShapeMatchesByteLoop: on any input, the same counts.
func FuzzJSONShapeMatchesByteLoop(f *testing.F) {
	for _, s := range shapeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		gc, gv := jsonShape(data)
		wc, wv := jsonShapeByByte(data)
		if gc != wc || gv != wv {
			t.Fatalf("jsonShape(%q) = %d, %d; the byte loop counts %d, %d", data, gc, gv, wc, wv)
		}
	})
}
