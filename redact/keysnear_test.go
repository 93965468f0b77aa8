package redact

import (
	"bufio"
	"encoding/json"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The key rules read keys only near the keywords the line scan found
// (scanKeyValuesNear, spacedValues' first field) and flags only when
// their name may be a secret's (scanFlags): they must find exactly what
// reading every separator and every flag finds.

// nearPieces are the bytes and words keyBefore, callPair, flagAt and the
// gap walk decide on, so random lines of them reach every branch: keywords
// glued and in any case, user flags, type words, the assignment operators,
// quotes and brackets around keys, values long enough to be skipped.
var nearPieces = []string{
	"password", "PASS", "pwd", "Pw", "token", "Secret", "key", "auth", "licen", "LICENSE", "session", "salt", "signature", "creds",
	"api", "_", "-", "--", ".", "..", "x", "DB", "Token", "user", "User", "u", "-u", "-U", "--user", " -u ", "--USER", "-user",
	"string", "String", "str", "var", "let", "const", "9", "-9string", "string.",
	"=", ":", ":=", "::=", "?=", "+=", ".=", "=>", "[]=", "[]", "[", "]", `"]`, `"`, "'", "`", ",", `",`, `',`, " ", "  ", "\t",
	"(", ")", "{", "}", "<", ">", "&", ";", "@\"", "://", "::", "/", "a:b", "bob:pw", "hunter2", "S3cr3t!", "[REDACTED:secret-key]",
	"setProperty(", "getenv(\"", "('", "(\"", "db password x", "Pwd={a;b}}c}", "1234", "3600",
}

// nearLines are the lines the agreement tests read: the corpus and world
// inputs line by line, the benchmark's log lines, and random lines.
func nearLines(t *testing.T, random int) []string {
	t.Helper()
	var lines []string
	for _, file := range []string{"testdata/corpus.jsonl", "testdata/world/curated.jsonl", "testdata/world/benign.jsonl", "testdata/world/gitleaks.jsonl"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var c struct {
				Input string `json:"input"`
			}
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, strings.Split(c.Input, "\n")...)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	lines = append(lines, benchLogLines()...)
	// Calls with a quoted key holding blanks (callPair) and a pair after.
	for _, q := range []string{`"`, `'`} {
		for _, key := range []string{"db password x", "my api key", "x token y", "SECRET_KEY", "token"} {
			lines = append(lines, "System.setProperty("+q+key+q+", "+q+"S3cr3tValue"+q+") password=x",
				"ENV.fetch( "+q+key+q+","+q+"v"+q+")", "f("+q+key+q+",  "+q+"unclosed")
		}
	}
	// Flags and keys the byte scan cannot stand for (non-ASCII names; the
	// Kelvin sign lowercases to k).
	lines = append(lines, "app --пароль S3cr3tPw1 -v", "run --TO\u212aEN Abc123x -x", "--密码 S3cr3t", "пароль=S3cr3t token=x")
	rng := rand.New(rand.NewSource(17))
	for i := 0; i < random; i++ {
		var b strings.Builder
		for j := rng.Intn(24); j >= 0; j-- {
			switch rng.Intn(12) {
			case 0:
				b.WriteString(strings.Repeat("a", maxKeptValue-2+rng.Intn(5))) // a value skipped whole, or just not
			case 1:
				b.WriteString(strings.Repeat(" ", 1+rng.Intn(3)))
			default:
				b.WriteString(nearPieces[rng.Intn(len(nearPieces))])
			}
		}
		lines = append(lines, b.String())
	}
	return lines
}

func TestKeysNearAgree(t *testing.T) {
	r := newR(t, Config{})
	near, withSpans, withFlags := 0, 0, 0
	for _, ln := range nearLines(t, 200000) {
		n, spans, flags := checkKeysNear(t, r, ln)
		near += n
		withSpans += min(spans, 1)
		withFlags += min(flags, 1)
	}
	// The agreement means something only if the lines have pairs and flags.
	if near < 100000 || withSpans < 20000 || withFlags < 5000 {
		t.Fatalf("%d lines, %d with key spans, %d with flags: the inputs do not exercise the rules", near, withSpans, withFlags)
	}
	t.Logf("%d lines, %d with key spans, %d with flag spans", near, withSpans, withFlags)
}

func FuzzKeysNear(f *testing.F) {
	for _, ln := range append(benchLogLines(), "var apiToken string = x", `System.setProperty("db password x", "v")`, "curl --user bob:pw -H 'token: x'",
		"a .var.= -u ::b", "requirepass S3cr3t", "machine h login u password p") {
		f.Add(ln)
	}
	r, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ln string) {
		if strings.IndexByte(ln, '\n') >= 0 {
			return // one line
		}
		checkKeysNear(t, r, ln)
		// And the places after a change in the middle.
		if isASCII(ln) && len(ln) > 2 {
			a, b := len(ln)/3, 2*len(ln)/3
			s := ln[:a] + "[REDACTED:secret-key]" + ln[b:]
			_, at := r.trig.scanAt(ln, nil)
			_, want := r.trig.scanAt(s, nil)
			if got, _ := r.trig.placesAfter(ln, at, s, nil); !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
				t.Fatalf("%q changed to %q: placesAfter %v, scanAt %v", ln, s, got, want)
			}
		}
	})
}

