package redact

import (
	"encoding/base64"
	"strings"
)

// urlPasswords finds the password of every scheme://user:password@host in
// ln by the last '@' before the host, so a password holding '@', '/' or
// ':' (left unencoded, as people write them) goes whole: the url-userinfo
// regexp stops at the first of those. The host, port and path stay.
func (r *Redactor) urlPasswords(ln string, n int, o textOpts, h *hits) string {
	var b strings.Builder
	last, fieldEnd := 0, -1
	// Each "://" is found once: the one after a URL is where its user
	// info ends and where the next URL starts (a replacement ends before
	// it), so the search for one is the search for the other.
	for sep := strings.Index(ln, "://"); sep >= 0; {
		start := sep + 3
		if sep = strings.Index(ln[start:], "://"); sep >= 0 {
			sep += start
		}
		// The URL runs to whitespace or a quote, and its user info ends
		// before another "://" (found once per field: a field of many URLs
		// costs its length, not its length per URL).
		if start > fieldEnd {
			fieldEnd = start
			for fieldEnd < len(ln) && !urlEnds(ln[fieldEnd]) {
				fieldEnd++
			}
		}
		end := fieldEnd
		if sep >= 0 && sep < end {
			end = sep
		}
		tok := ln[start:end]
		at := lastHostAt(tok)
		if at < 0 {
			continue
		}
		colon := strings.IndexByte(tok[:at], ':')
		if colon < 0 || colon+1 >= at {
			continue
		}
		ps, pe := start+colon+1, start+at
		pw := ln[ps:pe]
		if isMarker(pw) || ps < last || boringValue(pw) {
			continue
		}
		repl := r.replacement(RuleURLUserinfo, pw)
		growOutput(&b, len(ln), ps-last+len(repl))
		b.WriteString(ln[last:ps])
		b.WriteString(repl)
		last = pe
		r.place(h, RuleURLUserinfo, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

func urlEnds(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '<', '>', '`', '\\':
		return true
	}
	return false
}

// lastHostAt is the index in tok (a URL after "://") of the '@' that ends
// its user info: the last '@' before a '?' or '#' that a host name
// (letters, digits, '.', '-', or an [IPv6] literal) follows, or -1.
func lastHostAt(tok string) int {
	limit := len(tok)
	for i := 0; i < len(tok); i++ { // (IndexAny built its set per URL)
		if tok[i] == '?' || tok[i] == '#' {
			limit = i
			break
		}
	}
	for at := strings.LastIndexByte(tok[:limit], '@'); at >= 0; at = strings.LastIndexByte(tok[:at], '@') {
		if hostAt(tok[at+1:]) {
			return at
		}
	}
	return -1
}

// hostAt: s starts with a host, then a port, path, query or the end.
func hostAt(s string) bool {
	if strings.HasPrefix(s, "[") {
		return strings.IndexByte(s, ']') > 1
	}
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' || s[i] == '_') {
		i++
	}
	if i == 0 {
		return false
	}
	return i == len(s) || strings.IndexByte(":/?#,;)]}", s[i]) >= 0
}

// oraclePasswords: user/password@//host:port/service (Oracle Easy
// Connect, sqlplus and JDBC thin URLs).
func (r *Redactor) oraclePasswords(ln string, n int, o textOpts, h *hits) string {
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i := strings.Index(ln[from:], "@//")
		if i < 0 {
			break
		}
		at := from + i
		from = at + 3
		// Back over the password to the '/' after the user.
		s := at
		for s > last && !urlEnds(ln[s-1]) && ln[s-1] != '/' {
			s--
		}
		if s <= last || s == at || ln[s-1] != '/' {
			continue
		}
		u := s - 1
		us := u
		for us > 0 && (isKeyByte(ln[us-1]) || ln[us-1] == '$' || ln[us-1] == '#') {
			us--
		}
		if us == u {
			continue
		}
		pw := ln[s:at]
		if isMarker(pw) {
			continue
		}
		repl := r.replacement(RuleDSN, pw)
		growOutput(&b, len(ln), s-last+len(repl))
		b.WriteString(ln[last:s])
		b.WriteString(repl)
		last = at
		r.place(h, RuleDSN, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

// base64SecretStarts are the base64 of documents that hold secrets, as
// they begin when encoded whole (a Kubernetes Secret's data, an env var
// holding a file): kubeconfigs, Docker config.json, OpenSSH key bodies.
var base64SecretStarts = []string{"YXBpVmVyc2lvbj", "a2luZDogQ29uZmln", "Y2x1c3RlcnM6", "Y3VycmVudC1jb250ZXh0", "eyJhdXRocyI6",
	"ewogICJhdXRocyI6", "ewoJImF1dGhzIj", "b3BlbnNzaC1rZXktdjE", "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZ"}

// base64HoldsSecret decodes a base64 run and looks for secrets in it: a
// private key, a kubeconfig's credentials, registry auth. A base64
// kubeconfig with only a CA and a server address stays.
func base64HoldsSecret(m string) bool {
	if strings.HasPrefix(m, "b3BlbnNzaC1rZXktdjE") {
		return true // an OpenSSH private key's binary body
	}
	n := min(len(m), 1<<20) / 4 * 4
	dec, err := base64.StdEncoding.DecodeString(m[:n])
	if err != nil {
		return true // undecodable: redact to be safe
	}
	s := string(dec)
	if mayHoldArmour(s) {
		return true
	}
	for _, w := range []string{"client-key-data", "token:", "token\":", "password", "auth\":", "\"auth\"", "openssh-key-v1", "secret"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
