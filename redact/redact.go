// Package redact is the one redactor every byte passes through before it
// reaches a bundle, the terminal or the manifest. Structured data (JSON,
// TOML, YAML, env lists) is redacted with its structure in mind, so a key in
// one field and its value in another are caught; free text by patterns.
// The report it keeps names rules, files, lines and JSON paths, never values.
package redact

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// Config selects rules and the replacement style.
type Config struct {
	// DisableDefaults turns every default rule off (only via an explicit
	// flag; the manifest then marks the bundle unredacted).
	DisableDefaults bool
	// ExtraKeys are more secret key names (case-insensitive substrings).
	ExtraKeys []string
	// ExtraPatterns are more free-text patterns: the whole match, or group 1
	// when the pattern has one, is replaced.
	ExtraPatterns []string
	// Pseudonymize replaces secrets with keyed HMAC tokens instead of markers.
	Pseudonymize bool
	// PseudonymKey keys the HMAC; empty with Pseudonymize means a random per-run key.
	PseudonymKey []byte
	// Optional consistent pseudonyms for identifiers (off by default).
	PseudonymizeHosts, PseudonymizeIPs, PseudonymizeMACs bool
	// Hostnames are the names PseudonymizeHosts replaces.
	Hostnames []string
}

// Redactor applies the rules. Safe for concurrent use.
type Redactor struct {
	rules []patternRule
	trig  *triggers
	// jaasBit is the scan bit of the line naming a JAAS login module (jaas.go).
	jaasBit  uint64
	keys     keyMatcher
	defaults bool
	pseudo   bool
	key      []byte
	hosts    []string
	ips      bool
	macs     bool
	// markers are the "[REDACTED:<rule>]" strings of the rules known at
	// New, made once: a dense line built one per replacement (70 000 on
	// a 1 MiB line of URL passwords).
	markers map[string]string

	mu     sync.Mutex
	total  int
	byRule map[string]int
	files  map[string]*fileHits
}

type fileHits struct {
	rules map[string]*RuleHits
	notes []string
}

// RuleHits is one rule's hits in one file: never the values.
type RuleHits struct {
	Rule      string   `json:"rule"`
	Count     int      `json:"count"`
	Lines     []int    `json:"lines,omitempty"`
	JSONPaths []string `json:"json_paths,omitempty"`
}

// FileReport is one file's hits.
type FileReport struct {
	Path  string     `json:"path"`
	Total int        `json:"total"`
	Rules []RuleHits `json:"rules"`
	// Notes say how a file was redacted when not as its kind says (a YAML
	// file that did not parse, redacted line by line): never values.
	Notes []string `json:"notes,omitempty"`
}

// Report is redaction-report.json.
type Report struct {
	RuleSetVersion          string         `json:"rule_set_version"`
	DefaultsEnabled         bool           `json:"defaults_enabled"`
	Pseudonymized           bool           `json:"pseudonymized"`
	PseudonymKeyFingerprint string         `json:"pseudonym_key_fingerprint,omitempty"`
	Total                   int            `json:"total"`
	ByRule                  map[string]int `json:"by_rule"`
	Files                   []FileReport   `json:"files"`
}

// maxPlaces bounds the line numbers / paths kept per rule and file.
const maxPlaces = 100

