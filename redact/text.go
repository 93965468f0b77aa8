package redact

import (
	"regexp"
	"strings"
	"unsafe"

	"github.com/rtsnap/rtsnap/internal/termcodes"
)

// textOpts carry what is known about the text's format.
type textOpts struct {
	toml, yaml, env bool
	// line0 offsets line numbers (JSON lines, streaming).
	line0 int
	// jpath, when set, is recorded instead of line numbers (a string inside JSON).
	jpath string
	// stripped: the line's terminal escapes were taken out (line).
	stripped bool
	// secret: the file is one whose lines each hold a credential
	// (secretfiles.go), the format of that field; shapes: a text or env
	// file, whose lines credentialLine reads.
	secret secretField
	shapes bool
}

var (
	// A private key's armour (armour.go).
	pemBeginRE = regexp.MustCompile(armourBegin)
	pemEndRE   = regexp.MustCompile(armourEnd)
	// tomlTableRE is a TOML table header.
	tomlTableRE = regexp.MustCompile(`^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$`)
	// yamlNameRE is a Kubernetes env entry's name line: "- name: X" or "name: X".
	yamlNameRE  = regexp.MustCompile(`^(\s*)(?:-\s+)?name:\s*["']?([^\s"':#]+)["']?\s*$`)
	yamlValueRE = regexp.MustCompile(`^(\s*)value:[ \t]*(.+)$`)
	ipv4RE      = regexp.MustCompile(`\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b`)
	ipv6RE      = regexp.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|(?i)\b(?:[0-9a-f]{1,4}:){1,6}:[0-9a-f]{1,4}\b`)
	macRE       = regexp.MustCompile(`(?i)\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b`)
)

// text redacts free text line by line, carrying state across lines for PEM
// blocks, TOML tables and YAML name/value pairs.
func (r *Redactor) text(s string, o textOpts, h *hits) string {
	if s == "" {
		return s
	}
	if !strings.ContainsRune(s, '\n') {
		st := lineState{}
		return r.line(s, 1+o.line0, o, &st, h)
	}
	b := r.appendText(make([]byte, 0, textCap(len(s))), s, o, h)
	// b is never written again: the string can share its bytes, as
	// strings.Builder's does.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// textCap is the output capacity for n bytes of text: replacements are
// mostly longer than what they replace, and growing a copy of a large
// file by doubling cost more than a little spare room.
func textCap(n int) int { return n + n/16 + 64 }

// appendText appends the redacted s to dst.
func (r *Redactor) appendText(dst []byte, s string, o textOpts, h *hits) []byte {
	st := lineState{}
	n := o.line0
	var orphans map[int]bool
	if r.defaults {
		orphans = orphanKeyLines(s, false)
	}
	return appendLines(dst, s, func(ln string) string {
		n++
		if orphans[n-o.line0] {
			return r.orphanTextLine(ln, n, o, h)
		}
		return r.line(ln, n, o, &st, h)
	})
}

// appendLines appends to dst what redact makes of each line of s (without
// its newline). Lines that stay the same are appended in runs straight from
// s: most lines hold no secret, and copying them one at a time (or building
// a string per line) was a large part of the redactor's cost.
func appendLines(dst []byte, s string, redact func(ln string) string) []byte {
	keep := 0 // s[keep:pos] is unchanged and not yet appended
	for pos := 0; pos < len(s); {
		end, next := len(s), len(s)
		if i := strings.IndexByte(s[pos:], '\n'); i >= 0 {
			end, next = pos+i, pos+i+1
		}
		ln := s[pos:end]
		if out := redact(ln); out != ln {
			dst = append(dst, s[keep:pos]...)
			dst = append(dst, out...)
			dst = append(dst, s[end:next]...) // the newline, if any
			keep = next
		}
		pos = next
	}
	return append(dst, s[keep:]...)
}

// lineState is what one line tells about the next.
type lineState struct {
	inPEM bool
	// pemPrefix is what came before the BEGIN line's armour (a comment's
	// "#", a log prefix), trimmed; pemBody: a body line was seen (headers
	// such as Proc-Type come only before it). See pemBodyLine.
	pemPrefix string
	pemBody   bool
	// orphan: this line is the body of a key whose BEGIN line is missing
	// (orphanKeyLines).
	orphan bool
	// tomlTable is the current TOML table; authTable says it holds credentials.
	authTable bool
	// yamlSecretName: the previous line was "name: <secret key>" at this indent.
	yamlSecretName bool
	yamlIndent     int
	// block is a secret value spanning lines (see blocks.go).
	block block
	// lower is a reused buffer for the lowercased line (the pair rule's;
	// the trigger scan folds case in place).
	lower []byte
	// json is the parser of a JSON-lines file's records, its nodes
	// reused from one record to the next.
	json *jsonParser
	// xmlOpen: the previous line ended with the opening tag of a secret
	// element; this line is its value (xml.go).
	xmlOpen bool
	// puttyLines: lines of a PuTTY private key body still to come (putty.go).
	puttyLines int
	// announced: a line announced a secret on the next line that is not
	// blank (announced.go).
	announced bool
	// jaas: inside a JAAS login module's options (jaas.go).
	jaas bool
	// kw is where the line's keywords are, for the key rules (keyPlaces).
	kw keyPlaces
}

// keyPlaces are the starts of the keywords and "-u" in ln (triggers.scanAt),
// its buffer reused from line to line; ok says the key rules may read keys
// only there (scanKeyValuesNear): ln is ASCII and no user key names are set.
type keyPlaces struct {
	ln        string
	at, spare []int
	ok        bool
}

// placesIn returns the keyword places of ln (see keyPlaces), found again
// near what a rule before changed in the line (placesAfter).
func (r *Redactor) placesIn(ln string, st *lineState) ([]int, bool) {
	kw := &st.kw
	if !sameString(ln, kw.ln) {
		if kw.ok {
			// (Once not ok, a line stays so: the key rules read every key.)
			var ascii bool
			kw.spare, ascii = r.trig.placesAfter(kw.ln, kw.at, ln, kw.spare)
			kw.at, kw.spare, kw.ok = kw.spare, kw.at, ascii
		}
		kw.ln = ln
	}
	return kw.at, kw.ok
}

// placesKnown returns the keyword places of ln if they are known without
// reading it again.
func (r *Redactor) placesKnown(ln string, st *lineState) ([]int, bool) {
	if kw := &st.kw; sameString(ln, kw.ln) {
		return kw.at, kw.ok
	}
	return nil, false
}

// sameString: a and b are one string (the same bytes in memory), so no
// rule changed the line in between.
func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// placesUsable: the places found in a line of scan bits m stand for every
// key that can name a secret.
func (r *Redactor) placesUsable(m uint64) bool {
	return m&(1<<bitNonASCII) == 0 && len(r.keys.extra) == 0
}

func (r *Redactor) place(h *hits, rule string, line int, o textOpts) {
	if o.jpath != "" {
		h.add(rule, 0, o.jpath)
	} else {
		h.add(rule, line, "")
	}
}

// line redacts one line.
func (r *Redactor) line(ln string, n int, o textOpts, st *lineState, h *hits) string {
	if !r.defaults && len(r.rules) == 0 && len(r.keys.extra) == 0 && !r.pseudonymsOn() {
		return ln
	}
	var mask uint64
	mask, st.kw.at = r.trig.scanAt(ln, st.kw.at[:0])
	if r.defaults && mask&(1<<bitEscape) != 0 && !o.stripped {
		// A coloured line (logrus on a TTY writes "\x1b[36mpassword\x1b[0m=x",
		// logfmt quotes it as msg="\\x1b[36mpassword..."): the rules read
		// the text a person sees. The line keeps its colours unless that
		// text held a secret. Stripped once: removing a spelled ESC can
		// join the bytes around it into another spelling, and stripping
		// until none is left would be quadratic on a hostile line.
		plain := termcodes.Strip(ln)
		o.stripped = true
		if out := r.line(plain, n, o, st, h); out != plain {
			return out
		}
		return ln
	}
	st.kw.ln, st.kw.ok = ln, r.placesUsable(mask)
	if r.defaults {
		// The shapes alone (credentialLine) only in text and env files,
		// not in JSON: quietRecord keeps a record without a trigger word
		// as written, and would have to parse every record to see them.
		if f := o.secret; f != nil {
			ln = r.secretFileLine(ln, f, n, o, h)
		} else if o.shapes {
			ln = r.secretFileLine(ln, credentialLine, n, o, h)
		}
	}
	if r.defaults {
		if st.inPEM {
			if loc := pemEndRE.FindStringIndex(ln); loc != nil {
				st.inPEM = false
				return ln[loc[1]:]
			}
			if !(o.yaml || o.toml || o.env) || pemBodyLine(ln, st) {
				return ""
			}
			// A configuration line: the key (a commented-out one, say)
			// ended without its END line, and what follows is the file's
			// own. A log keeps the state to END: its lines carry prefixes.
			st.inPEM = false
		}
		if mask&(1<<bitPEM) != 0 {
			if loc := pemBeginRE.FindStringIndex(ln); loc != nil && pemEndRE.FindStringIndex(ln[loc[1]:]) == nil {
				st.inPEM, st.pemPrefix, st.pemBody = true, strings.TrimSpace(ln[:loc[0]]), false
				r.place(h, RulePEM, n, o)
				return ln[:loc[0]] + r.replacement(RulePEM, ln[loc[0]:])
			}
		}
	}
	if st.announced {
		if strings.TrimSpace(ln) == "" {
			return ln
		}
		st.announced = false
		if out, ok := r.announcedValue(ln, n, o, h); ok {
			return out
		}
	}
	if st.block.active {
		if out, ok := r.blockLine(ln, n, o, st, h); ok {
			return out
		}
	}
	if st.xmlOpen {
		if out, ok := r.xmlValueLine(ln, n, o, st, h); ok {
			return out
		}
	}
	if r.defaults {
		if st.puttyLines > 0 {
			if out := r.puttyLine(ln, n, o, st, h); out != ln {
				return out
			}
		} else if len(ln) > 14 && ln[0] == 'P' {
			st.puttyLines = puttyPrivateLines(ln)
		}
	}
	ln = r.patterns(ln, mask, n, o, h)
	if r.defaults && (st.jaas || mask&r.jaasBit != 0) {
		if mask&r.jaasBit == 0 {
			ln = r.replaceLocs(ln, jaasUserLocs(ln), 1, RuleSecretKey, nil, n, o, h)
		}
		st.jaas = !jaasEnds(ln)
	}
	if r.defaults && mask&(1<<bitVendor) != 0 {
		ln = r.vendor(ln, n, o, h)
	}
	if r.defaults && mask&(1<<bitLongWord) != 0 {
		ln = r.prefixedTokens(ln, n, o, h)
	}
	if r.defaults && mask&(1<<bitURL) != 0 {
		ln = r.urlPasswords(ln, n, o, h)
		ln = r.oraclePasswords(ln, n, o, h)
	}
	if r.defaults || len(r.keys.extra) > 0 {
		ln = r.structuredLine(ln, n, o, st, h)
		if o.yaml || o.toml {
			r.openBlock(ln, o, st)
		}
		if mask&(1<<bitKeyword) != 0 {
			ln = r.keyValues(ln, n, o, st, h)
			if strings.IndexByte(ln, '<') >= 0 {
				ln = r.xmlValues(ln, n, o, st, h)
			}
			if !o.env && !o.yaml && !o.toml {
				ln = r.spacedValues(ln, n, o, st, h)
			}
		}
		if mask&(1<<bitMySQL) != 0 && !o.env {
			ln = r.programArgs(ln, n, o, h)
		}
		if mask&(1<<bitPair) != 0 && mask&(1<<bitKeyword) != 0 {
			st.lower = lowerInto(st.lower, ln) // earlier rules may have changed the line
			ln = r.textPairs(ln, st.lower, n, o, h)
		}
	}
	if r.defaults && mask&(1<<bitKeyword) != 0 && !o.yaml && !o.toml && !o.env {
		st.announced = announcesSecret(ln)
	}
	if r.pseudonymsOn() {
		ln = r.identifiers(ln, n, o, h)
	}
	return ln
}

func (r *Redactor) pseudonymsOn() bool { return len(r.hosts) > 0 || r.ips || r.macs }

// patterns applies the free-text rules whose triggers the line holds.
func (r *Redactor) patterns(ln string, mask uint64, n int, o textOpts, h *hits) string {
	for i := range r.rules {
		if i < maxPatternBits && mask&(1<<i) == 0 {
			continue
		}
		rule := &r.rules[i]
		var locs [][]int
		switch {
		case rule.locate != nil:
			locs = rule.locate(ln)
		case rule.needs != nil:
			// A line of 200 000 "ghp_ " made token-prefix's regexp read
			// 1 MiB at 300 ns a byte; no match can be without its run.
			var found locList
			runWindows(ln, 0, len(ln), rule.needs, rule.maxLen, func(lo, hi int) {
				for _, loc := range rule.re.FindAllStringSubmatchIndex(ln[lo:hi], -1) {
					for k := range loc {
						if loc[k] >= 0 {
							loc[k] += lo
						}
					}
					found.keep(loc)
				}
			})
			locs = found.locs
		default:
			locs = rule.re.FindAllStringSubmatchIndex(ln, -1)
		}
		ln = r.replaceLocs(ln, locs, rule.group, rule.Name, rule.keep, n, o, h)
	}
	return ln
}

func (r *Redactor) replaceAll(ln string, re *regexp.Regexp, group int, rule string, keep func(string) bool, n int, o textOpts, h *hits) string {
	return r.replaceLocs(ln, re.FindAllStringSubmatchIndex(ln, -1), group, rule, keep, n, o, h)
}

// replaceLocs replaces group of each match at locs (as from
// FindAllStringSubmatchIndex).
func (r *Redactor) replaceLocs(ln string, locs [][]int, group int, rule string, keep func(string) bool, n int, o textOpts, h *hits) string {
	if locs == nil {
		return ln
	}
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		s, e := loc[2*group], loc[2*group+1]
		if s < 0 || s < last {
			continue
		}
		v := ln[s:e]
		if v == "" || isMarker(v) || (keep != nil && keep(v)) || insideMarker(ln, s) {
			continue
		}
		repl := r.replacement(rule, v)
		growOutput(&b, len(ln), s-last+len(repl))
		b.WriteString(ln[last:s])
		b.WriteString(repl)
		last = e
		r.place(h, rule, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

// structuredLine handles what only makes sense with line context: TOML
// credential tables and YAML name/value env pairs.
func (r *Redactor) structuredLine(ln string, n int, o textOpts, st *lineState, h *hits) string {
	switch {
	case o.toml:
		if m := tomlTableRE.FindStringSubmatch(ln); m != nil {
			last := m[1]
			if i := strings.LastIndexByte(last, '.'); i >= 0 {
				last = last[i+1:]
			}
			st.authTable = r.keys.isSecret(strings.Trim(last, `"'`))
			return ln
		}
		if st.authTable {
			if k, v, ok := strings.Cut(ln, "="); ok {
				key := strings.Trim(strings.TrimSpace(k), `"'`)
				val := strings.TrimSpace(v)
				if (key == "username" || key == "user") && val != "" && !isMarker(strings.Trim(val, `"'`)) {
					r.place(h, RuleRegistry, n, o)
					return k + "= " + quoteLike(val, r.replacement(RuleRegistry, val))
				}
			}
		}
	case o.yaml:
		if st.yamlSecretName {
			st.yamlSecretName = false
			if m := yamlValueRE.FindStringSubmatch(ln); m != nil && len(m[1]) >= st.yamlIndent && !isMarker(strings.Trim(m[2], `"' `)) {
				r.place(h, RuleSecretPair, n, o)
				return m[1] + "value: " + quoteLike(m[2], r.replacement(RuleSecretPair, m[2]))
			}
		}
		if m := yamlNameRE.FindStringSubmatch(ln); m != nil && r.keys.isSecret(m[2]) {
			st.yamlSecretName, st.yamlIndent = true, len(m[1])
		}
	}
	return ln
}

