package redact

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestGapRuleFindsWhatTheRuleFinds: gapRule stands for the whole regexp
// of the curl rules; every secret the regexp finds in a line (FindAll over
// the line, gitleaks' way), the gap rule finds too, on gitleaks' own
// examples of the rules (testdata/world/gitleaks.jsonl, their tps) and on
// 30 000 random lines of curl commands, flags, quotes and credentials.
// And it finds what gitleaks' greedy gap skips: each -u of a line of
// several curl commands.
func TestGapRuleFindsWhatTheRuleFinds(t *testing.T) {
	vs := vendorRules()
	var rules []*vendorRule
	for i := range vs.rules {
		if vs.rules[i].ready().gap != nil {
			rules = append(rules, &vs.rules[i])
		}
	}
	if len(rules) < 2 {
		t.Fatalf("%d rules with a gap: the curl rules' shape is no longer recognized", len(rules))
	}
	var lines []string
	for _, c := range worldInputs(t, "testdata/world/gitleaks.jsonl") {
		if strings.Contains(c.ID, "/curl-") {
			lines = append(lines, strings.Split(c.Input, "\n")...)
		}
	}
	if len(lines) < 20 {
		t.Fatalf("%d lines of gitleaks' curl examples", len(lines))
	}
	// Random lines of the rules' shape and near it: a head, filler, a
	// blank, a flag, a separator, a credential in one of the forms, an
	// end; each part sometimes replaced by a near miss.
	pick := func(rng *rand.Rand, xs ...string) string { return xs[rng.Intn(len(xs))] }
	rng := rand.New(rand.NewSource(13))
	for n := 0; n < 30000; n++ {
		cred := pick(rng, "bob:S3cr3tPw", "al1ce:Zx9"+pick(rng, "q", "Qw", "$X")+"Pw", `"svc:`+pick(rng, "Pa55 w0rd", "x")+`"`, `'u:p4sswd!'`, `":onlyPw"`,
			"user:"+pick(rng, "changeme", "$PASS", "${PASS}", "<pass>", "[x]"), "$USER:$PASS", "tok3n", `"user:`,
			// Longer than gapWindow: the tail is read past its window.
			`"svc:`+strings.Repeat("Pa5s w0rd ", rng.Intn(30))+`"`, "bob:"+strings.Repeat("Zq8v", rng.Intn(60)), `'u:`+strings.Repeat("x", 100+rng.Intn(60)))
		hdr := pick(rng, `"Authorization: Bearer `, `'Authorization: Basic `, `"X-Api-Key: `, `'authorization:  `, `"Token: `) +
			pick(rng, "abcdefgh12345678", "dXNlcjpwYXNzd29yZA==", "short", "5eb4223e-5008-46e5-be67-c7b8f2732305") + pick(rng, `"`, `'`, "")
		var b strings.Builder
		b.WriteString(pick(rng, "", "$ ", "sudo -u root ", "x -u a:b; ", "echo "))
		b.WriteString(pick(rng, "curl", "curl", "CURL", "ccurl", "curly", "/usr/bin/curl"))
		for k := rng.Intn(3); k > 0; k-- {
			b.WriteString(pick(rng, " -sS", " https://api.example.com/v1", " -X POST", `\r`, "\r", ` --data '{"a":1}'`, " -u", " -H"))
		}
		b.WriteString(pick(rng, " ", "\t", " ", ""))
		if rng.Intn(2) == 0 {
			b.WriteString(pick(rng, "-u", "--user", "-U"))
			b.WriteString(pick(rng, " ", "=", "", "  ", "\t"))
			b.WriteString(cred)
		} else {
			b.WriteString(pick(rng, "-H", "--header", "-h"))
			b.WriteString(pick(rng, " ", "=", "", "  "))
			b.WriteString(hdr)
		}
		b.WriteString(pick(rng, "", " ", " https://x", "\t-v", ";", " curl -u amy:Wx7uP4ssw0rd"))
		lines = append(lines, b.String())
	}
	found := 0
	for _, r := range rules {
		for _, ln := range lines {
			var want []vendorHit
			for _, loc := range r.re.FindAllStringSubmatchIndex(ln, -1) {
				want = r.hit(ln, 0, loc, &vs.global, want)
			}
			got := r.gap.find(r, ln, &vs.global, nil)
			for _, w := range want {
				found++
				if !covered(w, got) {
					t.Errorf("%s: %q: the regexp finds %q, the gap rule %v", r.id, ln, ln[w.s:w.e], got)
				}
			}
		}
	}
	t.Logf("%d lines, %d secrets found by the regexps", len(lines), found)
	if found < 1000 {
		t.Errorf("only %d secrets: the random lines no longer exercise the rules", found)
	}
	// Quiet: a curl command without credentials, and -u before any curl.
	for _, ln := range []string{"curl -sS https://example.com/healthz -o /dev/null", "sudo -u postgres psql; curl https://x"} {
		for _, r := range rules {
			if got := r.gap.find(r, ln, &vs.global, nil); len(got) > 0 {
				t.Errorf("%s: %q: %v", r.id, ln, got)
			}
		}
	}
	// Every -u of "curl -u a:b curl -u c:d", where the regexp's greedy gap
	// keeps the last.
	r := rules[0]
	if r.id != "curl-auth-user" {
		r = rules[1]
	}
	ln := "curl -u bob:Zq8vS3cr3t https://a; curl -u amy:Wx7uP4ssw0rd https://b"
	if got := r.gap.find(r, ln, &vs.global, nil); len(got) != 2 {
		t.Errorf("%q: %v, want both passwords", ln, got)
	}
}

