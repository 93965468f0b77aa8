package rules

import (
	"strings"
	"testing"
)

// FuzzContainsFold holds containsFold to the expression it replaces, for
// any text and any sub (the ASCII way is exact for every sub: ToLower of an
// ASCII text is ASCII with no upper case letter).
func FuzzContainsFold(f *testing.F) {
	for _, seed := range [][2]string{
		{`Failed to pull image "nginx:latest": rpc error`, "failed to pull"},
		{`PullImage "x" FAILED`, "pullimage"},
		{"NO SPACE LEFT ON DEVICE", "no space left on device"},
		{"no space left on devic", "no space left on device"},
		{"İstanbul failed to pull", "failed to pull"},
		{"K\u212a failed", "kk"}, // the Kelvin sign lowers to k
		{"", ""}, {"a", ""}, {"", "a"}, {"aaaaab", "aab"}, {"ABC", "ABC"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, sub string) {
		if got, want := containsFold(s, sub), strings.Contains(strings.ToLower(s), sub); got != want {
			t.Fatalf("containsFold(%q, %q) = %v, strings.Contains(ToLower) = %v", s, sub, got, want)
		}
	})
}
