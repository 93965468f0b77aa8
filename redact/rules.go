package redact

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
)

// RuleSetVersion changes whenever a rule changes, so a bundle says which
// rules scrubbed it.
const RuleSetVersion = "2026.12.6"

// RuleInfo documents one rule for docs/redaction.md and --help.
type RuleInfo struct {
	Name        string `json:"name"`
	Class       string `json:"class"`
	Description string `json:"description"`
	Example     string `json:"example"`
	Leaves      string `json:"leaves"`
}

// patternRule is a free-text rule: a regexp guarded by cheap substring checks.
type patternRule struct {
	RuleInfo
	// any: run the regexp only when the line contains one of these (exact case);
	// anyLower: ... or the lowercased line contains one of these.
	any, anyLower []string
	re            *regexp.Regexp
	// group is the submatch replaced (0: the whole match).
	group int
	// keep, when set, vetoes a match (e.g. base64 that is not a private key).
	keep func(match string) bool
	// locate, when set, finds what re.FindAllStringSubmatchIndex would
	// (url-userinfo: re on the few bytes before each '@', or none).
	locate func(ln string) [][]int
	// needs and maxLen (set by New from re): a rule without locate runs
	// only around the runs of bytes its matches need (runWindows).
	needs  []runNeed
	maxLen int
}

// Rule names, as they appear in markers and the report.
const (
	RulePEM          = "pem-private-key"
	RulePEMBase64    = "pem-private-key-base64"
	RuleJWT          = "jwt"
	RuleAuthHeader   = "authorization-header"
	RuleBearer       = "bearer-token"
	RuleURLUserinfo  = "url-userinfo"
	RuleDSN          = "dsn-password"
	RuleAWSKeyID     = "aws-access-key-id"
	RuleTokenPrefix  = "token-prefix"
	RuleAzure        = "azure-storage-key"
	RuleURLQuery     = "url-query-secret"
	RuleURLToken     = "url-user-token"
	RuleBase64Doc    = "base64-secret-document"
	RuleTokenFormat  = "token-format"
	RuleWebhook      = "webhook-token"
	RulePasswordHash = "password-hash"
	RulePrefixed     = "prefixed-token"
	RuleSecretKey    = "secret-key"
	RuleSecretPair   = "secret-key-value-pair"
	RuleRegistry     = "registry-credentials"
	RuleUser         = "user-pattern"
	RuleHost         = "hostname"
	RuleIP           = "ip-address"
	RuleMAC          = "mac-address"
)

