package logrec

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBorderLead: every border rune unBorder joins across starts with
// borderLead, so a line without that byte holds none of them.
func TestBorderLead(t *testing.T) {
	for _, r := range borderRunes {
		var b [utf8.UTFMax]byte
		if n := utf8.EncodeRune(b[:], r); n == 0 || b[0] != borderLead {
			t.Errorf("%U starts with %#x, not borderLead %#x", r, b[0], borderLead)
		}
	}
}

// klogGuardSeeds are klog headers in klog's format (Lmmdd hh:mm:ss.uuuuuu
// threadid file:line], https://github.com/kubernetes/klog/blob/v2.130.1/klog.go#L655;
// the first line's message is kubelet's), and near misses.
var klogGuardSeeds = []string{
	`E0412 10:55:20.123456    1234 kubelet.go:2855] "Container runtime network not ready"`,
	`I1201 23:35:50.001   99 server.go:12] ok`,
	`W0101 00:00:00.000000 1 reflector.go:424] failed to list`,
	`F0101 00:00:00.1 1 main.go:1]`,
	`X0101 00:00:00.1 1 main.go:1] not a level`,
	`I01 00:00:00.1 1 main.go:1] short date`,
	`i0101 00:00:00.1 1 main.go:1] lowercase`,
	`IO101 00:00:00.1 1 main.go:1] letter O`,
	"", "I", "E0", `time="2024-01-02T03:04:05Z" level=error msg="x"`,
}

// FuzzMayBeKlog: the guard is a necessary condition of klogHeader: it is
// never false for a line the regexp matches.
func FuzzMayBeKlog(f *testing.F) {
	for _, s := range klogGuardSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if klogHeader.MatchString(s) && !mayBeKlog(s) {
			t.Fatalf("klogHeader matches %q, mayBeKlog says no", s)
		}
	})
}

// TestMayBeKlogGuards: the guard lets klog lines through and stops the
// others at their first bytes.
func TestMayBeKlogGuards(t *testing.T) {
	for _, s := range klogGuardSeeds {
		want := klogHeader.MatchString(s)
		if want && !mayBeKlog(s) {
			t.Errorf("mayBeKlog(%q) = false for a klog line", s)
		}
		if got := ParseText(s).Format == Klog; got != want {
			t.Errorf("ParseText(%q) klog = %v, want %v", s, got, want)
		}
	}
	if mayBeKlog(`time="x" level=info`) || mayBeKlog(strings.Repeat("x", 100)) {
		t.Error("mayBeKlog passes lines that start with neither a level nor a digit")
	}
}
