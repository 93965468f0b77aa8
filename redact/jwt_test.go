package redact

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// TestJWTLocsAgrees: jwtLocs finds what jwtRE.FindAllStringSubmatchIndex
// finds, on the world set's documents and tokens (testdata/world: jwt.io's
// example, Kubernetes service-account tokens in kubelet and container
// logs, gitleaks' jwt examples) and on 200 000 random strings of the bytes
// the regexp decides on ("ey", 'J', base64url, '/', '\\', '.', and bytes
// outside both classes), with segments about the lengths its counts ask.
func TestJWTLocsAgrees(t *testing.T) {
	check := func(s string) int {
		t.Helper()
		got, want := jwtLocs(s), jwtRE.FindAllStringSubmatchIndex(s, -1)
		if len(got) != 0 || len(want) != 0 {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: jwtLocs %v, the regexp %v", s, got, want)
			}
		}
		return len(want)
	}
	world := 0
	for _, c := range worldInputs(t, "testdata/world/curated.jsonl", "testdata/world/gitleaks.jsonl", "testdata/world/benign.jsonl") {
		world += check(c.Input) + check(c.Value)
	}
	if world < 20 {
		t.Errorf("%d JWTs in the world set: the cases no longer exercise the rule", world)
	}
	rng := rand.New(rand.NewSource(13))
	parts := []string{"ey", "eyJ", "J", "A", "Ab3", "abcde", "0123456789", "_-", "/", "\\", ".", ".ey", " ", "=", "é", "\"", "eyeyey"}
	random := 0
	for n := 0; n < 200000; n++ {
		var b strings.Builder
		some := func(max int) {
			for k := rng.Intn(max); k > 0; k-- {
				b.WriteString(parts[rng.Intn(len(parts))])
			}
		}
		if rng.Intn(2) == 0 {
			some(16)
		} else {
			// Near a token: three segments of random lengths.
			some(3)
			b.WriteString([]string{"eyJ", "ey", "eyA"}[rng.Intn(3)])
			for seg := 0; seg < 3; seg++ {
				for k := rng.Intn(14); k > 0; k-- {
					b.WriteByte("aB3_-J/\\e"[rng.Intn(9)])
				}
				if seg == 0 && rng.Intn(2) == 0 {
					b.WriteString(".ey")
				} else if seg < 2 {
					b.WriteString(".")
				}
			}
			some(3)
		}
		random += check(b.String())
	}
	t.Logf("%d matches in the world set, %d in random strings", world, random)
	if random < 1000 {
		t.Errorf("%d matches in random strings: they no longer exercise the rule", random)
	}
	// Quiet and linear: "eyeyey..." without a dot, and segments too short.
	for _, s := range []string{strings.Repeat("ey", 1<<18), strings.Repeat("eyJab.cd.", 1<<16), "eyJhbGciOiJIUzI1NiJ9 eyJzdWIiOiIxIn0"} {
		if got := jwtLocs(s); got != nil {
			t.Errorf("%.40q...: %v", s, got[0])
		}
	}
}