func defaultPatternRules() []patternRule {
	return append([]patternRule{
		{RuleInfo: RuleInfo{Name: RulePEM, Class: "private keys", Description: "PEM private keys of every type (RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8), PGP private key blocks, ssh.com SSH2 private keys and OpenVPN static keys, from BEGIN to END across lines, also when the newlines are escaped on one line",
			Example: "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE...\\n-----END EC PRIVATE KEY-----", Leaves: "certificates and public keys"},
			any: armourWords, re: regexp.MustCompile(armourBegin + `.*?(?:` + armourEnd + `|$)`)},
		{RuleInfo: RuleInfo{Name: RulePEMBase64, Class: "private keys", Description: "base64-encoded PEM private keys (kubeconfig client-key-data, Kubernetes secrets)",
			Example: "client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t...", Leaves: "base64 certificates (LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0t...)"},
			any: []string{"LS0tLS1CRUdJTi"}, re: regexp.MustCompile(`LS0tLS1CRUdJTi[A-Za-z0-9+/=]{8,}`), locate: base64RunAfter([]string{"LS0tLS1CRUdJTi"}, 8), keep: notBase64PrivateKey},
		{RuleInfo: RuleInfo{Name: RulePEMBase64, Class: "private keys", Description: "base64 of a document holding a private key anywhere in it (a YAML or JSON file with a PEM key, stored base64 in a ConfigMap or an env var): \"PRIVATE KEY\" in its three base64 alignments, the whole run decoded and looked into",
			Example: "blob: dGxzOgogIGtleTogfAogICAgLS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t...", Leaves: "base64 runs whose decoding holds no secret"},
			any: base64PrivateKeyWords, re: regexp.MustCompile(`[A-Za-z0-9+/]*(?:` + strings.Join(base64PrivateKeyWords, "|") + `)[A-Za-z0-9+/=]*`),
			locate: base64RunLocs(base64PrivateKeyWords), keep: func(m string) bool { return !base64HoldsSecret(m) }},
		{RuleInfo: RuleInfo{Name: RuleJWT, Class: "tokens", Description: "JSON Web Tokens, including Kubernetes service-account tokens",
			Example: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2ln", Leaves: "other base64 text"},
			// A JWT's header is JSON, so it starts "eyJ"; gitleaks' examples
			// also have "ey" and a payload starting "ey" (its jwt rule).
			any: []string{"eyJ", ".ey"}, re: jwtRE, locate: jwtLocs},
		{RuleInfo: RuleInfo{Name: RuleAuthHeader, Class: "HTTP credentials", Description: "Authorization and Proxy-Authorization header values; the scheme (Basic, Bearer, or any capitalized word: Api-Token, SSWS...) is kept",
			Example: "Authorization: Basic dXNlcjpwYXNz", Leaves: "the header name and scheme; prose like \"may require authorization: server message\" (a lowercase word is not a credential)"},
			anyLower: []string{"authorization"}, re: authorizationRE, group: 1, locate: authorizationLocs,
			keep: func(v string) bool { return isAuthScheme(v) || isPlainWord(v) }},
		{RuleInfo: RuleInfo{Name: RuleAuthHeader, Class: "HTTP credentials", Description: "the response of an HTTP Digest Authorization header (RFC 7616: a hash of the password, replayable with its nonce)",
			Example: `Authorization: Digest username="u", realm="r", nonce="n", uri="/", response="6629fae49393a05397450978507c4ef1"`, Leaves: "the user name, realm, nonce and URI; a WWW-Authenticate challenge (no response)"},
			anyLower: []string{"response="}, re: regexp.MustCompile(`(?i)\bdigest\s.*?\bresponse=\\?"?([0-9a-f]{32,128})\b`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleSecretKey, Class: "secret-looking keys", Description: "a password stated in prose: \"the admin password is X\" (X not a plain lowercase word: \"the password is wrong\" stays)",
			Example: "also the admin password is hunter2-not-a-real-password, do not put it in code", Leaves: "\"the password is correct\", \"the passphrase is stored in 1Password\""},
			anyLower: []string{"password is", "passphrase is", "passwd is", "password was"},
			re:       proseRE, group: 1,
			keep: func(v string) bool { return isPlainWord(v) || boringValue(v) }},
		{RuleInfo: RuleInfo{Name: RuleSecretKey, Class: "secret-looking keys", Description: "the private members of a JSON Web Key written into text (a JSON string in a logfmt value, a log line): d, p, q, dp, dq, qi, k on a line naming kty (RFC 7517, RFC 7518 section 6)",
			Example: `msg="key loaded" jwk="{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}"`, Leaves: "the public members (kty, crv, x, y, n, e, kid, alg)"},
			// The trigger is the context: the regexp runs only on lines holding "kty".
			any: []string{"kty"}, re: regexp.MustCompile(`\\*"(?:d|p|q|dp|dq|qi|k)\\*"\s*:\s*\\*"([A-Za-z0-9_-]{16,})`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleSecretKey, Class: "secret-looking keys", Description: "net-snmp's snmpd.conf: the community of com2sec (com2sec NAME SOURCE COMMUNITY) and the passphrases of createUser (createUser USER SHA authpass AES privpass)",
			Example: `createUser myuser SHA "auth-pass-1" AES "priv-pass-2"`, Leaves: "the user, group and view directives"},
			any: []string{"com2sec", "createUser"},
			re:  snmpdRE, group: 1},
		{RuleInfo: RuleInfo{Name: RuleSecretKey, Class: "secret-looking keys", Description: "Kafka JAAS: the passwords of a PlainLoginModule's user_<name>=\"...\" options, on the LoginModule line and the lines after it up to the ';' that ends them (jaas.go)",
			Example: `user_alice="alice-secret";`, Leaves: "username=, user_ options outside a login module (user_agent=...)"},
			any: []string{jaasWord}, re: jaasUserRE, group: 1, locate: jaasUserLocs},
		{RuleInfo: RuleInfo{Name: RuleSecretKey, Class: "secret-looking keys", Description: "Maven's encrypted master password (settings-security.xml: <master>{...}</master>, decryptable with Maven's fixed key)",
			Example: "<master>{jSMOWnoPFgsHVpMvz5VrIt5kRbzGpI8u+9EF1iFQyJQ=}</master>", Leaves: "the element"},
			any: []string{"<master>"}, re: regexp.MustCompile(`<master>\s*([^<\s]+)\s*</master>`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleTokenFormat, Class: "tokens", Description: "Kubernetes bootstrap tokens ([a-z0-9]{6}.[a-z0-9]{16}) on a line about bootstrap tokens (kubeadm token list's rows: 'The default bootstrap token generated by kubeadm init', system:bootstrappers:...)",
			Example: "abcdef.0123456789abcdef   23h   2026-11-25T21:05:07Z   authentication,signing   The default bootstrap token ...", Leaves: "host names and file names on other lines"},
			anyLower: []string{"bootstrap"}, re: regexp.MustCompile(`\b([a-z0-9]{6}\.[a-z0-9]{16})\b`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleBearer, Class: "HTTP credentials", Description: "bearer tokens anywhere in text",
			Example: "Bearer 3f9a8b7c6d5e...", Leaves: "the word Bearer; prose like \"invalid bearer tokens\""},
			anyLower: []string{"bearer"}, re: bearerRE, group: 1, locate: bearerLocs, keep: isPlainWord},
		{RuleInfo: RuleInfo{Name: RuleURLUserinfo, Class: "URLs", Description: "passwords in URL user info (proxies, registries, DSNs): scheme://user:PASSWORD@host, and user:PASSWORD@host in *_proxy variables without a scheme (any case)",
			Example: "HTTPS_PROXY=http://proxyuser:s3cret@proxy:3128", Leaves: "scheme, user name, host, port, path; URLs without a password; NO_PROXY lists"},
			any: []string{"@"}, re: userinfoRE, group: 1,
			locate: userinfoLocs},
		{RuleInfo: RuleInfo{Name: RuleDSN, Class: "connection strings", Description: "passwords in Go/MySQL DSNs user:PASSWORD@tcp(host)/db",
			Example: "app:hunter2@tcp(db:3306)/orders", Leaves: "user, host, database"},
			any: []string{"@tcp(", "@unix("}, re: regexp.MustCompile(`[A-Za-z0-9_.\-]+:([^\s@/:"']+)@(?:tcp|unix)\(`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleAWSKeyID, Class: "cloud credentials", Description: "an AWS secret access key printed next to its key id (aws sts ... --output text, credentials.csv): 40 base64 bytes in the first or second field after AKIA.../ASIA...",
			Example: "CREDENTIALS\tASIAQWERTYUIOPASDFGH\t2026-11-24T22:05:07Z\twJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\t...", Leaves: "the key id's other fields (an expiry, a user name)"},
			any: []string{"AKIA", "ASIA"},
			re:  regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}[\s,;|"']+(?:[^\s,;|"']+[\s,;|"']+)?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleAWSKeyID, Class: "cloud credentials", Description: "AWS access key ids (AKIA, ASIA, ...)",
			Example: "AKIAIOSFODNN7EXAMPLE", Leaves: "ARNs, account ids"},
			any: []string{"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "A3T"},
			re:  regexp.MustCompile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\b`)},
		{RuleInfo: RuleInfo{Name: RuleTokenPrefix, Class: "tokens", Description: "well-known token prefixes: GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-), Slack (xox?-), Stripe (sk_live_, rk_live_, sk_test_), Google API keys (AIza), npm (npm_), OpenAI-style (sk-...), HashiCorp Vault (hvs., hvb., hvr.)",
			Example: "ghp_1234567890abcdefghijklmnopqrstuvwxyz", Leaves: "words that merely contain the prefix"},
			any: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "k_live_", "k_test_", "AIza", "npm_", "sk-", "hvs.", "hvb.", "hvr."},
			re:  regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_\-]{20,}(?:\.[0-9a-z]{9})?|xox[abposr]-[A-Za-z0-9\-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{35}|npm_[A-Za-z0-9]{36}|sk-[A-Za-z0-9_\-]{32,}|hv[sbr]\.[A-Za-z0-9_\-]{24,})`)},
		{RuleInfo: RuleInfo{Name: RuleAzure, Class: "cloud credentials", Description: "Azure storage account keys, shared access keys and SAS signatures in connection strings and URLs",
			Example: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc+/==;", Leaves: "account name, endpoint suffix"},
			anyLower: []string{"accountkey", "sharedaccess", "sig="},
			re:       regexp.MustCompile(`(?i)(?:AccountKey|SharedAccessKey|SharedAccessSignature|[?&]sig)=([^;\s"'&]+)`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleURLQuery, Class: "URLs", Description: "credentials in URL query parameters: presigned S3 and GCS URLs (X-Amz-Signature, X-Amz-Security-Token, X-Goog-Signature), OAuth callbacks (code=, access_token=, id_token=, refresh_token=), signature=, client_secret=",
			Example: "https://b.s3.amazonaws.com/o?X-Amz-Signature=3f9a...", Leaves: "host, path and the other parameters (X-Amz-Date, X-Amz-Expires, state)"},
			anyLower: []string{"signature=", "security-token=", "code=", "_token=", "client_secret="},
			re:       regexp.MustCompile(`(?i)[?&;](?:x-amz-signature|x-amz-security-token|x-goog-signature|signature|code|access_token|id_token|refresh_token|client_secret)=([^&\s"'#;]{8,})`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleURLToken, Class: "URLs", Description: "a token as a URL's whole user info, no colon (Sentry DSN keys, https://<token>@github.com)",
			Example: "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2", Leaves: "short user names (git@github.com, https://user@host)"},
			// Every match holds one '@', and '@' is rarer in logs than "://".
			any: []string{"@"}, re: regexp.MustCompile(`://([A-Za-z0-9_\-]{20,})@`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleBase64Doc, Class: "private keys", Description: "base64 of a whole document holding secrets, decoded and looked into: kubeconfigs with tokens or client keys, Docker config.json with auths, OpenSSH private key bodies (b3BlbnNzaC1rZXktdjE...)",
			Example: "config: YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmln...", Leaves: "base64 documents without a secret (a kubeconfig with only a CA and a server)"},
			any: base64SecretStarts, re: regexp.MustCompile(`(?:` + strings.Join(base64SecretStarts, "|") + `)[A-Za-z0-9+/=]{8,}`),
			locate: base64RunAfter(base64SecretStarts, 8), keep: func(m string) bool { return !base64HoldsSecret(m) }},
		{RuleInfo: RuleInfo{Name: RuleTokenFormat, Class: "tokens", Description: "token formats gitleaks has no rule for: Telegram bot tokens (123456789:AA...), Google OAuth refresh tokens (1//0...), Mapbox secret tokens (sk.eyJ...), New Relic user and insert keys (NRAK-, NRII-), Atlassian API tokens (ATATT3), Docker Hub (dckr_pat_), Doppler (dp.st./dp.pt./dp.ct./dp.sa.), Figma (figd_), Kubernetes bootstrap tokens after --token",
			Example: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", Leaves: "pk. (public) Mapbox tokens"},
			any: []string{":AA", "1//0", "sk.eyJ", "dckr_pat_", "dp.st.", "dp.pt.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit.", "figd_", "NRAK-", "NRII-", "ATATT3"},
			re:  regexp.MustCompile(`\b(?:\d{8,10}:AA[A-Za-z0-9_-]{32,33}|1//0[A-Za-z0-9_-]{40,}|sk\.eyJ[A-Za-z0-9_.-]{20,}|dckr_pat_[A-Za-z0-9_-]{20,}|dp\.(?:st|pt|ct|sa|scim|audit)\.(?:[a-z0-9_-]{1,40}\.)?[A-Za-z0-9]{40,}|figd_[A-Za-z0-9_-]{30,}|NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}|ATATT3[A-Za-z0-9_=-]{100,})`)},
		{RuleInfo: RuleInfo{Name: RuleWebhook, Class: "tokens", Description: "the token in a webhook URL's path (Discord /api/webhooks/<id>/<token>)",
			Example: "https://discord.com/api/webhooks/123/AbC...", Leaves: "the host, path and webhook id"},
			any: []string{"/api/webhooks/"}, re: regexp.MustCompile(`/api/webhooks/\d+/([A-Za-z0-9_-]{40,})`), group: 1},
		{RuleInfo: RuleInfo{Name: RuleWebhook, Class: "tokens", Description: "a Telegram bot token where the Bot API puts it, in the URL's path (https://api.telegram.org/bot<token>/sendMessage)",
			Example: "https://api.telegram.org/bot5312718451:AAG.../sendMessage", Leaves: "the host and the method"},
			any: []string{"/bot"}, re: regexp.MustCompile(`/bot(\d{5,16}:[A-Za-z0-9_-]{30,40})(?:/|\b)`), group: 1},
		{RuleInfo: RuleInfo{Name: RulePasswordHash, Class: "passwords", Description: "crypt(3) and PHC password hashes (bcrypt $2y$, sha512crypt $6$, sha256crypt $5$, md5crypt $1$ and Apache's $apr1$, yescrypt $y$, argon2, scrypt): htpasswd and shadow lines, user seeds; one offline guess away from the password",
			Example: "admin:$2y$10$Zq3...", Leaves: "the user name and the shadow fields around the hash"},
			// One '$' wakes it: the formats' own prefixes hold digits, and
			// words of digits share the line scan's codes with every number.
			any: []string{"$"},
			re:  regexp.MustCompile(`\$(?:2[abxy]\$\d\d\$[./A-Za-z0-9]{53}|(?:1|5|6|apr1)\$(?:rounds=\d+\$)?[./A-Za-z0-9+]{1,24}={0,2}\$[./A-Za-z0-9+]{22,88}={0,2}|g?y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{1,64}\$[./A-Za-z0-9]{43}|7\$[./A-Za-z0-9]{14,}\$[./A-Za-z0-9]{43}|7\$\d+\$[A-Za-z0-9+/]{8,}={0,2}\$[A-Za-z0-9+/]{40,}={0,2}|argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}|scrypt\$ln=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{16,})`)},
		{RuleInfo: RuleInfo{Name: RulePasswordHash, Class: "passwords", Description: "password hashes known by a literal: LDAP and htpasswd schemes ({SHA}, {SSHA}, {SSHA512}, {CRYPT}, {PBKDF2-SHA256}...), SCRAM verifiers (SCRAM-SHA-256$4096:salt$stored:server: PostgreSQL, pgbouncer's userlist.txt), PostgreSQL's md5 secrets (md5 + 32 hex); what a client or an offline guess needs",
			Example: `"app" "SCRAM-SHA-256$4096:QWm9...==$QFQJ...=:N3I2...="`, Leaves: "the user names; the words SCRAM-SHA-256 and md5 alone (a mechanism's name)"},
			any: []string{"{SHA", "{SSHA", "{SMD5}", "{MD5}", "{CRYPT}", "{PBKDF2", "{ARGON2", "SCRAM-SHA-", "md5"},
			re:  literalHashRE, locate: atWords(literalHashRE, []startWord{{"{", false}, {"SCRAM-SHA-", false}, {"md5", true}})},
	}, tokenFormatRules()...)
}

