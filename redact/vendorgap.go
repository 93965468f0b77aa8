package redact

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// gapRule is a gitleaks rule of the shape HEAD(?:.*|.*(?:[\r\n]{1,2}.*){1,5})TAIL
// (curl-auth-user, curl-auth-header: "\bcurl\b", any text, then the -u or
// -H argument). Its unbounded gap made the whole regexp run over the whole
// line, and on a line of many curl commands the NFA cost 80 ms per MiB
// (BenchmarkAdversarialLines' "curl users"). On one line a match is the
// head somewhere, then the tail starting at or after the head's end, so
// the tail is run anchored at each place it can start after the first
// head: a byte of its first class followed by its literal prefix. That
// finds every secret the rule finds (the greedy gap made the rule itself
// keep only the last -u after a curl; the others are passwords too),
// checked by TestGapRuleFindsWhatTheRuleFinds.
type gapRule struct {
	head  *regexp.Regexp
	first *[256]bool // the tail's first byte
	lit   string     // what follows it in every tail match ("-")
	// prefixes: what follows the first byte in every tail match ("-u",
	// "--user"), or nil when unknown: a place without one is not tried
	// (a line of "-u" cost the header rule's regexp a try at each).
	prefixes []string
	tail     *regexp.Regexp
	// match, when set, is a hand-written matcher of tail (curlUserTail):
	// it gives what tail.FindStringSubmatchIndex gives, by one pass, in m.
	match func(s string, m *tailMatch) []int
}

// tailMatch holds a hand-written tail's match: the indexes of a regexp of
// four groups. The caller's, reused from try to try (a line of 50 000
// curl passwords made a slice for each).
type tailMatch [10]int

// gapOf is the gapRule of re, or nil when re is not of that shape.
func gapOf(re string) *gapRule {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil || t.Op != syntax.OpConcat {
		return nil
	}
	for k := 1; k+2 < len(t.Sub); k++ {
		if !anyTextGap(t.Sub[k]) {
			continue
		}
		for _, h := range t.Sub[:k] {
			if h.Op != syntax.OpLiteral && h.Op != syntax.OpWordBoundary {
				return nil
			}
		}
		cls := t.Sub[k+1]
		if cls.Op != syntax.OpCharClass {
			return nil
		}
		first := new([256]bool)
		for i := 0; i+1 < len(cls.Rune); i += 2 {
			if cls.Rune[i+1] >= 0x80 {
				return nil // ASCII classes only: the bytes are the runes
			}
			for c := cls.Rune[i]; c <= cls.Rune[i+1]; c++ {
				first[c] = true
			}
		}
		head := &syntax.Regexp{Op: syntax.OpConcat, Flags: t.Flags, Sub: t.Sub[:k]}
		tail := &syntax.Regexp{Op: syntax.OpConcat, Flags: t.Flags, Sub: t.Sub[k+1:]}
		rest := &syntax.Regexp{Op: syntax.OpConcat, Flags: t.Flags, Sub: t.Sub[k+2:]}
		hre, err1 := regexp.Compile(head.String())
		tre, err2 := regexp.Compile(`^(?:` + tail.String() + `)`)
		if err1 != nil || err2 != nil {
			return nil
		}
		p, _ := prefixesOf(rest.Simplify())
		g := &gapRule{head: hre, first: first, lit: commonPrefix(p), tail: tre}
		if !slices.Contains(p, "") {
			g.prefixes = p
		}
		if tre.String() == curlUserTailRE {
			g.match = curlUserTailInto
		}
		return g
	}
	return nil
}

// anyTextGap: t is .* (greedy or not), or an alternation of forms that
// each start with it: on one line, .*(?:[\r\n]{1,2}.*){1,5} matches only
// what .* does ('.' takes '\r').
func anyTextGap(t *syntax.Regexp) bool {
	star := func(s *syntax.Regexp) bool {
		return s.Op == syntax.OpStar && s.Sub[0].Op == syntax.OpAnyCharNotNL
	}
	if star(t) {
		return true
	}
	if t.Op != syntax.OpAlternate {
		return false
	}
	has := false
	for _, a := range t.Sub {
		switch {
		case star(a):
			has = true
		case a.Op == syntax.OpConcat && len(a.Sub) > 0 && star(a.Sub[0]):
		default:
			return false
		}
	}
	return has
}