// worldInput is a world-set case as the tests of package redact read it
// (redact/corpus, which loads them whole, imports this package).
type worldInput struct{ ID, Input, Value string }

// worldInputs are the cases of the JSON-lines world files.
func worldInputs(t *testing.T, files ...string) []worldInput {
	t.Helper()
	var out []worldInput
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, ln := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			var c worldInput
			if err := json.Unmarshal(ln, &c); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out = append(out, c)
		}
	}
	return out
}

func covered(w vendorHit, got []vendorHit) bool {
	for _, g := range got {
		if g.s <= w.s && w.e <= g.e {
			return true
		}
	}
	return false
}

// TestGapOf: the shape is recognized from the syntax tree, not the rule id.
func TestGapOf(t *testing.T) {
	for re, want := range map[string]bool{
		`\bcurl\b(?:.*|.*(?:[\r\n]{1,2}.*){1,5})[ \t](?:-u|--user)(\S+)`: true,
		`\bwget\b.*?[ \t]--password=(\S+)`:                               true,
		`\bcurl\b[ \t]-u(\S+)`:                                           false,
		`[a-z]+.*[ \t]-u(\S+)`:                                           false,
		`\bcurl\b(?:.*|x)[ \t]-u(\S+)`:                                   false,
	} {
		g := gapOf(re)
		if (g != nil) != want {
			t.Errorf("gapOf(%q) = %v, want %v", re, g != nil, want)
			continue
		}
	}
}

// TestDenseFindingsSkipTheAllowlists: a placeholder gitleaks' allowlist
// keeps (user:changeme) is no finding of curl-auth-user on a line of a few
// curl commands, and is one on a line of more than maxDenseHits of them,
// where the allowlists are no longer asked (hit). (rtsnap's -u/--user key
// rule replaces it in both: TestGapRuleFindsWhatTheRuleFinds reads the
// rule alone.)
func TestDenseFindingsSkipTheAllowlists(t *testing.T) {
	vs := vendorRules()
	var r *vendorRule
	for i := range vs.rules {
		if vs.rules[i].id == "curl-auth-user" {
			r = vs.rules[i].ready()
		}
	}
	if r == nil || r.gap == nil {
		t.Fatal("curl-auth-user has no gap rule")
	}
	one := "curl -u bob:Zq8vS3cr3tW9 https://a; curl --user=alice:changeme https://b; "
	for _, c := range []struct {
		n    int
		keep bool
	}{{1, true}, {maxDenseHits, false}} {
		ln := strings.Repeat(one, c.n)
		kept := true
		found := 0
		for _, hit := range r.gap.find(r, ln, &vs.global, nil) {
			switch ln[hit.s:hit.e] {
			case "alice:changeme":
				kept = false
			case "bob:Zq8vS3cr3tW9":
				found++
			}
		}
		if found != c.n || kept != c.keep {
			t.Errorf("%d commands: %d passwords found, placeholder kept = %v, want %d and %v", c.n, found, kept, c.n, c.keep)
		}
	}
}

