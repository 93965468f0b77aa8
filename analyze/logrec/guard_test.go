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

// prefixSeeds: each prefix ParseText knows, in the shapes its regexps'
// comments cite, and near misses.
var prefixSeeds = []string{
	"Sep 02 17:07:20 host kubelet[5467]: E0902 x", "4月 05 22:54:09 node containerd[1]: y",
	"sept. 20 16:43:05 n crio[2]: z", "äug 1 00:00:00 h a: b", "2024-01-02T03:04:05.123+0000 host unit[1]: m",
	"[ 1234.567890] oom", "kernel:[ 4071.48] x", "kernel: [ +0.002284] y", "[Tue Nov 20 22:30:22 2018] z",
	"2024/01/02 03:04:05 started", "node-1: {\"msg\":\"x\"}", "I1: {\"msg\"", "E0102 03:04:05.1 1 a.go:1] x",
}

// FuzzPrefixGuards: every guard ParseText puts before a prefix regexp is a
// necessary condition of that regexp.
func FuzzPrefixGuards(f *testing.F) {
	for _, s := range append(prefixSeeds, klogGuardSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkPrefixGuards(t, s) })
}

func TestPrefixGuardsOnSeeds(t *testing.T) {
	matched := 0
	for _, s := range prefixSeeds {
		checkPrefixGuards(t, s)
		if syslogPrefix.MatchString(s) || kernelPrefix.MatchString(s) || kernelTPrefix.MatchString(s) || leadingTime.MatchString(s) || hostJSONPrefix.MatchString(s) {
			matched++
		}
	}
	// The seeds exercise the guards where their regexps match, not only
	// where both say no.
	if matched < len(prefixSeeds)-2 {
		t.Errorf("only %d of %d prefix seeds match a prefix regexp", matched, len(prefixSeeds))
	}
}

func checkPrefixGuards(t *testing.T, s string) {
	t.Helper()
	if syslogPrefix.MatchString(s) && !mayBeSyslog(s) {
		t.Fatalf("syslogPrefix matches %q, mayBeSyslog says no", s)
	}
	if (kernelPrefix.MatchString(s) || kernelTPrefix.MatchString(s)) && !strings.HasPrefix(s, "[") && !strings.HasPrefix(s, "kernel:") {
		t.Fatalf("a kernel prefix matches %q, which starts with neither [ nor kernel:", s)
	}
	if leadingTime.MatchString(s) && !isDigit(s[0]) {
		t.Fatalf("leadingTime matches %q, which does not start with a digit", s)
	}
	if hostJSONPrefix.MatchString(s) && !strings.Contains(s, hostJSONMark) {
		t.Fatalf("hostJSONPrefix matches %q without %q", s, hostJSONMark)
	}
}
