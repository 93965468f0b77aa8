package catalog

import (
	"regexp"
	"regexp/syntax"
	"strings"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// pattern is a compiled match condition with a cheap prefilter: lits are
// lower-case strings of which the text must contain at least one for the
// pattern to match at all (nil: no such set is known, always run it).
// The catalog finds every literal of every pattern in one pass over the
// lowered text (literalSet); a pattern none of whose literals occurs is
// skipped before its regexp runs. Go's regexps are linear but not fast
// enough to run all of the catalog's patterns on every line of a busy
// node's journal, and neither was a strings.Contains per literal: the
// catalog's hundreds of literals, each a scan of the line, were half the
// analyzer's CPU on a 2,000-container node's logs.
type pattern struct {
	re   *regexp.Regexp
	lits []string
	// ids are lits' indices in the catalog's literalSet (set by compile).
	ids []int
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

// mayMatch is the prefilter: false only when re cannot match a text whose
// literals (of the catalog's literalSet) are found.
func (p pattern) mayMatch(found []bool) bool {
	if p.lits == nil {
		return true
	}
	for _, id := range p.ids {
		if found[id] {
			return true
		}
	}
	return false
}

// literalSet is every prefilter literal of a catalog, each once, in an
// Aho-Corasick automaton (github.com/BobuSumisu/aho-corasick, the one
// gitleaks uses for its keyword prefilter): one linear pass over a text
// finds all of them that it contains.
type literalSet struct {
	index map[string]int
	list  []string
	trie  *ahocorasick.Trie
}

// add gives p's literals their ids, adding new ones.
func (ls *literalSet) add(p *pattern) {
	if ls.index == nil {
		ls.index = map[string]int{}
	}
	p.ids = p.ids[:0]
	for _, l := range p.lits {
		if l == "" {
			// The automaton never reports an empty pattern: the
			// pattern must always run (it cannot occur: literals are
			// at least one rune).
			p.lits, p.ids = nil, nil
			return
		}
		id, ok := ls.index[l]
		if !ok {
			id = len(ls.list)
			ls.index[l] = id
			ls.list = append(ls.list, l)
		}
		p.ids = append(p.ids, id)
	}
}

// build makes the automaton once every pattern is added.
func (ls *literalSet) build() {
	ls.trie = ahocorasick.NewTrieBuilder().AddStrings(ls.list).Build()
}

// find reports, per literal id, whether lower contains that literal.
func (ls *literalSet) find(lower string) []bool {
	found := make([]bool, len(ls.list))
	if len(ls.list) == 0 {
		return found
	}
	ls.trie.Walk([]byte(lower), func(_, _, id int64) bool {
		found[id] = true
		return true
	})
	return found
}