// TestCurlUserTailIsTheRules: the table's curl-auth-user takes the hand
// matcher; when gitleaks changes the rule, its tail is no longer
// curlUserTailRE and this fails (the rule still works, through its regexp,
// at the old speed): curlUserTail then needs the new regexp's reading.
func TestCurlUserTailIsTheRules(t *testing.T) {
	vs := vendorRules()
	for i := range vs.rules {
		if r := vs.rules[i].ready(); r.id == "curl-auth-user" {
			if r.gap == nil || r.gap.match == nil {
				t.Fatalf("curl-auth-user's tail is not curlUserTailRE any more: %v", r.gap)
			}
			if !slices.Equal(r.gap.prefixes, []string{"-u", "--user"}) {
				t.Errorf("prefixes %q", r.gap.prefixes)
			}
			return
		}
	}
	t.Fatal("no curl-auth-user rule")
}

// TestCurlUserTailAgreesWithTheRegexp: curlUserTail gives the submatches
// of curlUserTailRE at every offset of gitleaks' own curl examples
// (testdata/world/gitleaks.jsonl) and of 200 000 random strings made of
// the bytes the regexp decides on: blanks and the end of text, -u and
// --user, '=', both quotes, ':', the bare forms' bytes and what they
// lack ('{', '}', '/'), multi-byte and invalid UTF-8 (counts are of
// runes), runs about the lengths the counts ask.
func TestCurlUserTailAgreesWithTheRegexp(t *testing.T) {
	re := regexp.MustCompile(curlUserTailRE)
	var forms [5]int // matches by the form's group (2, 3, 4)
	check := func(s string) {
		t.Helper()
		got, want := curlUserTail(s), re.FindStringSubmatchIndex(s)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: curlUserTail %v, the regexp %v", s, got, want)
		}
		for g := 2; want != nil && g <= 4; g++ {
			if want[2*g] >= 0 {
				forms[g]++
			}
		}
	}
	examples, matched := 0, 0
	for _, c := range worldInputs(t, "testdata/world/gitleaks.jsonl") {
		if !strings.Contains(c.ID, "/curl-") {
			continue
		}
		examples++
		for i := range c.Input {
			check(c.Input[i:])
			if re.MatchString(c.Input[i:]) {
				matched++
			}
		}
	}
	if examples < 10 || matched < 10 {
		t.Fatalf("%d of gitleaks' curl examples, %d matches in them", examples, matched)
	}
	rng := rand.New(rand.NewSource(13))
	parts := []string{" ", "\t", "\n", "\r", "\f", " -u", " --user", "-u", "--user", " -U", "=", "  ", "     ", "      ", `"`, `'`, ":", "::",
		"a", "ab", "abc", "bob", "S3cr3t", "$", "${X}", "{", "}", "@", ".", "-", "_", "/", "é", "密码", "\xff", "\xe2\x82", "x y"}
	for n := 0; n < 200000; n++ {
		var b strings.Builder
		b.WriteString([]string{" -u", " --user", "\t-u", "\n--user", " -u=", " -u "}[rng.Intn(6)])
		some := func(max int) {
			for k := rng.Intn(max); k > 0; k-- {
				b.WriteString(parts[rng.Intn(len(parts))])
			}
		}
		if rng.Intn(2) == 0 {
			some(12)
		} else {
			// Near a form: quote, user, ':', password, quote, an end.
			q := []string{`"`, `'`, ""}[rng.Intn(3)]
			b.WriteString(q)
			some(4)
			b.WriteString(":")
			some(4)
			b.WriteString(q)
			some(3)
		}
		check(b.String())
	}
	t.Logf("matches of each form: %v", forms[2:])
	for g := 2; g <= 4; g++ {
		if forms[g] < 100 {
			t.Errorf("form of group %d matched %d times: the strings no longer exercise it", g, forms[g])
		}
	}
}
