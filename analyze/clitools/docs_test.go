package clitools

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

// The seeds' command lists in docs/analyzer.md are run on the golden's
// lab bundle (checkDocs, called from TestGoldenAgainstLab), so the page
// keeps showing commands that work: each documented command must succeed
// or fail as shown, and its first line of output must be the documented
// one with ages and ids masked (the lab's containers are new at every lab
// start). RTSNAP_DOCS_OUT=FILE writes the block as this bundle answers it.

const docsPath = "../../docs/analyzer.md"

// docStep is one `$ ...` line of the block and the lines shown under it.
type docStep struct {
	assign string   // NAME in `NAME=$(...)`
	argv   []string // rtsnap-analyze's arguments: TOOL BUNDLE ARGS...
	head   int      // `| head -N`: 0 when not piped
	line   string   // the line as written
	out    []string // the documented output
}

// shellWords splits a command line as sh would for the forms the page
// uses: words, 'single' and "double" quoted strings, no escapes.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

var assignRe = regexp.MustCompile(`^([A-Z]+)=\$\((.*)\)$`)
var headRe = regexp.MustCompile(`^(.*?)\s*\|\s*head -(\d+)$`)

// docSteps reads the seeds block of the page.
func docSteps(page string) ([]docStep, error) {
	_, rest, ok := strings.Cut(page, "### The seeds' command lists, answered from a bundle")
	if !ok {
		return nil, fmt.Errorf("no seeds section")
	}
	_, rest, ok = strings.Cut(rest, "```\n")
	if !ok {
		return nil, fmt.Errorf("no code block in the seeds section")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		return nil, fmt.Errorf("unterminated code block")
	}
	var steps []docStep
	for _, l := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		cmd, isCmd := strings.CutPrefix(l, "$ ")
		if !isCmd {
			if len(steps) == 0 {
				return nil, fmt.Errorf("output before a command: %q", l)
			}
			steps[len(steps)-1].out = append(steps[len(steps)-1].out, l)
			continue
		}
		st := docStep{line: l}
		if m := assignRe.FindStringSubmatch(cmd); m != nil {
			st.assign, cmd = m[1], m[2]
		}
		if m := headRe.FindStringSubmatch(cmd); m != nil {
			cmd = m[1]
			st.head, _ = strconv.Atoi(m[2])
		}
		words, err := shellWords(cmd)
		if err != nil {
			return nil, err
		}
		if len(words) < 3 || words[0] != "rtsnap-analyze" || words[2] != "BUNDLE" {
			return nil, fmt.Errorf("not an 'rtsnap-analyze TOOL BUNDLE ...' command: %q", l)
		}
		st.argv = words[1:]
		steps = append(steps, st)
	}
	return steps, nil
}

// docMaskRe masks what changes between lab starts: ages, ids and the
// figures of a stats table; docSpaceRe the padding between columns, whose
// width follows the widest value (a pid of 4 or 5 digits moves every later
// column, even in a header line). The golden checks the real layout.
var (
	docMaskRe  = regexp.MustCompile(`\b[0-9a-f]{12,64}\b|\b\d+(\.\d+)?[kMG]?B\b|\b\d+\.\d\d\b|\b\d{4,}\b`)
	docSpaceRe = regexp.MustCompile(` {2,}`)
)

func docMask(s string) string {
	return docSpaceRe.ReplaceAllString(docMaskRe.ReplaceAllString(mask(s), "X"), "  ")
}

// checkDocs runs the page's steps on b and says where the page is wrong.
func checkDocs(t *testing.T, b *bundle.Bundle, at time.Time) {
	t.Helper()
	page, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := docSteps(string(page))
	if err != nil {
		t.Fatalf("%s: %v", docsPath, err)
	}
	vars := map[string]string{}
	var gen strings.Builder
	for _, st := range steps {
		args := make([]string, 0, len(st.argv))
		for _, a := range st.argv {
			if v, ok := strings.CutPrefix(a, "$"); ok {
				a = vars[v]
			}
			args = append(args, a)
		}
		var out, notes bytes.Buffer
		v := newView(b, &notes)
		v.now = at
		runErr := v.run(args[0], args[2:], &out)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			lines = nil
		}
		if st.head > 0 && len(lines) > st.head {
			lines = lines[:st.head]
		}
		if st.assign != "" {
			if runErr != nil || len(lines) == 0 {
				t.Errorf("docs: %s: %v (no value)", st.line, runErr)
				continue
			}
			vars[st.assign] = lines[0]
		}
		// What the page shows: stderr's notes, the output, stderr's error.
		var shown []string
		for _, n := range strings.Split(strings.TrimSuffix(notes.String(), "\n"), "\n") {
			if n != "" {
				shown = append(shown, n)
			}
		}
		shown = append(shown, lines...)
		if runErr != nil {
			shown = append(shown, "rtsnap-analyze "+args[0]+": "+runErr.Error())
		}
		fmt.Fprintf(&gen, "%s\n", st.line)
		for _, l := range shown {
			fmt.Fprintf(&gen, "%s\n", l)
		}
		documentedErr := len(st.out) > 0 && strings.HasPrefix(st.out[len(st.out)-1], "rtsnap-analyze "+args[0]+": ") &&
			!strings.Contains(st.out[len(st.out)-1], ": version: ") && !strings.Contains(st.out[len(st.out)-1], ": info: ")
		switch {
		case documentedErr != (runErr != nil):
			t.Errorf("docs: %s: the page shows it %s, the bundle answers %v", st.line, map[bool]string{true: "failing", false: "working"}[documentedErr], runErr)
		case documentedErr && shown[len(shown)-1] != st.out[len(st.out)-1]:
			t.Errorf("docs: %s: the page shows\n  %s\nthe bundle answers\n  %s", st.line, st.out[len(st.out)-1], shown[len(shown)-1])
		case !documentedErr && st.assign == "" && len(st.out) != len(shown) && (len(st.out) == 0 || len(shown) == 0):
			t.Errorf("docs: %s: the page shows %d lines, the bundle answers %d", st.line, len(st.out), len(shown))
		case !documentedErr && st.assign == "" && len(st.out) > 0 && docMask(shown[0]) != docMask(st.out[0]):
			t.Errorf("docs: %s: the page's first line\n  %q\nthe bundle's\n  %q", st.line, strings.Join(st.out[:min(1, len(st.out))], ""), strings.Join(shown[:min(1, len(shown))], ""))
		}
	}
	if p := os.Getenv("RTSNAP_DOCS_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(gen.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
	t.Logf("docs: %d documented commands run on the lab bundle", len(steps))
}

// The page parses, and its commands are the forms checkDocs runs.
func TestDocSteps(t *testing.T) {
	page, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := docSteps(string(page))
	if err != nil || len(steps) < 10 {
		t.Fatalf("%d steps, %v", len(steps), err)
	}
	if w, err := shellWords(`a 'b c' "d'e" f`); err != nil || strings.Join(w, "|") != "a|b c|d'e|f" {
		t.Errorf("shellWords = %q %v", w, err)
	}
	if _, err := shellWords(`a 'b`); err == nil {
		t.Error("an unterminated quote parsed")
	}
	if _, err := docSteps("### The seeds' command lists, answered from a bundle\n```\n$ crictl ps\n```\n"); err == nil {
		t.Error("a command without rtsnap-analyze BUNDLE parsed")
	}
}