// New builds a Redactor. A bad user pattern is an error naming it.
func New(cfg Config) (*Redactor, error) {
	r := &Redactor{defaults: !cfg.DisableDefaults, pseudo: cfg.Pseudonymize, ips: cfg.PseudonymizeIPs, macs: cfg.PseudonymizeMACs,
		byRule: map[string]int{}, files: map[string]*fileHits{}}
	if r.defaults {
		r.rules = defaultPatternRules()
	}
	for _, p := range cfg.ExtraPatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("--redact-regex %q: %w", p, err)
		}
		group := 0
		if re.NumSubexp() > 0 {
			group = 1
		}
		r.rules = append(r.rules, patternRule{RuleInfo: RuleInfo{Name: RuleUser}, re: re, group: group})
	}
	for _, k := range cfg.ExtraKeys {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			r.keys.extra = append(r.keys.extra, k)
		}
	}
	for i := range r.rules {
		r.rules[i].needs, r.rules[i].maxLen = runNeeds(r.rules[i].re.String()), regexMaxLen(r.rules[i].re.String())
	}
	r.trig = buildTriggers(r.rules, r.keys.extra, r.defaults)
	for i := range r.rules {
		if i < maxPatternBits && slices.Contains(r.rules[i].any, jaasWord) {
			r.jaasBit |= 1 << i
		}
	}
	r.markers = map[string]string{}
	for _, name := range []string{RuleSecretKey, RuleSecretPair, RuleRegistry, RulePEM} {
		r.markers[name] = redactedMarker(name)
	}
	for i := range r.rules {
		r.markers[r.rules[i].Name] = redactedMarker(r.rules[i].Name)
	}
	if r.defaults {
		for i := range vendorRules().rules {
			id := vendorRules().rules[i].id
			r.markers[id] = redactedMarker(id)
		}
	}
	if cfg.PseudonymizeHosts {
		for _, h := range cfg.Hostnames {
			if len(h) >= 3 {
				r.hosts = append(r.hosts, h)
			}
		}
	}
	if r.pseudo || len(r.hosts) > 0 || r.ips || r.macs {
		r.key = cfg.PseudonymKey
		if len(r.key) == 0 {
			r.key = make([]byte, 32)
			if _, err := rand.Read(r.key); err != nil {
				return nil, fmt.Errorf("pseudonym key: %w", err)
			}
		}
	}
	return r, nil
}

// KeyFingerprint identifies the pseudonym key without revealing it.
// A key exists only when some pseudonym is on (--pseudonymize or the
// host/IP/MAC pseudonyms), so the fingerprint is empty otherwise.
func (r *Redactor) KeyFingerprint() string { return r.keyFingerprint() }