// quoteLike keeps the original's quoting around a replacement.
func quoteLike(orig, repl string) string {
	open, end := quotesOf(orig)
	return open + repl + end
}

// quotesOf is what quoteLike puts before and after a replacement of orig:
// its quote, `["` and `"]` for a list, or nothing. (Apart, so a builder
// writes them without the string quoteLike makes per replacement.)
func quotesOf(orig string) (open, end string) {
	orig = strings.TrimSpace(orig)
	if q := escapedQuote(orig); q > 0 && len(orig) >= 2*q && strings.HasSuffix(orig, orig[:q]) {
		return orig[:q], orig[:q] // \"x\" inside a quoted string
	}
	if len(orig) >= 2 && (orig[0] == '"' || orig[0] == '\'') {
		return orig[:1], orig[:1]
	}
	if strings.HasPrefix(orig, "[") && strings.HasSuffix(orig, "]") {
		return `["`, `"]`
	}
	return "", ""
}

// keyValues redacts the values of secret-looking keys: KEY=value, key: value,
// "key": "value", --flag=value and --flag value.
func (r *Redactor) keyValues(ln string, n int, o textOpts, st *lineState, h *hits) string {
	if o.env {
		// KEY=value lines: the value is the rest of the line, spaces and all.
		if out, ok := r.envAssignment(ln, n, o, h); ok {
			return out
		}
	}
	// The spans go to the writer a chunk at a time: most lines have fewer
	// than a chunk, and no line needs more room than buf.
	var buf [2 * spanChunk]span
	if at, ok := r.placesIn(ln, st); ok {
		w := r.newSpanWriter(ln, n, o)
		ns := newNearScan()
		for done := false; !done; {
			var spans []span
			if spans, done = r.keys.askNearFrom(ln, at, &ns, buf[:0], spanChunk); ns.disorder {
				break
			}
			w.put(spans, h)
		}
		ln = w.String()
		if ns.disorder {
			// Never seen (see askOne; random lines and places in any
			// order did not make it): every separator of what the chunks
			// before made is asked, their markers kept as they are.
			ln = r.keyPairsEverywhere(ln, n, o, h, buf[:0])
		}
	} else {
		ln = r.keyPairsEverywhere(ln, n, o, h, buf[:0])
	}
	w := r.newSpanWriter(ln, n, o)
	for i := 0; i < len(ln); {
		var spans []span
		spans, i = r.keys.scanFlagsFrom(ln, i, buf[:0], spanChunk)
		w.put(spans, h)
	}
	ln = w.String()
	// TOML arrays of secrets: key = ["a", "b"].
	if o.toml {
		if k, v, ok := strings.Cut(ln, "="); ok && strings.HasPrefix(strings.TrimSpace(v), "[") && r.keys.isSecret(strings.Trim(strings.TrimSpace(k), `"'`)) {
			ln = k + "=" + r.replaceAll(v, tomlStringRE, 1, RuleSecretKey, nil, n, o, h)
		}
	}
	return ln
}

