package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  string
	}{
		{"67108864", 64 << 20, ""},
		{"64MiB", 64 << 20, ""},
		{"64 MiB", 64 << 20, ""},
		{"64mi", 64 << 20, ""},
		{"1.5GiB", 3 << 29, ""},
		{"500MB", 500_000_000, ""},
		{"16KiB", 16 << 10, ""},
		{"0", 0, ""},
		{"64M", 0, "ambiguous: say 64MB for powers of 1000 or 64MiB"},
		{"2g", 0, "ambiguous"},
		{"-5MiB", 0, "negative"},
		{"", 0, "empty"},
		{"lots", 0, "want bytes or a number with a unit"},
		{"64XB", 0, "want bytes"},
		{"99999999999EiB", 0, "too large"},
	} {
		got, err := ParseSize(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: %d, %v; want %d", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: err %v, want %q", c.in, err, c.err)
		}
	}
}

func TestFormatSizeRoundTrips(t *testing.T) {
	for _, n := range []int64{1, 1000, 1024, 64 << 20, 100 << 20, 3 << 29, 1<<40 + 1} {
		s := FormatSize(n)
		back, err := ParseSize(s)
		if err != nil || back != n {
			t.Errorf("%d -> %q -> %d, %v", n, s, back, err)
		}
	}
	if FormatSize(64<<20) != "64MiB" || FormatSize(1000) != "1000" {
		t.Errorf("FormatSize: %s %s", FormatSize(64<<20), FormatSize(1000))
	}
}

func TestSince(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	boot := func() (time.Time, error) { return now.Add(-3 * time.Hour), nil }
	for _, c := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"30m", 30 * time.Minute, ""},
		{"2h", 2 * time.Hour, ""},
		{"boot", 3 * time.Hour, ""},
		{"2026-12-01T10:00:00Z", 2 * time.Hour, ""},
		{"2026-12-01T11:30:00+01:00", 90 * time.Minute, ""}, // 10:30 UTC
		{"0", 0, "must be positive"},
		{"-5m", 0, "must be positive"},
		{"garbage", 0, "want a duration"},
		{"", 0, "empty"},
		{"2026-12-02T00:00:00Z", 0, "not in the past"},
	} {
		var s Since
		err := s.Set(c.in)
		var got time.Duration
		if err == nil {
			got, err = s.Window(now, boot)
		}
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: %s, %v; want %s", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: err %v, want %q", c.in, err, c.err)
		}
	}
	// Without a zone, a time is the local time, as journalctl reads it.
	var s Since
	if err := s.Set("2026-12-01 10:00"); err != nil || !s.At.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.Local)) {
		t.Errorf("local time: %v %v", s.At, err)
	}
}

func TestWrap(t *testing.T) {
	text := "a bounded, redacted, read-only snapshot of the container runtimes into one archive\n\n  rtsnap collect --keep-this-line-as-it-is --even-when-it-is-long-enough-to-wrap-at-forty\n" + strings.Repeat("x", 50)
	got := Wrap(text, 40, 2)
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 40 && !strings.Contains(l, "--keep") && strings.Trim(l, " x") != "" {
			t.Errorf("line over 40: %q", l)
		}
		if l != "" && !strings.HasPrefix(l, "  ") {
			t.Errorf("not indented: %q", l)
		}
	}
	if !strings.Contains(got, "\n\n") || !strings.Contains(got, "    rtsnap collect --keep-this-line-as-it-is --even") {
		t.Errorf("paragraphs or verbatim lines lost:\n%s", got)
	}
	// No word is broken or lost.
	if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(text), " ") {
		t.Errorf("words changed:\n%s", got)
	}
}

func TestFlagTable(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	size := Size(64 << 20)
	fs.BoolP("quiet", "q", false, "say nothing")
	fs.Var(&size, "max-size", "archive budget `SIZE`")
	fs.Duration("retain", 24*time.Hour, "keep this long")
	fs.String("pod-namespace-with-a-long-name", "", "a `NAMESPACE` filter whose description is long enough to wrap at eighty columns for sure")
	var fl []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) { fl = append(fl, f) })
	got := FlagTable(fl, 80)
	for _, want := range []string{"  -q, --quiet                 say nothing\n", "--max-size SIZE", "(default 64MiB)", "(default 24h)", "--pod-namespace-with-a-long-name NAMESPACE\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "[=") || strings.Contains(got, "(default false)") {
		t.Errorf("noise:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 80 {
			t.Errorf("over 80: %q", l)
		}
	}
}

func TestExitCodesAnnotation(t *testing.T) {
	c := &cobra.Command{Use: "x"}
	SetExitCodes(c, Input, OK)
	if got := CommandExitCodes(c); len(got) != 3 || got[0] != OK || got[1] != Input || got[2] != Usage {
		t.Errorf("codes %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("an undocumented code was accepted")
		}
	}()
	SetExitCodes(c, 99)
}

func TestPrintableEscapesTerminalControls(t *testing.T) {
	got := Printable("bad \x1b]52;c;eA==\x07 value \u202e\nnext")
	if strings.ContainsAny(got, "\x1b\x07\u202e") || !strings.Contains(got, "\n") {
		t.Errorf("%q", got)
	}
}
