package redact

import (
	"encoding/binary"
	"math"
	"strings"
)

// lowerInto writes the ASCII-lowercased s into buf (reused across lines, so
// the pair rule's search costs no allocation), eight bytes at a time: byte
// by byte it was a fifth of the time of a line with a CRI pair.
func lowerInto(buf []byte, s string) []byte {
	buf = append(buf[:0], s...)
	i := 0
	for ; i+8 <= len(buf); i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], foldASCII8(binary.LittleEndian.Uint64(buf[i:])))
	}
	for ; i < len(buf); i++ {
		buf[i] = foldTable[buf[i]]
	}
	return buf
}

// isKeyByte: bytes of non-ASCII letters count (пароль=x, 密码: x).
func isKeyByte(c byte) bool { return keyBytes[c] }

// keyBytes is isKeyByte's table: the chain of compares it replaced cost
// a tenth of a log line's key scan (the colons of every timestamp).
var keyBytes = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x80 || c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return t
}()

// span is a key and its value in a line; secret says the key was found
// secret-looking already (scanKeyValues), so replaceSpans need not ask again,
// and entropy that it was found not to be, only a key naming a secret
// sometimes (entropyKey): only the value's entropy is left to ask (asking
// isSecret twice per value was a third of a line dense with license keys).
type span struct {
	ks, ke, vs, ve  int
	secret, entropy bool
}

// scanKeyValues appends to spans the key=value, key: value, "key": "value"
// and 'key'='value' pairs of ln whose keys may name a secret, found by
// hand: a regexp over every line was the redactor's main cost. A value is
// looked for only after a secret-looking key, and a long value is skipped
// once found (it is replaced whole), so a line of many '=' or ':' costs
// time linear in its length. (Appending, not calling back: a callback
// closure cost allocations on every line.) Every separator is asked; see
// scanKeyValuesNear for the lines whose keyword places are known.
func (k *keyMatcher) scanKeyValues(ln string, spans []span) []span {
	var memo keyMemo
	spans, _ = k.scanKeyValuesFrom(ln, 0, &memo, spans, math.MaxInt)
	return spans
}

// scanKeyValuesFrom is scanKeyValues from ln[i:], stopping once spans
// holds limit spans: it returns where to go on (len(ln): done). The key
// rules replace a line's spans a chunk at a time (spanWriter), so a line of
// 150 000 pairs needs no list of 150 000 spans, grown by doubling into
// fresh memory (a sixth of such a line's time).
func (k *keyMatcher) scanKeyValuesFrom(ln string, i int, memo *keyMemo, spans []span, limit int) ([]span, int) {
	for i < len(ln) {
		if len(spans) >= limit {
			return spans, i
		}
		if c := ln[i]; c != '=' && c != ':' && c != ',' {
			i++
			continue
		}
		spans, i = k.keyValueAt(ln, i, spans, memo)
	}
	return spans, len(ln)
}

// scanKeyValuesNear is scanKeyValues on an ASCII line, with no user key
// names (k.extra), given the places of its keywords (occ, from
// triggers.scanAt): it asks only the separators that can follow a key
// holding one (nearScan), and finds the same spans: a key that holds
// no keyword, no "-u" and no user key name never gives one (keyValueAt).
// On a log line with a secret word, asking each '=' and ':' for its key
// was most of the key rules' time (TestKeysNearAgree holds the two to
// each other).
func (k *keyMatcher) scanKeyValuesNear(ln string, occ []int, spans []span) []span {
	if got, disorder := k.askNear(ln, occ, spans); !disorder {
		return got
	}
	return k.scanKeyValues(ln, spans) // never seen: see ask
}

// askNear asks keyValueAt at the places of ln that may be the separator
// of a key holding a keyword starting at one of occ, in order.
func (k *keyMatcher) askNear(ln string, occ []int, spans []span) ([]span, bool) {
	ns := newNearScan()
	spans, _ = k.askNearFrom(ln, occ, &ns, spans, math.MaxInt)
	return spans, ns.disorder
}