var tomlStringRE = regexp.MustCompile(`"((?:[^"\\]|\\.)+)"`)

// spanChunk is how many spans the key rules' scans give the writer at a
// time (a few more after a keyword whose walk finds several).
const spanChunk = 16

// keyPairsEverywhere replaces the values of ln's secret pairs, every
// separator asked (scanKeyValues).
func (r *Redactor) keyPairsEverywhere(ln string, n int, o textOpts, h *hits, buf []span) string {
	w := r.newSpanWriter(ln, n, o)
	var memo keyMemo
	for i := 0; i < len(ln); {
		var spans []span
		spans, i = r.keys.scanKeyValuesFrom(ln, i, &memo, buf[:0], spanChunk)
		w.put(spans, h)
	}
	return w.String()
}

// replaceSpans replaces the values of the spans (in order, as the scanners
// find them) whose keys name a secret.
func (r *Redactor) replaceSpans(ln string, spans []span, n int, o textOpts, h *hits) string {
	w := r.newSpanWriter(ln, n, o)
	w.put(spans, h)
	return w.String()
}

// spanWriter is replaceSpans a chunk of spans at a time: the copy of its
// line with the values replaced so far, up to last.
//
// The hits go to put, not into the writer: stored there, they went to the
// heap with it (put leaks what its writer points to), one allocation per
// JSON string value redacted.
type spanWriter struct {
	r    *Redactor
	ln   string
	b    strings.Builder
	last int
	n    int
	o    textOpts
	// marker is the rule's marker, looked up at the first value, not at
	// each, when it does not depend on the value (no pseudonyms).
	marker string
}

