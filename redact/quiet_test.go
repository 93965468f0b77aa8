package redact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/schema/journal"
)

// checkQuiet: a line quietRecord lets through is one the full JSON-lines
// path (parse, walk, text rules) replaces nothing in. It returns whether
// the line was quiet and how many replacements the full path made.
func checkQuiet(t *testing.T, r *Redactor, ln string) (bool, int) {
	t.Helper()
	var st lineState
	quiet := r.quietRecord(ln, &st)
	var h hits
	out := r.jsonLineParsed(ln, 1, &lineState{}, &h)
	if quiet && (len(h.list) > 0 || out != ln) {
		t.Fatalf("quietRecord passed %q, but the full path replaced %d: %q", ln, len(h.list), out)
	}
	return quiet, len(h.list)
}

// quietLines are JSON-lines records around every corpus input: as the
// collector's two carriers write them (docker json-file records, journal
// entries: json.Marshal, so Go's escapes), each input line alone, and JSON
// inputs compacted to one line.
func quietLines(t *testing.T) []string {
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c struct{ Input string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if json.Compact(&compact, []byte(c.Input)) == nil {
			out = append(out, compact.String())
		}
		for _, l := range append(strings.Split(c.Input, "\n"), c.Input) {
			out = append(out, l)
			add(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2026-11-24T21:05:00.123456789Z"})
			add(journal.Entry{Message: l, Unit: "containerd.service", Journal: "system"})
		}
	}
	return out
}

func TestQuietRecordAgreesWithTheFullPath(t *testing.T) {
	r := newR(t, Config{})
	quiet, loud := 0, 0
	for _, ln := range quietLines(t) {
		if q, n := checkQuiet(t, r, ln); q {
			quiet++
		} else if n > 0 {
			loud++
		}
	}
	for _, ln := range benchLogLines() {
		for _, rec := range []any{map[string]string{"log": ln + "\n", "stream": "stdout"}, journal.Entry{Message: ln}} {
			b, _ := json.Marshal(rec)
			if q, _ := checkQuiet(t, r, string(b)); q {
				quiet++
			}
		}
	}
	// Random records from pieces that each defeat a raw-byte reading in
	// their own way: escapes spelling a trigger's byte (\u0073 is 's',
	// \/ is '/'), escapes glued to a token, argv lists, non-ASCII keys
	// (the Kelvin sign lowercases to k), tokens of the prefixed shape.
	pieces := []string{"a", "msg", " ", "token", "to", "ken", `\u0073`, `\u004b`, `\u003c`, `\u0026`, `\n`, `\t`, `\"`, `\\`, `\/`,
		`\u00e9`, "é", "\u212a", "пароль", "ПАРОЛЬ", "pa", "ss", "word", "=", ":", "@", "//", "http:", "u", "p@h",
		`","`, `"mysql"`, "mysql", "-pS3cret", `"-u"`, "bob:pw", "hf_", "AbCdEf12GhIj34KlMn56OpQr", "x", "DB_", "PASS",
		"eyJhbGciOiJIUzI1NiJ9", ".", "eyJzdWIiOiIxIn0", "sig", "Bearer ", "Abc123XyZ789", "sk", "SK", "0123456789abcdef0123456789abcdef",
		// The separator 15 bytes in: right after an escape's letter, the raw word has it 16 bytes in, past prefixed.go's look.
		"abcdefghijklmno_AbCdEf12GhIj34KlMn56OpQr"}
	rng := rand.New(rand.NewSource(13))
	shapes := []string{`{"log":"%s\n","stream":"stdout"}`, `{"message":"%s","unit":"kubelet.service"}`, `{"%s":"v"}`, `{"args":["%s","x"]}`, `["%s"]`, `{"k":%s}`,
		`["-u","%s"]`, `{"args":["%s","-pS3cret"]}`, `{"Path":"%s","Args":["-pS3cret"]}`, `{"name":"%s","value":"Summer2024"}`}
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for j := rng.Intn(8); j >= 0; j-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		ln := strings.Replace(shapes[rng.Intn(len(shapes))], "%s", b.String(), 1)
		if q, n := checkQuiet(t, r, ln); q {
			quiet++
		} else if n > 0 {
			loud++
		}
	}
	// The test means something only if both answers are common.
	if quiet < 5000 || loud < 5000 {
		t.Fatalf("%d quiet lines, %d with replacements: the inputs do not exercise both sides", quiet, loud)
	}
	t.Logf("%d quiet lines, %d with replacements", quiet, loud)
}

func FuzzQuietRecord(f *testing.F) {
	f.Add(`{"log":"pa\u0073sword=x\n","stream":"stdout"}`)
	f.Add(`{"args":["mysql","-pS3cret"]}`)
	f.Add(`{"log":"\nhf_AbCdEf12GhIj34KlMn56OpQr"}`)
	r, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ln string) {
		if strings.IndexByte(ln, '\n') >= 0 {
			return // one line
		}
		checkQuiet(t, r, ln)
	})
}
