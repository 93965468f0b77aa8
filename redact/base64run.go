package redact

import "strings"

// base64RunLocs finds what the regexp [A-Za-z0-9+/]*(?:W1|W2|...)[A-Za-z0-9+/=]*
// finds with FindAllStringSubmatchIndex, without running it: its NFA over
// a 1 MiB base64 run cost 100 ms (BenchmarkAdversarialLines' "base64
// private"). A match starts where the run of [A-Za-z0-9+/] holding a word
// starts (the leftmost place one can) and ends where the run of
// [A-Za-z0-9+/=] from there ends (wherever the greedy class leaves the
// word, the class after it reaches the same end). TestBase64RunLocsAgrees
// holds it to the regexp.
func base64RunLocs(words []string) func(string) [][]int {
	return func(ln string) [][]int {
		var locs locList
		next := make([]int, len(words)) // each word's next place at or after from (-1: none left)
		for i := range next {
			next[i] = -2 // not looked for yet
		}
		for from := 0; ; {
			p, w := -1, 0
			for i, word := range words {
				if next[i] != -1 && next[i] < from {
					if j := strings.Index(ln[from:], word); j >= 0 {
						next[i] = from + j
					} else {
						next[i] = -1
					}
				}
				if next[i] >= 0 && (p < 0 || next[i] < p) {
					p, w = next[i], i
				}
			}
			if p < 0 {
				return locs.locs
			}
			s := p
			for s > from && base64Class[ln[s-1]]&1 != 0 {
				s--
			}
			e := p + len(words[w])
			for e < len(ln) && base64Class[ln[e]] != 0 {
				e++
			}
			locs.add(s, e)
			from = e
		}
	}
}

// base64Class: 1 for [A-Za-z0-9+/], 2 for '='.
var base64Class = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			t[c] = 1
		case c == '=':
			t[c] = 2
		}
	}
	return t
}()