func (r *Redactor) newSpanWriter(ln string, n int, o textOpts) spanWriter {
	return spanWriter{r: r, ln: ln, n: n, o: o}
}

// put replaces the values of spans, which come after those put before.
func (w *spanWriter) put(spans []span, h *hits) {
	ln, r := w.ln, w.r
	for _, sp := range spans {
		key := ln[sp.ks:sp.ke]
		if sp.ks < w.last {
			continue
		}
		if userFlag(key) && sp.ks > 0 && ln[sp.ks-1] == '-' {
			// --user name:password (ctr, curl): the part after the colon,
			// unless a rule before replaced the whole value (its marker's
			// colon is no password's). Nothing after the colon ("curl
			// --user bob:" ending a line) is nothing to replace.
			if i := strings.IndexByte(ln[sp.vs:sp.ve], ':'); i > 0 && sp.vs+i+1 < sp.ve && !allDigits(trimQuotes(ln[sp.vs+i+1:sp.ve])) &&
				!isMarker(trimQuotes(ln[sp.vs:sp.ve])) {
				sp.vs += i + 1
			} else {
				continue
			}
		} else if !sp.secret && !(sp.entropy && highEntropy(trimQuotes(ln[sp.vs:sp.ve])) || !sp.entropy && r.keys.secretWithValue(key, ln[sp.vs:sp.ve])) ||
			isAuthorizationKey(key) {
			continue
		}
		// After the key test: looking back for a marker's '[' on every
		// key of a line cost more than the key tests.
		if insideMarker(ln, sp.ks) {
			continue
		}
		sep := separator(ln, sp)
		if sep == '=' {
			sp.ve = connectionStringValueEnd(ln, sp)
		}
		if q := ln[sp.vs]; q != '"' && q != '\'' && containsFold(key, "passphrase") {
			// A passphrase is words: the rest of the line.
			sp.ve = len(strings.TrimRight(ln, " \t\r"))
		}
		v := ln[sp.vs:sp.ve]
		inner := trimQuotes(v)
		if inner == "" || isMarker(inner) || boringValue(inner) || sep == ':' && proseKey(ln, sp) && isPlainWord(v) ||
			strings.EqualFold(key, "secret") && isObjectRef(inner) {
			continue
		}
		open, end := quotesOf(v)
		if w.marker == "" || r.pseudo {
			w.marker = r.replacement(RuleSecretKey, inner)
		}
		repl := w.marker
		growOutput(&w.b, len(ln), sp.vs-w.last+len(open)+len(repl)+len(end))
		w.b.WriteString(ln[w.last:sp.vs])
		w.b.WriteString(open)
		w.b.WriteString(repl)
		w.b.WriteString(end)
		w.last = sp.ve
		r.place(h, RuleSecretKey, w.n, w.o)
	}
}

