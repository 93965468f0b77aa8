package redact

import (
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Vendor tokens: gitleaks' default rule set (vendor_table.go, generated from
// its module by redact/internal/gitleakstable), run behind the same kind of
// keyword prefilter gitleaks uses. Every keyword of every rule triggers
// bitVendor in the line scan; a second scan over the few lines that hold
// one finds which keywords, and only those rules' regexps run, and only on
// windows around each keyword when a rule's match has a bounded length
// (most do): a 1 MiB line full of one keyword then costs the regexp on the
// windows, not on the line once per occurrence.

// vendorRuleDef is one generated rule (see gitleakstable.Rule).
type vendorRuleDef struct {
	ID       string
	Keywords []string
	Regex    string
	Group    int
	Entropy  float64
	Allow    []vendorAllow
}

// vendorAllow is one allowlist: a match whose secret (or whole match, or
// line, per Target) matches a regexp or holds a stop word is kept.
type vendorAllow struct {
	And       bool
	Target    string
	Regexes   []string
	StopWords []string
}

// vendorRule is one rule of the table. What the keyword scan needs (id,
// boundary, hasTail, the keywords' spellings) is worked out for every rule
// when the table is first used; the regexps only when a line holds one of
// the rule's keywords (ready): compiling all ~220 of them, and the
// syntax-tree work around them, was 40-60 ms of every collection's start,
// and most rules' keywords never occur in a node's data.
type vendorRule struct {
	id  string
	def *vendorRuleDef
	// hasTail: the rule is a keyword rule whose tail is tried at each
	// keyword (keywordTail).
	hasTail bool
	once    sync.Once

	// Set by ready.
	re      *regexp.Regexp
	group   int
	entropy float64
	// maxLen bounds a match's length in bytes (-1: unbounded).
	maxLen int
	// boundary: the regexp starts with \b, so a two-byte keyword (which
	// starts the match in every such rule) glued to a word cannot start one
	// ("s." in "workers.go" for Vault's "s.<24>"); TestVendorRulesAgreeWithGitleaks (redact/corpus)
	// checks every rule still finds generated tokens.
	boundary bool
	allow    []compiledAllow
	// needs: every match holds a run of at least n bytes of one of these
	// classes (runNeeds); nil when nothing is known.
	needs []runNeed
	// tail, for gitleaks' keyword rules, is the regexp without its word
	// prefix, anchored: run at each keyword (keywordTail).
	tail *regexp.Regexp
	// gap, for a rule with an unbounded gap between a head and a tail
	// (the curl rules), runs the tail at the places it can start (gapOf).
	gap *gapRule
}

// runNeed is a byte class and how many bytes of it in a row a match needs.
type runNeed struct {
	in *[256]bool
	n  int
}

type compiledAllow struct {
	and    bool
	target string
	res    []*regexp.Regexp
	stops  []string
}

// vendorSet is the compiled table with its keyword index.
type vendorSet struct {
	rules  []vendorRule
	global compiledAllow

	// words[i] is keyword i; kwRules[i] its rules; index finds them
	// (the value of a word is its i). Every keyword has at least two
	// bytes (TestVendorTableMatchesGitleaks).
	words   []string
	kwRules [][]int
	index   wordTable
	// exact[i][j], when not "", is how keyword i must be spelled, case
	// and all, for rule kwRules[i][j] to match at it (exactSpelling).
	exact [][]string
}

// gitleaksSuffix ends gitleaks' token rules (utils.secretSuffix): the
// secret is followed by a quote, a space, ';', an escaped newline or the
// end. In collected data a token is as often followed by a URL's next
// part ('?', '&', '#', '/'), a list's ',', a closing bracket or a tag
// ("GET /v1/hook/<token>?ok=1", "[<token>]", "<token>" in XML), and
// gitleaks' rule then let it through: widenSuffix adds those bytes. The
// table stays gitleaks' own (TestVendorTableMatchesGitleaks); every match
// of the original is still a match.
const (
	gitleaksSuffix = `(?:[\x60'"\s;]|\\[nr]|$)`
	widerSuffix    = `(?:[\x60'"\s;&?#/,)\]}<>|]|\\[nr]|$)`
)

// Azure AD client secrets have their own boundaries: the same widening,
// and a '/' or '?' before one (a URL's path or query).
const (
	azureBefore      = `(?:^|[\\'"\x60\s>=:(,)])`
	azureBeforeWider = `(?:^|[\\'"\x60\s>=:(,)/?&])`
	azureAfter       = `(?:$|[\\'"\x60\s<),])`
	azureAfterWider  = `(?:$|[\\'"\x60\s<),;&?#/\]}|])`
)

func widenSuffix(re string) string {
	re = strings.ReplaceAll(re, gitleaksSuffix, widerSuffix)
	return strings.ReplaceAll(strings.ReplaceAll(re, azureBefore, azureBeforeWider), azureAfter, azureAfterWider)
}

// vendorRules indexes the table once per process (it never changes); each
// rule compiles on first use (vendorRule.ready).
var vendorRules = sync.OnceValue(buildVendorSet)

// buildVendorSet indexes the table's keywords and what the scan needs of
// each rule, from one parse of its regexp; the rules compile later (ready).
func buildVendorSet() *vendorSet {
	if len(vendorTable) > maxVendorRules {
		panic("vendor table longer than maxVendorRules")
	}
	vs := &vendorSet{global: compileAllow(vendorGlobalAllow), rules: make([]vendorRule, len(vendorTable))}
	index := map[string]int{}
	for ri := range vendorTable {
		d := &vendorTable[ri]
		r := &vs.rules[ri]
		r.id, r.def = d.ID, d
		var prefixes []string
		if t, err := syntax.Parse(d.Regex, syntax.Perl); err == nil {
			r.boundary = startsWithBoundary(t)
			r.hasTail = keywordTailShape(d, t)
			prefixes, _ = prefixesOf(t.Simplify())
		}
		for _, k := range d.Keywords {
			ki, ok := index[k]
			if !ok {
				ki = len(vs.words)
				index[k] = ki
				vs.words = append(vs.words, k)
				vs.kwRules = append(vs.kwRules, nil)
				vs.exact = append(vs.exact, nil)
			}
			vs.kwRules[ki] = append(vs.kwRules[ki], ri)
			vs.exact[ki] = append(vs.exact[ki], exactSpelling(k, prefixes))
		}
	}
	for ki, w := range vs.words {
		if len(w) < 2 {
			panic("vendor keyword shorter than two bytes: " + w)
		}
		vs.index.add(w, uint64(ki))
	}
	vs.index.seal()
	return vs
}

// ready compiles the rule the first time it is needed, and returns it.
func (r *vendorRule) ready() *vendorRule {
	r.once.Do(r.compile)
	return r
}

func (r *vendorRule) compile() {
	d := r.def
	wide := widenSuffix(d.Regex)
	r.re = regexp.MustCompile(wide)
	r.group, r.entropy, r.maxLen = d.Group, d.Entropy, regexMaxLen(d.Regex)
	r.needs = runNeeds(d.Regex)
	if r.hasTail {
		r.tail = keywordTail(d)
	}
	r.gap = gapOf(wide)
	for _, a := range d.Allow {
		r.allow = append(r.allow, compileAllow(a))
	}
}

func compileAllow(a vendorAllow) compiledAllow {
	c := compiledAllow{and: a.And, target: a.Target}
	for _, s := range a.Regexes {
		c.res = append(c.res, regexp.MustCompile(s))
	}
	for _, w := range a.StopWords {
		c.stops = append(c.stops, strings.ToLower(w))
	}
	return c
}

// allowed is gitleaks' allowlist check for one finding.
func (a *compiledAllow) allowed(secret, match, line string) bool {
	if len(a.res) == 0 && len(a.stops) == 0 {
		return false
	}
	target := secret
	switch a.target {
	case "match":
		target = match
	case "line":
		target = line
	}
	reHit := false
	for _, re := range a.res {
		if re.MatchString(target) {
			reHit = true
			break
		}
	}
	stopHit := false
	if len(a.stops) > 0 {
		ls := strings.ToLower(secret)
		for _, w := range a.stops {
			if strings.Contains(ls, w) {
				stopHit = true
				break
			}
		}
	}
	if a.and {
		return (len(a.res) == 0 || reHit) && (len(a.stops) == 0 || stopHit)
	}
	return reHit || stopHit
}

// vendorWords lists every keyword, for the line scan's trigger table, with
// the spelling every rule of it needs ("" when one takes any case): "sk"
// in "skipping" is no Twilio key (SK...), and a line holding no other
// keyword then skips the vendor rules.
// A two-byte keyword glued to a word counts for none of its rules when
// all start with \b (free).
func vendorWords() (words, exact []string, free []bool) {
	vs := vendorRules()
	exact, free = make([]string, len(vs.words)), make([]bool, len(vs.words))
	for i, w := range vs.words {
		exact[i] = vs.exact[i][0]
		free[i] = len(w) <= 2 && isREWordByte(w[0])
		for j, e := range vs.exact[i] {
			if e != exact[i] {
				exact[i] = ""
			}
			free[i] = free[i] && vs.rules[vs.kwRules[i][j]].boundary
		}
	}
	return vs.words, exact, free
}

// keywordTail is, for a rule of gitleaks' keyword shape, its regexp without
// the leading word prefix, anchored: ^(?:KEYWORDS)... for
// [\w.-]{0,50}?(?:KEYWORDS)... The prefix can be empty and only moves a
// match's start, and every match's keyword group starts at a keyword (the
// group spells only the rule's keywords, in any case), so the secrets found
// by trying the tail at each keyword are the rule's: on a line dense with
// keys, the whole regexp with its lazy counted prefix cost 400 ns a byte.
// nil for other rules, and for rules with an allowlist on the whole match
// (which holds the prefix).
func keywordTail(d *vendorRuleDef) *regexp.Regexp {
	t, err := syntax.Parse(d.Regex, syntax.Perl)
	if err != nil || !keywordTailShape(d, t) {
		return nil
	}
	rest := &syntax.Regexp{Op: syntax.OpConcat, Flags: t.Flags, Sub: t.Sub[1:]}
	re, err := regexp.Compile(`^(?:` + rest.String() + `)`)
	if err != nil {
		return nil
	}
	return re
}

// keywordTailShape: d, whose regexp parses to t, has the shape
// keywordTail takes apart.
func keywordTailShape(d *vendorRuleDef, t *syntax.Regexp) bool {
	for _, a := range d.Allow {
		if a.Target == "match" {
			return false
		}
	}
	if t.Op != syntax.OpConcat || len(t.Sub) < 3 {
		return false
	}
	pre := t.Sub[0]
	if pre.Op != syntax.OpRepeat || pre.Min != 0 || pre.Sub[0].Op != syntax.OpCharClass {
		return false
	}
	words, ok := foldedWords(t.Sub[1])
	if !ok {
		return false
	}
	for _, w := range words {
		if !slices.Contains(d.Keywords, w) {
			return false
		}
	}
	return true
}

// foldedWords are the strings t matches, lowercase, when t is a literal, a
// class of one letter's cases, or a group, concatenation or alternation of
// them (a keyword group such as (?-i:[Mm]eraki|MERAKI)).
func foldedWords(t *syntax.Regexp) ([]string, bool) {
	switch t.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(t.Rune))}, true
	case syntax.OpCharClass:
		var c rune = -1
		for i := 0; i+1 < len(t.Rune); i += 2 {
			for r := t.Rune[i]; r <= t.Rune[i+1]; r++ {
				l := unicode.ToLower(r)
				if c >= 0 && l != c || r-t.Rune[i] > 2 {
					return nil, false
				}
				c = l
			}
		}
		if c < 0 {
			return nil, false
		}
		return []string{string(c)}, true
	case syntax.OpCapture:
		return foldedWords(t.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, a := range t.Sub {
			w, ok := foldedWords(a)
			if !ok {
				return nil, false
			}
			out = append(out, w...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, a := range t.Sub {
			w, ok := foldedWords(a)
			if !ok || len(out)*len(w) > maxPrefixes {
				return nil, false
			}
			var next []string
			for _, x := range out {
				for _, y := range w {
					next = append(next, x+y)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

// runNeeds is what every match of re holds: a run of at least n bytes of
// one of the classes (a counted repeat x{n} or x{n,m}, n >= 8, of a class
// all matches go through; for an alternation, one per alternative). nil
// when nothing is known.
func runNeeds(re string) []runNeed {
	t, err := syntax.Parse(re, syntax.Perl) // not simplified: x{n,m} stays a repeat
	if err != nil {
		return nil
	}
	return needsOf(t)
}

// minRunNeed: shorter runs are everywhere and would filter nothing.
const minRunNeed = 8

func needsOf(t *syntax.Regexp) []runNeed {
	switch t.Op {
	case syntax.OpCapture:
		return needsOf(t.Sub[0])
	case syntax.OpAlternate:
		var out []runNeed
		for _, a := range t.Sub {
			nd := needsOf(a)
			if nd == nil {
				return nil // this alternative can match without any run
			}
			out = append(out, nd...)
		}
		return out
	case syntax.OpConcat:
		// Any part's needs hold; the part whose weakest need is longest
		// filters most.
		var best []runNeed
		for _, s := range t.Sub {
			if nd := needsOf(s); nd != nil && (best == nil || weakest(nd) > weakest(best)) {
				best = nd
			}
		}
		return best
	case syntax.OpRepeat:
		sub := t.Sub[0]
		for sub.Op == syntax.OpCapture {
			sub = sub.Sub[0]
		}
		if t.Min < minRunNeed || sub.Op != syntax.OpCharClass {
			return nil
		}
		in := new([256]bool)
		for i := 0; i+1 < len(sub.Rune); i += 2 {
			lo, hi := sub.Rune[i], sub.Rune[i+1]
			for c := lo; c <= hi && c < utf8.RuneSelf; c++ {
				in[c] = true
			}
			if hi >= utf8.RuneSelf {
				for c := utf8.RuneSelf; c < 256; c++ {
					in[c] = true // a byte of a multi-byte rune of the class
				}
			}
		}
		return []runNeed{{in, t.Min}}
	}
	return nil
}

func weakest(nd []runNeed) int {
	w := nd[0].n
	for _, x := range nd[1:] {
		w = min(w, x.n)
	}
	return w
}

// literalPrefixes are the case-sensitive literal strings one of which
// starts every match of re, or nil when some match can start otherwise
// (a class, a case-folded literal, a repetition).
func literalPrefixes(re string) []string {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil
	}
	p, _ := prefixesOf(t.Simplify())
	return p
}

// maxPrefixes bounds the cross products of prefixesOf.
const maxPrefixes = 64

// prefixesOf is literalPrefixes of t; whole says t matches exactly those
// strings (so what follows t in a concatenation extends them).
func prefixesOf(t *syntax.Regexp) (p []string, whole bool) {
	switch t.Op {
	case syntax.OpLiteral:
		if t.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(t.Rune)}, true
	case syntax.OpCapture:
		return prefixesOf(t.Sub[0])
	case syntax.OpAlternate:
		whole = true
		for _, s := range t.Sub {
			sp, sw := prefixesOf(s)
			if sp == nil {
				return nil, false
			}
			p, whole = append(p, sp...), whole && sw
		}
		return p, whole
	case syntax.OpConcat:
		p, whole = []string{""}, true
		for _, s := range t.Sub {
			switch s.Op {
			case syntax.OpWordBoundary, syntax.OpBeginText, syntax.OpBeginLine, syntax.OpEmptyMatch:
				continue // zero width: the match starts after it
			}
			sp, sw := prefixesOf(s)
			if sp == nil || len(p)*len(sp) > maxPrefixes {
				return p, false // what is known so far still starts every match
			}
			var next []string
			for _, a := range p {
				for _, b := range sp {
					next = append(next, a+b)
				}
			}
			if p = next; !sw {
				return p, false
			}
		}
		return p, whole
	}
	return nil, false
}

// exactSpelling is how keyword kw (lowercase) must be spelled where a
// match of a rule whose matches all start with one of prefixes starts at
// it: the prefix's own bytes over their length. "" when any spelling can
// do (the rule has no such prefixes, or two spell kw apart, or none starts
// like kw: the keyword is then not where matches start).
func exactSpelling(kw string, prefixes []string) string {
	exact := ""
	for _, p := range prefixes {
		n := min(len(p), len(kw))
		if n == 0 || !hasPrefixFold(p[:n], kw[:n]) {
			continue
		}
		if exact != "" && exact != p[:n] {
			return ""
		}
		exact = p[:n]
	}
	return exact
}

// startsWithBoundary: every match of the regexp t begins at a \b.
func startsWithBoundary(t *syntax.Regexp) bool {
	for {
		switch t.Op {
		case syntax.OpWordBoundary:
			return true
		case syntax.OpCapture, syntax.OpConcat:
			if len(t.Sub) == 0 {
				return false
			}
			t = t.Sub[0]
		default:
			return false
		}
	}
}

// isWordByte is the regexp class \w.
func isREWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// regexMaxLen is the longest match of re in bytes, or -1 when unbounded.
func regexMaxLen(re string) int {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return -1
	}
	n := maxLen(t.Simplify())
	if n > 1<<20 {
		return -1
	}
	return n
}

func maxLen(t *syntax.Regexp) int {
	switch t.Op {
	case syntax.OpLiteral:
		n := 0
		for _, c := range t.Rune {
			n += utf8.RuneLen(c)
		}
		if t.Flags&syntax.FoldCase != 0 {
			n = 3 * len(t.Rune) // a folded letter can be 3 bytes (K: the Kelvin sign)
		}
		return n
	case syntax.OpCharClass:
		// Ranges are sorted: the last one's end is the widest rune.
		if len(t.Rune) == 0 {
			return 0
		}
		return utf8.RuneLen(t.Rune[len(t.Rune)-1])
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(t.Sub[0])
	case syntax.OpRepeat:
		if t.Max < 0 {
			return -1
		}
		n := maxLen(t.Sub[0])
		if n < 0 {
			return -1
		}
		return n * t.Max
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpConcat:
		sum := 0
		for _, s := range t.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			sum += n
		}
		return sum
	case syntax.OpAlternate:
		best := 0
		for _, s := range t.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			best = max(best, n)
		}
		return best
	}
	return 0 // empty-width assertions, empty match
}

// find returns the secrets of ln the rules whose keywords ln holds find.
func (vs *vendorSet) find(ln string) []vendorHit {
	// Which rules, and the spans of their keywords: (rule, start, end).
	var occ []kwOcc
	// Past maxOccurrences, a rule with more keywords is run on the whole
	// line (as find does past maxKeywordWindows): a line of 200 000
	// keywords made a list as long, and sorted it.
	var many [(maxVendorRules + 63) / 64]uint64
	var atKW []kwOcc // occurrences of the rules with a tail
	vs.index.each(ln, func(e *wordEntry, i int) {
		ki := int(e.val)
		w := e.word
		// Only two-byte keywords ("s.", "sk") are taken to start their
		// rule's match: longer ones can end it (MaxMind's "_mmk").
		glued := len(w) <= 2 && i > 0 && isREWordByte(ln[i-1]) && isREWordByte(w[0])
		for j, ri := range vs.kwRules[ki] {
			if glued && vs.rules[ri].boundary || !strings.HasPrefix(ln[i:], vs.exact[ki][j]) {
				continue
			}
			switch {
			case vs.rules[ri].hasTail:
				// Tried at each keyword, anchored: every one is kept.
				atKW = append(atKW, kwOcc{ri, i, i + len(w)})
			case len(occ) < maxOccurrences:
				occ = append(occ, kwOcc{ri, i, i + len(w)})
			default:
				many[ri/64] |= 1 << (ri % 64)
			}
		}
	})
	for ri := range vs.rules {
		if many[ri/64]&(1<<(ri%64)) != 0 {
			occ = append(occ, kwOcc{ri, 0, len(ln)}) // one window: the whole line
		}
	}
	var out []vendorHit
	if atKW != nil {
		// Table order, then line order; each finds its keywords in order.
		sort.SliceStable(atKW, func(a, b int) bool { return atKW[a].rule < atKW[b].rule })
		eachRule(atKW, func(kw []kwOcc) { out = vs.rules[kw[0].rule].ready().findAt(ln, kw, &vs.global, out) })
	}
	if occ == nil {
		return out
	}
	// Table order, then line order: the same input gives the same output.
	sort.Slice(occ, func(a, b int) bool {
		if occ[a].rule != occ[b].rule {
			return occ[a].rule < occ[b].rule
		}
		return occ[a].s < occ[b].s
	})
	eachRule(occ, func(kw []kwOcc) { out = vs.rules[kw[0].rule].ready().find(ln, kw, &vs.global, out) })
	return out
}

// eachRule calls fn with each run of occ (sorted by rule) of one rule.
func eachRule(occ []kwOcc, fn func(kw []kwOcc)) {
	for i := 0; i < len(occ); {
		j := i
		for j < len(occ) && occ[j].rule == occ[i].rule {
			j++
		}
		fn(occ[i:j])
		i = j
	}
}

// kwOcc is a keyword of rule at ln[s:e].
type kwOcc struct{ rule, s, e int }

// maxKeywordWindows: past this many occurrences of a rule's keywords in a
// line, the rule runs on the whole line once (linear) instead of per window;
// maxOccurrences bounds the occurrences of all rules kept per line.
const (
	maxKeywordWindows = 64
	maxOccurrences    = 1024
	// maxVendorRules bounds the table (TestVendorTableMatchesGitleaks).
	maxVendorRules = 256
	// maxDenseHits: past this many findings of one rule in a line, its
	// allowlists are not checked (hit).
	maxDenseHits = 64
)

type vendorHit struct {
	s, e int
	rule string
}

// find runs the rule on the windows around its keywords (in line order),
// merged, or on the whole line when its match length is unbounded.
func (r *vendorRule) find(ln string, kw []kwOcc, global *compiledAllow, out []vendorHit) []vendorHit {
	if r.gap != nil {
		return r.gap.find(r, ln, global, out)
	}
	if r.maxLen < 0 || len(kw) > maxKeywordWindows {
		return r.findNear(ln, 0, len(ln), global, out)
	}
	lo, hi := -1, -1
	for _, k := range kw {
		wlo, whi := max(0, k.s-r.maxLen), min(len(ln), k.e+r.maxLen)
		if lo >= 0 && wlo <= hi {
			hi = max(hi, whi)
			continue
		}
		if lo >= 0 {
			out = r.findNear(ln, lo, hi, global, out)
		}
		lo, hi = wlo, whi
	}
	return r.findNear(ln, lo, hi, global, out)
}

// findNear runs the rule on the parts of ln[lo:hi] around the runs its
// matches need (needs): a match holds such a run and is at most maxLen
// long. The regexps of gitleaks' keyword rules cost 150-200 ns a byte
// (their counted repeats make many NFA states), and a line full of a
// keyword ("adafruit=" 100 000 times) took 160 ms per MiB; the run test
// costs a table load per byte, and most windows hold no run long enough
// (the 32 characters of a key).
func (r *vendorRule) findNear(ln string, lo, hi int, global *compiledAllow, out []vendorHit) []vendorHit {
	if len(r.needs) == 0 {
		return r.findIn(ln, lo, hi, global, out)
	}
	runWindows(ln, lo, hi, r.needs, r.maxLen, func(wlo, whi int) { out = r.findIn(ln, wlo, whi, global, out) })
	return out
}

// runWindows calls fn, in order, with the merged windows of ln[lo:hi] that
// can hold a match of at most maxLen bytes (-1: unbounded, the whole of
// ln[lo:hi]) holding a run one of needs asks for; not at all when there is
// no such run. Each class's runs are found in one pass.
func runWindows(ln string, lo, hi int, needs []runNeed, maxLen int, fn func(lo, hi int)) {
	var runs [][2]int
	for _, nd := range needs {
		for i := lo; i < hi; {
			if !nd.in[ln[i]] {
				i++
				continue
			}
			j := i
			for j < hi && nd.in[ln[j]] {
				j++
			}
			if j-i >= nd.n {
				if maxLen < 0 {
					fn(lo, hi)
					return
				}
				runs = append(runs, [2]int{max(lo, i-maxLen), min(hi, j+maxLen)})
			}
			i = j
		}
	}
	if len(needs) > 1 {
		sort.Slice(runs, func(a, b int) bool { return runs[a][0] < runs[b][0] })
	}
	wlo, whi := -1, -1 // the window being merged
	for _, w := range runs {
		if wlo >= 0 && w[0] <= whi {
			whi = max(whi, w[1])
			continue
		}
		if wlo >= 0 {
			fn(wlo, whi)
		}
		wlo, whi = w[0], w[1]
	}
	if wlo >= 0 {
		fn(wlo, whi)
	}
}

func (r *vendorRule) findIn(ln string, lo, hi int, global *compiledAllow, out []vendorHit) []vendorHit {
	win := ln[lo:hi]
	// A match test tracks no submatches and costs a fraction of finding
	// them; nearly every window holds no token.
	if !r.re.MatchString(win) {
		return out
	}
	for _, loc := range r.re.FindAllStringSubmatchIndex(win, -1) {
		out = r.hit(ln, lo, loc, global, out)
	}
	return out
}

// hit appends the secret of the match loc (of ln[lo:]) unless an entropy
// floor or an allowlist keeps it.
func (r *vendorRule) hit(ln string, lo int, loc []int, global *compiledAllow, out []vendorHit) []vendorHit {
	win := ln[lo:]
	s, e := loc[0], loc[1]
	// gitleaks' secret: the rule's group, else the first non-empty one.
	if r.group > 0 && 2*r.group+1 < len(loc) {
		s, e = loc[2*r.group], loc[2*r.group+1]
	} else if r.group == 0 {
		for g := 1; 2*g+1 < len(loc); g++ {
			if loc[2*g] >= 0 && loc[2*g+1] > loc[2*g] {
				s, e = loc[2*g], loc[2*g+1]
				break
			}
		}
	}
	if s < 0 || e <= s {
		return out
	}
	secret, match := win[s:e], win[loc[0]:loc[1]]
	if r.entropy > 0 && shannonEntropy(secret) <= r.entropy {
		return out
	}
	// Past maxDenseHits secrets of this rule in the line (its hits are the
	// last of out: the rules run one after the other), the allowlists,
	// which only keep a finding, are not asked: their regexps cost 2-3 µs
	// a finding, and a 1 MiB line of 50 000 "curl -u bob:S3cret" spent
	// 170 ms there. Such a line loses its placeholders ("user:changeme")
	// too; nothing leaks for it.
	if dense := len(out) >= maxDenseHits && out[len(out)-maxDenseHits].rule == r.id; !dense {
		if global.allowed(secret, match, ln) {
			return out
		}
		for i := range r.allow {
			if r.allow[i].allowed(secret, match, ln) {
				return out
			}
		}
	}
	// Doubling: append grows a large list by a quarter, five times the
	// list's size allocated on a line of 50 000 curl passwords.
	return appendDoubling(out, vendorHit{lo + s, lo + e, r.id})
}

// findAt runs the rule's tail anchored at each keyword of kw (in line
// order) after the last match: see keywordTail.
func (r *vendorRule) findAt(ln string, kw []kwOcc, global *compiledAllow, out []vendorHit) []vendorHit {
	// Only keywords near a run the match needs are tried (a line of
	// 100 000 "adafruit=" holds no 32-byte key anywhere).
	var near [][2]int
	if r.needs != nil {
		runWindows(ln, 0, len(ln), r.needs, r.maxLen, func(lo, hi int) { near = append(near, [2]int{lo, hi}) })
		if near == nil {
			return out
		}
	}
	last, w := 0, 0
	for _, k := range kw {
		if k.s < last {
			continue
		}
		if near != nil {
			for w < len(near) && near[w][1] <= k.s {
				w++
			}
			if w == len(near) {
				break
			}
			if k.s < near[w][0] {
				continue
			}
		}
		if loc := anchoredMatch(r.tail, ln[k.s:], r.maxLen); loc != nil {
			out = r.hit(ln, k.s, loc, global, out)
			last = k.s + max(loc[1], 1)
		}
	}
	return out
}

// anchoredMatch is re.FindStringSubmatchIndex(s) for an anchored re whose
// matches are at most maxLen bytes long (-1: unbounded). It reads s only
// to one byte past that: on the rest of a 1 MiB line Go takes its NFA
// (1 MiB of Adafruit keys, 25 000 tries at keywords, cost 40 ms there),
// on a short window its backtracker. The window changes no match: a path
// of the regexp consumes at most maxLen bytes, so each one that succeeds
// in s ends inside the window, where its assertions (\b, $) see the same
// next byte, and the other way round (TestAnchoredMatchAgrees).
func anchoredMatch(re *regexp.Regexp, s string, maxLen int) []int {
	if maxLen >= 0 && len(s) > maxLen+1 {
		if m := re.FindStringSubmatchIndex(s[:maxLen+1]); m == nil || m[1] <= maxLen {
			return m
		}
	}
	return re.FindStringSubmatchIndex(s)
}

// shannonEntropy is gitleaks' entropy (bits per character, over runes).
// It is computed as log2(n) - sum(c*log2(c))/n over the counts c of the
// n characters, with c*log2(c) and log2(n) read from a table for short
// strings: a log per distinct character and a pass over 128 counters per
// call were a quarter of a line dense with license keys or curl users.
// The sum is the same up to rounding (gitleaks sums a map in random
// order, so its own last bits vary; TestShannonEntropyAgrees).
func shannonEntropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [utf8.RuneSelf]int32
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return shannonEntropyRunes(s)
		}
		counts[s[i]]++
	}
	sum := 0.0
	for i := 0; i < len(s); i++ {
		// Each distinct character once: its count is cleared when taken.
		if c := counts[s[i]]; c > 0 {
			sum += cLog2(int(c))
			counts[s[i]] = 0
		}
	}
	n := len(s)
	return log2Int(n) - sum/float64(n)
}