// askNearFrom goes on with askNear's scan ns until spans holds limit
// spans (looked at before each keyword: a keyword's walk adds a few) or
// occ ends, and says whether it did.
func (k *keyMatcher) askNearFrom(ln string, occ []int, ns *nearScan, spans []span, limit int) (_ []span, done bool) {
	for ; ns.oi < len(occ); ns.oi++ {
		if len(spans) >= limit {
			return spans, false
		}
		p := occ[ns.oi]
		// A ',' after the first quote following the keyword: callPair's
		// quoted key may hold blanks. It is asked in its place among the
		// separators of the keywords after this one.
		if ns.dq < p {
			ns.dq = indexFrom(ln, p, '"')
			spans = k.pending(ln, ns, 0, ns.dq+1, spans)
		}
		if ns.sq < p {
			ns.sq = indexFrom(ln, p, '\'')
			spans = k.pending(ln, ns, 1, ns.sq+1, spans)
		}
		if p >= ns.runEnd {
			b := p
			for b < len(ln) && isKeyByte(ln[b]) {
				b++
			}
			ns.runEnd = b
			if b >= ns.walked {
				ns.walked, spans = k.gap(ln, ns, b, spans)
			}
		}
	}
	return k.flush(ln, ns, len(ln), spans), true
}

// keyValueAt reads the pair whose separator may be ln[i] ('=', ':', or ','
// after a quote: callPair), appends its span to spans, and returns where
// the scan goes on: i+1, or the end of a long value, which is replaced
// whole and so is not read for other pairs.
func (k *keyMatcher) keyValueAt(ln string, i int, spans []span, memo *keyMemo) ([]span, int) {
	c := ln[i]
	if c == ',' {
		if i > 0 && (ln[i-1] == '"' || ln[i-1] == '\'') {
			if sp, ok := k.callPair(ln, i, memo); ok {
				spans = append(spans, sp)
			}
		}
		return spans, i + 1
	}
	if c != '=' && c != ':' {
		return spans, i + 1
	}
	// "://" is a URL scheme, "::" an IPv6 address or C++ name (but
	// LDIF's "key:: base64"); ":=" is read at its '='.
	ldif := c == ':' && ldifSeparator(ln, i)
	if c == ':' && !ldif && i+1 < len(ln) && (ln[i+1] == '/' || ln[i+1] == ':' || ln[i+1] == '=') {
		return spans, i + 1
	}
	ks, ke := keyBefore(ln, i-1, c == '=')
	if ks >= ke {
		return spans, i + 1
	}
	key := ln[ks:ke]
	// A user key gives a span only as a flag (--user=name:pw: the part
	// after the colon, replaceSpans) or when a user key name may match it;
	// "user=x" alone is nothing to replace.
	isUser := userFlag(key) && (ks > 0 && ln[ks-1] == '-' || len(k.extra) > 0)
	secret, entropy := false, false
	if !isUser {
		secret, entropy = memo.ask(k, key)
	}
	if !isUser && !secret && !entropy {
		return spans, i + 1
	}
	k2 := i + 1
	if ldif {
		k2++
	}
	if c == '=' && k2 < len(ln) && ln[k2] == '>' {
		k2++ // "key" => "value" (Perl, PHP, Ruby, logstash)
	}
	for k2 < len(ln) && (ln[k2] == ' ' || ln[k2] == '\t') {
		k2++
	}
	if k2+1 < len(ln) && ln[k2] == '@' && ln[k2+1] == '"' {
		k2++ // Objective-C @"value"
	}
	vs, ve := k2, k2
	switch {
	case k2 >= len(ln):
		return spans, i + 1
	case ln[k2] == '"':
		ve = escapedQuoteEnd(ln, k2)
	case ln[k2] == '\\' && escapedQuote(ln[k2:]) > 0:
		// password=\"x\" inside a quoted string, escaped once or more:
		// the value is quoted with the same escaped quote (a bare value
		// would end at the quote and be the backslashes alone).
		q := ln[k2 : k2+escapedQuote(ln[k2:])]
		ve = len(ln)
		if j := strings.Index(ln[k2+len(q):], q); j >= 0 {
			ve = k2 + len(q) + j + len(q)
		}
	case ln[k2] == '\'':
		ve = k2 + 1
		for ve < len(ln) && ln[ve] != '\'' {
			ve++
		}
		if ve < len(ln) {
			ve++
		}
	default:
		// A marker already placed is a whole value; see bareValueEnd otherwise.
		if m := markerLen(ln[vs:]); m > 0 && (vs+m == len(ln) || endsBareValue(ln[vs+m])) {
			ve = vs + m // already replaced
			break
		}
		ve = bareValueEnd(ln, vs)
	}
	// No skipping past a short value: a pair can hide inside another's
	// value ("A: DB_PASSWORD=x", msg="token=x"). A long one is never
	// kept (boringValue), so what it holds is replaced with it.
	if ve > vs {
		spans = append(spans, span{ks, ke, vs, ve, secret, !secret && !isUser})
		if ve-vs > maxKeptValue {
			return spans, ve
		}
	}
	return spans, i + 1
}

