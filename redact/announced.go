package redact

import "strings"

// Programs that generate a password at first start print it on a line of
// its own after a line that announces it: Jenkins ("Please use the
// following password to proceed to installation:", a blank line, 32 hex),
// Elasticsearch 8 ("Password for the elastic user (reset with ...):", the
// password indented on the next line), kubeadm ("[upload-certs] Using
// certificate key:", the key). A text line ending in ':' that names a
// secret (announcedWords) makes the next line that is not blank, when it
// is one word that is not a plain lowercase word, the secret.

// announcedWords name what such a line announces.
var announcedWords = []string{"password", "passphrase", "passwd", "secret", "token", "certificate key", "unlock key"}

// maxAnnounceLine bounds the line announcesSecret reads: a heading, not data.
const maxAnnounceLine = 512

// announcesSecret: ln ends with ':' and names a secret.
func announcesSecret(ln string) bool {
	t := strings.TrimRight(ln, " \t\r")
	if len(t) > maxAnnounceLine || !strings.HasSuffix(t, ":") {
		return false
	}
	for _, w := range announcedWords {
		if containsFold(t, w) {
			return true
		}
	}
	return false
}

// announcedValue replaces the word ln is, the secret a line before
// announced; ok is false when ln is not such a word.
func (r *Redactor) announcedValue(ln string, n int, o textOpts, h *hits) (string, bool) {
	v := strings.TrimSpace(ln)
	if len(v) < 6 || strings.ContainsAny(v, " \t") || isPlainWord(v) || boringValue(v) || isMarker(v) || insideMarker(ln, strings.Index(ln, v)) {
		return ln, false
	}
	i := strings.Index(ln, v)
	r.place(h, RuleSecretKey, n, o)
	return ln[:i] + r.replacement(RuleSecretKey, v) + ln[i+len(v):], true
}
