package redact

import (
	"math/rand"
	"reflect"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/shapetest"
)

// wordTable must find what a plain search for every word at every
// position finds.
func TestWordTableAgreesWithASearch(t *testing.T) {
	words, exact, free := vendorWords()
	var wt wordTable
	type want struct {
		word  string
		start int
	}
	for i, w := range words {
		wt.addSpelled(w, exact[i], free[i], uint64(i))
	}
	extra := []string{"pw", "pass", "token", "@", "пароль", "Пароль", `"mysql"`, " -u "}
	for i, w := range extra {
		wt.add(w, uint64(1000+i))
	}
	all := append(append([]string(nil), words...), extra...)
	allExact := append(append([]string(nil), exact...), make([]string, len(extra))...)
	allFree := append(append([]bool(nil), free...), make([]bool, len(extra))...)
	rng := rand.New(rand.NewSource(7))
	const alphabet = "skSKpPwWaAoO_-.@~ q0t3"
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for j := rng.Intn(40); j >= 0; j-- {
			if rng.Intn(4) == 0 {
				w := all[rng.Intn(len(all))]
				if rng.Intn(2) == 0 {
					w = strings.ToUpper(w)
				}
				b.WriteString(w)
			} else {
				b.WriteByte(alphabet[rng.Intn(len(alphabet))])
			}
		}
		s := b.String()
		var got, exp []want
		wt.each(s, func(e *wordEntry, start int) { got = append(got, want{e.word, start}) })
		var m uint64
		for i, w := range all {
			if len(w) < 2 {
				if strings.Contains(s, w) {
					m |= 1 << (i % 64)
				}
				continue
			}
			for p := 0; p+len(w) <= len(s); p++ {
				glued := p > 0 && isREWordByte(s[p-1])
				if hasPrefixFold(s[p:], lowerInto(nil, w)) && strings.HasPrefix(s[p:], allExact[i]) && !(allFree[i] && glued) {
					exp = append(exp, want{string(lowerInto(nil, w)), p})
				}
			}
		}
		key := func(a, b want) int {
			if a.start != b.start {
				return a.start - b.start
			}
			return strings.Compare(a.word, b.word)
		}
		slices.SortFunc(got, key)
		slices.SortFunc(exp, key)
		if !reflect.DeepEqual(got, exp) {
			t.Fatalf("%q: found %v, a search finds %v", s, got, exp)
		}
	}
}

func TestExactSpelling(t *testing.T) {
	for _, c := range []struct {
		re   string
		kw   string
		want string
	}{
		{`SK[0-9a-fA-F]{32}`, "sk", "SK"},                                                     // Twilio: "skipping" is not a key
		{`\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`, "akia", "AKIA"},             // AWS
		{`\b(SG\.(?i)[a-z0-9=_\-\.]{66})(?:[\x60'"\s;]|\\[nr]|$)`, "sg.", "SG."},              // the case-folded rest is no matter
		{`xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}`, "xoxp-", "xox"},                   // a class after the literal
		{`(?i)CLOJARS_[a-z0-9]{60}`, "clojars_", ""},                                          // any case
		{`(?i)[\w.-]{0,50}?(?:adafruit)(?:[ \t\w.-]{0,20})=([a-z0-9_-]{32})`, "adafruit", ""}, // the keyword is not where matches start
		{`(?:pat|PAT)\.[a-z]{22}`, "pat.", ""},                                                // two spellings
		{`\bcurl\b.*`, "curl", "curl"},
	} {
		if got := exactSpelling(c.kw, literalPrefixes(c.re)); got != c.want {
			t.Errorf("exactSpelling(%q, %q) = %q, want %q", c.kw, c.re, got, c.want)
		}
	}
}

func TestVendorKeywordsTakeTheirRulesCase(t *testing.T) {
	r := newR(t, Config{})
	quiet := `E1124 21:05:06.000001 1234 pod_workers.go:1301] "Error syncing pod, skipping" err="back-off 5m0s restarting failed container"`
	if r.trig.scan(quiet)&(1<<bitVendor) != 0 {
		t.Errorf("%q: a vendor keyword found", quiet)
	}
	// A Twilio API key (SK + 32 hex) as its docs show it:
	// https://www.twilio.com/docs/iam/api-keys
	key := "TWILIO_SID=SK" + strings.Repeat("2b1f3e4d5c6a7980", 2)
	if out := r.String("export " + key); strings.Contains(out, "2b1f3e4d5c6a7980") {
		t.Errorf("the Twilio key survived: %q", out)
	}
}

func TestRunNeeds(t *testing.T) {
	for _, c := range []struct {
		re   string
		want []int // the n of each need; nil: none known
	}{
		{`(?i)[\w.-]{0,50}?(?:adafruit)(?:[ \t\w.-]{0,20})=([a-z0-9_-]{32})(?:[\x60'"\s;]|$)`, []int{32}},
		{`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|sk-[A-Za-z0-9_\-]{32,})`, []int{30, 36, 32}},
		{`access-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}`, []int{12}},
		{`\bcurl\b.*-u ([^:]{3,}):(.+)`, nil}, // no counted repeat of 8 or more
		{`a{8}|b+`, nil},                      // an alternative without one
	} {
		var got []int
		for _, nd := range runNeeds(c.re) {
			got = append(got, nd.n)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("runNeeds(%q) = %v, want %v", c.re, got, c.want)
		}
	}
	nd := runNeeds(`(?i)x([a-z0-9]{32})`)[0]
	if !nd.in['A'] || !nd.in['z'] || nd.in['-'] {
		t.Error("a case-folded class lost its capitals or gained a byte")
	}
}