// nearScan is the state of askNear: keyValueAt's resume place, the last
// place asked, and the ',' after a double and after a single quote still
// to ask (-1: none). The spans go in and out as arguments: stored through
// the state's pointer, the spans' buffer on the caller's stack went to the
// heap (escape analysis takes a store through a pointer for one).
type nearScan struct {
	memo     keyMemo
	next, at int
	pend     [2]int
	disorder bool // a place came after a later one
	// oi is the next keyword of occ; runEnd the end of the last one's
	// run of key bytes, walked where its gap walk stopped; dq and sq the
	// next '"' and '\'' at or after the last keyword (len(ln): none).
	oi, runEnd, walked, dq, sq int
}

func newNearScan() nearScan {
	return nearScan{at: -1, pend: [2]int{-1, -1}, runEnd: -1, dq: -1, sq: -1}
}

// pending notes the ',' at i (if it is one) as slot's, asking the one it
// replaces first.
func (k *keyMatcher) pending(ln string, ns *nearScan, slot, i int, spans []span) []span {
	if old := ns.pend[slot]; old >= 0 {
		ns.pend[slot] = -1
		spans = k.ask(ln, ns, old, spans)
	}
	if i < len(ln) && ln[i] == ',' {
		ns.pend[slot] = i
	}
	return spans
}

// flush asks the pending places before i, in order.
func (k *keyMatcher) flush(ln string, ns *nearScan, i int, spans []span) []span {
	for {
		slot := -1
		for n, c := range ns.pend {
			if c >= 0 && c < i && (slot < 0 || c < ns.pend[slot]) {
				slot = n
			}
		}
		if slot < 0 {
			return spans
		}
		c := ns.pend[slot]
		ns.pend[slot] = -1
		spans = k.askOne(ln, ns, c, spans)
	}
}

// ask runs keyValueAt at i after the pending places before it.
func (k *keyMatcher) ask(ln string, ns *nearScan, i int, spans []span) []span {
	if p0, p1 := ns.pend[0], ns.pend[1]; p0 >= 0 && p0 < i || p1 >= 0 && p1 < i {
		spans = k.flush(ln, ns, i, spans)
	}
	return k.askOne(ln, ns, i, spans)
}

// askOne runs keyValueAt at i.
func (k *keyMatcher) askOne(ln string, ns *nearScan, i int, spans []span) []span {
	if i < ns.at {
		// The walks and quotes give their places in order (the gap walk
		// never reads a keyword); were one to come late, the whole line
		// is read again the slow way rather than decided out of order.
		ns.disorder = true
		return spans
	}
	ns.at = i
	if i >= ns.next {
		spans, ns.next = k.keyValueAt(ln, i, spans, &ns.memo)
	}
	return spans
}