// String is the line with every value put so far replaced.
func (w *spanWriter) String() string {
	if w.last == 0 {
		return w.ln
	}
	w.b.WriteString(w.ln[w.last:])
	return w.b.String()
}

// trimQuotes is strings.Trim(s, `"'`), which built its cutset's table at
// each of the key rules' three calls per value (a tenth of replaceSpans
// on a line of 150 000 flags).
func trimQuotes(s string) string {
	if q := escapedQuote(s); q > 0 && len(s) >= 2*q && strings.HasSuffix(s, s[:q]) {
		s = s[q : len(s)-q] // \"x\" inside a quoted string
	}
	for len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == '"' || s[len(s)-1] == '\'') {
		s = s[:len(s)-1]
	}
	return s
}

// userFlag: the key is user or u, in any case (keys from the scanners are
// ASCII; strings.ToLower on every key cost an allocation).
func userFlag(key string) bool {
	return len(key) == 4 && hasPrefixFold(key, "user") || len(key) == 1 && lowerByte(key[0]) == 'u'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// separator is the byte between a key and its value ('=', ':' or ' ' for flags).
func separator(ln string, sp span) byte {
	for i := sp.ke; i < sp.vs; i++ {
		switch ln[i] {
		case '=', ':':
			return ln[i]
		}
	}
	return ' '
}

// proseKey: the key is a word inside a sentence ("failed to fetch anonymous
// token: unexpected status"), not the first thing on the line or in a field.
func proseKey(ln string, sp span) bool {
	i := sp.ks - 1
	if i >= 0 && (ln[i] == '"' || ln[i] == '\'') {
		i--
		if i >= 0 && ln[i] == '=' {
			return true // the first words of a quoted message: error="secret: invalid"
		}
	}
	if i < 1 || ln[i] != ' ' {
		return false
	}
	c := ln[i-1]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// connectionStringValueEnd widens an unquoted value that stopped at a space
// to the next ';' when nothing else is assigned before it: ADO strings allow
// spaces in values ("Password=my long pw;Database=x").
func connectionStringValueEnd(ln string, sp span) int {
	if sp.ve >= len(ln) || ln[sp.ve] != ' ' || ln[sp.vs] == '"' || ln[sp.vs] == '\'' {
		return sp.ve
	}
	// Up to the first ';', '=' or quote, not to the first ';': a line of
	// "token=x token=x ..." without one read the rest of the line per value.
	// (By hand: IndexAny built its set's table at every value.)
	for i := sp.ve; i < len(ln); i++ {
		switch ln[i] {
		case ';':
			return i
		case '=', '"', '\'':
			return sp.ve
		}
	}
	return sp.ve
}

// envAssignment redacts the whole value of a KEY=value line (env files,
// OCI process.env, Docker Config.Env) whose key is secret-looking.
func (r *Redactor) envAssignment(ln string, n int, o textOpts, h *hits) (string, bool) {
	eq := strings.IndexByte(ln, '=')
	if eq <= 0 {
		return "", false
	}
	key := strings.TrimPrefix(ln[:eq], "export ")
	for i := 0; i < len(key); i++ {
		if !isKeyByte(key[i]) {
			return "", false
		}
	}
	v := strings.TrimRight(ln[eq+1:], "\r")
	inner := trimQuotes(v)
	if !r.keys.secretWithValue(key, inner) || inner == "" || isMarker(inner) || boringValue(inner) {
		return "", false
	}
	r.place(h, RuleSecretKey, n, o)
	return ln[:eq+1] + quoteLike(v, r.replacement(RuleSecretKey, inner)) + ln[eq+1+len(v):], true
}

// boringValue: values that cannot be secrets and that analysis wants to see.
// (maxBoringWord, the longest word of its list, spares a longer value the
// lowercased copy: most values under a secret key are longer.)
func boringValue(v string) bool {
	if len(v) > maxKeptValue {
		return false // no variable, path or word is that long (and scanKeyValues skips it)
	}
	if len(v) <= maxBoringWord {
		switch strings.ToLower(v) {
		case "true", "false", "null", "nil", "<nil>", "none", "yes", "no", "on", "off", "enabled", "disabled", "{}", "[]", "redacted", "***", "********",
			"|", ">", "|-", ">-", "|+", ">+",
			// The noun itself: "failed to list *v1.Secret: secrets is forbidden".
			"secret", "secrets", "token", "tokens", "password", "passwords", "credentials":
			return true
		}
	}
	return v == "[REDACTED]" || isMarker(v) || shortNumber(v) || isDuration(v) || isVarRef(v) || strings.HasPrefix(v, "/") && !strings.ContainsAny(v, " ") && strings.Count(v, "/") > 1 ||
		isCodeReference(v) || isCredentialPath(v)
}

const maxBoringWord = len("credentials")

// isVarRef is a whole value that names where the secret comes from: a
// shell or compose variable (${db_password}, $DB_PASSWORD) or a Kubernetes
// dependent variable ($(DB_PASSWORD)). Not any value that starts with '$':
// "$3cr3t!" and "$uperS3cret" are passwords, "$2y$10$..." and compose's
// escaped "$$2a$$08$$..." bcrypt hashes (docker/compose#9716), and a
// default inside ${VAR:-...} may be a secret itself. A bare $NAME is a
// variable in the environment's own spelling (capitals, digits) or a code
// variable without digits ("$password = $input;", detect-secrets'
// negatives), not a mixed-case word with digits, as passwords are.
func isVarRef(v string) bool {
	if len(v) < 2 || v[0] != '$' {
		return false
	}
	name, braced := strings.TrimSuffix(v[1:], ";"), false
	if n := len(name); n > 2 && (name[0] == '{' && name[n-1] == '}' || name[0] == '(' && name[n-1] == ')') {
		name, braced = name[1:n-1], true
	}
	lower, digit := false, false
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '_' || c >= 'A' && c <= 'Z':
		case c >= 'a' && c <= 'z':
			lower = true
		case i > 0 && c >= '0' && c <= '9':
			digit = true
		default:
			return false
		}
	}
	return name != "" && (braced || !(lower && digit))
}