// entropyTableLen bounds the strings whose logs come from the tables.
const entropyTableLen = 256

// entropyTables are c*log2(c) and log2(c) for c < entropyTableLen, made
// once (a table, as keyBytes: a sync.OnceValue asked per count was a
// tenth of the entropy of 50 000 curl passwords in a line).
var entropyTables = func() *[2][entropyTableLen]float64 {
	t := new([2][entropyTableLen]float64)
	for c := 1; c < entropyTableLen; c++ {
		t[0][c] = float64(c) * math.Log2(float64(c))
		t[1][c] = math.Log2(float64(c))
	}
	return t
}()

func cLog2(c int) float64 {
	if c < entropyTableLen {
		return entropyTables[0][c]
	}
	return float64(c) * math.Log2(float64(c))
}

func log2Int(n int) float64 {
	if n < entropyTableLen {
		return entropyTables[1][n]
	}
	return math.Log2(float64(n))
}

// shannonEntropyRunes is shannonEntropy of a string holding non-ASCII
// runes. (gitleaks divides by the byte length too.)
func shannonEntropyRunes(s string) float64 {
	counts := map[rune]int{}
	for _, c := range s {
		counts[c]++
	}
	inv := 1 / float64(len(s))
	e := 0.0
	for _, c := range counts {
		f := float64(c) * inv
		e -= f * math.Log2(f)
	}
	return e
}

// vendor replaces the secrets the vendor rules find in ln.
func (r *Redactor) vendor(ln string, n int, o textOpts, h *hits) string {
	found := vendorRules().find(ln)
	if len(found) == 0 {
		return ln
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].s < found[j].s })
	// Overlapping secrets become one: flutterwave-encryption-key's 12 hex
	// of "FLWSECK_TEST-<32 hex>-X" start where flutterwave-secret-key's
	// whole key does, and replacing the shorter alone left the rest.
	merged := found[:0]
	for _, f := range found {
		if k := len(merged) - 1; k >= 0 && f.s < merged[k].e {
			if f.e > merged[k].e {
				if f.s == merged[k].s {
					merged[k].rule = f.rule // the longer match names it
				}
				merged[k].e = f.e
			}
			continue
		}
		merged = append(merged, f)
	}
	var b strings.Builder
	last := 0
	for _, f := range merged {
		v := ln[f.s:f.e]
		if isMarker(v) || insideMarker(ln, f.s) {
			continue
		}
		repl := r.replacement(f.rule, v)
		growOutput(&b, len(ln), f.s-last+len(repl))
		b.WriteString(ln[last:f.s])
		b.WriteString(repl)
		last = f.e
		r.place(h, f.rule, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}