func TestKeywordTail(t *testing.T) {
	generic := `(?i)[\w.-]{0,50}?(?:adafruit)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{32})(?:[\x60'"\s;]|\\[nr]|$)`
	if keywordTail(&vendorRuleDef{Keywords: []string{"adafruit"}, Regex: generic}) == nil {
		t.Error("no tail for the generic keyword shape")
	}
	for _, d := range []vendorRuleDef{
		{Keywords: []string{"other"}, Regex: generic}, // the group spells a word that is no keyword
		{Keywords: []string{"adafruit"}, Regex: generic, Allow: []vendorAllow{{Target: "match", Regexes: []string{"x"}}}}, // an allowlist on the whole match
		{Keywords: []string{"sk"}, Regex: `SK[0-9a-fA-F]{32}`},                                                            // no word prefix
	} {
		if keywordTail(&d) != nil {
			t.Errorf("a tail for %v", d)
		}
	}
	if w, ok := foldedWords(mustParse(t, `(?-i:[Mm]eraki|MERAKI)`)); !ok || !reflect.DeepEqual(w, []string{"meraki", "meraki"}) {
		t.Errorf("foldedWords = %v %v", w, ok)
	}
	// A line dense with keys loses every one.
	r := newR(t, Config{})
	ln := strings.Repeat("adafruit=0123456789abcdefghijklmnopqrstuv ", 5000)
	if out := r.String(ln); strings.Contains(out, "0123456789abcdefghijklmnopqrstuv") {
		t.Errorf("a dense Adafruit key survived: %.200s", out)
	}
}

func mustParse(t *testing.T, re string) *syntax.Regexp {
	t.Helper()
	p, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mask must give what a search for every word at every position gives, and
// set runBit exactly where a run of minLongWord token bytes or more holds a
// capital, a small letter and a digit: the scan reads codes shared by
// several bytes, a window of three bytes and a run counter sharing a word
// with the run's classes, and a slip in any of them would hide a trigger.
func TestWordMaskAgreesWithASearch(t *testing.T) {
	r := newR(t, Config{ExtraKeys: []string{"x", "ab", "é!"}})
	wt := &r.trig.words
	var entries []*wordEntry
	for _, b := range wt.buckets {
		for k := range b {
			entries = append(entries, &b[k])
		}
	}
	search := func(s string) uint64 {
		var m uint64
		for i := 0; i < len(s); i++ {
			m |= wt.single[foldTable[s[i]]]
			for _, e := range entries {
				if e.at(&s, i) {
					m |= e.val
				}
			}
		}
		for i := 0; i < len(s); {
			j := i
			cls := uint8(0)
			for j < len(s) && tokenClass[s[j]] != 0 {
				cls |= tokenClass[s[j]]
				j++
			}
			if j-i >= minLongWord && cls&7 == 7 {
				m |= wt.runBit
			}
			i = max(j, i+1)
		}
		return m
	}
	rng := rand.New(rand.NewSource(11))
	const alphabet = "aZ9_-.:@~ \"=/\xd0\xbf\xc3\xa9é!xXsSkK.q3"
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for j := rng.Intn(60); j >= 0; j-- {
			switch rng.Intn(5) {
			case 0:
				w := entries[rng.Intn(len(entries))].word
				if rng.Intn(2) == 0 {
					w = strings.ToUpper(w)
				}
				if cut := rng.Intn(len(w) + 1); rng.Intn(3) == 0 {
					w = w[:cut] // a word's start only
				}
				b.WriteString(w)
			case 1:
				for k := minLongWord - 2 + rng.Intn(5); k > 0; k-- {
					b.WriteByte("aB3_x"[rng.Intn(5)])
				}
			default:
				b.WriteByte(alphabet[rng.Intn(len(alphabet))])
			}
		}
		s := b.String()
		if got, want := wt.mask(s, 0), search(s); got != want {
			t.Fatalf("%q: mask %x, a search %x", s, got, want)
		}
	}
}

// foldASCII8 folds eight bytes as foldTable folds each: every byte value in
// every lane, next to random neighbours (a carry between lanes would show).
func TestFoldASCII8(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for c := 0; c < 256; c++ {
		for lane := 0; lane < 8; lane++ {
			for n := 0; n < 20; n++ {
				var b [8]byte
				for i := range b {
					b[i] = byte(rng.Intn(256))
				}
				b[lane] = byte(c)
				var x, want uint64
				for i := 7; i >= 0; i-- {
					x = x<<8 | uint64(b[i])
					want = want<<8 | uint64(foldTable[b[i]])
				}
				if got := foldASCII8(x); got != want {
					t.Fatalf("% x: folded %016x, want %016x", b, got, want)
				}
			}
		}
	}
}

// BenchmarkLineScan: the line scan alone (triggers.scanAt) over
// BenchmarkRedactLogText's lines, the text path's largest part.
func BenchmarkLineScan(b *testing.B) {
	r := newR(b, Config{})
	lines := benchLogLines()
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	var occ []int
	var m uint64
	b.SetBytes(int64(n))
	b.ResetTimer()
	start := shapetest.CPU()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			var x uint64
			x, occ = r.trig.scanAt(l, occ[:0])
			m |= x
		}
	}
	if cpu := shapetest.CPU() - start; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
	if m == 0 {
		b.Fatal("no trigger in the lines")
	}
}