func (r *Redactor) keyFingerprint() string {
	if len(r.key) == 0 {
		return ""
	}
	sum := sha256.Sum256(r.key)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// replacement is what a secret becomes.
func (r *Redactor) replacement(rule, value string) string {
	if r.pseudo || rule == RuleHost || rule == RuleIP || rule == RuleMAC {
		return "[PSEUDO:" + rule + ":" + r.token(value) + "]"
	}
	if m, ok := r.markers[rule]; ok {
		return m
	}
	return redactedMarker(rule)
}

func redactedMarker(rule string) string { return "[REDACTED:" + rule + "]" }

// growOutput readies b, a copy of a line of n bytes with replacements, for
// m more bytes. Before the first write it takes n + n/4: markers are mostly
// longer than what they replace, and a 1 MiB line dense with them grew its
// builder from a few bytes by doubling, copying it some twenty times. A
// line denser than that (a marker for every byte or two) outgrows it; the
// builder then doubles (Grow), where WriteString's append grows a large
// buffer by a quarter: a 1 MiB line of URL passwords was copied into fresh
// memory about ten times on its way to 3 MiB.
func growOutput(b *strings.Builder, n, m int) {
	if b.Cap() == 0 {
		b.Grow(max(n+n/4+64, m))
	} else if b.Cap()-b.Len() < m {
		b.Grow(m) // 2*cap + m
	}
}

func (r *Redactor) token(value string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// isMarker says a value was already replaced.
func isMarker(v string) bool {
	return len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' && wellFormedMarker(v[1:len(v)-1])
}

// insideMarker says position i of ln lies inside a marker already placed
// ("[PSEUDO:secret-key:0a1b2c3d4e5f]" holds "secret-key:" — a key to the key
// rules). Only a well-formed marker counts: text that merely starts with
// "[REDACTED:" must not shelter a secret.
func insideMarker(ln string, i int) bool {
	// Back from i over the bytes a marker holds, to its '[': most places
	// have another byte right before them, and looking for the last '['
	// in maxMarkerLen bytes on every key and match of a dense line was a
	// tenth of it. A byte no marker holds between the '[' and i would be
	// in the marker (or its ']' would come before i): not inside one.
	// A marker is short: looking back further made a line of many keys
	// and no '[' quadratic.
	lo := max(0, i-maxMarkerLen)
	open := i - 1
	for open >= lo && ln[open] != '[' && isMarkerByte(ln[open]) {
		open--
	}
	if open < lo || ln[open] != '[' {
		return false
	}
	end := strings.IndexByte(ln[open:], ']')
	if end < 0 || open+end < i {
		return false
	}
	return wellFormedMarker(ln[open+1 : open+end])
}

// isMarkerByte: a byte of a marker between its brackets ("REDACTED:",
// "PSEUDO:", a rule name, hex).
func isMarkerByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '-'
}

// maxMarkerLen bounds a marker's length: "[PSEUDO:" + a rule name (at most
// 64 bytes, TestRuleNamesFitMarkers) + ":" + 12 hex + "]".
const maxMarkerLen = 96

// wellFormedMarker: "REDACTED:<rule>" or "PSEUDO:<rule>:<12 hex>".
func wellFormedMarker(m string) bool {
	rest, pseudo := strings.CutPrefix(m, "PSEUDO:")
	if !pseudo {
		var ok bool
		if rest, ok = strings.CutPrefix(m, "REDACTED:"); !ok {
			return false
		}
	}
	rule, tok, hasTok := strings.Cut(rest, ":")
	if rule == "" || !allBytes(rule, isRuleNameByte) || hasTok != pseudo {
		return false
	}
	return !pseudo || len(tok) == 12 && allBytes(tok, isLowerHexByte)
}

// allBytes: every byte of s is in. (strings.Trim with a cutset built the
// set on every call: a tenth of a line dense with markers.)
func allBytes(s string, in func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !in(s[i]) {
			return false
		}
	}
	return true
}

func isRuleNameByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }
func isLowerHexByte(c byte) bool { return c >= 'a' && c <= 'f' || c >= '0' && c <= '9' }

// hits collects one call's hits before they are merged under the lock.
type hits struct {
	list  []hit
	notes []string
	// n is the number of replacements in list (a hit counts its repeats),
	// kept as it grows so callers can take differences in constant time.
	n int
}

type hit struct {
	rule  string
	line  int
	jpath string
	// n counts hits of one rule on one line in a row: a line of 100 000
	// URL passwords is one entry, not 100 000.
	n int
}

func (h *hits) add(rule string, line int, jpath string) { h.addN(rule, line, jpath, 1) }

func (h *hits) addN(rule string, line int, jpath string, n int) {
	h.n += n
	if k := len(h.list) - 1; k >= 0 && jpath == "" && h.list[k].jpath == "" && h.list[k].rule == rule && h.list[k].line == line {
		h.list[k].n += n
		return
	}
	h.list = append(h.list, hit{rule, line, jpath, n})
}

// merge appends o's hits (a value redacted on its own, then kept).
func (h *hits) merge(o *hits) {
	h.list = append(h.list, o.list...)
	h.n += o.n
}