// gap asks the separators keyBefore may read back from to a key ending at
// j: the '=', ':' and ',' up to the first byte keyBefore would not read
// back over (quotes, brackets, blanks, the operators of ":=", "?=", "+=",
// ".=", and one type word: "apiToken string = x"). It returns where the
// walk stopped.
func (k *keyMatcher) gap(ln string, ns *nearScan, j int, spans []span) (int, []span) {
	typeWord := false
	for j < len(ln) {
		c := ln[j]
		if !typeWord && ln[j-1] == ' ' && isKeyByte(c) {
			// A type word between the key and its '=' (keyBefore), with
			// the digits, '-' and '.' it skips before it and the '.' of
			// ".=" after it.
			e := j
			for e < len(ln) && isKeyByte(ln[e]) && e-j <= maxKeyLen {
				e++
			}
			ws, we := j, e
			for ws < we && (ln[ws] == '-' || ln[ws] == '.' || ln[ws] >= '0' && ln[ws] <= '9') {
				ws++
			}
			for we > ws && ln[we-1] == '.' {
				we--
			}
			if isTypeWord(ln[ws:we]) {
				typeWord, j = true, e
				continue
			}
		}
		switch c {
		case '=', ',':
			return j + 1, k.ask(ln, ns, j, spans)
		case ':':
			// And ":=", "::=" go on to the '='. A ':' before '/', ':'
			// or '=' is no separator (keyValueAt): not asked, so a line
			// of colons after a keyword costs what it did.
			if j+1 == len(ln) || ln[j+1] != '/' && ln[j+1] != ':' && ln[j+1] != '=' || ldifSeparator(ln, j) {
				spans = k.ask(ln, ns, j, spans)
			}
		case '"', '\'', '`', '[', ']', ' ', '\t', '?', '+', '.':
		case '\\':
			// The escaped quote after a key inside a quoted string.
			q := escapedQuote(ln[j:])
			if q == 0 {
				return j, spans
			}
			j += q - 1
		default:
			return j, spans
		}
		j++
	}
	return j, spans
}

// escapedQuote is the length of the escaped double quote s starts with
// (\", \\\" ...: an odd run of backslashes, then the quote), or 0. A
// JSON document printed inside a quoted string quotes its keys and values
// so, one level of escaping more for each string it is nested in.
func escapedQuote(s string) int {
	n := backslashRun(s)
	if n%2 == 0 || n >= len(s) || s[n] != '"' {
		return 0
	}
	return n + 1
}

// backslashRun is how many backslashes s starts with.
func backslashRun(s string) int {
	n := 0
	for n < len(s) && s[n] == '\\' {
		n++
	}
	return n
}

// keyMemo holds the last keys a scan asked about and the answers: a line
// repeats its keys ("token=x token=x ..." in a 1 MiB line, the CRI pairs'
// "key"), and isSecret lowercases and splits each one. Four, not one: a
// line's keys alternate with the "REDACTED" of the markers placed before
// ("authorization: [REDACTED:authorization-header] authorization: ..."),
// and one remembered key was asked again at every pair.
type keyMemo struct {
	keys [keyMemoSize]string
	ans  [keyMemoSize]uint8 // 1: set, 2: secret, 4: entropy
	next int
}

const keyMemoSize = 4

// ask returns isSecret(key) and, when that is false, entropyKey(key).
func (m *keyMemo) ask(k *keyMatcher, key string) (secret, entropy bool) {
	for i := range m.keys {
		if a := m.ans[i]; a != 0 && m.keys[i] == key {
			return a&2 != 0, a&4 != 0
		}
	}
	secret = k.isSecret(key)
	entropy = !secret && k.entropyKey(key)
	a := uint8(1)
	if secret {
		a |= 2
	}
	if entropy {
		a |= 4
	}
	m.keys[m.next], m.ans[m.next] = key, a
	m.next = (m.next + 1) % keyMemoSize
	return secret, entropy
}

