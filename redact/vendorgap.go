package redact

import (
	"regexp"
	"regexp/syntax"
	"strings"
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
	tail  *regexp.Regexp
}

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
		return &gapRule{head: hre, first: first, lit: commonPrefix(p), tail: tre}
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
	for from := loc[1]; from < len(ln); {
		q := from // where the tail would start; its literal follows
		if g.lit != "" {
			j := strings.Index(ln[from+1:], g.lit)
			if j < 0 {
				break
			}
			q = from + j
		}
		if g.first[ln[q]] {
			if m := g.tailAt(ln[q:]); m != nil {
				out = r.hit(ln, q, m, global, out)
				from = q + max(m[1], 1)
				continue
			}
		}
		from = q + 1
	}
	return out
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
func (g *gapRule) tailAt(s string) []int {
	if len(s) > gapWindow {
		if m := g.tail.FindStringSubmatchIndex(s[:gapWindow]); m != nil && m[1] < gapWindow {
			return m
		}
	}
	return g.tail.FindStringSubmatchIndex(s)
}
