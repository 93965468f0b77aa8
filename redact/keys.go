package redact

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Secret-looking keys. A key is split into lowercase segments at '_', '-',
// '.', spaces and camelCase boundaries ("AWS_SECRET_ACCESS_KEY" → aws secret
// access key, "identityToken" → identity token), then matched three ways:
// a segment containing a strong word, a segment equal to a weak word (too
// short or common to match inside other words: "auth" must not hit "author"),
// or two adjacent segments forming a pair ("api key", "client key").
var (
	strongWords = []string{"password", "passwd", "secret", "token", "credential", "apikey", "accesskey",
		"privatekey", "secretkey", "cookie", "passphrase", "authorization", "dockerconfigjson", "dockercfg",
		// Glued forms (OpenLDAP olcRootPW, Tailscale TS_AUTHKEY, Redis masterauth).
		"authkey", "signingkey", "hmackey", "enckey", "encryptionkey", "licensekey", "masterkey", "masterauth", "presharedkey", "writekey",
		// sssd's ldap_default_authtok, net-snmp's rocommunity/rwcommunity
		// directives (snmpd.conf(5)): the community string is the password
		// of SNMP v1/v2c.
		"authtok", "rocommunity", "rwcommunity",
		// Session cookies (PHPSESSID, JSESSIONID, sessionid) and a Java or
		// PKCS#12 keystore held in a variable (KEYSTORE_P12=MII..., a path
		// stays as every path does).
		"sessionid", "sessid", "keystore",
		// The word for password in other languages (ASCII spellings too).
		"passwort", "kennwort", "motdepasse", "contraseña", "contrasena", "senha", "wachtwoord", "haslo", "hasło",
		"losenord", "lösenord", "salasana", "adgangskode", "passord", "jelszo", "jelszó", "heslo", "lozinka",
		"katasandi", "sifre", "şifre", "parolă", "пароль", "密码", "密碼", "口令", "パスワード", "비밀번호", "كلمةالمرور", "סיסמה"}
	weakWords = map[string]bool{"pwd": true, "auth": true, "session": true, "pass": true, "pw": true, "sas": true, "creds": true,
		"salt": true, "hmac": true, "parola": true, "clave": true, "mima": true,
		// Pre-shared keys (wpa_supplicant's psk=, hostapd's wpa_psk,
		// WIFI_PSK, IPSEC_PSK) and personal access tokens (GITHUB_PAT,
		// AZURE_DEVOPS_PAT, GITLAB_PAT): whole segments only, "pat" is in
		// path, pattern and compat.
		"psk": true, "pat": true,
		// Consul's and Nomad's gossip key ("encrypt": "<base64>"): whole
		// segments only (encryption, encrypted are other words).
		"encrypt": true,
		// AWS SigV4's "Signature=" (an Authorization header, a presigned URL).
		"signature": true}
	// Words ending in "pass" or "pw" that are not passwords: a segment
	// ending so is otherwise one (DBPASS, ADMINPASS, requirepass, ROOTPW).
	passEnding = map[string]bool{"bypass": true, "compass": true, "encompass": true, "overpass": true, "underpass": true,
		"surpass": true, "trespass": true, "impass": true, "firstpass": true, "multipass": true, "onepass": true}
	keyPairs = map[[2]string]bool{{"hmac", "key"}: true, {"enc", "key"}: true, {"license", "key"}: true, {"auth", "key"}: true,
		{"mot", "de"}: true, {"kata", "sandi"}: true, {"root", "pw"}: true, {"api", "key"}: true, {"access", "key"}: true, {"private", "key"}: true,
		{"secret", "key"}: true, {"client", "key"}: true, {"account", "key"}: true, {"signing", "key"}: true,
		{"encryption", "key"}: true, {"master", "key"}: true, {"shared", "key"}: true, {"storage", "key"}: true,
		{"session", "id"}: true, {"client", "secret"}: true,
		// New Relic's insert and ingest keys (NEW_RELIC_INSERT_KEY).
		{"insert", "key"}: true, {"ingest", "key"}: true,
		// Key material named for what it does, not for being secret: Airflow's
		// FERNET_KEY, Laravel's APP_KEY, gorilla's hashKey/blockKey, WireGuard's
		// PresharedKey, Vault's unseal, recovery and root keys, TOTP seeds
		// (redact/corpus/worldgen: curated, with sources).
		{"fernet", "key"}: true, {"app", "key"}: true, {"jwt", "key"}: true, {"jws", "key"}: true, {"jwe", "key"}: true,
		{"aes", "key"}: true, {"des", "key"}: true, {"rsa", "key"}: true, {"cipher", "key"}: true, {"crypt", "key"}: true,
		{"crypto", "key"}: true, {"decryption", "key"}: true, {"csrf", "key"}: true, {"xsrf", "key"}: true,
		{"webhook", "key"}: true, {"preshared", "key"}: true, {"recovery", "key"}: true, {"root", "key"}: true,
		{"unseal", "key"}: true, {"totp", "key"}: true, {"otp", "key"}: true, {"mfa", "key"}: true, {"hash", "key"}: true,
		{"block", "key"}: true, {"wallet", "key"}: true, {"wireguard", "key"}: true,
		// Segment's and Honeycomb's write keys, Azure API Management's
		// Ocp-Apim-Subscription-Key header.
		{"write", "key"}: true, {"subscription", "key"}: true,
		// ENCRYPT_KEY; SNMP_COMMUNITY (the v1/v2c community string).
		{"encrypt", "key"}: true, {"snmp", "community"}: true,
		// kubeadm's --certificate-key ("gives access to cluster sensitive
		// data"), WordPress's NONCE_KEY and LOGGED_IN_KEY, Composer's
		// github-oauth/gitlab-oauth/bitbucket-oauth tokens (auth.json).
		{"certificate", "key"}: true, {"nonce", "key"}: true, {"in", "key"}: true,
		{"github", "oauth"}: true, {"gitlab", "oauth"}: true, {"bitbucket", "oauth"}: true}
	// notSecret are whole keys that match a rule but hold no secret: the shell's
	// working directory, and counts or flags about secrets.
	notSecret = map[string]bool{"token_ttl": true, "auth_type": true, "authtype": true,
		"secret_name": true, "secretname": true, "secretref": true, "secret_ref": true, "token_file": true, "tokenfile": true,
		"password_file": true, "passwordfile": true, "credential_helpers": true, "credhelpers": true, "credsstore": true,
		"auths": true, "secrets": true, "tokens": true,
		"imagepullsecrets": true, "image_pull_secrets": true, "secretrefs": true, "secret_refs": true,
		"secretkeyref": true, "secret_key_ref": true, "secretref.name": true,
		// A projected-volume source (audience, path, expirationSeconds), not a token.
		"serviceaccounttoken": true}
	// passDirectives are nginx's and Apache's directives that pass a request
	// to an upstream (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass,
	// https://httpd.apache.org/docs/2.4/mod/mod_proxy.html#proxypass): their
	// value is an address. Spelled as the servers spell them only: an
	// application's PROXY_PASS may be a proxy's password.
	passDirectives = map[string]bool{"proxy_pass": true, "fastcgi_pass": true, "uwsgi_pass": true, "scgi_pass": true, "grpc_pass": true, "memcached_pass": true,
		"ProxyPass": true, "ProxyPassReverse": true, "ProxyPassMatch": true}
)