// indexFrom is the index of c in ln at or after i, or len(ln).
func indexFrom(ln string, i int, c byte) int {
	if j := strings.IndexByte(ln[i:], c); j >= 0 {
		return i + j
	}
	return len(ln)
}

// callPair reads a quoted key and a quoted value passed to a call, the
// comma at i between them: System.setProperty("DB_PASSWORD", "x"),
// os.getenv("API_TOKEN", "x"), ENV.fetch('SECRET_KEY', 'x').
func (k *keyMatcher) callPair(ln string, i int, memo *keyMemo) (span, bool) {
	q := ln[i-1]
	lo := max(0, i-2-maxKeyLen) // bounded: a line of many `",` stays linear
	open := strings.LastIndexByte(ln[lo:i-1], q)
	if open < 0 {
		return span{}, false
	}
	open += lo
	j := open - 1
	for j >= 0 && ln[j] == ' ' {
		j--
	}
	if open < 1 || j < 0 || ln[j] != '(' {
		return span{}, false
	}
	// Through the memo: a line of one call repeated asked isSecret of
	// the same key each time (half of linear_test.go's "call pairs").
	if secret, _ := memo.ask(k, ln[open+1:i-1]); !secret {
		return span{}, false
	}
	vs := i + 1
	for vs < len(ln) && ln[vs] == ' ' {
		vs++
	}
	if vs >= len(ln) || (ln[vs] != '"' && ln[vs] != '\'') {
		return span{}, false
	}
	ve := strings.IndexByte(ln[vs+1:min(len(ln), vs+1+maxBareScan)], ln[vs])
	if ve < 0 {
		return span{}, false
	}
	return span{ks: open + 1, ke: i - 1, vs: vs, ve: vs + ve + 2, secret: true}, true
}

// keyBefore finds the key that ends at or before ln[j] (the byte before a
// separator), and returns its bounds (ks >= ke: none). Before an '=' it
// reads the assignment operators of config and code files too: ":=",
// "::=", "?=", "+=", ".=" (Make, Go, PHP), "key[]=" and dict["key"] =.
// A type word between key and operator ("var apiToken string = ...")
// gives way to the word before it.
func keyBefore(ln string, j int, eq bool) (int, int) {
	if eq {
		for n := 0; j >= 0 && n < 3 && (ln[j] == ':' || ln[j] == '?' || ln[j] == '+' || ln[j] == '.'); n++ {
			j--
		}
	}
	for j >= 0 && (ln[j] == ' ' || ln[j] == '\t') {
		j--
	}
	if j >= 1 && ln[j] == ']' && ln[j-1] == '[' {
		j -= 2
	} else if j >= 1 && ln[j] == ']' && (ln[j-1] == '"' || ln[j-1] == '\'') {
		j--
	}
	if j >= 0 && (ln[j] == '"' || ln[j] == '\'' || ln[j] == '`') {
		j--
		if ln[j+1] == '"' {
			// \"key\": inside a quoted string, escaped once or more.
			for j >= 0 && ln[j] == '\\' {
				j--
			}
		}
	}
	ke := j + 1
	for j >= 0 && isKeyByte(ln[j]) && ke-j <= maxKeyLen {
		j--
	}
	ks := j + 1
	for ks < ke && (ln[ks] == '-' || ln[ks] == '.' || ln[ks] >= '0' && ln[ks] <= '9') {
		ks++
	}
	if eq && ke-ks <= 6 && isTypeWord(ln[ks:ke]) && j >= 0 && ln[j] == ' ' {
		return keyBefore(ln, j, false)
	}
	return ks, ke
}

// isTypeWord: a declaration's type between a name and its value.
func isTypeWord(w string) bool {
	switch w {
	case "string", "String", "str", "var", "let", "const":
		return true
	}
	return false
}

