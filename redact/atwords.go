package redact

import (
	"regexp"
	"strings"
)

// startWord is a literal every match of a rule's regexp starts with; with
// boundary, only where the regexp's \b holds before it.
type startWord struct {
	w        string
	boundary bool
}

// atWords is a locate for a rule whose every match starts with one of
// words (exact case): what re.FindAllStringSubmatchIndex finds, from re
// anchored at each place a word starts after the last match, on maxLen+1
// bytes first (anchoredMatch). On a 1 MiB line of "password is X1 " the
// whole-line NFA of the rule cost 150 ms. FuzzHandMatchers holds it to re.
func atWords(re *regexp.Regexp, words []startWord) func(string) [][]int {
	anchored := regexp.MustCompile(`^(?:` + re.String() + `)`)
	maxLen := regexMaxLen(re.String())
	return func(ln string) [][]int {
		var locs [][]int
		// next[i]: where words[i] next starts at or after from, len(ln) for
		// never; each word's search only moves forward.
		next := make([]int, len(words))
		for i := range next {
			next[i] = -1
		}
		for from := 0; from < len(ln); {
			p := len(ln)
			for i, w := range words {
				if next[i] < from {
					next[i] = nextStart(ln, w, from)
				}
				p = min(p, next[i])
			}
			if p >= len(ln) {
				break
			}
			m := anchoredMatch(anchored, ln[p:], maxLen)
			if m == nil {
				from = p + 1
				continue
			}
			for k := range m {
				if m[k] >= 0 {
					m[k] += p
				}
			}
			locs = append(locs, m)
			from = max(m[1], p+1)
		}
		return locs
	}
}

// nextStart is the first place at or after from where w starts, or len(ln).
func nextStart(ln string, w startWord, from int) int {
	for from < len(ln) {
		j := strings.Index(ln[from:], w.w)
		if j < 0 {
			break
		}
		p := from + j
		if !w.boundary || p == 0 || !isREWordByte(ln[p-1]) {
			return p
		}
		from = p + 1
	}
	return len(ln)
}
