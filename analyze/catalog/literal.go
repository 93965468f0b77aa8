package catalog

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// pattern is a compiled match condition with a cheap prefilter: lits are
// lower-case strings of which the text must contain at least one for the
// pattern to match at all (nil: no such set is known, always run it).
// strings.Contains on the lowered text rejects nearly every record before
// the regexp runs; Go's regexps are linear but not fast enough to run all
// of the catalog's patterns on every line of a busy node's journal.
type pattern struct {
	re   *regexp.Regexp
	lits []string
}

func compilePattern(p string) (pattern, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return pattern{}, err
	}
	pt := pattern{re: re}
	if st, err := syntax.Parse(p, syntax.Perl); err == nil {
		pt.lits = requiredLiterals(st.Simplify())
	}
	return pt, nil
}

// minLiteral is the shortest literal worth filtering on.
const minLiteral = 3

// requiredLiterals returns strings of which any match of re contains at
// least one (lower-cased), or nil when it cannot tell. It only ever returns
// strings a match must contain, so filtering on them never loses a match.
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil {
				return nil
			}
			out = append(out, l...)
		}
		return out
	case syntax.OpConcat:
		var best []string
		bestLen := 0
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if m := shortest(l); l != nil && m > bestLen {
				best, bestLen = l, m
			}
		}
		if bestLen >= minLiteral {
			return best
		}
	}
	return nil
}

func shortest(l []string) int {
	if len(l) == 0 {
		return 0
	}
	m := len(l[0])
	for _, s := range l[1:] {
		m = min(m, len(s))
	}
	return m
}

// mayMatch is the prefilter: false only when re cannot match lower.
func (p pattern) mayMatch(lower string) bool {
	if p.lits == nil {
		return true
	}
	for _, l := range p.lits {
		if strings.Contains(lower, l) {
			return true
		}
	}
	return false
}
