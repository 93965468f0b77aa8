package redact

import (
	"math/rand"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestBase64RunLocsAgrees: base64RunLocs finds what the regexp it stands
// for finds (the rule's own re as oracle), on 100 000 random lines of
// base64 pieces, the words in all their alignments, '=' padding,
// separators and near misses, and on the corpus of the rule's cases.
func TestBase64RunLocsAgrees(t *testing.T) {
	var re *regexp.Regexp
	var locate func(string) [][]int
	for _, r := range defaultPatternRules() {
		if r.Name == RulePEMBase64 && r.locate != nil {
			re, locate = r.re, r.locate
		}
	}
	if re == nil {
		t.Fatal("no pem-private-key-base64 rule with a locate")
	}
	parts := append([]string{"QUJD", "x", "+/", "=", "==", " ", ":", "-", "\"", "UFJJ", "LS0tLS1CRUdJTi", "\xc3\xa9", "\n", "a=b", "eyJ"}, base64PrivateKeyWords...)
	rng := rand.New(rand.NewSource(5))
	lines := []string{
		"client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVF",
		"x " + strings.Repeat("UFJJVkFURSBLRV", 100),
		"blob: dGxzOgogIGtleTogfAogICAgLS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t== tail",
		"", "UFJJVkFURSBLRV", "=UFJJVkFURSBLRV=", "a=UFJJVkFURSBLRVx=y UFJJVkFURSBLRV",
	}
	for n := 0; n < 100000; n++ {
		var b strings.Builder
		for k := rng.Intn(10); k >= 0; k-- {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		lines = append(lines, b.String())
	}
	matched := 0
	for _, ln := range lines {
		want := re.FindAllStringSubmatchIndex(ln, -1)
		matched += len(want)
		got := locate(ln)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: locate %v, regexp %v", ln, got, want)
		}
	}
	if matched < 10000 {
		t.Errorf("%d matches: the random lines no longer exercise the rule", matched)
	}
	t.Logf("%d lines, %d matches", len(lines), matched)
}
