package redact

import "strings"

// Prefilter bits beyond the pattern rules' indexes (a rule i uses bit i).
const (
	// bitKeyword: the line holds a word a secret-looking key contains.
	bitKeyword = 63 - iota
	// bitPair: the line may hold a {key, value} pair in text form.
	bitPair
	// bitPEM: the line may start or end a PEM private key.
	bitPEM
	// bitMySQL: the line mentions a program with its own password
	// arguments (programs.go): mysql -pX, redis-cli -a X, sshpass -p X.
	bitMySQL
	// bitVendor: the line holds a keyword of a vendor token rule (vendor.go).
	bitVendor
	// bitURL: the line may hold a URL's or Oracle connect string's password (urls.go).
	bitURL
	maxPatternBits = bitURL
)

// triggers finds, in one pass over a line, which rules can possibly match
// it, so the regexps run only on the few lines that need them. Running ~20
// substring searches per line was the redactor's main cost; a pair table
// indexed by two bytes costs one load per byte. Words match in any ASCII
// case: the scan folds each byte as it reads it, because lowercasing every
// line into a buffer first cost as much as the scan itself.
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
	// third is word[2] (0 for a two-byte word): checked before the whole
	// word, it rejects most candidates for one compare (the vendor
	// keywords put dozens of words behind common pairs like "co").
	third byte
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
		tr := trigger{word: w, mask: 1 << bit}
		if len(w) > 2 {
			tr.third = w[2]
		}
		t.groups[g] = append(t.groups[g], tr)
	}
}

// scan returns the bits of every rule whose trigger occurs in s, in any
// ASCII case.
func (t *triggers) scan(s string) uint64 {
	m := t.always
	n := len(s)
	if n == 0 {
		return m
	}
	prev := lowerByte(s[0])
	for i := 1; i < n; i++ {
		c := lowerByte(s[i])
		m |= t.single[prev]
		if g := t.pair[uint16(prev)<<8|uint16(c)]; g != 0 {
			var third byte
			if i+1 < n {
				third = lowerByte(s[i+1])
			}
			for _, tr := range t.groups[g] {
				if m&tr.mask == 0 && (tr.third == 0 || tr.third == third) && hasPrefixFold(s[i-1:], tr.word) {
					m |= tr.mask
				}
			}
		}
		prev = c
	}
	return m | t.single[prev]
}

// lowerByte folds an ASCII capital to lowercase; other bytes are kept.
func lowerByte(c byte) byte {
	if c-'A' < 26 {
		c += 'a' - 'A'
	}
	return c
}

// hasPrefixFold: s starts with lower (lowercase) in any ASCII case.
func hasPrefixFold[T string | []byte](s string, lower T) bool {
	if len(s) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if lowerByte(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// buildTriggers indexes every rule's trigger words.
func buildTriggers(rules []patternRule, extraKeys []string, defaults bool) *triggers {
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
	for _, w := range prefilterWordsUnicode {
		t.add(w, bitKeyword)
		t.add(strings.ToUpper(w[:2])+w[2:], bitKeyword) // a capital first letter (two bytes in Cyrillic)
	}
	// --user name:password and -u name:password (ctr, curl).
	t.add("--user", bitKeyword)
	t.add(" -u ", bitKeyword)
	for _, w := range programTriggers() {
		t.add(w, bitMySQL)
	}
	for _, w := range extraKeys {
		t.add(w, bitKeyword)
	}
	t.add("value", bitPair)
	t.add("@", bitURL)
	if defaults {
		for _, w := range vendorWords() {
			t.add(w, bitVendor)
		}
	}
	t.add("private key", bitPEM)
	return t
}