func (r *Redactor) record(file string, h *hits) int {
	if len(h.list) == 0 && len(h.notes) == 0 {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fh := r.files[file]
	if fh == nil {
		fh = &fileHits{rules: map[string]*RuleHits{}}
		r.files[file] = fh
	}
	fh.notes = appendNotes(fh.notes, h.notes)
	total := 0
	for _, x := range h.list {
		total += x.n
		r.total += x.n
		r.byRule[x.rule] += x.n
		rh := fh.rules[x.rule]
		if rh == nil {
			rh = &RuleHits{Rule: x.rule}
			fh.rules[x.rule] = rh
		}
		rh.Count += x.n
		if x.jpath != "" && len(rh.JSONPaths) < maxPlaces {
			rh.JSONPaths = append(rh.JSONPaths, x.jpath)
		} else if x.line > 0 && len(rh.Lines) < maxPlaces && (len(rh.Lines) == 0 || rh.Lines[len(rh.Lines)-1] != x.line) {
			rh.Lines = append(rh.Lines, x.line)
		}
	}
	return total
}

// Total is the number of replacements so far.
func (r *Redactor) Total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// ByRule counts replacements per rule.
func (r *Redactor) ByRule() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.byRule))
	for k, v := range r.byRule {
		out[k] = v
	}
	return out
}

// Report returns redaction-report.json's content.
func (r *Redactor) Report() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := Report{RuleSetVersion: RuleSetVersion, DefaultsEnabled: r.defaults, Pseudonymized: r.pseudo,
		Total: r.total, ByRule: map[string]int{}}
	rep.PseudonymKeyFingerprint = r.keyFingerprint()
	for k, v := range r.byRule {
		rep.ByRule[k] = v
	}
	paths := make([]string, 0, len(r.files))
	for p := range r.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fr := FileReport{Path: p, Notes: slices.Clone(r.files[p].notes)}
		names := make([]string, 0, len(r.files[p].rules))
		for n := range r.files[p].rules {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			rh := *r.files[p].rules[n]
			// A file written in several calls lists each line once, in order.
			rh.Lines = append([]int(nil), rh.Lines...)
			sort.Ints(rh.Lines)
			rh.Lines = slices.Compact(rh.Lines)
			fr.Total += rh.Count
			fr.Rules = append(fr.Rules, rh)
		}
		rep.Files = append(rep.Files, fr)
	}
	return rep
}

// Bytes returns a redacted copy of data and the number of replacements,
// recording the hits under file. Structured kinds that fail to parse are
// redacted as text: unparsable input is never passed through unredacted.
func (r *Redactor) Bytes(file string, kind Kind, data []byte) ([]byte, int) {
	if kind == Auto {
		kind = KindOf(file)
	}
	var h hits
	var out []byte
	switch kind {
	case JSON:
		if o, ok := r.redactJSONDoc(data, &h); ok {
			out = o
		} else {
			h = hits{}
			out = r.textBytes(data, textOpts{}, &h)
		}
	case JSONLines:
		out = r.jsonLines(unsafe.String(unsafe.SliceData(data), len(data)), &h)
	case TOML, YAML:
		out = r.structured(kind, data, &h)
	case Env:
		out = r.textBytes(data, textOpts{env: true, secret: secretFileOf(file), shapes: true}, &h)
	default:
		out = r.textBytes(data, textOpts{secret: secretFileOf(file), shapes: true}, &h)
	}
	return out, r.record(file, &h)
}

// textBytes redacts data as text into one new slice. data is read in place,
// not copied to a string first: the text rules only read their input, and
// nothing they keep (hits, replacements) points into it, so no string
// viewing data outlives this call.
func (r *Redactor) textBytes(data []byte, o textOpts, h *hits) []byte {
	s := unsafe.String(unsafe.SliceData(data), len(data))
	return r.appendText(make([]byte, 0, textCap(len(data))), s, o, h)
}

// String redacts a command line, an error message or terminal output. Hits
// are counted in the totals under the pseudo file "-".
func (r *Redactor) String(s string) string {
	var h hits
	out := r.text(s, textOpts{}, &h)
	r.record("-", &h)
	return out
}

// KindOf picks a kind from a path's extension.
func KindOf(p string) Kind {
	switch strings.ToLower(path.Ext(p)) {
	case ".json":
		return JSON
	case ".jsonl", ".ndjson":
		return JSONLines
	case ".toml":
		return TOML
	case ".yaml", ".yml":
		return YAML
	case ".env":
		return Env
	}
	return Text
}
