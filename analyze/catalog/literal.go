package catalog

import (
	"regexp"
	"regexp/syntax"
	"strings"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// pattern is a compiled match condition with a cheap prefilter: pre says
// which lower-case literals a text must contain for re to match it at all.
// The catalog finds every literal of every pattern in one pass over the
// lowered text (literalSet); a pattern whose prefilter fails is skipped
// before its regexp runs. Go's regexps are linear but not fast enough to
// run all of the catalog's patterns on every line of a busy node's journal
// (a (?i) pattern with \b costs about 0.2 µs a byte), and neither was a
// strings.Contains per literal: the catalog's hundreds of literals, each a
// scan of the line, were half the analyzer's CPU on a 2,000-container
// node's logs.
type pattern struct {
	re *regexp.Regexp
	// pre is the prefilter (nil: none known, always run re): re can match
	// only a text that satisfies one of its branches. A branch is a list
	// of clauses, all of which must hold; a clause holds when the text
	// contains any one of its literals. `\bshim (exited unexpectedly|died)`
	// is one branch of two clauses, [shim ] and [exited unexpectedly, died]:
	// a containerd line naming a shim passes the first only.
	pre []branch
}

// branch is clauses that must all hold; a clause is literal ids (in the
// catalog's literalSet) of which the text must contain one.
type branch [][]int

func compilePattern(p string) (pattern, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return pattern{}, err
	}
	return pattern{re: re}, nil
}

// prefilter is the lower-cased literal conditions of a regexp: branches
// of clauses, as pattern.pre (nil: none known).
func prefilter(expr string) [][][]string {
	st, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	re := st.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		subs = re.Sub
	}
	var out [][][]string
	for _, sub := range subs {
		cnf := requiredClauses(sub)
		if len(cnf) == 0 {
			return nil // this branch may match anything
		}
		out = append(out, cnf)
	}
	return out
}

// minLiteral is the shortest literal worth filtering on.
const minLiteral = 3

// maxLiteral is the longest prefix of a literal the automaton holds: the
// automaton keeps a 2 KiB transition table per state (a state per distinct
// prefix), 16 MB for the catalog's 615 whole literals, 9 MB at 16 bytes,
// which select as well as the whole on the 2,000-container bundle's logs
// (at 8 bytes an inspect took 1.1 s of user CPU instead of 0.7: prefixes
// such as "failed t" are in most failure lines, so more regexps run).
const maxLiteral = 16

// requiredClauses returns clauses that every match of re satisfies: each
// is strings (lower-cased) of which a match contains at least one; nil
// when it cannot tell. It only ever returns conditions a match must meet,
// so filtering on them never loses a match (FuzzPrefilterKeepsMatches).
func requiredClauses(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpLiteral:
		if l := foldLower(string(re.Rune)); len(l) >= minLiteral {
			return [][]string{{l}}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredClauses(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredClauses(re.Sub[0])
		}
	case syntax.OpConcat:
		// Every part must match: all of their clauses hold.
		var out [][]string
		for _, sub := range re.Sub {
			out = append(out, requiredClauses(sub)...)
		}
		return out
	case syntax.OpAlternate:
		// One of the branches matches: of each branch's clauses the most
		// selective (longest shortest literal), all of them one clause.
		var out []string
		for _, sub := range re.Sub {
			best := mostSelective(requiredClauses(sub))
			if best == nil {
				return nil
			}
			out = append(out, best...)
		}
		return [][]string{out}
	}
	return nil
}

// mostSelective is the clause whose shortest literal is longest.
func mostSelective(clauses [][]string) []string {
	var best []string
	bestLen := 0
	for _, c := range clauses {
		if m := shortest(c); m > bestLen {
			best, bestLen = c, m
		}
	}
	return best
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

// foldLower is the text the prefilter searches: lower-cased, and U+017F
// (long s) as "s", the one rune that (?i) folds onto an ASCII letter and
// strings.ToLower leaves as it is (`(?i)shim` matches "ſhim").
func foldLower(s string) string {
	s = strings.ToLower(s)
	if strings.Contains(s, "ſ") {
		s = strings.ReplaceAll(s, "ſ", "s")
	}
	return s
}

// mayMatch is the prefilter: false only when re cannot match a text whose
// literals (of the catalog's literalSet) are found.
func (p pattern) mayMatch(found []bool) bool {
	if p.pre == nil {
		return true
	}
	for _, b := range p.pre {
		if b.holds(found) {
			return true
		}
	}
	return false
}

func (b branch) holds(found []bool) bool {
	for _, clause := range b {
		hit := false
		for _, id := range clause {
			if found[id] {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
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

// add sets p's prefilter from its expression, giving new literals ids.
func (ls *literalSet) add(p *pattern) {
	if ls.index == nil {
		ls.index = map[string]int{}
	}
	p.pre = nil
	for _, cnf := range prefilter(p.re.String()) {
		var b branch
		for _, clause := range cnf {
			ids := make([]int, 0, len(clause))
			for _, l := range clause {
				if len(l) > maxLiteral {
					l = l[:maxLiteral] // a text with l has its prefix
				}
				id, ok := ls.index[l]
				if !ok {
					id = len(ls.list)
					ls.index[l] = id
					ls.list = append(ls.list, l)
				}
				ids = append(ids, id)
			}
			b = append(b, ids)
		}
		p.pre = append(p.pre, b)
	}
}

// build makes the automaton once every pattern is added.
func (ls *literalSet) build() {
	ls.trie = ahocorasick.NewTrieBuilder().AddStrings(ls.list).Build()
}

// find reports, per literal id, whether lower contains that literal.
func (ls *literalSet) find(lower string) []bool {
	found, _ := ls.findIDs(lower)
	return found
}

// findIDs is find and the ids found, each once: a record holds a handful of
// the catalog's literals, and the classes they wake are looked up from
// those instead of from a pass over every literal's flag (issue #19).
func (ls *literalSet) findIDs(lower string) (found []bool, ids []int) {
	found = make([]bool, len(ls.list))
	if len(ls.list) == 0 {
		return found, nil
	}
	ls.trie.Walk([]byte(lower), func(_, _, id int64) bool {
		if !found[id] {
			found[id] = true
			ids = append(ids, int(id))
		}
		return true
	})
	return found, ids
}
