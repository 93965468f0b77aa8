package redact

import (
	"reflect"
	"regexp"
	"slices"
	"testing"
)

// FuzzHandMatchers holds each hand-written matcher of the adversarial
// round to the regexp it stands for, on any input: jwtLocs,
// authorizationLocs, the base64 literal-and-run rules, curlUserTail,
// anchoredMatch (every vendor tail at the input's start) and
// insideMarker at every position (go test -run '^$' -fuzz
// FuzzHandMatchers ./redact).
func FuzzHandMatchers(f *testing.F) {
	for _, s := range []string{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "Authorization: Bearer abc123", "authorization = [ 'to\u212aen x",
		" -u bob:S3cret ", ` --user "svc:Pa55 w0rd"`, "YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmln", "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t",
		"x [REDACTED:secret-key] [PSEUDO:jwt:0a1b2c3d4e5f]", "adafruit=0123456789abcdefghijklmnopqrstuv "} {
		f.Add(s)
	}
	rules := defaultPatternRules()
	var located []*patternRule
	for i := range rules {
		if rules[i].locate != nil {
			located = append(located, &rules[i])
		}
	}
	curl := regexp.MustCompile(curlUserTailRE)
	vs := vendorRules()
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range located {
			want, got := r.re.FindAllStringSubmatchIndex(s, -1), r.locate(s)
			if (len(want) != 0 || len(got) != 0) && !reflect.DeepEqual(got, want) {
				t.Fatalf("%s on %q: locate %v, the regexp %v", r.Name, s, got, want)
			}
		}
		if got, want := curlUserTail(s), curl.FindStringSubmatchIndex(s); !slices.Equal(got, want) {
			t.Fatalf("%q: curlUserTail %v, the regexp %v", s, got, want)
		}
		for i := range vs.rules {
			if r := vs.rules[i].ready(); r.tail != nil {
				if got, want := anchoredMatch(r.tail, s, r.maxLen), r.tail.FindStringSubmatchIndex(s); !slices.Equal(got, want) {
					t.Fatalf("%s on %q: anchoredMatch %v, the regexp %v", r.id, s, got, want)
				}
			}
		}
		for i := 0; i <= len(s); i++ {
			if got, want := insideMarker(s, i), insideMarkerByDefinition(s, i); got != want {
				t.Fatalf("insideMarker(%q, %d) = %v, the definition %v", s, i, got, want)
			}
		}
	})
}
