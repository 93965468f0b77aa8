package redact

import "bytes"

// Prefilter bits beyond the pattern rules' indexes (a rule i uses bit i).
const (
	// bitKeyword: the line holds a word a secret-looking key contains.
	bitKeyword = 63 - iota
	// bitPair: the line may hold a {key, value} pair in text form.
	bitPair
	// bitPEM: the line may start or end a PEM private key.
	bitPEM
	maxPatternBits = bitPEM
)

// triggers finds, in one pass over a lowercased line, which rules can
// possibly match it, so the regexps run only on the few lines that need
// them. Running ~20 substring searches per line was the redactor's main cost;
// a pair table indexed by two bytes costs one load per byte.
type triggers struct {
	// always holds the rules without triggers (user patterns).
	always uint64
	// single maps a one-byte trigger to its bits.
	single [256]uint64
	// pair maps two leading bytes to an index into groups (0: none).
	pair   [1 << 16]uint8
	groups [][]trigger
}

type trigger struct {
	word []byte
	mask uint64
}

func (t *triggers) add(word string, bit int) {
	w := []byte(word)
	for i, c := range w {
		if c >= 'A' && c <= 'Z' {
			w[i] = c + 'a' - 'A'
		}
	}
	switch {
	case len(w) == 0:
		t.always |= 1 << bit
	case len(w) == 1:
		t.single[w[0]] |= 1 << bit
	default:
		k := uint16(w[0])<<8 | uint16(w[1])
		g := t.pair[k]
		if g == 0 {
			if len(t.groups) == 0 {
				t.groups = append(t.groups, nil) // index 0 means none
			}
			if len(t.groups) > 255 {
				t.always |= 1 << bit // table full: no prefilter for this word
				return
			}
			g = uint8(len(t.groups))
			t.groups = append(t.groups, nil)
			t.pair[k] = g
		}
		t.groups[g] = append(t.groups[g], trigger{word: w, mask: 1 << bit})
	}
}

// scan returns the bits of every rule whose trigger occurs in lower.
func (t *triggers) scan(lower []byte) uint64 {
	m := t.always
	n := len(lower)
	if n == 0 {
		return m
	}
	for i := 0; i < n-1; i++ {
		c := lower[i]
		m |= t.single[c]
		if g := t.pair[uint16(c)<<8|uint16(lower[i+1])]; g != 0 {
			for _, tr := range t.groups[g] {
				if m&tr.mask == 0 && bytes.HasPrefix(lower[i:], tr.word) {
					m |= tr.mask
				}
			}
		}
	}
	return m | t.single[lower[n-1]]
}

// buildTriggers indexes every rule's trigger words.
func buildTriggers(rules []patternRule, extraKeys []string) *triggers {
	t := &triggers{}
	for i, r := range rules {
		if i >= maxPatternBits {
			break // rules past the bits always run (see patterns)
		}
		if len(r.any) == 0 && len(r.anyLower) == 0 {
			t.always |= 1 << i
		}
		for _, w := range r.any {
			t.add(w, i)
		}
		for _, w := range r.anyLower {
			t.add(w, i)
		}
	}
	for _, w := range prefilterWords {
		t.add(w, bitKeyword)
	}
	// --user name:password and -u name:password (ctr, curl).
	t.add("--user", bitKeyword)
	t.add(" -u ", bitKeyword)
	t.add("mysql", bitKeyword)
	for _, w := range extraKeys {
		t.add(w, bitKeyword)
	}
	t.add("value", bitPair)
	t.add("private key", bitPEM)
	return t
}
