package redact

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The shortcuts of the text path must decide exactly as the slow tests
// they stand in for.

func TestMentionsSecretWordFoldAgrees(t *testing.T) {
	for _, w := range prefilterWords {
		for _, k := range []string{w, strings.ToUpper(w), "x_" + w + "_y", "aB" + strings.ToUpper(w[:1]) + w[1:]} {
			if !mentionsSecretWordFold(k) {
				t.Errorf("mentionsSecretWordFold(%q) = false", k)
			}
		}
	}
	rng := rand.New(rand.NewSource(1))
	const alphabet = "paswdecrtoknyhuilPASWDECRTOKNYHUIL_-. 0"
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+rng.Intn(12))
		for j := range b {
			b[j] = alphabet[rng.Intn(len(alphabet))]
		}
		k := string(b)
		if got, want := mentionsSecretWordFold(k), mentionsSecretWord(strings.ToLower(k)); got != want {
			t.Fatalf("mentionsSecretWordFold(%q) = %v, mentionsSecretWord says %v", k, got, want)
		}
	}
}

func TestMayBeSecretNeverRejectsASecret(t *testing.T) {
	k := keyMatcher{extra: []string{"license", "x-acme", "ключ"}}
	for _, key := range []string{"LICENSE_KEY", "X-Acme-Thing", "ключ", "TO\u212AEN", "db_password", "SessionId"} {
		if k.isSecret(key) && !k.mayBeSecret(key) {
			t.Errorf("mayBeSecret(%q) = false for a secret key", key)
		}
	}
	if k.mayBeSecret("level") || k.mayBeSecret("msg") || k.mayBeSecret("time") {
		t.Error("mayBeSecret passes a plain key")
	}
}

// url-userinfo's locate (userinfoWindows, schemeUserinfo) must find exactly
// what the url-userinfo regexp finds in the whole line.
func userinfoRule() *patternRule {
	rules := defaultPatternRules()
	for i := range rules {
		if rules[i].Name == RuleURLUserinfo {
			return &rules[i]
		}
	}
	panic("no url-userinfo rule")
}

func checkUserinfoWindows(t *testing.T, rule *patternRule, ln string) int {
	t.Helper()
	want := rule.re.FindAllStringSubmatchIndex(ln, -1)
	got := rule.locate(ln)
	if len(want) == 0 && len(got) == 0 {
		return 0
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: windows found %v, the whole line %v", ln, got, want)
	}
	return len(want)
}

func TestUserinfoWindows(t *testing.T) {
	rule := userinfoRule()
	for _, ln := range []string{
		"connecting to postgres://app:BenchPw1@db:5432/orders",
		"HTTPS_PROXY=http://proxyuser:s3cret@proxy:3128 and ftp://a:b@c ftp://d:e@f",
		`https_proxy = "user:pw@proxy:3128"`,
		`HTTP_PROXY" :  'u:p@h`,
		"a_proxy\t=\tu:p@h u:q@h",
		"image@sha256:abc user@host x://u:@h x://u:p@@h x://u::p@h",
		"_proxy=u:p@h@i:j@k",
		"s://a:b@ s://c:d@",
		"@@::@:x@",
		"u:p@h _proxy=u:p@h HTTP_Proxy:u:p@h a://b:c@d x_proxy u:p@h",
		"http_proxy=http://u:p@h 0abc://u:p@h +://u:p@h",
		"\v_proxy\v=\vu:p@h",
	} {
		checkUserinfoWindows(t, rule, ln)
	}
	found := 0
	rng := rand.New(rand.NewSource(2))
	pieces := []string{"http://", "_proxy", "_PROXY", "=", ":", "@", " ", "\t", `"`, "'", "/", "u", "pw", "x.y", "\v", "\f", "s://u:p@", "_proxy = u:p@", ":pw@"}
	for i := 0; i < 100000; i++ {
		var b strings.Builder
		for j := rng.Intn(16); j >= 0; j-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		found += checkUserinfoWindows(t, rule, b.String())
	}
	if found < 1000 {
		t.Fatalf("only %d matches: the random lines do not exercise the rule", found)
	}
	t.Logf("%d matches", found)
}

// userinfoStart looks for "_proxy" in ASCII cases only; the regexp's (?i)
// would also take a non-ASCII letter folding to one of its letters.
func TestProxyFoldsOnlyToASCII(t *testing.T) {
	for _, c := range "proxy" {
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				t.Errorf("%q folds to %q", c, f)
			}
		}
	}
}

func FuzzUserinfoWindows(f *testing.F) {
	f.Add("connecting to postgres://app:BenchPw1@db:5432/orders")
	f.Add(`https_proxy = "user:pw@proxy:3128" x://a:b@c`)
	rule := userinfoRule()
	f.Fuzz(func(t *testing.T, ln string) {
		checkUserinfoWindows(t, rule, ln)
	})
}

