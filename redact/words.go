package redact

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"
)

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
	// info is each byte's code, whether it is a token byte, and
	// whether it is a word of its own (infoSingle) or starts a word while
	// not being ASCII (infoStart). near has a bit for the codes of the
	// first three bytes of every word starting with an ASCII byte (for a
	// two-byte word, with every third code), indexed by the codes
	// themselves: 4 KiB, so mask needs no hash per byte.
	info [256]uint32
	near [nearWords]uint64
	// nonLetter marks the ASCII bytes other than letters that words hold
	// in their first three (codeOf).
	nonLetter [128]bool
	// codeBase, codeStart and codeWords are the words again, by the codes
	// of their first three bytes (two-byte words under each third code):
	// the words of the r-th set bit of near are codeWords[codeStart[r]:
	// codeStart[r+1]], and codeBase counts the set bits of near before
	// each of its words, so a wake finds its words with one popcount.
	// Through tri, triKey and buckets (48 KiB, a random place of each per
	// wake) a wake cost about 10 ns, most of it cache misses: a quarter of
	// the line scan.
	codeBase  [nearWords]uint16
	codeStart []uint16
	codeWords []codeEntry
	// stale: words were added since seal built the code index. Building
	// it after each word made a table of a few hundred words cost 10 ms
	// to fill, once per Redactor.
	stale bool
	// maxRec is the length of the longest word added by addRecorded.
	maxRec int
	// runBit is set by mask when s holds a run of at least minLongWord
	// token bytes ([A-Za-z0-9_.-]) with a capital, a small letter and a
	// digit in it: the prefixed-token shape needs one (prefixed.go), and
	// looking for it in the same pass saved a second read of every line.
	runBit uint64
}

// codeEntry is a word's first eight bytes (as wordEntry's word8, mask8),
// its value, and the word itself, for what follows the eight bytes.
type codeEntry struct {
	word8, mask8, val uint64
	w                 *wordEntry
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

// info's bits: the byte's code (codeBits wide, at the bottom, so that
// h<<codeBits | info shifts the codes along; bits above nearMask do not
// matter there), infoSingle, infoStart, and infoToken, the sign bit (a
// token byte: tokenClass; mixedRun reads a long run's classes).
const (
	infoSingle = 1 << 27
	infoStart  = 1 << 28
	infoToken  = 1 << 31
)

// codeBits is the width of a byte's code in near's index. A letter (any
// case) is 1-26. The other bytes that a word holds in its first three
// (' ', ':', '-', '"', a digit...) get 27-30 in codeRank's order, and 31
// when more share; every other byte is 0, and so is a byte of 0x80 or more
// (words starting with one are found by infoStart). Bytes sharing a code
// cost a look at the buckets, never a missed word; bytes no word begins
// with cost nothing: with digits and punctuation in a few codes, " po" or
// "=ap" sent a log line's every third byte or so to the buckets.
const (
	codeBits  = 5
	nearMask  = 1<<(3*codeBits) - 1
	nearWords = (nearMask + 1) / 64
)

// codeRank lists bytes that are not letters, the most common in log text
// first: the first four that words use get codes of their own.
const codeRank = " \"=:/.-_,0123456789'()[]{}<>;&@#$%*+!?|~^`\\"

// codeOf is c's code given the non-letters words use (nonLetter).
func (t *wordTable) codeOf(c byte) uint32 {
	c = lowerByte(c)
	switch {
	case c >= 'a' && c <= 'z':
		return uint32(c-'a') + 1
	case c >= 0x80 || !t.nonLetter[c]:
		return 0
	}
	code := uint32(27)
	for i := 0; i < len(codeRank) && code < 31; i++ {
		if codeRank[i] == c {
			return code
		}
		if t.nonLetter[codeRank[i]] {
			code++
		}
	}
	return 31
}

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
	// word8 is the word's first eight bytes (fewer: mask8 says which),
	// little-endian, for at's one compare.
	word8, mask8 uint64
	// rec: maskAt notes where the word occurs (maskRec's occ), every
	// time, also once its bits are set.
	rec bool
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
	t.addEntry(word, exact, free, false, val)
}