// checkKeysNear holds the key rules' shortcuts on ln to what they stand
// for; it returns whether the places could be used (1 or 0), and the
// number of key and flag spans.
func checkKeysNear(t *testing.T, r *Redactor, ln string) (near, spans, flagSpans int) {
	t.Helper()
	// Flags: every flag that can name a secret, and what replaceSpans
	// makes of them.
	flags, got := everyFlag(ln), r.keys.scanFlags(ln, nil)
	for _, sp := range flags {
		if key := ln[sp.ks:sp.ke]; (userFlag(key) || mentionsSecretWordFold(key)) && !containsSpan(got, sp) {
			t.Fatalf("%q: scanFlags misses the flag %q (%v)", ln, key, got)
		}
	}
	var h hits
	if a, b := r.replaceSpans(ln, got, 1, textOpts{}, &h), r.replaceSpans(ln, flags, 1, textOpts{}, &h); a != b {
		t.Fatalf("%q: flags that may name a secret give %q, every flag %q", ln, a, b)
	}
	m, at := r.trig.scanAt(ln, nil)
	if !r.placesUsable(m) {
		return 0, 0, len(got)
	}
	// Key/value pairs: the same spans, in the same order.
	all := r.keys.scanKeyValues(ln, nil)
	if _, disorder := r.keys.askNear(ln, at, nil); disorder {
		t.Fatalf("%q (keywords at %v): places asked out of order", ln, at)
	}
	if near := r.keys.scanKeyValuesNear(ln, at, nil); !reflect.DeepEqual(near, all) {
		t.Fatalf("%q (keywords at %v):\nscanKeyValuesNear %v\nscanKeyValues     %v", ln, at, near, all)
	}
	// spacedValues with and without the places.
	var st lineState
	st.kw = keyPlaces{ln: ln, at: at, ok: true}
	a := r.spacedValues(ln, 1, textOpts{}, &st, &h)
	st.kw = keyPlaces{ln: ln, ok: false}
	if b := r.spacedValues(ln, 1, textOpts{}, &st, &h); a != b {
		t.Fatalf("%q: spacedValues near keywords %q, without %q", ln, a, b)
	}
	return 1, len(all), len(got)
}

// everyFlag is the span of every flag of ln with a value, as scanFlags
// found them before it asked their names first.
func everyFlag(ln string) []span {
	var spans []span
	for i := 0; i < len(ln); i++ {
		if ln[i] == '-' && (i == 0 || !isKeyByte(ln[i-1])) {
			spans = flagAt(ln, i, spans)
		}
	}
	return spans
}

func containsSpan(spans []span, sp span) bool {
	for _, s := range spans {
		if s == sp {
			return true
		}
	}
	return false
}