// isObjectRef is a Kubernetes namespace/name (secret="lab/db-creds"
// names a Secret object).
func isObjectRef(v string) bool {
	ns, name, ok := strings.Cut(v, "/")
	return ok && isDNSLabel(ns) && isDNSLabel(name)
}

func isDNSLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// shortNumber: a count or a flag, not a password (PASSWORD_MIN_LENGTH=12,
// password_auth: 1). Three digits at most: a PIN or the numeric password of
// a quick setup (MYSQL_ROOT_PASSWORD=123456, keepalived's auth_pass 1111)
// is four or more, and a key that names a size, port or count says so
// (describesSecret) before a value is looked at.
func shortNumber(v string) bool { return len(v) <= 3 && allDigits(v) }

// isDuration is a Go or Kubernetes duration (30m, 24h0m0s, 1.5h).
func isDuration(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	unit := false
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
			j++
		}
		if j == i {
			return false
		}
		k := j
		for k < len(v) && (v[k] == 'h' || v[k] == 'm' || v[k] == 's' || v[k] == 'd' || v[k] == 'u' || v[k] == 'n' || v[k] == 'w') {
			k++
		}
		if k == j || k-j > 2 {
			return false
		}
		unit = true
		i = k
	}
	return unit
}

// identifiers applies the optional pseudonyms.
func (r *Redactor) identifiers(ln string, n int, o textOpts, h *hits) string {
	for _, host := range r.hosts {
		if strings.Contains(ln, host) {
			c := strings.Count(ln, host)
			ln = strings.ReplaceAll(ln, host, r.replacement(RuleHost, host))
			for i := 0; i < c; i++ {
				r.place(h, RuleHost, n, o)
			}
		}
	}
	if r.ips && strings.ContainsAny(ln, ".:") {
		ln = r.replaceAll(ln, ipv4RE, 0, RuleIP, nil, n, o, h)
		ln = r.replaceAll(ln, ipv6RE, 0, RuleIP, nil, n, o, h)
	}
	if r.macs && strings.Contains(ln, ":") {
		ln = r.replaceAll(ln, macRE, 0, RuleMAC, nil, n, o, h)
	}
	return ln
}