// addRecorded indexes word (ASCII, two bytes or more) with val, and
// maskRec notes each place it occurs.
func (t *wordTable) addRecorded(word string, val uint64) {
	if len(word) < 2 || !isASCII(word) {
		panic("wordTable: a recorded word must be ASCII and two bytes or more: " + word)
	}
	t.addEntry(word, "", false, true, val)
	t.maxRec = max(t.maxRec, len(word))
}

func (t *wordTable) addEntry(word, exact string, free, rec bool, val uint64) {
	b := []byte(word)
	for i, c := range b {
		b[i] = foldTable[c]
	}
	word = string(b)
	t.initInfo()
	var slot *uint16
	switch {
	case len(b) == 0:
		panic("wordTable: an empty word")
	case len(b) == 1:
		t.single[b[0]] |= val
		t.markByte(b[0], infoSingle)
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
	e := newWordEntry(word, val, exact, free)
	e.rec = rec
	t.buckets[*slot] = append(t.buckets[*slot], e)
	if t.addNonLetters(b) {
		t.recode() // the codes changed: near is built anew
	} else {
		t.markNear(b)
	}
	t.stale = true
}

// seal builds codeBase, codeStart and codeWords from near and the
// buckets, once the table's words are all added: mask may be called then,
// from any number of goroutines.
func (t *wordTable) seal() {
	t.stale = false
	n := 0
	for w := range t.near {
		t.codeBase[w] = uint16(n)
		n += bits.OnesCount64(t.near[w])
	}
	t.codeStart = make([]uint16, n+2)
	// each calls fn with the rank of every set bit of near the word e is
	// looked for at (its words start with an ASCII byte).
	each := func(e *wordEntry, fn func(r int)) {
		if e.word[0] >= 0x80 {
			return // found by infoStart
		}
		x := t.codeOf(e.word[0])<<(2*codeBits) | t.codeOf(e.word[1])<<codeBits
		if len(e.word) > 2 {
			fn(t.codeRank(x | t.codeOf(e.word[2])))
			return
		}
		for c3 := uint32(0); c3 < 1<<codeBits; c3++ {
			fn(t.codeRank(x | c3))
		}
	}
	for g := range t.buckets {
		for k := range t.buckets[g] {
			each(&t.buckets[g][k], func(r int) { t.codeStart[r+2]++ })
		}
	}
	for r := 2; r < len(t.codeStart); r++ {
		t.codeStart[r] += t.codeStart[r-1]
	}
	// codeStart[r+1] is now where bit r's words go; filled, it is where they end.
	t.codeWords = make([]codeEntry, t.codeStart[n+1])
	for g := range t.buckets {
		for k := range t.buckets[g] {
			e := &t.buckets[g][k]
			each(e, func(r int) {
				t.codeWords[t.codeStart[r+1]] = codeEntry{word8: e.word8, mask8: e.mask8, val: e.val, w: e}
				t.codeStart[r+1]++
			})
		}
	}
	t.codeStart = t.codeStart[:n+1]
}

// codeRank is the rank of the set bit x of near among its set bits.
func (t *wordTable) codeRank(x uint32) int {
	return int(t.codeBase[x>>6]) + bits.OnesCount64(t.near[x>>6]&(1<<(x&63)-1))
}

// initInfo fills info the first time a word is added.
func (t *wordTable) initInfo() {
	if t.info['a'] != 0 {
		return // 'a' has a code: never 0 once filled
	}
	for c := range t.info {
		t.info[c] = t.codeOf(byte(c))
		if tokenClass[c] != 0 {
			t.info[c] |= infoToken
		}
	}
}

// addNonLetters notes the ASCII bytes other than letters among the first
// three of b (folded) and says whether there was a new one.
func (t *wordTable) addNonLetters(b []byte) bool {
	if b[0] >= 0x80 {
		return false // found by infoStart, not by codes
	}
	added := false
	for _, c := range b[:min(3, len(b))] {
		if c < 0x80 && !(c >= 'a' && c <= 'z') && !t.nonLetter[c] {
			t.nonLetter[c] = true
			added = true
		}
	}
	return added
}

// recode gives every byte its code again and rebuilds near from every word.
func (t *wordTable) recode() {
	for c := range t.info {
		t.info[c] = t.info[c]&^(1<<codeBits-1) | t.codeOf(byte(c))
	}
	t.near = [len(t.near)]uint64{}
	for _, b := range t.buckets {
		for _, e := range b {
			t.markNear([]byte(e.word))
		}
	}
}

// markByte sets bit in the info of c (folded) and of its capital.
func (t *wordTable) markByte(c byte, bit uint32) {
	t.info[c] |= bit
	if c >= 'a' && c <= 'z' {
		t.info[c-'a'+'A'] |= bit
	}
}

// markNear makes mask look for the word b (folded, two bytes or more) at
// its first three bytes' codes.
func (t *wordTable) markNear(b []byte) {
	if b[0] >= 0x80 {
		t.markByte(b[0], infoStart)
		return
	}
	set := func(c3 uint32) {
		h := t.codeOf(b[0])<<(2*codeBits) | t.codeOf(b[1])<<codeBits | c3
		t.near[h>>6] |= 1 << (h & 63)
	}
	if len(b) == 2 {
		for c3 := uint32(0); c3 < 1<<codeBits; c3++ {
			set(c3)
		}
		return
	}
	set(t.codeOf(b[2]))
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
//
// Each byte costs one load of info (its code and flags) and one of near,
// which says whether a word may start at the byte two back; the words of
// those codes (codeWords) are looked at only there (five bytes in a
// hundred of log text). The loads of successive bytes do not wait on each
// other. Hashing every byte's last two and three bytes into the buckets
// was half of BenchmarkRedactLogText.
func (t *wordTable) mask(s string, m uint64) uint64 {
	m, _ = t.maskRec(s, m, nil, false)
	return m
}

// maskRec is mask, and when rec it appends to occ the start of each
// occurrence in s of the words added by addRecorded, in order (starts
// never decrease; a start is noted once even when two words begin there):
// the key rules then look only at the keys holding one (scan.go), instead
// of asking every key of a line whether it names a secret.
func (t *wordTable) maskRec(s string, m uint64, occ []int, rec bool) (uint64, []int) {
	if t.stale {
		panic("wordTable: mask before seal")
	}
	var h, run uint32
	for i := 0; i < len(s); i++ {
		i, h, run = t.quiet(s, i, h, run)
		if i >= len(s) {
			break
		}
		if run == minLongWord && m&t.runBit == 0 && mixedRun(s[i+1-minLongWord:]) {
			m |= t.runBit
		}
		if k := t.info[s[i]]; k&(infoSingle|infoStart) != 0 {
			m, occ = t.maskByte(s, i, k, m, occ, rec)
		}
		if x := h & nearMask; t.near[x>>6]&(1<<(x&63)) != 0 {
			m, occ = t.maskCodes(s, i-2, x, m, occ, rec)
		}
	}
	if len(s) >= 2 {
		// A two-byte word at the end: no third byte (its words are under every third code).
		x := (t.info[s[len(s)-2]]<<codeBits | t.info[s[len(s)-1]]) << codeBits & nearMask
		if t.near[x>>6]&(1<<(x&63)) != 0 {
			m, occ = t.maskCodes(s, len(s)-2, x, m, occ, rec)
		}
	}
	return m, occ
}

// maskCodes adds the words of two bytes or more found at start whose first
// bytes have the codes x, a set bit of near. When rec every word is
// compared (a recorded word is noted at each place); else a word whose
// bits are all set already is not.
func (t *wordTable) maskCodes(s string, start int, x uint32, m uint64, occ []int, rec bool) (uint64, []int) {
	if start < 0 {
		return m, occ
	}
	r := t.codeRank(x)
	es := t.codeWords[t.codeStart[r]:t.codeStart[r+1]]
	if start+8 <= len(s) {
		// The eight bytes folded once for all the words; most differ
		// from them, and are turned away by one compare.
		y := foldASCII8(load8(s[start:]))
		for k := range es {
			if e := &es[k]; (rec || m&e.val != e.val) && y&e.mask8 == e.word8 && e.w.after8(&s, start) {
				m |= e.val
				if rec && e.w.rec {
					occ = noteStart(occ, start)
				}
			}
		}
		return m, occ
	}
	for k := range es {
		if e := &es[k]; (rec || m&e.val != e.val) && e.w.at(&s, start) {
			m |= e.val
			if rec && e.w.rec {
				occ = noteStart(occ, start)
			}
		}
	}
	return m, occ
}

// quiet reads s from i on and returns at the first byte that asks for a
// look at the buckets, or is the minLongWord-th of a run of token bytes
// (or at len(s)), with the scan state after that byte: h holds the codes
// of the last bytes (the low three count), run the length of the token
// run so far. It calls nothing, so the state stays in registers (with a
// call in the loop the compiler stored it to the stack on every byte),
// and it is few instructions a byte, which is what bounds it: the run's
// classes are read once, when it is long enough (mixedRun), not counted
// at every byte (a third of this loop's instructions).
func (t *wordTable) quiet(s string, i int, h, run uint32) (int, uint32, uint32) {
	info, near, rest := &t.info, &t.near, s[i:] // no nil or bounds checks in the loop
	j := 0
	// Two bytes a round: the loop's own compare and jump, and the
	// register moves the compiler puts at its top, once per two bytes.
	for ; j+2 <= len(rest); j += 2 {
		k := info[rest[j]]
		// A token byte keeps the run (its sign bit is set), another ends it.
		run = (run + 1) & uint32(int32(k)>>31)
		h = h<<codeBits | k
		if x := h & nearMask; run == minLongWord || k&(infoSingle|infoStart) != 0 || near[x>>6]&(1<<(x&63)) != 0 {
			return i + j, h, run
		}
		k = info[rest[j+1]]
		run = (run + 1) & uint32(int32(k)>>31)
		h = h<<codeBits | k
		if x := h & nearMask; run == minLongWord || k&(infoSingle|infoStart) != 0 || near[x>>6]&(1<<(x&63)) != 0 {
			return i + j + 1, h, run
		}
	}
	if j < len(rest) {
		k := info[rest[j]]
		run = (run + 1) & uint32(int32(k)>>31)
		h = h<<codeBits | k
		if x := h & nearMask; run == minLongWord || k&(infoSingle|infoStart) != 0 || near[x>>6]&(1<<(x&63)) != 0 {
			return i + j, h, run
		}
	}
	return len(s), h, run
}

// mixedRun: the run of token bytes s starts with holds a capital, a small
// letter and a digit. It is read once per run of minLongWord bytes or
// more, so the bytes it reads past the scan are read once more at most.
func mixedRun(s string) bool {
	var cls uint8
	for i := 0; i < len(s) && tokenClass[s[i]] != 0; i++ {
		if cls |= tokenClass[s[i]]; cls&7 == 7 {
			return true
		}
	}
	return false
}

// maskByte adds the word s[i] is, and the words starting at i when their
// first byte is not ASCII (near holds no code for those).
func (t *wordTable) maskByte(s string, i int, k uint32, m uint64, occ []int, rec bool) (uint64, []int) {
	m |= t.single[foldTable[s[i]]]
	if k&infoStart != 0 {
		m, occ = t.maskFrom(s, i, m, occ, rec)
	}
	return m, occ
}

// maskFrom adds the words of two bytes or more starting at s[start:].
func (t *wordTable) maskFrom(s string, start int, m uint64, occ []int, rec bool) (uint64, []int) {
	if start < 0 || start+2 > len(s) {
		return m, occ
	}
	w := uint32(foldTable[s[start]])<<8 | uint32(foldTable[s[start+1]])
	if g := t.duo[duoHash(w)]; g != 0 {
		m, occ = t.maskAt(s, start, g, m, occ, rec)
	}
	if start+2 < len(s) {
		w = w<<8 | uint32(foldTable[s[start+2]])
		if h := triHash(w); t.tri[h] != 0 && (t.triKey[h] == w || t.triKey[h] == manyKeys) {
			m, occ = t.maskAt(s, start, t.tri[h], m, occ, rec)
		}
	}
	return m, occ
}

// maskAt adds the words of bucket g found at start; a word whose bits are
// all set already is not compared, unless it is recorded and rec is set.
func (t *wordTable) maskAt(s string, start int, g uint16, m uint64, occ []int, rec bool) (uint64, []int) {
	b := t.buckets[g]
	if start+8 <= len(s) {
		// The eight bytes folded once for the whole bucket; most of its
		// words differ from them, and are turned away by one compare.
		x := foldASCII8(load8(s[start:]))
		for k := range b {
			if e := &b[k]; (m&e.val != e.val || e.rec && rec) && x&e.mask8 == e.word8 && e.after8(&s, start) {
				m |= e.val
				if e.rec && rec {
					occ = noteStart(occ, start)
				}
			}
		}
		return m, occ
	}
	for k := range b {
		if e := &b[k]; (m&e.val != e.val || e.rec && rec) && e.at(&s, start) {
			m |= e.val
			if e.rec && rec {
				occ = noteStart(occ, start)
			}
		}
	}
	return m, occ
}

// noteStart appends start to occ unless it is occ's last already (two
// recorded words starting at one place: "pw", "pwd").
func noteStart(occ []int, start int) []int {
	if n := len(occ); n > 0 && occ[n-1] == start {
		return occ
	}
	// Doubling, not append's quarter: a line of 150 000 keywords
	// allocated its list five times over.
	return appendDoubling(occ, start)
}

// at: the word occurs in s at start.
func (e *wordEntry) at(s *string, start int) bool {
	if start+8 <= len(*s) {
		// The first eight bytes at once: most looks at a bucket end in
		// its first word's fourth or fifth byte ("container" against
		// "contrase"), and a loop folding byte by byte cost more than
		// the look itself.
		return foldASCII8(load8((*s)[start:]))&e.mask8 == e.word8 && e.after8(s, start)
	}
	return hasPrefixFold((*s)[start:], e.word) && e.spelled(s, start)
}

// after8 is at once the word's first eight bytes (all of it, if shorter)
// are known to be at start.
func (e *wordEntry) after8(s *string, start int) bool {
	return (len(e.word) <= 8 || hasPrefixFold((*s)[start+8:], e.word[8:])) && e.spelled(s, start)
}

// spelled: the word at start is spelled as exact says and, when free, not
// glued to a word before it.
func (e *wordEntry) spelled(s *string, start int) bool {
	return strings.HasPrefix((*s)[start:], e.exact) && !(e.free && start > 0 && isREWordByte((*s)[start-1]))
}

// sharedPrefix is the length of the longest common prefix of a and b,
// eight bytes compared at once.
func sharedPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := load8(a[i:]) ^ load8(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// sharedSuffix is the length of the longest common suffix of a and b.
func sharedSuffix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := load8(a[len(a)-i-8:]) ^ load8(b[len(b)-i-8:]); x != 0 {
			return i + bits.LeadingZeros64(x)/8
		}
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// isASCII: s holds no byte of 0x80 or more.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// load8 is the first eight bytes of s (at least eight long), little-endian.
func load8(s string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8)) // read only
}

// newWordEntry makes the entry of word (folded).
func newWordEntry(word string, val uint64, exact string, free bool) wordEntry {
	e := wordEntry{word: word, val: val, exact: exact, free: free}
	for i := 0; i < 8 && i < len(word); i++ {
		e.word8 |= uint64(word[i]) << (8 * i)
		e.mask8 |= 0xff << (8 * i)
	}
	return e
}

// foldASCII8 folds the ASCII capitals among the eight bytes of x to
// lowercase and keeps every other byte, as foldTable does byte by byte.
func foldASCII8(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	low7 := x &^ high
	// Per byte: the high bit is set where the low seven bits are 'A' or
	// more and 'Z' or less, and the byte itself is ASCII.
	upper := (low7 + (0x80-'A')*ones) &^ (low7 + (0x80-'Z'-1)*ones) &^ x & high
	return x | upper>>2
}
