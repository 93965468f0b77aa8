package redact

import (
	"slices"
	"strings"
	"testing"
)

// FuzzNamesProgram pins what programArgs and argvPasswordsOf skip lists
// by: programPasswords finds a span only in a list with a word that
// namesProgram. Seeds: every corpus input split into words (its command
// lines, echo pipes and sudo wrappers among them).
func FuzzNamesProgram(f *testing.F) {
	for _, c := range corpusCases(f) {
		f.Add(c.Input)
	}
	f.Add("echo hunter2 | sudo -S true")
	f.Add("sh -c 'mysql -uroot -psecret'")
	f.Fuzz(func(t *testing.T, line string) {
		argv := strings.Fields(line)
		if spans := programPasswords(argv, nil); len(spans) > 0 && !slices.ContainsFunc(argv, namesProgram) {
			t.Fatalf("%q: spans %v in a list naming no program", argv, spans)
		}
	})
}

// TestNamesProgram: the words that start a program's passwords, and
// words that do not.
func TestNamesProgram(t *testing.T) {
	for _, w := range []string{"mysql", "/usr/bin/mysql", "'mysql", "echo", "printf", "$(echo"} {
		if !namesProgram(w) {
			t.Errorf("namesProgram(%q) = false", w)
		}
	}
	for _, w := range []string{"CAP_CHOWN", "nosuid", "PATH=/usr/bin", "", "--password"} {
		if namesProgram(w) {
			t.Errorf("namesProgram(%q) = true", w)
		}
	}
}
