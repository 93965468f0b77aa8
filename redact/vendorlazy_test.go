package redact

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// Building the table compiles no rule; a rule compiles when a line holds
// one of its keywords, once, and then is the rule the table describes.
func TestVendorRulesCompileWhenFirstNeeded(t *testing.T) {
	vs := buildVendorSet()
	for i := range vs.rules {
		if r := &vs.rules[i]; r.re != nil || r.tail != nil || r.gap != nil {
			t.Fatalf("%s compiled before any line needed it", r.id)
		}
	}
	// Two keywords (GitHub's "ghp_", Slack's "xoxb"): those rules only.
	line := "token=ghp_pLIix6MEOLeMa61EqJomTEI1JEzO3joOj37H slack=xoxb-1234"
	hits := vs.find(line)
	if !slices.ContainsFunc(hits, func(h vendorHit) bool { return strings.HasPrefix(h.rule, "github") }) {
		t.Fatalf("the GitHub token was not found: %+v", hits)
	}
	var compiled []string
	for i := range vs.rules {
		if vs.rules[i].re != nil {
			compiled = append(compiled, vs.rules[i].id)
		}
	}
	if len(compiled) == 0 || len(compiled) > 10 {
		t.Fatalf("after one line with two keywords, %d rules compiled: %v", len(compiled), compiled)
	}
	for i := range vs.rules {
		r := vs.rules[i].ready()
		if r.re == nil {
			t.Errorf("%s: no regexp once ready", r.id)
		}
		if r.hasTail != (r.tail != nil) {
			t.Errorf("%s: the scan takes it for a keyword rule (%v), its tail compiled: %v", r.id, r.hasTail, r.tail != nil)
		}
	}
}

// Lines scanned side by side compile each rule once and find the same
// secrets (run with -race).
func TestVendorRulesCompileOnceSideBySide(t *testing.T) {
	vs := buildVendorSet()
	line := "ghp_pLIix6MEOLeMa61EqJomTEI1JEzO3joOj37H curl -u bob:S3cretPw https://x glpat-yVaQXekW9LctXb03rEMU"
	want := buildVendorSet().find(line)
	var wg sync.WaitGroup
	got := make([][]vendorHit, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[g] = vs.find(line)
		}()
	}
	wg.Wait()
	for g := range got {
		if !slices.Equal(got[g], want) {
			t.Fatalf("goroutine %d found %+v, want %+v", g, got[g], want)
		}
	}
	if len(want) < 3 {
		t.Fatalf("the line's tokens were not found: %+v", want)
	}
}
