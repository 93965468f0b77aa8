package termcodes

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain line", "plain line"},
		// logrus' coloured text format (its TextFormatter on a TTY).
		{"\x1b[31mERRO\x1b[0m[0005] failed to pull image", "ERRO[0005] failed to pull image"},
		// https://github.com/jdrews/logstation/issues/39 (a container's log file)
		{"[\x1b[31m2018-11-12T14:49:56.008Z\x1b[39m] - \x1b[31mERROR\x1b[39m: ESOCKETTIMEDOUT", "[2018-11-12T14:49:56.008Z] - ERROR: ESOCKETTIMEDOUT"},
		// https://github.com/portworx/torpedo/pull/383 (inside a logfmt msg, as written to a file)
		{`level=debug msg="` + "\x1b[31mCommand: sudo systemctl start portworx.service errors: \x1b[0m" + `"`, `level=debug msg="Command: sudo systemctl start portworx.service errors: "`},
		// The lnav#1087 entry: "\x1b[32minfo\x1b[39m:".
		{"[bot-sdkAppservice] \x1b[32minfo\x1b[39m: [", "[bot-sdkAppservice] info: ["},
		{"\x1b[1;38;5;196mbold red\x1b[m", "bold red"},
		{"\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"},
		{"title\x1b]0;evil title\x07 after", "title after"},
		{"title\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", "titlelink"},
		{"unended \x1b]0;keep this text", "unended 0;keep this text"},
		{"osc across lines \x1b]0;a\nb\x07c", "osc across lines 0;a\nb\x07c"},
		{"charset \x1b(Bback", "charset back"},
		{"keypad \x1b=on", "keypad on"},
		{"cut at end \x1b[38;5", "cut at end "},
		{"lone \x1b", "lone "},
		{"\x1b\x1b[31mx", "x"},
		// The same line as logrus' logfmt really writes it: ESC quoted as \x1b.
		{`level=debug msg="\x1b[31mCommand: sudo systemctl start portworx.service errors: \x1b[0m"`, `level=debug msg="Command: sudo systemctl start portworx.service errors: "`},
		{`json-escaped \u001b[1;31mred\u001b[0m and shell \033[0;32mgreen\033[0m`, "json-escaped red and shell green"},
		{`a path C:\x1bin and \033 and \u001b alone stay`, `a path C:\x1bin and \033 and \u001b alone stay`},
		{`cut \x1b[38;5`, "cut "},
		{"héllo \x1b[0mwörld", "héllo wörld"},
	} {
		if got := Strip(c.in); got != c.want {
			t.Errorf("Strip(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStripLeavesTextWithoutEscapeAlone(t *testing.T) {
	s := "E1202 12:00:00.000000 1 remote_runtime.go:1] \"PullImage from image service failed\" err=\"rpc error\""
	if got := Strip(s); got != s {
		t.Fatalf("changed %q to %q", s, got)
	}
}

func FuzzStrip(f *testing.F) {
	for _, s := range []string{"\x1b[31mx\x1b[0m", "\x1b]0;t\x07y", "a\x1b", "\x1b[", "\x1b]\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Strip(s)
		if strings.IndexByte(got, ESC) >= 0 {
			t.Fatalf("Strip(%q) = %q still holds ESC", s, got)
		}
		if strings.Count(got, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Strip(%q) = %q changed the line count", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("Strip(%q) grew to %q", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Strip(%q) = %q broke UTF-8", s, got)
		}
		// Removing an escaped CSI can join its neighbours into a new one
		// (`\x1\x1b[0mb[31m`); raw sequences cannot.
		if !strings.Contains(s, "\\") && Strip(got) != got {
			t.Fatalf("Strip is not idempotent on %q", s)
		}
	})
}