// maxKeyLen bounds a key (isSecret rejects longer ones); maxKeptValue is
// the longest value a rule may keep under a secret key; maxBareScan is how
// far a bare value is followed before it is taken to run to the next
// whitespace (a huge token is one value).
const (
	maxKeyLen    = 128
	maxKeptValue = 256
	maxBareScan  = 4096
)

// markerLen is the length of a well-formed marker at the start of s, or 0.
func markerLen(s string) int {
	if len(s) < 3 || s[0] != '[' {
		return 0
	}
	end := strings.IndexByte(s, ']')
	if end < 0 || !wellFormedMarker(s[1:end]) {
		return 0
	}
	return end + 1
}

// bareValueEnd is where an unquoted value starting at vs ends. Brackets
// opened inside the value are closed inside it ([x]y, (Summer)2024!); one the
// value did not open ends it ({token=x}).
func bareValueEnd(ln string, vs int) int {
	if ln[vs] == '{' {
		// ODBC quotes a value in braces, "}}" inside standing for '}':
		// Pwd={a;b}}c} is one value.
		for i := vs + 1; i < len(ln); i++ {
			if ln[i] == '}' {
				if i+1 < len(ln) && ln[i+1] == '}' {
					i++
					continue
				}
				if i+1 == len(ln) || endsBareValue(ln[i+1]) {
					return i + 1
				}
				break // {{h}o)p$... goes on: not ODBC quoting (detect-secrets' hostile value)
			}
		}
	}
	depth := 0
	for ve := vs; ve < len(ln); ve++ {
		if ve-vs > maxBareScan {
			if i := strings.IndexAny(ln[ve:], " \t\r\n"); i >= 0 {
				return ve + i
			}
			return len(ln)
		}
		switch c := ln[ve]; c {
		case '(', '[', '{', '<':
			depth++
		case ')', ']', '}', '>':
			// A closer the value did not open ends it ({token=x}), unless
			// the value goes on right after it (SALT=ab)_cd).
			if depth == 0 && (ve+1 >= len(ln) || endsBareValue(ln[ve+1]) || ln[ve+1] == ':' || ln[ve+1] == '.') {
				return ve
			}
			depth = max(depth-1, 0)
		case '&':
			// A query's next parameter ends it (token=x&state=y); a bare
			// '&' inside a password does not.
			if queryParamAt(ln, ve+1) {
				return ve
			}
		case '\\':
			// An escaped quote ends it: "[\"DB_PASSWORD=x\",\"A=b\"]" keeps
			// its backslash. A run of backslashes is read once.
			run := backslashRun(ln[ve:])
			if escapedQuote(ln[ve:]) > 0 {
				return ve
			}
			ve += run - 1
		default:
			if endsBareValue(c) {
				return ve
			}
		}
	}
	return len(ln)
}

// queryParamAt: ln[i:] starts with name= (a URL query parameter).
func queryParamAt(ln string, i int) bool {
	j := i
	for j < len(ln) && (isKeyByte(ln[j]) && ln[j] < 0x80) {
		j++
	}
	return j > i && j < len(ln) && ln[j] == '='
}

func endsBareValue(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ';', '&', '"', '\'', '>', ')', '}', ']':
		return true
	}
	return false
}

func stopsValue(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ';', '&', '"', '\'', '<', '>', '(', ')', '{', '}', '[', ']':
		return true
	}
	return false
}

// scanFlags appends to spans the "--flag value" and "-flag value" of ln
// (value in the next word, quoted or not) whose flag may name a secret
// (mayBeSecret, or -u/--user: the spans replaceSpans can replace). The
// '-' are found by IndexByte and the flag's name is asked before its value
// is read: most '-' of a log line are in dates and names, glued to a byte
// before them, and most flags name no secret.
func (k *keyMatcher) scanFlags(ln string, spans []span) []span {
	spans, _ = k.scanFlagsFrom(ln, 0, spans, math.MaxInt)
	return spans
}

