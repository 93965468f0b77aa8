package redact

import (
	"path"
	"regexp"
	"strings"
)

// Files that hold one credential per line in a format known only by the
// file's name: nothing in ".pgpass"'s "db:5432:orders:app:hunter2" says
// password. Their secret field is replaced on every line that is not a
// comment; the other rules still read the line. In a log or a journal the
// same line has no name to go by: credentialLine knows the shapes that
// say what they are anyway.

// secretField finds the secret of one line of such a file: ln[s:e].
type secretField func(ln string) (s, e int, ok bool)

// secretFileOf is the format of the file at file (a bundle path), or nil.
func secretFileOf(file string) secretField {
	switch path.Base(file) {
	case ".pgpass", "pgpass.conf":
		// https://www.postgresql.org/docs/current/libpq-pgpass.html
		return pgpassSecret
	case "rsyncd.secrets":
		// rsyncd.conf(5) "secrets file": username:password.
		return afterColon
	case "chap-secrets", "pap-secrets":
		// pppd(8) AUTHENTICATION: client server secret [addresses].
		return thirdField
	case "sasl_passwd":
		// https://www.postfix.org/SASL_README.html#client_sasl_enable:
		// [host]:port username:password.
		return saslPasswdSecret
	case "userlist.txt":
		// pgbouncer's auth_file: "username" "password or secret".
		return secondQuoted
	}
	return nil
}

// commentOrBlank: a line of such a file that holds no credential.
func commentOrBlank(ln string) bool {
	t := strings.TrimLeft(ln, " \t")
	return t == "" || t[0] == '#' || t[0] == ';'
}

// pgpassSecret: hostname:port:database:username:password, where \: and \\
// are a colon and a backslash of the field.
func pgpassSecret(ln string) (int, int, bool) {
	if commentOrBlank(ln) {
		return 0, 0, false
	}
	colons := 0
	for i := 0; i < len(ln); i++ {
		switch ln[i] {
		case '\\':
			i++
		case ':':
			if colons++; colons == 4 {
				return i + 1, len(ln), i+1 < len(ln)
			}
		}
	}
	return 0, 0, false
}

// afterColon: username:password.
func afterColon(ln string) (int, int, bool) {
	i := strings.IndexByte(ln, ':')
	if commentOrBlank(ln) || i < 0 || i+1 == len(ln) {
		return 0, 0, false
	}
	e := len(strings.TrimRight(ln, " \t\r"))
	return i + 1, e, e > i+1
}

// thirdField: the third of fields apart by blanks, a double-quoted one
// without its quotes.
func thirdField(ln string) (int, int, bool) {
	if commentOrBlank(ln) {
		return 0, 0, false
	}
	i := 0
	for f := 0; ; f++ {
		for i < len(ln) && (ln[i] == ' ' || ln[i] == '\t') {
			i++
		}
		if i == len(ln) {
			return 0, 0, false
		}
		var s, e int
		if ln[i] == '"' {
			j := strings.IndexByte(ln[i+1:], '"')
			if j < 0 {
				return 0, 0, false
			}
			s, e, i = i+1, i+1+j, i+j+2
		} else {
			s = i
			for i < len(ln) && ln[i] != ' ' && ln[i] != '\t' {
				i++
			}
			e = i
		}
		if f == 2 {
			return s, e, e > s
		}
	}
}

// saslPasswdSecret: "[host]:port username:password".
func saslPasswdSecret(ln string) (int, int, bool) {
	if commentOrBlank(ln) {
		return 0, 0, false
	}
	t := strings.TrimRight(ln, " \t\r")
	sp := strings.LastIndexAny(t, " \t")
	if sp < 0 {
		return 0, 0, false
	}
	c := strings.IndexByte(t[sp+1:], ':')
	if c < 0 || sp+2+c == len(t) {
		return 0, 0, false
	}
	return sp + 2 + c, len(t), true
}

