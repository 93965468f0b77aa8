package redact

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// tomlMultiRE is what tomlMultiOpens does by hand (the oracle).
var tomlMultiRE = regexp.MustCompile(`^\s*["']?([A-Za-z0-9_.\-]+)["']?\s*=\s*("""|''')`)

// blockLines are random lines from the pieces YAML and TOML keys are made of.
func blockLines(seed int64, n int) []string {
	pieces := []string{" ", "\t", "\v", "\f", "-", "- ", "password", "token", "x", "key", "_", ".", ":", ": ", "|", ">-", "|+2", "#", " # c",
		`"`, "'", "=", " = ", `"""`, "'''", "secret", "Authorization", "a b", "[", "]", "\r", "é", "db.pass"}
	rng := rand.New(rand.NewSource(seed))
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var b strings.Builder
		for j := rng.Intn(10); j >= 0; j-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		out = append(out, b.String())
	}
	return out
}

func TestYAMLKeyOpensAgreesWithTheRegexp(t *testing.T) {
	var k keyMatcher
	matched := 0
	for _, ln := range append(blockLines(1, 200000), "password: |", "  - token: >- # c", "  pass word :", strings.Repeat(" ", 300)+"password:") {
		col, key, ind, ok := yamlKeyOpens(ln)
		m := yamlKeyOpensRE.FindStringSubmatch(ln)
		if m != nil && len(m[2]) <= maxKeyLen && strings.TrimSpace(m[2]) != "" {
			matched++
			if !ok || col != len(m[1]) || key != m[2] || ind != m[3] {
				t.Fatalf("%q: got %d %q %q %v, the regexp %q", ln, col, key, ind, ok, m)
			}
			continue
		}
		// Otherwise no key isSecret takes: too long, blank, or none.
		if ok && k.isSecret(key) {
			t.Fatalf("%q: got secret key %q, the regexp %q", ln, key, m)
		}
	}
	if matched < 2000 {
		t.Fatalf("only %d lines open a key", matched)
	}
}

func TestTOMLMultiOpensAgreesWithTheRegexp(t *testing.T) {
	matched := 0
	for _, ln := range append(blockLines(2, 200000), `password = """`, ` "token" = '''x`, `a.b-c="""`) {
		key, delim, end, ok := tomlMultiOpens(ln)
		m := tomlMultiRE.FindStringSubmatchIndex(ln)
		if (m != nil) != ok || ok && (key != ln[m[2]:m[3]] || delim != ln[m[4]:m[5]] || end != m[5]) {
			t.Fatalf("%q: got %q %q %d %v, the regexp %v", ln, key, delim, end, ok, m)
		}
		if ok {
			matched++
		}
	}
	if matched < 200 {
		t.Fatalf("only %d lines open a multi-line string", matched)
	}
}
