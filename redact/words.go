package redact

import "strings"

// wordTable finds a set of words in a line, in any ASCII case, in one pass
// of a few table loads per byte. It replaced a table indexed by each pair of
// bytes: with gitleaks' 229 keywords behind it, common pairs ("co", "in",
// "ai", "ne") led to groups of up to 20 words, so half the bytes of a log
// line were checked against several words (BenchmarkRedactLogText spent a
// third of its time there). Here a word of three bytes or more is looked up
// by a hash of its first three bytes in a table small enough to stay in the
// L1 cache, and two-byte words by a hash of both; a hit is checked against
// the few words in its bucket. Single bytes (mask only) are a 256-entry
// table.
type wordTable struct {
	// single holds the values of one-byte words (used by mask only).
	single [256]uint64
	// tri maps triHash of a word's first three bytes to an index into
	// buckets (0: none); duo does the same for two-byte words.
	tri [1 << triBits]uint16
	duo [1 << duoBits]uint16
	// triKey is the three bytes (lowercase) of the words in each tri
	// bucket, or manyKeys when words of other bytes share it: a byte
	// triple that only hashes alike is turned away before any word is
	// compared (most tri hits were such collisions).
	triKey  [1 << triBits]uint32
	buckets [][]wordEntry
	// runBit is set by mask when s holds a run of at least minLongWord
	// token bytes ([A-Za-z0-9_.-]) with a capital, a small letter and a
	// digit in it: the prefixed-token shape needs one (prefixed.go), and
	// looking for it in the same pass saved a second read of every line.
	runBit uint64
}

// minLongWord is the shortest word prefixedTokenAt takes.
const minLongWord = minTokenBody + 3

// tokenClass: 8 for a token byte, with 1 for a capital, 2 for a small
// letter, 4 for a digit.
var tokenClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = 8 | 1
		case c >= 'a' && c <= 'z':
			t[c] = 8 | 2
		case c >= '0' && c <= '9':
			t[c] = 8 | 4
		case c == '_' || c == '-' || c == '.':
			t[c] = 8
		}
	}
	return t
}()

// manyKeys marks a tri bucket holding words of different first bytes (no
// three bytes are 0xffffffff).
const manyKeys = 0xffffffff

// triBits and duoBits size the hash tables: 16 KiB and 2 KiB, and with about
// 330 three-byte prefixes, one bucket in twenty is taken.
const (
	triBits = 13
	duoBits = 10
)

// wordEntry is one word (lowercase) and what it stands for (a trigger mask,
// a keyword index).
type wordEntry struct {
	word string
	val  uint64
	// exact, when not "", is how the word must start, case and all.
	exact string
	// free: the word counts only where no \w byte is glued before it.
	free bool
}

// foldTable folds ASCII capitals to lowercase and keeps every other byte.
var foldTable = func() (t [256]byte) {
	for c := range t {
		t[c] = lowerByte(byte(c))
	}
	return t
}()

// triHash and duoHash hash the last three and two bytes of w (Fibonacci
// hashing: the multiply spreads the bytes into the top bits).
func triHash(w uint32) uint32 { return (w & 0xffffff) * 0x9e3779b1 >> (32 - triBits) }
func duoHash(w uint32) uint32 { return (w & 0xffff) * 0x9e3779b1 >> (32 - duoBits) }

// add indexes word (folded to lowercase here) with val.
func (t *wordTable) add(word string, val uint64) { t.addExact(word, "", val) }

// addExact indexes word with val, found only where it starts with exact.
func (t *wordTable) addExact(word, exact string, val uint64) { t.addSpelled(word, exact, false, val) }

// addSpelled indexes word with val, found only where it starts with exact
// and, when free, not glued to a word byte before it.
func (t *wordTable) addSpelled(word, exact string, free bool, val uint64) {
	b := []byte(word)
	for i, c := range b {
		b[i] = foldTable[c]
	}
	word = string(b)
	var slot *uint16
	switch {
	case len(b) == 0:
		panic("wordTable: an empty word")
	case len(b) == 1:
		t.single[b[0]] |= val
		return
	case len(b) == 2:
		slot = &t.duo[duoHash(uint32(b[0])<<8|uint32(b[1]))]
	default:
		key := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
		h := triHash(key)
		if t.tri[h] == 0 {
			t.triKey[h] = key
		} else if t.triKey[h] != key {
			t.triKey[h] = manyKeys
		}
		slot = &t.tri[h]
	}
	if len(t.buckets) == 0 {
		t.buckets = append(t.buckets, nil) // index 0 means none
	}
	if *slot == 0 {
		if len(t.buckets) > 0xffff {
			panic("wordTable: too many words")
		}
		*slot = uint16(len(t.buckets))
		t.buckets = append(t.buckets, nil)
	}
	t.buckets[*slot] = append(t.buckets[*slot], wordEntry{word, val, exact, free})
}

// each calls fn with every word of two bytes or more occurring in s (in any ASCII case) and its
// start, in order of the position where the word's bucket is found (start
// +1 for two-byte words, +2 for longer ones).
func (t *wordTable) each(s string, fn func(e *wordEntry, start int)) {
	var w uint32
	for i := 0; i < len(s); i++ {
		w = w<<8 | uint32(foldTable[s[i]])
		if g := t.duo[duoHash(w)]; g != 0 && i >= 1 {
			t.check(s, i-1, g, fn)
		}
		if h := triHash(w); t.tri[h] != 0 && i >= 2 && (t.triKey[h] == w&0xffffff || t.triKey[h] == manyKeys) {
			t.check(s, i-2, t.tri[h], fn)
		}
	}
}

func (t *wordTable) check(s string, start int, g uint16, fn func(e *wordEntry, start int)) {
	for k := range t.buckets[g] {
		if e := &t.buckets[g][k]; e.at(&s, start) {
			fn(e, start)
		}
	}
}

// mask is the OR of the values of every word occurring in s. A word whose
// bits are all set already is not compared.
func (t *wordTable) mask(s string, m uint64) uint64 {
	var w uint32
	run, cls := 0, uint8(0) // the token run so far and its classes
	for i := 0; i < len(s); i++ {
		k := tokenClass[s[i]]
		keep := -int(k >> 3) // all ones in a token run, else 0
		run, cls = (run+1)&keep, (cls|k)&uint8(keep)
		if run >= minLongWord && cls&7 == 7 {
			m |= t.runBit
		}
		c := foldTable[s[i]]
		m |= t.single[c]
		w = w<<8 | uint32(c)
		if g := t.duo[duoHash(w)]; g != 0 && i >= 1 {
			m = t.maskAt(s, i-1, g, m)
		}
		if h := triHash(w); t.tri[h] != 0 && i >= 2 && (t.triKey[h] == w&0xffffff || t.triKey[h] == manyKeys) {
			m = t.maskAt(s, i-2, t.tri[h], m)
		}
	}
	return m
}

func (t *wordTable) maskAt(s string, start int, g uint16, m uint64) uint64 {
	for _, e := range t.buckets[g] {
		if m&e.val != e.val && e.at(&s, start) {
			m |= e.val
		}
	}
	return m
}

// at: the word occurs in s at start.
func (e *wordEntry) at(s *string, start int) bool {
	return hasPrefixFold((*s)[start:], e.word) && strings.HasPrefix((*s)[start:], e.exact) &&
		!(e.free && start > 0 && isREWordByte((*s)[start-1]))
}
