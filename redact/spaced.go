package redact

import (
	"slices"
	"strings"
)

// Config files that separate a key from its value by spaces: redis.conf
// ("requirepass x", "masterauth x"), .netrc ("machine h login u password
// p", one line or several), pgbouncer and squid settings. A line of exactly
// a secret key and one value is one; in a netrc line (it starts with
// machine, default, login or password) every "password" and "account" is
// followed by its value. Prose ("password changed") is a lowercase word
// and stays (isPlainWord).

// maxSpacedFields bounds the fields read from a line.
const maxSpacedFields = 16

func (r *Redactor) spacedValues(ln string, n int, o textOpts, st *lineState, h *hits) string {
	// Formats whose secret follows a word of their own, anywhere in the
	// line: an Authorization header in a server's config, AUTH at a
	// prompt, an ipsec.secrets entry.
	// Both need the word "auth", which the line scan notes: where its
	// places are known, a line without it is not read again (reading
	// every keyword line twice more cost 4% of BenchmarkRedactLogText).
	if at, known := r.placesKnown(ln, st); !known || placeOfWord(ln, at, "auth") {
		if s, e, ok := quotedAuthorization(ln); ok {
			r.place(h, RuleSecretKey, n, o)
			ln = ln[:s] + r.replacement(RuleSecretKey, ln[s:e]) + ln[e:]
		}
		if s, e, ok := redisAuth(ln); ok && !isMarker(ln[s:e]) && !insideMarker(ln, s) {
			r.place(h, RuleSecretKey, n, o)
			return ln[:s] + r.replacement(RuleSecretKey, ln[s:e]) + ln[e:]
		}
	}
	if s, e, ok := ipsecSecret(ln); ok {
		v := ln[s:e]
		if !isMarker(strings.Trim(v, `"'`)) && !insideMarker(ln, s) {
			r.place(h, RuleSecretKey, n, o)
			return ln[:s] + quoteLike(v, r.replacement(RuleSecretKey, strings.Trim(v, `"'`))) + ln[e:]
		}
	}
	// Most lines with a secret word are log lines of many fields: three
	// tell the "key value" shape is not there, and only a netrc line's
	// first word asks for all of them (reading every field and
	// lowercasing the first cost a tenth of BenchmarkRedactLogText).
	// Where the keywords are known (and the line was not changed since),
	// a first field without one that is not a netrc word ends it: the key
	// of "key value" names a secret only with a keyword in it.
	var buf [maxSpacedFields + 1][2]int
	if at, ok := r.placesKnown(ln, st); ok {
		f := fieldSpans(ln, buf[:0], 0)
		if len(f) == 0 || !isNetrcWord(ln[f[0][0]:f[0][1]]) && !placeIn(at, f[0][0], f[0][1]) {
			return ln
		}
	}
	f := fieldSpans(ln, buf[:0], 2)
	if len(f) < 2 {
		return ln
	}
	netrc := isNetrcWord(ln[f[0][0]:f[0][1]])
	community := isCommunityDirective(ln[f[0][0]:f[0][1]])
	if netrc || community {
		f = fieldSpans(ln, buf[:0], maxSpacedFields)
	}
	if len(f) > maxSpacedFields || !netrc && !community && len(f) != 2 {
		return ln
	}
	word := func(i int) string { return ln[f[i][0]:f[i][1]] }
	var at []int // fields holding a secret
	switch {
	case netrc:
		for i := 0; i+1 < len(f); i++ {
			if w := word(i); isWordFold(w, "password") || isWordFold(w, "passwd") || isWordFold(w, "account") {
				at = append(at, i+1)
				i++
			}
		}
	case community:
		// rocommunity COMMUNITY [SOURCE [OID]]: the first word after it.
		at = append(at, 1)
	case len(f) == 2 && isPlainKey(word(0)) && r.keys.isSecret(word(0)):
		at = append(at, 1)
	}
	var b strings.Builder
	last := 0
	for _, i := range at {
		v := word(i)
		if isPlainWord(v) || boringValue(v) || saslMechanisms[strings.ToUpper(v)] || isMarker(v) || insideMarker(ln, f[i][0]) {
			continue
		}
		b.WriteString(ln[last:f[i][0]])
		b.WriteString(r.replacement(RuleSecretKey, v))
		last = f[i][1]
		r.place(h, RuleSecretKey, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

// placeOfWord: one of the keyword places at in ln starts word (lowercase)
// in any case.
func placeOfWord(ln string, at []int, word string) bool {
	for _, p := range at {
		if hasPrefixFold(ln[p:], word) {
			return true
		}
	}
	return false
}

// placeIn: one of the places at (in order) is in [s, e).
func placeIn(at []int, s, e int) bool {
	i, _ := slices.BinarySearch(at, s)
	return i < len(at) && at[i] < e
}

// isNetrcWord: a .netrc line starts with one of these (any case).
func isNetrcWord(w string) bool {
	return isWordFold(w, "machine") || isWordFold(w, "default") || isWordFold(w, "login") || isWordFold(w, "password")
}

// isWordFold: w is lower in any ASCII case (what strings.ToLower(w) ==
// lower was, for these words: no non-ASCII rune lowercases to their
// letters), without a copy.
func isWordFold(w, lower string) bool { return len(w) == len(lower) && hasPrefixFold(w, lower) }

// fieldSpans appends the bounds of ln's space-separated fields, limit+1
// at most (so a caller sees there were too many).
func fieldSpans(ln string, spans [][2]int, limit int) [][2]int {
	for i := 0; i < len(ln); {
		for i < len(ln) && (ln[i] == ' ' || ln[i] == '\t' || ln[i] == '\r') {
			i++
		}
		if i >= len(ln) {
			break
		}
		s := i
		for i < len(ln) && ln[i] != ' ' && ln[i] != '\t' && ln[i] != '\r' {
			i++
		}
		if spans = append(spans, [2]int{s, i}); len(spans) > limit {
			return spans // too many
		}
	}
	return spans
}

// isPlainKey: a config key (letters, digits, '_', '-', '.'), not a flag.
func isPlainKey(w string) bool {
	if w == "" || w[0] == '-' {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isKeyByte(w[i]) {
			return false
		}
	}
	return true
}

// isCommunityDirective: net-snmp's snmpd.conf directives whose first
// argument is a community string, the password of SNMP v1 and v2c
// (http://www.net-snmp.org/docs/man/snmpd.conf.html, "rocommunity
// COMMUNITY [SOURCE [OID | -V VIEW [CONTEXT]]]").
func isCommunityDirective(w string) bool {
	return isWordFold(w, "rocommunity") || isWordFold(w, "rwcommunity") || isWordFold(w, "rocommunity6") || isWordFold(w, "rwcommunity6")
}

// ipsecSecret finds the secret of a strongSwan/Libreswan ipsec.secrets line,
// "[selectors] : TYPE secret" (https://docs.strongswan.org/docs/latest/config/ipsecSecrets.html;
// ": PSK \"x\"", "carol : EAP \"x\"", ": RSA key.pem \"passphrase\""): the
// secret's bounds in ln. Only a quoted secret or a 0s (base64) / 0x (hex)
// one counts, so prose ("error: PSK mismatch") stays.
func ipsecSecret(ln string) (s, e int, ok bool) {
	i := strings.Index(ln, ": ")
	if i < 0 || i > 0 && ln[i-1] != ' ' && ln[i-1] != '\t' {
		return 0, 0, false
	}
	rest := strings.TrimLeft(ln[i+2:], " \t")
	j := 0
	for j < len(rest) && (rest[j] >= 'A' && rest[j] <= 'Z' || rest[j] >= '0' && rest[j] <= '9') {
		j++
	}
	skip := 0 // words before the secret: a key file, a smartcard slot
	switch rest[:j] {
	case "PSK", "EAP", "XAUTH", "NTLM":
	case "RSA", "ECDSA", "BLISS", "P12", "PIN":
		skip = 1
	default:
		return 0, 0, false
	}
	at := len(ln) - len(rest) + j
	for ; ; skip-- {
		for at < len(ln) && (ln[at] == ' ' || ln[at] == '\t') {
			at++
		}
		if at == len(ln) || at == len(ln)-len(rest)+j {
			return 0, 0, false // no blank after the type, or nothing after it
		}
		end := at
		if q := ln[at]; q == '"' || q == '\'' {
			k := strings.IndexByte(ln[at+1:], q)
			if k < 0 {
				return 0, 0, false
			}
			end = at + 1 + k + 1
		} else {
			for end < len(ln) && ln[end] != ' ' && ln[end] != '\t' && ln[end] != '\r' {
				end++
			}
		}
		if skip == 0 {
			v := ln[at:end]
			if v[0] == '"' || v[0] == '\'' || strings.HasPrefix(v, "0s") || strings.HasPrefix(v, "0x") {
				return at, end, len(strings.Trim(v, `"'`)) > 0
			}
			return 0, 0, false
		}
		at = end
	}
}

// quotedAuthorization finds the credentials of an Authorization header set
// in a web server's or proxy's configuration, the header's name and its
// quoted value apart ("proxy_set_header Authorization \"Basic dXNl...\";",
// Apache's RequestHeader set Authorization "Bearer x"): the bounds of what
// follows the scheme. A variable ("Bearer $token") stays.
func quotedAuthorization(ln string) (s, e int, ok bool) {
	// As configuration files spell it (Authorization, authorization):
	// strings.Index is much faster than folding every byte of the line.
	const tail = "uthorization"
	for off := 0; ; {
		k := strings.Index(ln[off:], tail)
		if k < 0 {
			return 0, 0, false
		}
		i := off + k - 1
		off += k + len(tail)
		if i < 0 || lowerByte(ln[i]) != 'a' {
			continue
		}
		j := i + 1 + len(tail)
		for j < len(ln) && (ln[j] == ' ' || ln[j] == '\t') {
			j++
		}
		if j == i+1+len(tail) || j >= len(ln) || ln[j] != '"' && ln[j] != '\'' {
			continue
		}
		end := strings.IndexByte(ln[j+1:], ln[j])
		if end < 0 {
			return 0, 0, false
		}
		v := ln[j+1 : j+1+end]
		scheme, cred, found := strings.Cut(v, " ")
		cred = strings.TrimSpace(cred)
		if !found || scheme == "" || cred == "" || isVarRef(cred) || isMarker(cred) {
			return 0, 0, false
		}
		s = j + 1 + len(v) - len(strings.TrimLeft(v[len(scheme):], " "))
		return s, s + len(strings.TrimRight(cred, " ")), true
	}
}

// redisAuth finds the password of Redis' AUTH command typed at redis-cli's
// prompt or in a script ("127.0.0.1:6379> AUTH pw", "AUTH default pw":
// https://redis.io/docs/latest/commands/auth/), and SMTP's credentials
// ("C: AUTH PLAIN <base64>", RFC 4954): AUTH in capitals, first on the line
// or after a prompt ending in '>' or ':', then one or two words and nothing
// else.
func redisAuth(ln string) (s, e int, ok bool) {
	if !strings.Contains(ln, "AUTH ") {
		return 0, 0, false // most lines: no fields read
	}
	var buf [5][2]int
	f := fieldSpans(ln, buf[:0], 4)
	at := 0
	if len(f) > 0 && (ln[f[0][1]-1] == '>' || ln[f[0][1]-1] == ':') {
		at = 1 // a prompt, or a transcript's "C:"
	}
	if n := len(f) - at; n < 2 || n > 3 || ln[f[at][0]:f[at][1]] != "AUTH" {
		return 0, 0, false
	}
	last := f[len(f)-1]
	if v := ln[last[0]:last[1]]; isPlainWord(v) || boringValue(v) || saslMechanisms[v] {
		return 0, 0, false
	}
	return last[0], last[1], true
}

// saslMechanisms are what follows SMTP's and IMAP's AUTH when it is not
// Redis' (https://www.iana.org/assignments/sasl-mechanisms/): "AUTH LOGIN"
// names a mechanism; in "AUTH PLAIN <base64>" the last word is a credential.
var saslMechanisms = map[string]bool{"LOGIN": true, "PLAIN": true, "CRAM-MD5": true, "DIGEST-MD5": true, "XOAUTH2": true,
	"OAUTHBEARER": true, "GSSAPI": true, "NTLM": true, "EXTERNAL": true, "ANONYMOUS": true, "SCRAM-SHA-1": true, "SCRAM-SHA-256": true,
	// Digest names, after "auth" in OpenVPN's "auth SHA256" (the HMAC's
	// digest, https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/)
	// and keepalived's or strongSwan's settings.
	"MD5": true, "SHA1": true, "SHA224": true, "SHA256": true, "SHA384": true, "SHA512": true,
	"SHA-1": true, "SHA-224": true, "SHA-256": true, "SHA-384": true, "SHA-512": true, "SHA3-256": true, "SHA3-512": true}
