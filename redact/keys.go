package redact

import (
	"strings"
	"unicode/utf8"
)

// Secret-looking keys. A key is split into lowercase segments at '_', '-',
// '.', spaces and camelCase boundaries ("AWS_SECRET_ACCESS_KEY" → aws secret
// access key, "identityToken" → identity token), then matched three ways:
// a segment containing a strong word, a segment equal to a weak word (too
// short or common to match inside other words: "auth" must not hit "author"),
// or two adjacent segments forming a pair ("api key", "client key").
var (
	strongWords = []string{"password", "passwd", "secret", "token", "credential", "apikey", "accesskey",
		"privatekey", "secretkey", "cookie", "passphrase", "authorization", "dockerconfigjson", "dockercfg"}
	weakWords = map[string]bool{"pwd": true, "auth": true, "session": true, "pass": true, "pw": true, "sas": true, "creds": true}
	keyPairs  = map[[2]string]bool{{"api", "key"}: true, {"access", "key"}: true, {"private", "key"}: true,
		{"secret", "key"}: true, {"client", "key"}: true, {"account", "key"}: true, {"signing", "key"}: true,
		{"encryption", "key"}: true, {"master", "key"}: true, {"shared", "key"}: true, {"storage", "key"}: true,
		{"session", "id"}: true, {"client", "secret"}: true}
	// notSecret are whole keys that match a rule but hold no secret: the shell's
	// working directory, and counts or flags about secrets.
	notSecret = map[string]bool{"pwd": true, "oldpwd": true, "token_ttl": true, "auth_type": true, "authtype": true,
		"secret_name": true, "secretname": true, "secretref": true, "secret_ref": true, "token_file": true, "tokenfile": true,
		"password_file": true, "passwordfile": true, "credential_helpers": true, "credhelpers": true, "credsstore": true,
		"auths": true, "secrets": true, "tokens": true,
		"imagepullsecrets": true, "image_pull_secrets": true, "secretrefs": true, "secret_refs": true,
		"secretkeyref": true, "secret_key_ref": true, "secretref.name": true}
)

// keyMatcher decides whether a key names a secret; user keys extend it.
type keyMatcher struct {
	extra []string // lowercase substrings
}

// isSecret reports whether key (as found in the data) names a secret.
func (k *keyMatcher) isSecret(key string) bool {
	if key == "" || len(key) > 128 {
		return false
	}
	if !k.mayBeSecret(key) {
		return false
	}
	lower := strings.ToLower(strings.Trim(key, `"' -`))
	for _, e := range k.extra {
		if strings.Contains(lower, e) {
			return true
		}
	}
	if notSecret[lower] || !mentionsSecretWord(lower) || isSourceFile(lower) {
		return false
	}
	segs := segments(key)
	for i, s := range segs {
		if weakWords[s] {
			return true
		}
		for _, w := range strongWords {
			if strings.Contains(s, w) {
				return true
			}
		}
		if i+1 < len(segs) && keyPairs[[2]string{s, segs[i+1]}] {
			return true
		}
	}
	return false
}

// mayBeSecret is isSecret's first test, without allocating: most keys in
// logs (time, level, msg, id) mention no secret word and no user key, and
// lowercasing each before looking cost more than the rest of the key rules.
// It reads an ASCII key in place, folding case as it goes; that finds every
// word isSecret's lowercased, trimmed key would hold (trimming only shortens
// it). Other keys go the long way: strings.ToLower maps some non-ASCII
// letters to ASCII ones (the Kelvin sign to k).
func (k *keyMatcher) mayBeSecret(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	if mentionsSecretWordFold(key) {
		return true
	}
	for _, e := range k.extra {
		if containsFold(key, e) {
			return true
		}
	}
	return false
}

// mentionsSecretWordFold is mentionsSecretWord on an ASCII key in any case.
// A word containing another is left out ("pwd" holds "pw"); each is looked
// for only where its first letter is. The words are spelled out here, not
// read from prefilterWords, because a loop over that list per byte halved the
// text path's throughput (BenchmarkRedactLogText 175 -> 100 MB/cpu-s);
// TestMentionsSecretWordFoldAgrees keeps the two in step.
func mentionsSecretWordFold(key string) bool {
	for i := 0; i < len(key); i++ {
		s := key[i:]
		switch lowerByte(key[i]) {
		case 'p':
			if hasPrefixFold(s, "pw") || hasPrefixFold(s, "pass") {
				return true
			}
		case 's':
			if hasPrefixFold(s, "secret") || hasPrefixFold(s, "session") || hasPrefixFold(s, "sas") {
				return true
			}
		case 't':
			if hasPrefixFold(s, "token") {
				return true
			}
		case 'k':
			if hasPrefixFold(s, "key") {
				return true
			}
		case 'c':
			if hasPrefixFold(s, "credential") || hasPrefixFold(s, "creds") || hasPrefixFold(s, "cookie") {
				return true
			}
		case 'a':
			if hasPrefixFold(s, "auth") {
				return true
			}
		case 'd':
			if hasPrefixFold(s, "dockercfg") || hasPrefixFold(s, "dockerconfig") {
				return true
			}
		}
	}
	return false
}

// containsFold: s (ASCII) holds lower (lowercase) in any ASCII case.
func containsFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		if hasPrefixFold(s[i:], lower) {
			return true
		}
	}
	return false
}

// segments splits a key into lowercase words.
func segments(key string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(key[start:end]))
		}
		start = -1
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		isUpper, isLower, isDigit := c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9'
		if !isUpper && !isLower && !isDigit {
			flush(i)
			continue
		}
		// camelCase boundary: lower→Upper, or the last Upper of an acronym before a lower.
		if isUpper && start >= 0 && i > 0 {
			prev := key[i-1]
			nextLower := i+1 < len(key) && key[i+1] >= 'a' && key[i+1] <= 'z'
			if (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z' && nextLower) {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(key))
	return out
}

var prefilterWords = []string{"pass", "pwd", "secret", "token", "key", "credential", "auth", "session", "cookie", "pw", "creds", "sas", "dockercfg", "dockerconfig"}

// isSourceFile: "auth.go" in klog's "auth.go:123]" is a file, not a key.
func isSourceFile(lower string) bool {
	for _, ext := range []string{".go", ".c", ".cc", ".h", ".py", ".rs", ".java", ".js", ".ts", ".sh"} {
		if strings.HasSuffix(lower, ext) && len(lower) > len(ext) {
			return true
		}
	}
	return false
}

// mentionsSecretWord is isSecret's cheap first test: most keys in logs
// (time, level, msg, id) contain none of the words, and splitting them into
// segments would cost an allocation each.
func mentionsSecretWord(lower string) bool {
	for _, w := range prefilterWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}
