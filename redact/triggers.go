package redact

import (
	"strings"

	"github.com/rtsnap/rtsnap/internal/termcodes"
)

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
	// bitArgv: a JSON string naming a program with password arguments, or
	// "-u" (the JSON walker reads argv lists: json.go); only quietRecord
	// looks at it.
	bitArgv
	// bitNonASCII: a byte of 0x80 or more (quietRecord: key names are
	// lowercased by Unicode rules, which the byte scan does not follow).
	bitNonASCII
	// bitLongWord: a word of the prefixed-token shape's length holding a
	// capital, a small letter and a digit (prefixed.go looks only then).
	bitLongWord
	// bitEscape: a terminal escape (ESC): a coloured line is read without
	// its colours (text.go).
	bitEscape
	maxPatternBits = bitEscape
)

// triggers finds, in one pass over a line, which rules can possibly match
// it, so the regexps run only on the few lines that need them. Running ~20
// substring searches per line was the redactor's main cost; the words are
// found in any ASCII case by a wordTable (words.go), which folds each byte
// as it reads it: lowercasing every line into a buffer first cost as much
// as the scan itself.
type triggers struct {
	// always holds the rules without triggers (user patterns).
	always uint64
	words  wordTable
	// inWord marks the bytes of every word, in both ASCII cases
	// (quietRecord: an escaped one may hide a word from the scan).
	inWord [256]bool
}

func (t *triggers) add(word string, bit int) { t.addSpelled(word, "", false, bit) }

// addRecorded adds a word (ASCII) whose places scanAt notes; with bit < 0
// the word sets no bit, it is only noted.
func (t *triggers) addRecorded(word string, bit int) {
	if bit < 0 {
		t.words.addRecorded(word, 0)
		return
	}
	t.words.addRecorded(word, 1<<bit)
	t.markInWord(word, bit)
}

// addSpelled adds a word that must start with exact, case and all, and,
// when free, not be glued to a word byte before it.
func (t *triggers) addSpelled(word, exact string, free bool, bit int) {
	if word == "" {
		t.always |= 1 << bit
		return
	}
	t.words.addSpelled(word, exact, free, 1<<bit)
	t.markInWord(word, bit)
}

// markInWord notes the bytes of word in inWord.
func (t *triggers) markInWord(word string, bit int) {
	for i := 0; i < len(word); i++ {
		c := lowerByte(word[i])
		if bit == bitArgv && c == '"' {
			continue // the quotes of a JSON string, not of its text
		}
		t.inWord[c] = true
		if c >= 'a' && c <= 'z' {
			t.inWord[c-'a'+'A'] = true
		}
	}
}

// scan returns the bits of every rule whose trigger occurs in s, in any
// ASCII case.
func (t *triggers) scan(s string) uint64 { return t.words.mask(s, t.always) }

// scanAt is scan, and it appends to occ the start of every place in s
// where a word of prefilterWords or "-u" occurs, in order: a key that can
// name a secret holds one (scanKeyValuesNear).
func (t *triggers) scanAt(s string, occ []int) (uint64, []int) {
	return t.words.maskRec(s, t.always, occ, true)
}

// maxRescan is the most of a changed line placesAfter reads again when it
// is most of the line.
const maxRescan = 1024

// placesAfter is scanAt's places in s, given at, those of old, an ASCII
// line s is old with a middle part changed (a rule replaced values):
// only the changed part and maxRec-1 bytes around it are read again, the
// places before it are kept and those after it moved (reading the whole
// line again after each replacement cost a tenth of a line with a URL
// password, and a 1 MiB line of replaced pairs read its megabyte three
// times). It appends to out (reused) and says whether s is still ASCII;
// false too when the change is most of a long line (maxRescan), whose keys
// are then all read.
func (t *triggers) placesAfter(old string, at []int, s string, out []int) ([]int, bool) {
	p := sharedPrefix(old, s)
	q := sharedSuffix(old[p:], s[p:])
	oldHi, newHi := len(old)-q, len(s)-q
	lo, hi := max(0, p-t.words.maxRec+1), min(len(s), newHi+t.words.maxRec-1)
	if hi-lo > maxRescan && hi-lo > len(s)/2 {
		// Changed all over (a 1 MiB line of replaced tokens): reading it
		// again costs what asking every separator does, so the key rules
		// do that instead.
		return out[:0], false
	}
	out = out[:0]
	k := 0
	for ; k < len(at) && at[k] < lo; k++ {
		out = append(out, at[k])
	}
	n := len(out)
	// Into the free part of out: maskRec's once-a-place test reads the
	// last place noted, which must be one of this scan.
	_, mid := t.words.maskRec(s[lo:hi], 0, out[n:], true)
	out = append(out, mid...)
	keep := n
	for _, x := range out[n:] {
		if x += lo; x < newHi {
			out[keep] = x
			keep++
		}
	}
	out = out[:keep]
	for ; k < len(at); k++ {
		if at[k] >= oldHi {
			out = append(out, at[k]+newHi-oldHi)
		}
	}
	return out, isASCII(s[p:newHi])
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
		t.addRecorded(w, bitKeyword)
	}
	for _, e := range patKeyEnds {
		// The quote or backslash after "pat" is the key's own quoting,
		// and its escaped spelling (pat\") is a word too: those bytes are
		// not marked for escapeMayHide, or every JSON record holding \"
		// would stop being quiet.
		t.words.addRecorded("pat"+e, 1<<bitKeyword)
		if e != `"` && e != `\` {
			t.markInWord("pat"+e, bitKeyword)
		}
	}
	// A user key (--user=name:pw, -u=...: userFlag) starts with it.
	t.addRecorded("-u", -1)
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
		words, exact, free := vendorWords()
		for i, w := range words {
			t.addSpelled(w, exact[i], free[i], bitVendor)
		}
	}
	for _, w := range armourWords {
		t.add(strings.ToLower(w), bitPEM)
	}
	for p := range programs {
		t.add(`"`+p+`"`, bitArgv)
		t.add(`/`+p+`"`, bitArgv)
	}
	t.add(`"-u"`, bitArgv)
	// A JSON Web Key's private members are secret only next to "kty"
	// (keys.go, jwkPrivate): a record holding it is not quiet.
	t.add(`"kty"`, bitArgv)
	for c := 0x80; c < 0x100; c++ {
		t.words.add(string([]byte{byte(c)}), 1<<bitNonASCII)
	}
	t.words.add("\x1b", 1<<bitEscape)
	// ESC spelled inside a quoted value (logfmt's msg="\x1b[36mpassword\x1b[0m=x",
	// JSON's \u001b in a text line): Strip reads those too.
	for _, e := range termcodes.Spellings() {
		t.words.add(e, 1<<bitEscape)
	}
	t.words.runBit = 1 << bitLongWord
	t.words.seal()
	return t
}