var (
	// proseRE is a password stated in prose ("the password is X"), its
	// words in the three cases people write them.
	proseRE = regexp.MustCompile(`\b(?:[Pp]assword|PASSWORD|[Pp]assphrase|PASSPHRASE|[Pp]asswd|PASSWD)\s+(?:is|was|IS|WAS)\s*:?\s+([^\s,;"'()]+)`)
	// literalHashRE: LDAP/htpasswd schemes, SCRAM verifiers, PostgreSQL's md5 secrets.
	literalHashRE = regexp.MustCompile(`\{(?:S?SHA(?:256|384|512)?|S?MD5|CRYPT|PBKDF2(?:-SHA\d+)?|ARGON2)\}[A-Za-z0-9+/.$=,-]{16,}|SCRAM-SHA-(?:1|256|512)\$\d+:[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}|\bmd5[0-9a-f]{32}\b`)
	// snmpdRE: com2sec's community, createUser's passphrases after their protocols.
	snmpdRE = regexp.MustCompile(`(?:\bcom2sec6?\s+(?:-Cn\s+\S+\s+)?\S+\s+\S+|\b(?:MD5|SHA(?:-224|-256|-384|-512)?|DES|AES(?:128|192|256)?))\s+("[^"]+"|[^\s"#]+)`)
)