// keyMatcher decides whether a key names a secret; user keys extend it.
type keyMatcher struct {
	extra []string // lowercase substrings
}

// isSecret reports whether key (as found in the data) names a secret.
func (k *keyMatcher) isSecret(key string) bool {
	if key == "" || len(key) > maxKeyLen {
		return false
	}
	if !k.mayBeSecret(key) {
		return false
	}
	// An ASCII key is lowercased into buf and split into substrings of
	// that copy, on the stack: the keys that reach here ("key" of every
	// CRI label, "secretName") allocated three or four strings each, a
	// tenth of the text path (BenchmarkRedactLogText) and most of a line
	// dense with them (linear_test.go's "xml attrs", "license").
	var buf [maxKeyLen]byte
	var segBuf [maxKeyLen/2 + 1]string
	whole, ascii := lowerASCII(&buf, key)
	lower := strings.Trim(whole, `"' -`)
	for _, e := range k.extra {
		if strings.Contains(lower, e) {
			return true
		}
	}
	// The shell's working directories are spelled in capitals; ODBC's
	// Pwd= and a lowercase pwd are passwords.
	// An ASCII key mentions a secret word: mayBeSecret found one, in any
	// case, and trimming takes off no byte of a word.
	if key == "PWD" || key == "OLDPWD" || passDirectives[key] || notSecret[lower] || !ascii && !mentionsSecretWord(lower) || isSourceFile(lower) {
		return false
	}
	var segs []string
	if ascii {
		n := 0
		for i := 0; n < len(segBuf); n++ {
			s, e, next := nextSegment(key, i)
			if s < 0 {
				break
			}
			segBuf[n], i = whole[s:e], next
		}
		segs = segBuf[:n]
	} else {
		segs = segments(key)
	}
	if describesSecret(segs) {
		return false
	}
	for i, s := range segs {
		if weakWords[s] || (strings.HasSuffix(s, "pass") || strings.HasSuffix(s, "pw")) && len(s) > 4 && !passEnding[s] {
			return true
		}
		for _, w := range strongWords {
			// Most segments are shorter than most words: no call for those.
			if len(w) <= len(s) && strings.Contains(s, w) {
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
			if hasPrefixFold(s, "pw") || hasPrefixFold(s, "pass") || hasPrefixFold(s, "parol") || hasPrefixFold(s, "psk") || patAt(key, i) {
				return true
			}
		case '_', '-':
			if hasPrefixFold(s[1:], "pat") {
				return true
			}
		case 's':
			if hasPrefixFold(s, "secret") || hasPrefixFold(s, "session") || hasPrefixFold(s, "sessid") || hasPrefixFold(s, "sas") || hasPrefixFold(s, "salt") || hasPrefixFold(s, "snmp") ||
				hasPrefixFold(s, "senha") || hasPrefixFold(s, "salasana") || hasPrefixFold(s, "sandi") || hasPrefixFold(s, "sifre") || hasPrefixFold(s, "signature") {
				return true
			}
		case 't':
			if hasPrefixFold(s, "token") {
				return true
			}
		case 'k':
			if hasPrefixFold(s, "key") || hasPrefixFold(s, "kennwort") {
				return true
			}
		case 'c':
			if hasPrefixFold(s, "credential") || hasPrefixFold(s, "creds") || hasPrefixFold(s, "cookie") || hasPrefixFold(s, "contrase") || hasPrefixFold(s, "clave") {
				return true
			}
		case 'a':
			if hasPrefixFold(s, "auth") || hasPrefixFold(s, "adgangskode") {
				return true
			}
		case 'h':
			if hasPrefixFold(s, "hmac") || hasPrefixFold(s, "haslo") || hasPrefixFold(s, "heslo") {
				return true
			}
		case 'w':
			if hasPrefixFold(s, "wachtwoord") {
				return true
			}
		case 'e':
			if hasPrefixFold(s, "encrypt") {
				return true
			}
		case 'r':
			if hasPrefixFold(s, "rocommunity") || hasPrefixFold(s, "rwcommunity") {
				return true
			}
		case 'l':
			if hasPrefixFold(s, "losenord") || hasPrefixFold(s, "lozinka") || hasPrefixFold(s, "licen") {
				return true
			}
		case 'j':
			if hasPrefixFold(s, "jelszo") {
				return true
			}
		case 'm':
			if hasPrefixFold(s, "mima") || hasPrefixFold(s, "motdepasse") {
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

// lowerASCII is key lowercased: in buf when key is ASCII (the string
// shares buf's bytes and must not outlive it), else strings.ToLower's copy
// (which can change lengths: the Kelvin sign becomes 'k').
func lowerASCII(buf *[maxKeyLen]byte, key string) (string, bool) {
	if len(key) > len(buf) {
		return strings.ToLower(key), false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(key), false
		}
		buf[i] = lowerByte(c)
	}
	if len(key) == 0 {
		return "", true
	}
	return unsafe.String(&buf[0], len(key)), true
}

// segments splits a key into lowercase words.
func segments(key string) []string {
	var out []string
	for i := 0; ; {
		s, e, next := nextSegment(key, i)
		if s < 0 {
			return out
		}
		out = append(out, strings.ToLower(key[s:e]))
		i = next
	}
}

// nextSegment finds the first word of key at or after i: key[s:e], and
// where to look for the one after it (s < 0: none). Words are split at
// bytes other than letters and digits and at camelCase boundaries.
func nextSegment(key string, i int) (s, e, next int) {
	start := -1
	for ; i < len(key); i++ {
		c := key[i]
		// Bytes of non-ASCII letters count as lowercase: "пароль" is one word.
		isUpper, isLower, isDigit := c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z' || c >= utf8.RuneSelf, c >= '0' && c <= '9'
		if !isUpper && !isLower && !isDigit {
			if start >= 0 {
				return start, i, i + 1
			}
			continue
		}
		// camelCase boundary: lower→Upper, or the last Upper of an acronym before a lower.
		if isUpper && start >= 0 && i > 0 {
			prev := key[i-1]
			nextLower := i+1 < len(key) && key[i+1] >= 'a' && key[i+1] <= 'z'
			if (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z' && nextLower) {
				return start, i, i
			}
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		return start, len(key), len(key)
	}
	return -1, -1, len(key)
}

var prefilterWords = []string{"pass", "pwd", "secret", "token", "key", "credential", "auth", "session", "cookie", "pw", "creds", "sas", "dockercfg", "dockerconfig",
	"salt", "hmac", "kennwort", "contrase", "senha", "wachtwoord", "haslo", "losenord", "salasana", "adgangskode", "jelszo", "heslo",
	"lozinka", "sandi", "sifre", "parol", "clave", "mima", "motdepasse", "signature", "licen",
	// "_pat" and "-pat", not "pat": path and pattern are in every log.
	"psk", "_pat", "-pat", "snmp", "rocommunity", "rwcommunity", "sessid", "encrypt"}

// A key that is only "pat" (PAT=..., "pat": ...) is a personal access
// token, but the line scan cannot wake on "pat": path, pattern and patch
// are in every log. It wakes on "pat" followed by what ends a key
// (patKeyEnds: "pat=", "pat:", "pat\"", "pat\\" before an escaped quote
// in a JSON log record...), and patAt tells the key rules that such a
// "pat" stands alone in the key (not "compat", "patch").
var patKeyEnds = []string{"=", ":", `"`, `\`, "'", " ", "?", "+", ".", "["}

// patAt: key holds "pat" (any case) at i as a word of its own, neither
// glued to a letter or digit before it nor followed by one.
func patAt(key string, i int) bool {
	if !hasPrefixFold(key[i:], "pat") || i > 0 && isAlnumByte(key[i-1]) {
		return false
	}
	return i+3 == len(key) || !isAlnumByte(key[i+3])
}

func isAlnumByte(c byte) bool { return c-'0' < 10 || lowerByte(c)-'a' < 26 }

// descriptorWords, after a key's last secret word, make the key describe a
// secret instead of holding one: PASSWORD_MIN_LENGTH, TOKEN_EXPIRY_SECONDS,
// AUTH_METHOD, SESSION_AFFINITY, SECRET_NAME, token_uri, API_KEY_HEADER,
// --authorization-mode, --discovery-token-ca-cert-hash (issue #13, item 7).
var descriptorWords = map[string]bool{"length": true, "len": true, "min": true, "max": true, "size": true, "count": true,
	"seconds": true, "secs": true, "minutes": true, "hours": true, "days": true, "ttl": true, "timeout": true, "expiry": true,
	"expires": true, "expiration": true, "interval": true, "period": true, "duration": true, "lifetime": true,
	"method": true, "methods": true, "mode": true, "type": true, "kind": true, "provider": true, "backend": true, "store": true,
	"algorithm": true, "algo": true, "alg": true, "policy": true, "strategy": true, "scheme": true, "header": true,
	"name": true, "names": true, "enabled": true, "enable": true, "disabled": true, "required": true, "secure": true,
	"audience": true, "issuer": true, "url": true, "uri": true, "endpoint": true, "host": true, "port": true,
	"path": true, "file": true, "dir": true, "location": true, "ref": true, "version": true, "format": true,
	"affinity": true, "rotation": true, "level": true, "prefix": true, "encoding": true, "cert": true, "ca": true,
	"webhook": true, "plugin": true, "mount": true, "source": true, "namespace": true, "label": true, "selector": true,
	// A flag that says where the secret comes from: docker login --password-stdin.
	"stdin": true, "fd": true,
	// Django's SESSION_ENGINE, PASSWORD_HASHERS, SESSION_COOKIE_AGE
	// (https://docs.djangoproject.com/en/5.1/ref/settings/), wpa_supplicant's
	// psk_identity and OpenSSL's psk_identity_hint: a class, a module, an age,
	// a user name.
	"engine": true, "hasher": true, "hashers": true, "class": true, "age": true, "identity": true, "hint": true,
	// A scope list, a version, a label: PAT_SCOPES, SNMP_VERSION.
	"scopes": true, "scope": true}

// describesSecret: a descriptor word follows the key's last secret word.
func describesSecret(segs []string) bool {
	last := -1
	for i, s := range segs {
		if weakWords[s] || holdsSecretStem(s) || strings.Contains(s, "pw") {
			last = i
		}
	}
	if last < 0 {
		return false
	}
	for _, s := range segs[last+1:] {
		if descriptorWords[s] {
			return true
		}
	}
	// A count before the secret word: MAX_TOKENS: 4096, NUM_KEYS=3.
	for _, s := range segs[:last] {
		if countWords[s] {
			return true
		}
	}
	return gluedDescriptor(segs[last])
}

// holdsSecretStem: a lowercase segment holds the stem of a secret word
// (password, secret, token, key, auth, credential).
func holdsSecretStem(s string) bool {
	return strings.Contains(s, "pass") || strings.Contains(s, "secret") || strings.Contains(s, "token") ||
		strings.Contains(s, "key") || strings.Contains(s, "auth") || strings.Contains(s, "cred")
}

// countWords, before a key's secret word, make it a number of them.
var countWords = map[string]bool{"max": true, "min": true, "num": true, "number": true, "count": true, "total": true}

// gluedDescriptorWords are descriptorWords of three letters or more, in a
// slice: gluedDescriptor runs for every secret-looking key.
var gluedDescriptorWords = func() []string {
	var out []string
	for w := range descriptorWords {
		if len(w) >= 3 {
			out = append(out, w)
		}
	}
	return out
}()

// gluedDescriptor: a segment that glues a descriptor word after its secret
// word, as a flag spelled in one lowercase word does (--tokenexpirationseconds,
// passwordfile). Words of three letters or more only: "ca" ends too many.
func gluedDescriptor(seg string) bool {
	if len(seg) < len("tokenttl") {
		return false // no secret word and descriptor fit in fewer bytes
	}
	for _, w := range strongWords {
		if seg == w {
			return false // keystore: a word of its own, not key + store
		}
	}
	for _, w := range gluedDescriptorWords {
		if len(seg) > len(w) && strings.HasSuffix(seg, w) {
			if holdsSecretStem(seg[:len(seg)-len(w)]) {
				return true
			}
		}
	}
	return false
}

// prefilterWordsUnicode are the non-ASCII words of mentionsSecretWord
// (a non-ASCII key always takes the long way, see mayBeSecret).
var prefilterWordsUnicode = []string{"пароль", "密码", "密碼", "口令", "パスワード", "비밀번호", "şifre", "hasło", "lösenord", "jelszó", "كلمة", "סיסמה"}

// isSourceFile: "auth.go" in klog's "auth.go:123]" is a file, not a key.
func isSourceFile(lower string) bool {
	if strings.IndexByte(lower, '.') < 0 {
		return false // every extension starts with one
	}
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
	for i := 0; i < len(lower); i++ {
		if patAt(lower, i) {
			return true
		}
	}
	for _, w := range prefilterWordsUnicode {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// isCodeReference: a value that names where a secret comes from in code
// (apiKey: this.apiKey, password=os.environ["DB_PASSWORD"]), not a secret
// (detect-secrets' keyword negatives).
func isCodeReference(v string) bool {
	v = strings.TrimSuffix(v, ",")
	if v == "" || !codeRefFirst[v[0]] {
		return false // most values (a line of 100 000 asked each prefix)
	}
	for _, p := range codeRefPrefixes {
		if strings.HasPrefix(v, p) && len(v) > len(p) && !strings.ContainsAny(v, " \t") {
			return true
		}
	}
	return false
}

var codeRefPrefixes = []string{"this.", "self.", "process.env.", "os.environ", "os.getenv(", "os.Getenv(", "System.getenv(", "ENV[", "ENV.fetch("}

// codeRefFirst holds the first bytes of codeRefPrefixes.
var codeRefFirst = func() (t [256]bool) {
	for _, p := range codeRefPrefixes {
		t[p[0]] = true
	}
	return t
}()

// entropyWords name keys that hold a secret only sometimes: LICENSE=MIT
// or license: Apache-2.0 name a license, LICENSE=q8Zr3nV1xK7p... is a
// license key. Under them only a high-entropy value is replaced (issue #13:
// "high-entropy values after any key whose name contains ... license").
var entropyWords = []string{"license", "licence"}

// entropyKey: the key holds an entropy word (and is not secret by itself).
func (k *keyMatcher) entropyKey(key string) bool {
	if len(key) > maxKeyLen || !containsFold(key, "licen") {
		return false
	}
	// Word by word without copies (isWordFold is what lowercasing each
	// and looking it up in entropyWords was: no other rune lowercases to
	// these letters).
	for i := 0; ; {
		s, e, next := nextSegment(key, i)
		if s < 0 {
			return false
		}
		for _, w := range entropyWords {
			if isWordFold(key[s:e], w) {
				return true
			}
		}
		i = next
	}
}

// highEntropy: a value that looks generated, not chosen: 16 bytes or more,
// no spaces, letters and at least 3 digits (an SPDX name such as
// GPL-3.0-or-later has two), at least 3 bits of entropy a byte, and
// neither a URL nor a path.
func highEntropy(v string) bool {
	if len(v) < 16 || len(v) > maxKeptValue || strings.ContainsAny(v, " \t/") {
		return false
	}
	letter, digits := false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		letter = letter || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return letter && digits >= 3 && shannonEntropy(v) >= 3
}

// secretWithValue: the key names a secret, or names one only sometimes and
// the value looks generated.
func (k *keyMatcher) secretWithValue(key, v string) bool {
	return k.isSecret(key) || k.entropyKey(key) && highEntropy(trimQuotes(v))
}

// isCredentialPath: systemd's LoadCredential=ID:PATH names where a
// credential is read from (https://systemd.io/CREDENTIALS/); SetCredential=
// ID:VALUE holds one and is not a path.
func isCredentialPath(v string) bool {
	id, path, ok := strings.Cut(v, ":")
	return ok && isPlainKey(id) && strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "//") && strings.Count(path, "/") > 1 &&
		!strings.ContainsAny(path, " \t@:")
}

// jwkPrivate are the members of a JSON Web Key that hold its private part
// (RFC 7518 section 6.2.2 and 6.3.2: EC "d"; RSA "d", "p", "q", "dp", "dq",
// "qi", "oth"; section 6.4.1: a symmetric key's "k"). Only in an object with
// a "kty" member: a "d" elsewhere is anything.
var jwkPrivate = map[string]bool{"d": true, "p": true, "q": true, "dp": true, "dq": true, "qi": true, "oth": true, "k": true}

// isJWK: the object's keys hold "kty" (RFC 7517 section 4.1: every JWK has
// one).
func isJWK(keys []string) bool {
	for _, k := range keys {
		if k == "kty" {
			return true
		}
	}
	return false
}