// authorizationLocs and bearerLocs must find exactly what
// authorization-header's and bearer-token's regexps find in the whole line.
func TestLiteralLocs(t *testing.T) {
	rules := defaultPatternRules()
	var checked []*patternRule
	for i := range rules {
		if (rules[i].Name == RuleAuthHeader || rules[i].Name == RuleBearer) && rules[i].locate != nil { // (not the Digest response rule)
			checked = append(checked, &rules[i])
		}
	}
	if len(checked) != 2 {
		t.Fatal("rules not found")
	}
	// Header lines from kubelet and registry logs (e.g. https://github.com/containerd/containerd/issues/5549
	// prints "authorization: Bearer ..." in debug output) and the pieces of their shapes.
	fixed := []string{
		`level=debug msg="do request" request.header.authorization="Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln" url="https://r/v2/"`,
		"Authorization: Basic dXNlcjpwYXNz",
		"may require authorization: server message",
		"xbearer abcdefgh Bearer abcdefgh bearer\tabcdefgh==",
		`"Proxy-Authorization": ["Bearer x", "Token y"]`,
		// Every place the regexp allows blanks at once; tokens of the
		// Kelvin sign and the long s, which (?i) folds into the class.
		"authorization \t: [ 'Bearer\t abc123XYZ tail", "bearer \t\r abcdefgh tail",
		"bearer \u212a\u212a\u212a\u017f\u017fx== bearer \u212a\u212ax", "bearer abcde\u212a bearer abcd\u212a\u00e9",
	}
	found := 0
	for _, rule := range checked {
		for _, ln := range fixed {
			found += checkLocs(t, rule, ln)
		}
	}
	rng := rand.New(rand.NewSource(3))
	pieces := []string{"authorization", "Authorization", "AUTHORIZATION", "bearer", "Bearer", "x", "_", ":", "=", " ", "\t", `"`, "'", "[", "]",
		",", "Basic ", "Token ", "Api-Token ", "abc123XYZ", "==", "/", "autho", "rization", "aws4-hmac-sha256 ", "é", "\u212a", "\u017f", "~+", "abc", "\f"}
	for i := 0; i < 100000; i++ {
		var b strings.Builder
		for j := rng.Intn(14); j >= 0; j-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		for _, rule := range checked {
			found += checkLocs(t, rule, b.String())
		}
	}
	if found < 5000 {
		t.Fatalf("only %d matches: the random lines do not exercise the rules", found)
	}
}

func checkLocs(t *testing.T, rule *patternRule, ln string) int {
	t.Helper()
	want := rule.re.FindAllStringSubmatchIndex(ln, -1)
	got := rule.locate(ln)
	if len(want) == 0 && len(got) == 0 {
		return 0
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s on %q: locate found %v, the whole line %v", rule.Name, ln, got, want)
	}
	return len(want)
}

func TestIndexFold(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 100000; i++ {
		b := make([]byte, rng.Intn(20))
		for j := range b {
			b[j] = "aAbBuUt"[rng.Intn(7)]
		}
		s := string(b)
		for _, w := range []string{"a", "au", "aut", "bab"} {
			if got, want := indexFold(s, w), strings.Index(strings.ToLower(s), w); got != want {
				t.Fatalf("indexFold(%q, %q) = %d, want %d", s, w, got, want)
			}
		}
	}
}

// The line scan's bitLongWord must be set on every line prefixedTokens
// would look at (it is skipped otherwise).
func TestLongWordBitCoversPrefixedTokens(t *testing.T) {
	r := newR(t, Config{})
	rng := rand.New(rand.NewSource(5))
	// A vendor-like prefix and a random body, with noise around and in it.
	const body = "aZ9Q7xkB3mw-._ /=:"
	shaped := 0
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		b.WriteString([]string{"", "x ", "token=", "\"", "a/b:"}[rng.Intn(5)])
		b.WriteString([]string{"hf", "sk-proj", "ntn", "dp.st", "a"}[rng.Intn(5)])
		b.WriteByte("_-."[rng.Intn(3)])
		for j := 15 + rng.Intn(30); j >= 0; j-- {
			k := rng.Intn(len(body))
			if rng.Intn(4) > 0 {
				k = rng.Intn(10) // mostly token bytes
			}
			b.WriteByte(body[k])
		}
		ln := b.String()
		if hasPrefixedToken(ln) {
			shaped++
			if r.trig.scan(ln)&(1<<bitLongWord) == 0 {
				t.Fatalf("%q has a prefixed token, but bitLongWord is not set", ln)
			}
		}
	}
	if shaped < 100 {
		t.Fatalf("only %d lines with the shape", shaped)
	}
	if r.trig.scan("time=2026-11-24 msg=23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608")&(1<<bitLongWord) != 0 {
		t.Error("bitLongWord set for a lowercase hex id")
	}
}