// tokenFormats are token formats from trufflehog's detectors and the
// vendors' documents, each a rule of its own: a rule's regexp runs on the
// whole run of bytes its matches need (runWindows), and one regexp of
// them all read a 1 MiB line of "SWMTKN-1-" (one run of [A-Za-z0-9_-])
// with the NFA, 300 ms; alone, each starts with its literal, which Go's
// regexp skips to.
var tokenFormats = []struct{ word, re string }{
	// trufflehog's supabasetoken, buildkitev2 and langsmith detectors.
	{"sbp_", `\bsbp_[a-z0-9]{40}\b`}, {"bkua_", `\bbkua_[a-z0-9]{40}\b`}, {"lsv2_", `\blsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}\b`},
	// Tailscale's keys (https://tailscale.com/kb/1085/auth-keys), Google's OAuth access tokens.
	{"tskey-", `\btskey-[a-z]+-[A-Za-z0-9]{4,}-[A-Za-z0-9]{16,}`}, {"ya29.", `\bya29\.[A-Za-z0-9_-]{30,}`},
	// docker swarm join-token and unlock-key (SWMTKN-1-<hash>-<secret>, SWMKEY-1-<key>).
	{"SWMTKN-", `\bSWMTKN-1-[a-z0-9]{25,}-[a-z0-9]{20,}`}, {"SWMKEY-", `\bSWMKEY-1-[A-Za-z0-9+/]{30,}`},
	// k3s and RKE2: K10<CA hash>::<user>:<password> (node-token, K3S_TOKEN).
	{"::", `\bK10[0-9a-f]{32,}::[a-z]+:[A-Za-z0-9]{8,}`},
	// AWS STS session tokens: base64 of their binary start.
	{"IQoJb3JpZ2luX2Vj", `IQoJb3JpZ2luX2Vj[A-Za-z0-9+/]{40,}={0,2}`}, {"FwoGZXIvYXdzE", `FwoGZXIvYXdzE[A-Za-z0-9+/]{40,}={0,2}`},
}

func tokenFormatRules() []patternRule {
	out := make([]patternRule, 0, len(tokenFormats))
	for _, f := range tokenFormats {
		out = append(out, patternRule{RuleInfo: RuleInfo{Name: RuleTokenFormat, Class: "tokens",
			Description: "a token format gitleaks has no rule for, from trufflehog's detectors or the vendor's documents: " + f.word + "...",
			Example:     f.word + "...", Leaves: "the word alone"},
			any: []string{f.word}, re: regexp.MustCompile(f.re)})
	}
	return out
}