func commonPrefix(p []string) string {
	if len(p) == 0 {
		return ""
	}
	c := p[0]
	for _, s := range p[1:] {
		for !strings.HasPrefix(s, c) {
			c = c[:len(c)-1]
		}
	}
	return c
}

// find returns the hits of the rule in ln: the tail tried at each place
// after the first head, after the last match.
func (g *gapRule) find(r *vendorRule, ln string, global *compiledAllow, out []vendorHit) []vendorHit {
	loc := g.head.FindStringIndex(ln)
	if loc == nil {
		return out
	}
	var tm tailMatch // (hit reads a match, keeps none of it)
	for from := loc[1]; from < len(ln); {
		q := from // where the tail would start; its literal follows
		if g.lit != "" {
			j := strings.Index(ln[from+1:], g.lit)
			if j < 0 {
				break
			}
			q = from + j
		}
		if g.first[ln[q]] && g.mayStart(ln[q+1:]) {
			if m := g.tailAt(ln[q:], &tm); m != nil {
				out = r.hit(ln, q, m, global, out)
				from = q + max(m[1], 1)
				continue
			}
		}
		from = q + 1
	}
	return out
}

// mayStart: s (after the tail's first byte) starts with one of the
// tail's prefixes.
func (g *gapRule) mayStart(s string) bool {
	if g.prefixes == nil {
		return true
	}
	for _, p := range g.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// gapWindow is how much of the line the tail is first tried on.
const gapWindow = 128

// tailAt is the tail's match at the start of s. It is tried on the first
// gapWindow bytes first, where Go's regexp takes its backtracker (the NFA
// over the rest of a 1 MiB line cost 1.5 µs a try): a match ending before
// the window's end is the match on the whole of s too, unless an
// alternative the tail prefers needed bytes past the window, and then no
// alternative matched within it (the quoted forms need their closing
// quote; the bare form cannot start with a quote). Otherwise s is read
// whole.
func (g *gapRule) tailAt(s string, m *tailMatch) []int {
	if g.match != nil {
		return g.match(s, m)
	}
	if len(s) > gapWindow {
		if m := g.tail.FindStringSubmatchIndex(s[:gapWindow]); m != nil && m[1] < gapWindow {
			return m
		}
	}
	return g.tail.FindStringSubmatchIndex(s)
}

// curlUserTailRE is the tail of gitleaks' curl-auth-user as gapOf makes
// it; curlUserTail stands for it only while the table's rule has exactly
// this tail (TestCurlUserTailIsTheRules says when it no longer does).
const curlUserTailRE = `^(?:[\t\n\r ]-(?:u|-user)(?:=|[\t ]{0,5})("(:[^"]{3,}|[^":]{3,}:|[^":]{3,}:[^"]{3,})"|'([^':]{3,}:[^']{3,})'|((?:"[^"]{3,}"|'[^']{3,}'|[\$\-\.0-9@-Z_a-z]+):(?:"[^"]{3,}"|'[^']{3,}'|[\$\-\.0-9@-Z_a-\{\}]+)))(?:[\t\n\f\r ]|\z))`

// curlUserTail is curlUserTailRE's FindStringSubmatchIndex of s, by hand:
// on a line of 50 000 "curl -u bob:S3cret" the backtracker's tries, 1.5 µs
// each, were most of the line's 90 ms. Every choice of the regexp is
// decided by the next byte (a quote, '=', a blank), so one pass in the
// regexp's order of preference finds its match: the quoted forms end at
// their first closing quote ([^"] cannot pass one), the bare ones at the
// end of their run (what follows must be ':' or a blank, which the run
// cannot hold). Counts ({3,}) are of runes, as the regexp counts.
// TestCurlUserTailAgreesWithTheRegexp holds it to the regexp.
func curlUserTail(s string) []int { return curlUserTailInto(s, new(tailMatch)) }

// curlUserTailInto is curlUserTail, its match made in m.
func curlUserTailInto(s string, tm *tailMatch) []int {
	if len(s) < 3 || !(s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		return nil
	}
	var p int
	switch {
	case strings.HasPrefix(s[1:], "-u"):
		p = 3
	case strings.HasPrefix(s[1:], "--user"):
		p = 7
	default:
		return nil
	}
	// (?:=|[\t ]{0,5}): no form of the value starts with '=' or a blank,
	// so fewer blanks than there are never match.
	if p < len(s) && s[p] == '=' {
		p++
	} else {
		for k := 0; k < 5 && p < len(s) && (s[p] == ' ' || s[p] == '\t'); k++ {
			p++
		}
	}
	if p >= len(s) {
		return nil
	}
	// end is the match's end when the value ends at e: a blank or the end
	// of s must follow.
	end := func(e int) int {
		switch {
		case e == len(s):
			return e
		case isRESpace(s[e]):
			return e + 1
		}
		return -1
	}
	match := func() []int {
		*tm = tailMatch{0, -1, p, -1, -1, -1, -1, -1, -1, -1}
		return tm[:]
	}
	switch q := s[p]; q {
	case '"', '\'':
		if c := closeQuote(s, p); c >= 0 {
			x := s[p+1 : c]
			i := strings.IndexByte(x, ':')
			var ok bool
			if q == '"' {
				// :[^"]{3,} | [^":]{3,}: | [^":]{3,}:[^"]{3,}
				ok = i == 0 && runesAtLeast(x[1:], 3) ||
					i > 0 && runesAtLeast(x[:i], 3) && (i == len(x)-1 || runesAtLeast(x[i+1:], 3))
			} else {
				// [^':]{3,}:[^']{3,}
				ok = i > 0 && runesAtLeast(x[:i], 3) && runesAtLeast(x[i+1:], 3)
			}
			if e := end(c + 1); ok && e >= 0 {
				g := 4 // the inner group of the double-quoted form
				if q == '\'' {
					g = 6
				}
				m := match()
				m[1], m[3], m[g], m[g+1] = e, c+1, p+1, c
				return m
			}
		}
	}
	// The third form: (user):(password), each quoted or a run.
	pe := curlUserPart(s, p, &curlUserName)
	if pe < 0 || pe >= len(s) || s[pe] != ':' {
		return nil
	}
	ve := curlUserPart(s, pe+1, &curlUserPassword)
	if ve < 0 {
		return nil
	}
	e := end(ve)
	if e < 0 {
		return nil
	}
	m := match()
	m[1], m[3], m[8], m[9] = e, ve, p, ve
	return m
}

// curlUserName and curlUserPassword are the bare forms' bytes:
// [\w$@.-] and [\w${}@.-].
var curlUserName, curlUserPassword = func() (n, pw [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		n[c] = isREWordByte(b) || strings.IndexByte("$@.-", b) >= 0
		pw[c] = n[c] || b == '{' || b == '}'
	}
	return
}()

// curlUserPart is the end of "[^"]{3,}" | '[^']{3,}' | a run of bare at
// s[p:], or -1.
func curlUserPart(s string, p int, bare *[256]bool) int {
	if p >= len(s) {
		return -1
	}
	if q := s[p]; q == '"' || q == '\'' {
		if c := closeQuote(s, p); c >= 0 && runesAtLeast(s[p+1:c], 3) {
			return c + 1
		}
		return -1
	}
	e := p
	for e < len(s) && bare[s[e]] {
		e++
	}
	if e == p {
		return -1
	}
	return e
}

// closeQuote is the index of the first quote like s[p] after p, or -1.
func closeQuote(s string, p int) int {
	if i := strings.IndexByte(s[p+1:], s[p]); i >= 0 {
		return p + 1 + i
	}
	return -1
}

// runesAtLeast: s holds at least n runes (an invalid byte counts as one,
// as the regexp reads it).
func runesAtLeast(s string, n int) bool {
	if len(s) < n {
		return false
	}
	for i := 0; i < n; i++ {
		if s == "" {
			return false
		}
		_, w := utf8.DecodeRuneInString(s)
		s = s[w:]
	}
	return true
}
