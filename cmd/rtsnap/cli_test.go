package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/cli/clidoc"
)

var (
	updateDocs = flag.Bool("update", false, "rewrite this binary's section of docs/cli.md")
	manDir     = flag.String("man-dir", "", "write the man pages into this directory (make man)")
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// runBin runs the built collector: collect changes the process (memory
// limit, priority, signal handlers), so it runs in a child.
func runBin(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(rtsnapBin, args...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// The usage mistakes of issue 15, each refused with what was wrong and
// where help is, before anything is collected.
func TestUsageErrorsSayWhatAndWhere(t *testing.T) {
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"collect", "--since", "garbage"}, `invalid argument "garbage" for "-S, --since"`},
		{[]string{"collect", "--since", "-5m"}, "must be positive"},
		{[]string{"collect", "--since", "0"}, "must be positive"},
		{[]string{"collect", "--since", "2999-01-01 10:00"}, "not in the past"},
		{[]string{"collect", "--timeout", "0"}, "--timeout 0s: must be at least"},
		{[]string{"collect", "--source-timeout", "-1s"}, "--source-timeout -1s: must be positive"},
		{[]string{"collect", "--only", "cri", "--skip", "cri"}, "contradict"},
		{[]string{"collect", "--only", "bogus"}, `unknown source "bogus" (known: `},
		{[]string{"collect", "--bogus-flag"}, "unknown flag: --bogus-flag"},
		{[]string{"collect", "--max-size", "64M"}, "ambiguous: say 64MB for powers of 1000 or 64MiB"},
		{[]string{"collect", "--max-size", "0"}, "--max-size 0: must be positive"},
		{[]string{"collect", "--nice", "40"}, "between -20 and 19"},
		{[]string{"collect", "stray"}, `unexpected argument "stray"`},
		{[]string{"prune", "--retain", "xyz"}, `invalid argument "xyz" for "--retain"`},
		{[]string{"prune", "--retain", "0"}, "must be positive"},
		{[]string{"keygen"}, `required flag(s) "out" not set`},
		{[]string{"colect"}, `unknown command "colect" (did you mean collect?)`},
		{[]string{}, "no command given"},
	} {
		code, stderr := runBin(t, append(c.args, "--output", out)[:len(c.args)]...)
		if code != cli.Usage || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "--help' for usage") {
			t.Errorf("%v: exit %d, want %d with %q and a pointer to --help:\n%s", c.args, code, cli.Usage, c.want, stderr)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Fatalf("%v wrote %v", c.args, entries)
		}
	}
}

// A value for each flag type that collect accepts: human sizes, bytes,
// absolute times and boot.
func TestCollectAcceptsHumanValues(t *testing.T) {
	// Two directories: two runs in one second would share a name (issue 15).
	for _, args := range [][]string{
		{"--max-size", "16MiB", "--memory-limit", "209715200", "-S", "boot"},
		{"--max-size", "8000000", "-S", "2026-01-01T00:00:00Z"},
	} {
		out := tmpfsDir(t)
		code, msg := runBin(t, append([]string{"collect", "-q", "-o", out, "--only", "host"}, args...)...)
		if code != cli.OK {
			t.Fatalf("%v: exit %d\n%s", args, code, msg)
		}
		if entries, _ := filepath.Glob(filepath.Join(out, "*.tar.zst")); len(entries) != 1 {
			t.Fatalf("%v: want 1 bundle, have %v", args, entries)
		}
	}
}

// Each command's exit code is one it documents.
func TestExitCodesAreDocumented(t *testing.T) {
	out := tmpfsDir(t)
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"collect", "-q", "-o", out, "--only", "host"}, cli.OK},
		{[]string{"collect", "-q", "-o", "/nonexistent/dir", "--only", "host"}, cli.Usage},
		{[]string{"collect", "-q", "-o", t.TempDir(), "--only", "host"}, cli.Usage}, // a disk, without --allow-disk
		{[]string{"collect", "--since", "x"}, cli.Usage},
		{[]string{"sources"}, cli.OK},
		{[]string{"prune", "-n", "-o", out}, cli.OK},
		{[]string{"keygen", "--out", filepath.Join(t.TempDir(), "k")}, cli.OK},
		{[]string{"help", "collect"}, cli.OK},
		{[]string{"--version"}, cli.OK},
	} {
		code, msg := runBin(t, c.args...)
		if code != c.want {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, code, c.want, msg)
		}
		root := newRootCmd(nil)
		cli.Prepare(root)
		cmd, _, _ := root.Find(c.args)
		if doc := cli.CommandExitCodes(cmd); !slices.Contains(doc, code) {
			t.Errorf("%v: exit %d not among the documented %v", c.args, code, doc)
		}
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	if n := clidoc.CheckHelp(t, newRootCmd(nil), runCmd); n < 5 {
		t.Fatalf("only %d commands in the tree", n)
	}
	// collect's help: grouped, the defaults in human units.
	_, out, _ := runCmd("collect", "--help")
	for _, want := range []string{"Output:", "What to collect:", "Redaction:", "(default 64MiB)", "-o, --output DIR", "-S, --since WHEN", "(default 1h)"} {
		if !strings.Contains(out, want) {
			t.Errorf("collect --help lacks %q", want)
		}
	}
}

func TestVersionNamesCommitGoAndDate(t *testing.T) {
	code, out, _ := runCmd("--version")
	for _, want := range []string{"rtsnap ", "commit ", "go      go1.", "built "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--version lacks %q: %s", want, out)
		}
	}
}

func TestSourcesListsTheRegistry(t *testing.T) {
	code, out, _ := runCmd("sources")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// goroutines is the one source off by default (it is active).
	for _, want := range []string{"discovery", "journal", "goroutines  off", "cri         on", "32MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("sources lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > cli.DefaultWidth {
			t.Errorf("line over %d columns: %q", cli.DefaultWidth, l)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, _ := runCmd("completion", sh)
		if code != 0 || !strings.Contains(out, "rtsnap") || len(out) < 1000 {
			t.Errorf("completion %s: exit %d, %d bytes", sh, code, len(out))
		}
	}
	code, out, _ := runCmd("__complete", "collect", "--max-s")
	if code != 0 || !strings.Contains(out, "--max-size") {
		t.Errorf("__complete: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("__complete", "collect", "--only", "")
	if code != 0 || !strings.Contains(out, "containerd\t") || !strings.Contains(out, "goroutines\t") {
		t.Errorf("__complete --only: exit %d\n%s", code, out)
	}
}

func TestCLIDocUpToDate(t *testing.T) {
	clidoc.CheckDoc(t, newRootCmd(nil), filepath.Join("..", "..", "docs", "cli.md"), *updateDocs)
}

func TestManPages(t *testing.T) {
	clidoc.CheckMan(t, newRootCmd(nil), *manDir, "rtsnap-collect.1", "max-size")
}
