// Package clidoc generates docs/cli.md and the man pages from the command
// trees with cobra's doc generator, so neither is ever kept by hand. Only
// the binaries' tests import it: the binaries do not carry the generator.
package clidoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/rtsnap/rtsnap/internal/cli"
)

// Markdown is one binary's part of docs/cli.md: every available command,
// as cobra/doc writes it, with the exit codes the command documents.
func Markdown(root *cobra.Command) (string, error) {
	cli.Prepare(root)
	var b bytes.Buffer
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if !c.IsAvailableCommand() && c.HasParent() {
			return nil
		}
		if err := doc.GenMarkdownCustom(c, &b, anchor); err != nil {
			return fmt.Errorf("%s: %w", c.CommandPath(), err)
		}
		var codes []string
		for _, code := range cli.CommandExitCodes(c) {
			codes = append(codes, strconv.Itoa(code))
		}
		fmt.Fprintf(&b, "#### Exit codes\n\n%s ([the table](#exit-codes))\n\n", strings.Join(codes, ", "))
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return "", err
	}
	return b.String(), nil
}

// anchor turns cobra's per-file links ("rtsnap_collect.md") into anchors
// within the one page ("#rtsnap-collect").
func anchor(file string) string {
	return "#" + strings.ReplaceAll(strings.TrimSuffix(file, ".md"), "_", "-")
}

// ExitCodes is the table both binaries share, as markdown.
func ExitCodes() string {
	var b strings.Builder
	b.WriteString("# Command-line reference\n\nGenerated from the commands by cobra's doc generator (`make docs`; a test fails when this page is out of date). The same text is each command's `--help`; `make man` writes man pages.\n\n## Exit codes\n\nOne table for both binaries (internal/exitcode); each command below lists the codes it can return.\n\n| code | meaning |\n|---|---|\n")
	for _, c := range cli.ExitCodes() {
		fmt.Fprintf(&b, "| %d | %s |\n", c.Code, c.Meaning)
	}
	return b.String()
}

// Section replaces (update) or checks the text between the markers of
// name in the file at path. A missing section is appended on update.
func Section(path, name, body string, update bool) error {
	begin, end := "<!-- BEGIN "+name+" (generated: make docs) -->\n", "<!-- END "+name+" -->\n"
	raw, err := os.ReadFile(path)
	if err != nil && !(update && os.IsNotExist(err)) {
		return err
	}
	s := string(raw)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i >= 0 && j > i {
		if s[i+len(begin):j] == body {
			return nil
		}
		if !update {
			return fmt.Errorf("%s: section %s is out of date: run 'make docs'", path, name)
		}
		s = s[:i+len(begin)] + body + s[j:]
	} else {
		if !update {
			return fmt.Errorf("%s: no section %s: run 'make docs'", path, name)
		}
		s += begin + body + end
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

// Man writes one man page (section 1) per command into dir.
func Man(root *cobra.Command, dir, source string) error {
	cli.Prepare(root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenManTree(root, &doc.GenManHeader{Title: strings.ToUpper(root.Name()), Section: "1", Source: source, Manual: "rtsnap manual"}, dir)
}

// CheckDoc is a binary's docs test: its section of docs (path) and the
// shared exit-code table are what the command tree generates; update
// rewrites them (make docs).
func CheckDoc(t testing.TB, root *cobra.Command, path string, update bool) {
	t.Helper()
	md, err := Markdown(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := Section(path, "exit-codes", ExitCodes(), update); err != nil {
		t.Fatal(err)
	}
	if err := Section(path, root.Name(), md, update); err != nil {
		t.Fatal(err)
	}
}

// CheckMan writes the man pages into dir (a temporary one when empty) and
// checks that page has a NAME section and mentions want.
func CheckMan(t testing.TB, root *cobra.Command, dir, page, want string) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if err := Man(root, dir, "rtsnap"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, page))
	if err != nil || !strings.Contains(string(b), ".SH NAME") || !strings.Contains(string(b), want) {
		t.Fatalf("man page %s: %v\n%s", page, err, b)
	}
}

// CheckHelp runs "CMD --help" and "help CMD" for every available command
// of root through run (the binary's in-process entry point): each exits
// 0, prints usage and exit codes on stdout only, within 80 columns, with
// no "[=true|false]" noise. It returns how many commands it checked.
func CheckHelp(t testing.TB, root *cobra.Command, run func(args ...string) (int, string, string)) int {
	t.Helper()
	cli.Prepare(root)
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		n++
		path := strings.Fields(c.CommandPath())[1:]
		for _, args := range [][]string{append(slices.Clone(path), "--help"), append([]string{"help"}, path...)} {
			code, out, stderr := run(args...)
			if code != 0 || stderr != "" || !strings.Contains(out, "Usage:") || !strings.Contains(out, "Exit codes:") {
				t.Errorf("%v: exit %d, stderr %q\n%s", args, code, stderr, out)
			}
			for _, l := range strings.Split(out, "\n") {
				if len([]rune(l)) > cli.DefaultWidth {
					t.Errorf("%v: line over %d columns: %q", args, cli.DefaultWidth, l)
				}
			}
			if strings.Contains(out, "[=true|false]") {
				t.Errorf("%v: switch noise in help", args)
			}
		}
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				walk(s)
			}
		}
	}
	walk(root)
	return n
}