// scanFlagsFrom is scanFlags from ln[i:], stopping once spans holds limit
// spans (see scanKeyValuesFrom): it returns where to go on.
func (k *keyMatcher) scanFlagsFrom(ln string, i int, spans []span, limit int) ([]span, int) {
	for ; i < len(ln); i++ {
		if len(spans) >= limit {
			return spans, i
		}
		j := strings.IndexByte(ln[i:], '-')
		if j < 0 {
			break
		}
		if i += j; i > 0 && isKeyByte(ln[i-1]) {
			continue
		}
		ks, ke := flagName(ln, i)
		if key := ln[ks:ke]; userFlag(key) || k.mayBeSecret(key) {
			spans = flagAt(ln, i, spans)
		}
	}
	return spans, len(ln)
}

// flagName is the name of the flag whose '-' is ln[i].
func flagName(ln string, i int) (int, int) {
	ks := i + 1
	if ks < len(ln) && ln[ks] == '-' {
		ks++
	}
	ke := ks
	for ke < len(ln) && isKeyByte(ln[ke]) {
		ke++
	}
	return ks, ke
}

// flagAt appends the span of the flag starting at ln[i] ('-', not glued
// to a key byte before it), if it has a value.
func flagAt(ln string, i int, spans []span) []span {
	ks, ke := flagName(ln, i)
	if ke == ks || ke >= len(ln) {
		return spans
	}
	vs := ke
	// "--flag value", and argv rendered as a list: "--flag", "value"
	if ln[vs] == '"' || ln[vs] == '\'' {
		if vs+1 < len(ln) && (ln[vs+1] == ',' || ln[vs+1] == ' ') {
			vs++
		} else {
			return spans
		}
	}
	if vs < len(ln) && ln[vs] == ',' {
		vs++
	}
	if vs >= len(ln) || (ln[vs] != ' ' && ln[vs] != '\t') {
		return spans
	}
	for vs < len(ln) && (ln[vs] == ' ' || ln[vs] == '\t') {
		vs++
	}
	if vs >= len(ln) || ln[vs] == '-' {
		return spans
	}
	ve := vs
	if q := ln[vs]; q == '"' || q == '\'' {
		ve++
		for ve < len(ln) && ln[ve] != q {
			ve++
		}
		if ve < len(ln) {
			ve++
		}
	} else {
		// To whitespace or a quote; a bracket ends the value only when
		// the value did not open it ("[--token x]", but --secret
		// {{h}o)p$... is one value).
		depth := 0
	scan:
		for ; ve < len(ln); ve++ {
			switch ln[ve] {
			case ' ', '\t', '"', '\'':
				break scan
			case '(', '[', '{':
				depth++
			case ']', ')', '}':
				if depth == 0 {
					break scan
				}
				depth--
			}
		}
	}
	if ve > vs {
		// No skipping past the value: "-0 !--client-secret x" has a
		// flag inside what looked like -0's value.
		spans = append(spans, span{ks: ks, ke: ke, vs: vs, ve: ve})
	}
	return spans
}

// escapedQuoteEnd is the end of the quoted value opening at ln[open] (its
// quote byte): just past the closing quote, a backslash escaping the byte
// after it, or len(ln) when the quote is not closed.
func escapedQuoteEnd(ln string, open int) int {
	q := ln[open]
	ve := open + 1
	for ve < len(ln) && ln[ve] != q {
		if ln[ve] == '\\' {
			ve++
		}
		ve++
	}
	return min(ve+1, len(ln))
}

// ldifSeparator: the ':' at i is LDIF's "attr:: value", whose value is
// base64 (RFC 2849: userPassword:: e1NTSEF9...).
func ldifSeparator(ln string, i int) bool {
	return i+2 < len(ln) && ln[i] == ':' && ln[i+1] == ':' && ln[i+2] == ' '
}
