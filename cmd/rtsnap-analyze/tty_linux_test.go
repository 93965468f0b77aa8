package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/rtsnap/rtsnap/internal/cli"
)

// openPTY returns the terminal side of a new pseudo-terminal, so a test
// can hand a command a real terminal as its stdout.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

// Issue 17: report without -o dumped 600 KB of HTML on the terminal.
func TestReportRefusesHTMLOnATerminal(t *testing.T) {
	_, healthy, _, _ := fixtures(t)
	tty := openPTY(t)
	var stderr strings.Builder
	if code := run([]string{"report", healthy}, tty, &stderr); code != cli.Usage || !strings.Contains(stderr.String(), "give -o FILE") {
		t.Fatalf("exit %d, %s", code, stderr.String())
	}
	// Markdown and JSON are text: they may go to the terminal.
	stderr.Reset()
	if code := run([]string{"report", "--markdown", healthy}, tty, &stderr); code != cli.OK {
		t.Fatalf("markdown: exit %d, %s", code, stderr.String())
	}
	// -o writes the file and says where.
	out := filepath.Join(t.TempDir(), "r.html")
	stderr.Reset()
	if code := run([]string{"report", "-o", out, healthy}, tty, &stderr); code != cli.OK || !strings.Contains(stderr.String(), "wrote "+out) {
		t.Fatalf("-o: exit %d, %s", code, stderr.String())
	}
	// show --raw is refused on a terminal too.
	stderr.Reset()
	if code := run([]string{"show", "--raw", healthy, "host/host.json"}, tty, &stderr); code != cli.Usage {
		t.Fatalf("show --raw: exit %d, %s", code, stderr.String())
	}
}

// Help wraps to the terminal's width (80 when it is not one).
func TestHelpWrapsToTheTerminal(t *testing.T) {
	tty := openPTY(t)
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120}); err != nil {
		t.Fatal(err)
	}
	if got := cli.Width(tty); got != 120 {
		t.Fatalf("width %d, want 120", got)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "help.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := cli.Width(f); got != cli.DefaultWidth {
		t.Fatalf("a file: width %d, want %d", got, cli.DefaultWidth)
	}
	root := newRootCmd()
	cli.Prepare(root)
	c, _, _ := root.Find([]string{"export"})
	// Help as the command prints it on that terminal (the pty's other side
	// is not read here, so it is rendered into a buffer at its width).
	var b strings.Builder
	cli.Help(&b, c, cli.Width(tty))
	long := 0
	for _, l := range strings.Split(b.String(), "\n") {
		if len(l) > 120 {
			t.Errorf("over 120: %q", l)
		}
		if len(l) > 80 {
			long++
		}
	}
	if long == 0 {
		t.Errorf("nothing used the width past 80:\n%s", b.String())
	}
}