// secondQuoted: the second double-quoted string ("user" "secret").
func secondQuoted(ln string) (int, int, bool) {
	if commentOrBlank(ln) {
		return 0, 0, false
	}
	i := 0
	for q := 0; q < 2; q++ {
		a := strings.IndexByte(ln[i:], '"')
		if a < 0 {
			return 0, 0, false
		}
		b := strings.IndexByte(ln[i+a+1:], '"')
		if b < 0 {
			return 0, 0, false
		}
		if q == 1 {
			return i + a + 1, i + a + 1 + b, b > 0
		}
		i += a + b + 2
	}
	return 0, 0, false
}

// secretFileLine replaces the secret field of ln, a line of a file whose
// format f is.
func (r *Redactor) secretFileLine(ln string, f secretField, n int, o textOpts, h *hits) string {
	s, e, ok := f(ln)
	if !ok || isMarker(ln[s:e]) || insideMarker(ln, s) {
		return ln
	}
	r.place(h, RuleSecretKey, n, o)
	return ln[:s] + r.replacement(RuleSecretKey, ln[s:e]) + ln[e:]
}

// The same lines where no file name tells what they are (a journal entry,
// a log, a terminal's output): only the shapes no other line has. A line
// of rsyncd.secrets ("user:password") has none.
var (
	// pgbouncer's "user" "secret" and chap-secrets' "client" server
	// "secret" [addresses]: a first quoted word without blanks.
	quotedCredentialRE = regexp.MustCompile(`^"[^"\s]+"[ \t]+(?:[^"\s]+[ \t]+)?"([^"]+)"(?:[ \t]+\S+)*[ \t]*$`)
	// postfix's sasl_passwd: [host]:port username:password.
	saslPasswdRE = regexp.MustCompile(`^\[[^\]\s]+\](?::\d{1,5})?[ \t]+[^\s:]+:(\S+)[ \t]*$`)
)

// credentialLine finds the secret of a line shaped as one of the files
// secretFileOf knows by name: ln[s:e]. It costs one byte test on lines
// that start otherwise and hold a blank (most log lines).
func credentialLine(ln string) (int, int, bool) {
	if ln == "" {
		return 0, 0, false
	}
	var re *regexp.Regexp
	switch ln[0] {
	case '"':
		re = quotedCredentialRE
	case '[':
		re = saslPasswdRE
	default:
		if strings.IndexByte(ln, ' ') >= 0 || strings.IndexByte(ln, '\t') >= 0 {
			return 0, 0, false
		}
		return pgpassShape(ln)
	}
	m := re.FindStringSubmatchIndex(ln)
	if m == nil {
		return 0, 0, false
	}
	return m[2], m[3], true
}

// pgpassShape: ln is a .pgpass line: a host name (or *), a port (or *),
// two more fields and the password, five fields in all. More are other
// files' lines (/etc/shadow's nine: "nobody:*:19700:0:99999:7:::"); five
// fields of 1-4 hex digits are an IPv6 address (fe80:0:0:0:1).
func pgpassShape(ln string) (int, int, bool) {
	s, e, ok := pgpassSecret(ln)
	if !ok {
		return 0, 0, false
	}
	if unescapedColon(ln[s:e]) {
		return 0, 0, false
	}
	fields := strings.SplitN(ln[:s-1], ":", 4)
	if len(fields) != 4 || fields[2] == "" || fields[3] == "" || !hostField(fields[0]) || !portField(fields[1]) {
		return 0, 0, false
	}
	ipv6 := len(ln[s:e]) <= 4 && isHex(ln[s:e])
	for _, f := range fields {
		ipv6 = ipv6 && len(f) <= 4 && isHex(f)
	}
	return s, e, !ipv6
}

func hostField(f string) bool {
	if f == "*" {
		return true
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; !isAlnumByte(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return f != ""
}

func portField(f string) bool {
	return f == "*" || len(f) >= 1 && len(f) <= 5 && allDigits(f)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := lowerByte(s[i]); !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// unescapedColon: s holds a ':' that no backslash escapes.
func unescapedColon(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			return true
		}
	}
	return false
}