// scanAt notes every place a recorded word (prefilterWords, "-u") starts,
// in any ASCII case, once and in order: what a search at every position
// finds.
func TestScanAtNotesEveryKeyword(t *testing.T) {
	r := newR(t, Config{})
	words := append([]string{"-u"}, prefilterWords...)
	for _, e := range patKeyEnds {
		words = append(words, "pat"+e) // a key that is only "pat" (keys.go)
	}
	search := func(s string) []int {
		var out []int
		for i := 0; i < len(s); i++ {
			for _, w := range words {
				if hasPrefixFold(s[i:], w) {
					out = append(out, i)
					break
				}
			}
		}
		return out
	}
	found := 0
	for _, ln := range nearLines(t, 20000) {
		if !isASCII(ln) {
			continue // non-ASCII lines take every key (placesUsable)
		}
		_, got := r.trig.scanAt(ln, nil)
		if want := search(ln); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanAt notes %v, a search finds %v", ln, got, want)
		}
		found += len(got)
	}
	if found < 10000 {
		t.Fatalf("only %d keywords in the lines", found)
	}
}

// The places are found again when a rule before the key rules changed the
// line, and a line the places cannot stand for (non-ASCII, user key
// names) is read key by key: pairs after a replaced URL, a Cyrillic line,
// a --redact-key name holding no keyword are all redacted.
func TestKeyPlacesFollowTheLine(t *testing.T) {
	r := newR(t, Config{ExtraKeys: []string{"acme_thing"}})
	for in, want := range map[string]string{
		"connecting to postgres://app:BenchPw1@db:5432/orders token=Abc123xyz": "connecting to postgres://app:[REDACTED:url-userinfo]@db:5432/orders token=[REDACTED:secret-key]",
		"пользователь db_password=Hunter2x":                                    "пользователь db_password=[REDACTED:secret-key]",
		"ACME_THING=q8Zr3nV1 password=Hunter2x":                                "ACME_THING=[REDACTED:secret-key] password=[REDACTED:secret-key]",
		"curl --user bob:S3cr3tPw https://h/ -H 'x: y'":                        "curl --user [REDACTED:curl-auth-user] https://h/ -H 'x: y'",
		"level=info user=bob msg=ok":                                           "level=info user=bob msg=ok",
		// A user flag's value ending in its colon at the end of a line (it
		// panicked: index out of range).
		"curl --user bob:": "curl --user bob:",
	} {
		if got := r.String(in); got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
}

// A change that is most of a long line is not read again: the key rules
// then read every key (placesAfter says not ok), and still find the pairs.
func TestPlacesAfterGivesUpOnALongChange(t *testing.T) {
	r := newR(t, Config{})
	old := strings.Repeat("curl -u bob:S3cret ", 1000)
	s := strings.ReplaceAll(old, "S3cret", "[REDACTED:curl-auth-user]")
	if _, ok := r.trig.placesAfter(old, nil, s, nil); ok {
		t.Fatal("placesAfter read a 19 kB change again")
	}
	// The vendor rule replaces every password before the key rules run.
	in := old + "db_password=Hunter2x token=Abc123xy"
	if out := r.String(in); strings.Contains(out, "S3cret") || strings.Contains(out, "Hunter2x") || strings.Contains(out, "Abc123xy") {
		t.Fatalf("a secret survived: ...%q", out[len(out)-120:])
	}
}

// placesAfter gives what scanAt gives on the changed line: lines with a
// middle part replaced (by markers, keywords, nothing, the whole line),
// and keywords cut by the change's edges.
func TestPlacesAfterAChange(t *testing.T) {
	r := newR(t, Config{})
	rng := rand.New(rand.NewSource(23))
	lines := nearLines(t, 20000)
	inserts := []string{"", "[REDACTED:secret-key]", "[REDACTED:url-userinfo]", "password", "pass", "word", "-u", "x", "tok", "en", " ", "é"}
	changed, gaveUp := 0, 0
	var spare []int
	for n := 0; n < 100000; n++ {
		old := lines[rng.Intn(len(lines))]
		if !isASCII(old) {
			continue
		}
		a := rng.Intn(len(old) + 1)
		b := a + rng.Intn(len(old)-a+1)
		s := old[:a] + inserts[rng.Intn(len(inserts))] + old[b:]
		if rng.Intn(10) == 0 {
			s = inserts[rng.Intn(len(inserts))] // the whole line
		}
		_, at := r.trig.scanAt(old, nil)
		m, want := r.trig.scanAt(s, nil)
		var got []int
		var ascii bool
		got, ascii = r.trig.placesAfter(old, at, s, spare)
		if !ascii && m&(1<<bitNonASCII) == 0 {
			gaveUp++ // most of a long line changed: not read again
			continue
		}
		if len(got) == 0 && len(want) == 0 {
			got, want = nil, nil
		}
		if !reflect.DeepEqual(got, want) || ascii != (m&(1<<bitNonASCII) == 0) {
			t.Fatalf("%q changed to %q: placesAfter %v (ASCII %v), scanAt %v", old, s, got, ascii, want)
		}
		spare = got
		if s != old {
			changed++
		}
	}
	if changed < 50000 || gaveUp > changed/100 {
		t.Fatalf("only %d changed lines, %d given up", changed, gaveUp)
	}
	// Every keyword, the change starting and ending at each of its bytes.
	for _, w := range append([]string{"-u"}, prefilterWords...) {
		old := "a " + w + "=b " + w
		_, at := r.trig.scanAt(old, nil)
		for a := 0; a <= len(old); a++ {
			for _, b := range []int{a, min(a+1, len(old)), len(old)} {
				for _, ins := range []string{"", "X", w[:1]} {
					s := old[:a] + ins + old[b:]
					_, want := r.trig.scanAt(s, nil)
					got, _ := r.trig.placesAfter(old, at, s, nil)
					if len(got) == 0 && len(want) == 0 {
						continue
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%q changed to %q: placesAfter %v, scanAt %v", old, s, got, want)
					}
				}
			}
		}
	}
}

// keyMemo answers as isSecret and entropyKey do, key after key, repeated
// or not.
func TestKeyMemoAgrees(t *testing.T) {
	k := &newR(t, Config{}).keys
	keys := []string{"token", "token", "TOKEN", "license", "license", "level", "token", "db_password", "LICENSE_KEY", "user", "", "key", "key"}
	rng := rand.New(rand.NewSource(29))
	var memo keyMemo
	for n := 0; n < 10000; n++ {
		key := keys[rng.Intn(len(keys))]
		secret, entropy := memo.ask(k, key)
		if want := k.isSecret(key); secret != want || entropy != (!want && k.entropyKey(key)) {
			t.Fatalf("%q: memo says %v %v, isSecret %v, entropyKey %v", key, secret, entropy, want, k.entropyKey(key))
		}
	}
}

// keyValues gives its scans' spans to the writer a chunk at a time
// (spanChunk): it must write what replacing every span at once writes, and
// count the same hits, with the keyword places and without.
func TestKeyRulesInChunksAgree(t *testing.T) {
	r := newR(t, Config{})
	rng := rand.New(rand.NewSource(37))
	long, near := 0, 0
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for j := 40 + rng.Intn(400); j >= 0; j-- {
			switch rng.Intn(4) {
			case 0:
				b.WriteString(" token=S3cr3tV" + string(rune('a'+rng.Intn(26))))
			case 1:
				b.WriteString(" --password p4ss")
			default:
				b.WriteString(nearPieces[rng.Intn(len(nearPieces))])
			}
		}
		ln := b.String()
		// A hit of the same rule and line before, as a line's earlier
		// rules leave them.
		pre := func() *hits { h := &hits{}; h.add(RuleSecretKey, 1, ""); return h }
		wantH := pre()
		want := r.replaceSpans(ln, r.keys.scanKeyValues(ln, nil), 1, textOpts{}, wantH)
		want = r.replaceSpans(want, r.keys.scanFlags(want, nil), 1, textOpts{}, wantH)
		if wantH.n > 2*spanChunk {
			long++
		}
		m, at := r.trig.scanAt(ln, nil)
		if r.placesUsable(m) {
			near++
		}
		for _, places := range []keyPlaces{{ln: ln, at: at, ok: r.placesUsable(m)}, {}} {
			st := lineState{kw: places}
			h := pre()
			if got := r.keyValues(ln, 1, textOpts{}, &st, h); got != want || !reflect.DeepEqual(h, wantH) {
				t.Fatalf("%q (places %v, usable %v):\nin chunks %q, hits %+v\nat once    %q, hits %+v", ln, places.at, places.ok, got, h, want, wantH)
			}
		}
	}
	if long < 1000 || near < 1000 {
		t.Fatalf("%d lines with more spans than two chunks, %d with usable places: the inputs do not exercise the chunks", long, near)
	}
	t.Logf("%d lines with more spans than two chunks, %d with usable places", long, near)
}