// base64PrivateKeyWords are "PRIVATE KEY" in base64 at each of the three
// byte offsets modulo 3 (the characters its bytes fully determine).
var base64PrivateKeyWords = []string{"UFJJVkFURSBLRV", "BSSVZBVEUgS0VZ", "QUklWQVRFIEtFW",
	// "Static key V1" (an OpenVPN static key's armour), the same way.
	"U3RhdGljIGtleSBWM", "N0YXRpYyBrZXkgVj", "TdGF0aWMga2V5IFYx"}

var (
	jwtRE           = regexp.MustCompile(`ey(?:J[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{5,}|[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_/\\-]{10,})\.[A-Za-z0-9_/\\-]*`)
	authorizationRE = regexp.MustCompile(`(?i)authorization(?:\\*["'])?\s*[:=]\s*\[?\s*(?:\\*["'])?(?:(?:bearer|basic|token|digest|negotiate|aws4-hmac-sha256|(?-i:[A-Z][A-Za-z0-9._-]{1,30}))\s+)?([^\s"',;\]\[\\]+)`)
	userinfoRE      = regexp.MustCompile(`(?:[A-Za-z][A-Za-z0-9+.\-]*://|(?i:_proxy)["']?\s*[=:]\s*["']?)[^/\s:@"']*:([^/\s@"']+)@`)
	bearerRE        = regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{6,}=*)`)
)

// bearerLocs is bearerRE.FindAllStringSubmatchIndex by hand: at each
// "bearer" (in any ASCII case; none of its letters has a non-ASCII case
// fold) after a \b, after the last match, as FindAll goes on. The regexp's
// anchored copy tried at each one (the backtracker, on the word's two
// fields) was two thirds of a 1 MiB line of "bearer " (150 000 tries).
// Every choice is decided by the next byte: \s+ must take every blank (the
// token class holds none), the token ([A-Za-z0-9\-._~+/]{6,}, with (?i)
// also the Kelvin sign and the long s, which fold to k and s) its whole
// run (what follows is not in the class), and =* every '='. Fewer than six
// runes: no match at this word. TestLiteralLocs and
// FuzzHandMatchers hold it to the regexp.
func bearerLocs(ln string) [][]int {
	var locs locList
	f := newFoldFinder(ln, "bearer")
	for from := 0; ; {
		p := f.next(from)
		if p < 0 {
			return locs.locs
		}
		from = p + 1
		if p > 0 && isREWordByte(ln[p-1]) {
			continue
		}
		vs := skipRESpace(ln, p+len("bearer"))
		if vs == p+len("bearer") {
			continue
		}
		e, runes := vs, 0
		for e < len(ln) {
			switch {
			case isBearerByte(ln[e]):
				e++
			case strings.HasPrefix(ln[e:], "\u212a"): // Kelvin sign
				e += len("\u212a")
			case strings.HasPrefix(ln[e:], "\u017f"): // long s
				e += len("\u017f")
			default:
				goto end
			}
			runes++
		}
	end:
		if runes < 6 {
			continue
		}
		for e < len(ln) && ln[e] == '=' {
			e++
		}
		locs.add(p, e, vs, e)
		from = e
	}
}

// isBearerByte is bearerRE's token class [A-Za-z0-9\-._~+/] in ASCII.
func isBearerByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// indexFold is strings.Index of lower (lowercase ASCII) in s in any ASCII case.
func indexFold(s, lower string) int {
	f := newFoldFinder(s, lower)
	return f.next(0)
}

// foldFinder finds lower (lowercase ASCII) in s in any ASCII case, at
// increasing offsets. The next place of its first letter in each case is
// looked for only once the search has passed it, so all the searches
// together read s once (looking for a capital afresh on each call read
// the rest of a line without one each time).
type foldFinder struct {
	s, lower     string
	first, upper byte
	lo, up       int // the next first letter in each case at or after the last search, or len(s)
}

func newFoldFinder(s, lower string) *foldFinder {
	f := &foldFinder{s: s, lower: lower, first: lower[0], upper: lower[0], lo: -1, up: -1}
	if f.first >= 'a' && f.first <= 'z' {
		f.upper = f.first - 'a' + 'A'
	}
	return f
}

func (f *foldFinder) at(from int, c byte) int {
	if j := strings.IndexByte(f.s[from:], c); j >= 0 {
		return from + j
	}
	return len(f.s)
}

// next is the first place at or after from where lower occurs, or -1.
func (f *foldFinder) next(from int) int {
	for {
		if f.lo < from {
			f.lo = f.at(min(from, len(f.s)), f.first)
		}
		if f.up < from {
			f.up = f.at(min(from, len(f.s)), f.upper)
		}
		j := min(f.lo, f.up)
		if j+len(f.lower) > len(f.s) {
			return -1
		}
		if hasPrefixFold(f.s[j:], f.lower) {
			return j
		}
		from = j + 1
	}
}

// userinfoWindows yields the windows of the url-userinfo regexp. Every match
// of it holds exactly one '@', its last byte, and no regexp assertion looks
// outside the match, so the match ending at an '@' starts after the
// previous '@', and the leftmost-first match of the bytes between them is
// the one FindAll finds in the whole line. userinfoStart narrows it more.
func userinfoWindows(ln string, fn func(lo, hi int)) {
	from := 0 // just after the previous '@'
	for {
		i := strings.IndexByte(ln[from:], '@')
		if i < 0 {
			return
		}
		p := from + i
		if lo, ok := userinfoStart(ln, p, from); ok {
			fn(max(lo, from), p+1)
		}
		from = p + 1
	}
}

// userinfoLocs is url-userinfo's locate: the regexp runs only in the
// windows (userinfoWindows) holding "_proxy"; in the others a match is
// scheme://user:password@ ending at the window's '@', read off by
// schemeUserinfo (the regexp on each window was a tenth of
// BenchmarkRedactLogText). TestUserinfoWindows holds it to the regexp on
// the whole line.
func userinfoLocs(ln string) [][]int {
	var locs locList
	userinfoWindows(ln, func(lo, hi int) {
		var m []int
		if containsFold(ln[lo:hi], "_proxy") {
			if m = userinfoRE.FindStringSubmatchIndex(ln[lo:hi]); m != nil {
				for k := range m {
					if m[k] >= 0 {
						m[k] += lo
					}
				}
			}
			if m != nil {
				locs.keep(m)
			}
		} else if t, e, s, p, ok := schemeUserinfo(ln, lo, hi-1); ok {
			locs.add(t, e, s, p)
		}
	})
	return locs.locs
}

// schemeUserinfo is the match of scheme://user:password@ in ln[lo:p+1]
// ending at the '@' at p, with the password as its group: the bytes back
// to the last '/' (none of '/', '@', a quote or \s is in user or
// password) after "://", the first ':' in them ending the user, and the
// scheme's leftmost start: the first letter of the scheme bytes before
// "://".
func schemeUserinfo(ln string, lo, p int) (start, end, pwStart, pwEnd int, ok bool) {
	run := p
	for run > lo {
		c := ln[run-1]
		if c == '/' || c == '@' || c == '"' || c == '\'' || isRESpace(c) {
			break
		}
		run--
	}
	if run-3 < lo || ln[run-3:run] != "://" {
		return 0, 0, 0, 0, false
	}
	colon := strings.IndexByte(ln[run:p], ':')
	if colon < 0 || run+colon+1 >= p {
		return 0, 0, 0, 0, false
	}
	t := run - 3
	for t > lo && isSchemeByte(ln[t-1]) {
		t--
	}
	for t < run-3 && !(ln[t] >= 'a' && ln[t] <= 'z' || ln[t] >= 'A' && ln[t] <= 'Z') {
		t++
	}
	if t == run-3 {
		return 0, 0, 0, 0, false
	}
	return t, p + 1, run + colon + 1, p, true
}

// locList is a locator's matches as FindAllStringSubmatchIndex gives them,
// made for lines of 100 000 matches: the indexes of the matches it makes go
// in blocks that double (not a slice each), and the list doubles too
// (append grows a large slice by a quarter: a list of 95 000 matches was
// allocated five times over, in fresh memory each time). Both start as
// small as append would: most lines have one match or none.
type locList struct {
	locs  [][]int
	block []int
}

// add appends a match of the given indexes.
func (l *locList) add(idx ...int) {
	if len(l.block)+len(idx) > cap(l.block) {
		l.block = make([]int, 0, max(2*cap(l.block), len(idx)))
	}
	n := len(l.block)
	l.block = append(l.block, idx...)
	l.keep(l.block[n:len(l.block):len(l.block)])
}

// keep appends m (a regexp's match).
func (l *locList) keep(m []int) {
	l.locs = appendDoubling(l.locs, m)
}

// appendDoubling is append, which doubles a slice's capacity up to 256
// elements and then grows it by a quarter: past 256 it doubles.
func appendDoubling[T any](s []T, v T) []T {
	if len(s) == cap(s) && len(s) >= 256 {
		s = slices.Grow(s, len(s))
	}
	return append(s, v)
}

// isSchemeByte is the class [A-Za-z0-9+.\-] of a URL scheme.
func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'
}

// userinfoStart is where a url-userinfo match ending at the '@' at p can
// start at the earliest, or false when none can end there:
//   - user:password is a run of bytes other than '/', whitespace (\s: tab,
//     newline, form feed, return, space), '@' and quotes, holding a ':' with
//     at least one byte after it: "image@sha256:...", "user@host" end none;
//   - whitespace occurs in a match only around the '=' of "_proxy = ...",
//     so a match spans at most three whitespace-separated words, and
//     without "_proxy" in them, none;
//   - without "_proxy", the match is scheme://user:password@, the "://"
//     just before the run, all in the word holding p.
func userinfoStart(ln string, p, floor int) (int, bool) {
	run, colon := p, false
	for ; run > 0; run-- {
		c := ln[run-1]
		if c == '/' || c == '@' || c == '"' || c == '\'' || isRESpace(c) {
			break
		}
		if c == ':' && run < p {
			colon = true
		}
	}
	if !colon {
		return 0, false
	}
	// The window starts at floor at the earliest (just after the previous
	// '@'), so looking back stops there: a line of many '@' and no space
	// would otherwise be read back to its start once per '@'.
	if lo := wordsBack(ln, p, 3, floor); containsFold(ln[lo:p], "_proxy") {
		return lo, true
	}
	if run < 3 || ln[run-3:run] != "://" {
		return 0, false
	}
	return wordsBack(ln, p, 1, floor), true
}

// wordsBack is where the nth whitespace-separated word counting back from
// the one holding p starts (floor, or the line's start, when there are fewer).
func wordsBack(ln string, p, nth, floor int) int {
	j := p
	for w := 1; ; w++ {
		for j > floor && !isRESpace(ln[j-1]) {
			j--
		}
		if w == nth || j <= floor {
			return j
		}
		for j > floor && isRESpace(ln[j-1]) {
			j--
		}
	}
}

// isRESpace is the regexp class \s.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isAuthScheme keeps a bare scheme word: its credential was already
// replaced by another rule (a JWT after "Bearer").
func isAuthScheme(v string) bool {
	switch strings.ToLower(v) {
	case "bearer", "basic", "token", "digest", "negotiate", "aws4-hmac-sha256":
		return true
	}
	return false
}

// isPlainWord is a lowercase word: prose ("invalid bearer tokens", "may
// require authorization: server message"), not a credential, which has
// digits, capitals or symbols.
func isPlainWord(v string) bool {
	if v == "" || len(v) > 24 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 'a' || v[i] > 'z' {
			return false
		}
	}
	return true
}

// notBase64PrivateKey vetoes base64 PEM that decodes to something other than
// a private key (certificates stay: analysis needs them).
func notBase64PrivateKey(m string) bool {
	n := len(m) / 4 * 4
	if n > 400 {
		n = 400
	}
	dec, err := base64.StdEncoding.DecodeString(m[:n])
	if err != nil {
		return false // undecodable: redact to be safe
	}
	return !mayHoldArmour(dec)
}

// Rules lists every default rule with examples, for documentation.
func Rules() []RuleInfo {
	var out []RuleInfo
	for _, r := range defaultPatternRules() {
		out = append(out, r.RuleInfo)
	}
	out = append(out,
		RuleInfo{Name: RuleSecretKey, Class: "secret-looking keys", Description: "values of keys that name a secret (password, passwd, pwd, secret, token, api_key, access_key, private_key, client_secret, credential(s), auth, session, cookie, passphrase, ... and --redact-key names), case-insensitive, in KEY=value env lists, key: value, \"key\": \"value\", TOML/YAML/JSON fields at any depth (everything under a secret key), YAML block scalars and nested values, TOML multi-line strings, --flag=value / --flag value arguments (also argv as a JSON list), --user name:PASSWORD, mysql -pPASSWORD, Kubernetes .dockerconfigjson, and ADO connection strings (Password=a b c;)",
			Example: "DB_PASSWORD=Summer2024!  →  DB_PASSWORD=[REDACTED:secret-key]", Leaves: "the key; PWD/OLDPWD (working directories); keys like auth_type, secret_name, token_file, imagePullSecrets, secretKeyRef, credsStore that name but do not hold secrets; boolean/null values, $VARIABLE references and absolute paths; a lowercase word after a key inside a sentence (\"failed to fetch anonymous token: unexpected status\"); klog file:line (auth.go:12]); --user 1000:1000"},
		RuleInfo{Name: RuleSecretPair, Class: "secret-looking keys", Description: "the value of key/value pairs split across fields: CRI {\"key\": \"DB_PASSWORD\", \"value\": ...}, Kubernetes {\"name\": ..., \"value\": ...}, YAML '- name: X' / 'value: ...', and the same in text: &KeyValue{Key:X,Value:...} in runtime debug logs, {Name:X Value:...} from Go, key:\"X\" value:\"...\" from protobuf text",
			Example: "{\"key\":\"API_TOKEN\",\"value\":\"abc\"}", Leaves: "the key or name, and every pair whose name is not secret-looking (MODE=fast)"},
		RuleInfo{Name: RuleRegistry, Class: "registry credentials", Description: "user names next to registry passwords (containerd registry auth tables, Docker config.json entries); the password, auth, identitytoken and registrytoken fields are caught by secret-key",
			Example: "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r\".auth] username = \"bob\"", Leaves: "registry host names"},
		RuleInfo{Name: RuleUser, Class: "user rules", Description: "patterns given with --redact-regex or --redact-rules", Example: "--redact-regex 'acme-[0-9a-f]{32}'", Leaves: "everything else"},
		RuleInfo{Name: RuleHost, Class: "optional pseudonyms", Description: "the node's hostname (--pseudonymize-hosts)", Example: "node-17.prod", Leaves: "other names"},
		RuleInfo{Name: RuleIP, Class: "optional pseudonyms", Description: "IPv4 and IPv6 addresses (--pseudonymize-ips)", Example: "10.1.2.3", Leaves: "versions, ports"},
		RuleInfo{Name: RuleMAC, Class: "optional pseudonyms", Description: "MAC addresses (--pseudonymize-macs)", Example: "02:42:ac:11:00:02", Leaves: "other hex"},
	)
	return out
}

// jwtLocs is jwtRE.FindAllStringSubmatchIndex by hand. The regexp ends in
// an unbounded run, so it was run on the whole line, by Go's NFA: a 1 MiB
// line of JWT-looking segments ("eyAAAAAAAAAAA.eyBBBBBBBBBB." repeated)
// cost 45 ms. Every run of the regexp ([A-Za-z0-9_-] or that and '/',
// '\\') is followed by '.' or ends the match, and '.' is in neither, so
// each run ends at the first byte outside its class: a match from an "ey"
// at p is p to the end of the third '.'-separated segment, when the
// segments' lengths and bytes allow one of the two forms (the first:
// "eyJ", 4 or more base64url bytes, '.', 5 or more, '.'; the second: 10 or
// more, ".ey", 10 or more of the wider class, '.'). A segment's end is
// found once for all the "ey" before it (ends only grow), so a line of
// "eyeyey..." costs one pass. TestJWTLocsAgrees holds it to the regexp.
func jwtLocs(ln string) [][]int {
	var locs locList
	nb := -1            // the first byte at or after the last p+2 outside [A-Za-z0-9_-]
	seg2nb, e := -1, -1 // the second and third segments of nb: cached
	var form1, form2 bool
	for from := 0; ; {
		i := strings.Index(ln[from:], "ey")
		if i < 0 {
			return locs.locs
		}
		p := from + i
		from = p + 1
		if p+2 > nb {
			nb = runEnd(ln, p+2, isBase64URLByte)
		}
		if nb >= len(ln) || ln[nb] != '.' {
			continue
		}
		if seg2nb != nb {
			seg2nb, form1, form2, e = nb, false, false, -1
			c2 := runEnd(ln, nb+1, isJWTByte)
			if c2 < len(ln) && ln[c2] == '.' {
				// Form 1's second run is all base64url; form 2's is
				// "ey" and 10 or more of the wider class.
				form1 = c2-(nb+1) >= 5 && runEnd(ln, nb+1, isBase64URLByte) == c2
				form2 = c2-(nb+3) >= 10 && strings.HasPrefix(ln[nb+1:], "ey")
				e = runEnd(ln, c2+1, isJWTByte)
			}
		}
		if e >= 0 && (form1 && ln[p+2] == 'J' && nb-(p+3) >= 4 || form2 && nb-(p+2) >= 10) {
			locs.add(p, e)
			from = e
		}
	}
}

// runEnd is the first index at or after i of a byte in not in class, or len(s).
func runEnd(s string, i int, in func(byte) bool) int {
	for i < len(s) && in(s[i]) {
		i++
	}
	return i
}

// isBase64URLByte is [A-Za-z0-9_-]; isJWTByte is that, '/' and '\\'.
func isBase64URLByte(c byte) bool { return isREWordByte(c) || c == '-' }
func isJWTByte(c byte) bool       { return isBase64URLByte(c) || c == '/' || c == '\\' }

// authorizationSchemes are authorizationRE's scheme words (any case, with
// the regexp's Unicode folds: the Kelvin sign is a k, U+017F an s).
var authorizationSchemes = []string{"bearer", "basic", "token", "digest", "negotiate", "aws4-hmac-sha256"}

// authorizationLocs is authorizationRE.FindAllStringSubmatchIndex by hand
// (as bearerLocs, it starts at each "authorization" after the last
// match). The regexp's backtracker on each one's five fields cost 20 ms
// of a 1 MiB line of "authorization: " (70 000 tries). Up to the value
// every choice is decided by the next byte: an optional quote, blanks,
// ':' or '=', blanks, an optional '[', blanks, an optional quote; the
// value ([^\s"',;\]\[]+) cannot start with a blank, '[' or a quote, so
// taking fewer of them never matches. Then the value's first run w is
// either a scheme (a scheme word or a capitalized word of 2-31 bytes,
// which only value bytes spell, followed by blanks and a second run: the
// group is that run) or, when that fails, the group itself.
// TestLiteralLocs and TestAuthorizationLocsAgrees hold it to the regexp.
func authorizationLocs(ln string) [][]int {
	var locs locList
	f := newFoldFinder(ln, "authorization")
	for from := 0; ; {
		p := f.next(from)
		if p < 0 {
			return locs.locs
		}
		from = p + 1
		// The quotes may be escaped (\"Authorization\":\"Basic x\" in a
		// JSON document printed inside a quoted string).
		i := skipQuote(ln, p+len("authorization"))
		i = skipRESpace(ln, i)
		if i >= len(ln) || ln[i] != ':' && ln[i] != '=' {
			continue
		}
		i = skipRESpace(ln, i+1)
		if i < len(ln) && ln[i] == '[' {
			i++
		}
		i = skipQuote(ln, skipRESpace(ln, i))
		we := runEnd(ln, i, isAuthValueByte)
		if we == i {
			continue
		}
		vs, ve := i, we
		if we < len(ln) && isRESpace(ln[we]) && isAuthorizationScheme(ln[i:we]) {
			if s := skipRESpace(ln, we); runEnd(ln, s, isAuthValueByte) > s {
				vs, ve = s, runEnd(ln, s, isAuthValueByte)
			}
		}
		locs.add(p, ve, vs, ve)
		from = ve
	}
}

// isAuthorizationScheme: w is one of authorizationRE's schemes.
func isAuthorizationScheme(w string) bool {
	for _, s := range authorizationSchemes {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	if len(w) < 2 || len(w) > 31 || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	for i := 1; i < len(w); i++ {
		if c := w[i]; !(isREWordByte(c) || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// skipQuote is past the quote at ln[i], escaped or not (the regexp's
// (?:\\*["'])?), or i when there is none.
func skipQuote(ln string, i int) int {
	j := i
	for j < len(ln) && ln[j] == '\\' {
		j++
	}
	if j < len(ln) && (ln[j] == '"' || ln[j] == '\'') {
		return j + 1
	}
	return i
}

// isAuthValueByte is [^\s"',;\]\[\\] (any byte of a non-ASCII rune too).
func isAuthValueByte(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\f', '\r', '"', '\'', ',', ';', '[', ']', '\\':
		return false
	}
	return true
}

func skipRESpace(s string, i int) int {
	for i < len(s) && isRESpace(s[i]) {
		i++
	}
	return i
}

// base64RunAfter is FindAllStringSubmatchIndex of (?:lits...)[A-Za-z0-9+/=]{min,}
// by hand, for literals of base64 bytes: a match starting at p, whichever
// literal it takes, ends where the run of base64 bytes from p ends (the
// repeat is greedy and the literal's bytes are in its class), so it is
// there when a literal at p leaves min bytes of the run after it. The
// regexp ends in an unbounded repeat and ran on the whole line by Go's
// NFA (40 ms on 1 MiB of "YXBpVmVyc2lvbj"). A run's end is found once for
// all the literals in it. TestBase64RunAfterAgrees holds it to the regexp.
func base64RunAfter(lits []string, min int) func(string) [][]int {
	var first [256]bool
	for _, l := range lits {
		if runEnd(l, 0, isBase64StdByte) != len(l) {
			panic("base64RunAfter: a literal with a byte outside the class: " + l)
		}
		first[l[0]] = true
	}
	return func(ln string) [][]int {
		var locs locList
		end := -1 // the end of the run holding the last p, once found
		for p := 0; p < len(ln); p++ {
			if !first[ln[p]] {
				continue
			}
			if p >= end {
				end = runEnd(ln, p, isBase64StdByte)
			}
			for _, l := range lits {
				if end-p >= len(l)+min && strings.HasPrefix(ln[p:], l) {
					locs.add(p, end)
					p = end - 1 // the next match starts after this one
					break
				}
			}
		}
		return locs.locs
	}
}

// isBase64StdByte is [A-Za-z0-9+/=].
func isBase64StdByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}
