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

// TestJSONShapeIsLinear: long runs of backslashes before quotes (every
// quote escaped but the last) cost time linear in the input: 8x the input,
// at most 32x the time (the best of 7 runs each, generous for a loaded
// machine; a rescan for every quote from the string's start would be
// quadratic, 64x).
func TestJSONShapeIsLinear(t *testing.T) {
	hostile := func(n int) []byte {
		return []byte(`"` + strings.Repeat(strings.Repeat(`\`, 999)+`"`, n/1000))
	}
	small, large := hostile(2<<20), hostile(16<<20)
	cost := func(b []byte) time.Duration {
		best := time.Duration(0)
		for i := 0; i < 7; i++ {
			start := time.Now()
			jsonShape(b)
			if d := time.Since(start); best == 0 || d < best {
				best = d
			}
		}
		return best
	}
	if r := float64(cost(large)) / float64(cost(small)); r > 32 {
		t.Fatalf("8x the input took %.1fx the time", r)
	}
	if gc, gv := jsonShape(large); gc != 0 || gv != 1 {
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
