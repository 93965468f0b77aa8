package rules_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// logfmtKey is a key of a logfmt or klog structured pair ("err=", "pod=").
var logfmtKey = regexp.MustCompile(`(^| )([A-Za-z_][A-Za-z0-9_.]*)=`)

// colour paints a line the way colouring loggers do on a terminal: the
// first word (the level or klog header) red, every key=value key cyan
// (logrus' TextFormatter). Programs do it when they believe a TTY is
// there, and docker's journald driver or a pod with tty: true passes the
// escapes on.
func colour(line string) string {
	first, rest, _ := strings.Cut(line, " ")
	rest = logfmtKey.ReplaceAllString(rest, "$1\x1b[36m$2\x1b[0m=")
	return "\x1b[31m" + first + "\x1b[0m " + rest
}

// byteArrayEntry is journalEntry as `journalctl -o json` writes it when
// the message holds escapes: MESSAGE as an array of byte values (see
// internal/journalfield for the threads that show it).
func byteArrayEntry(v validationLine, msg string) string {
	var plain map[string]any
	if err := json.Unmarshal([]byte(journalEntry(v)), &plain); err != nil {
		panic(err)
	}
	bytes := make([]int, len(msg))
	for i := 0; i < len(msg); i++ {
		bytes[i] = int(msg[i])
	}
	plain["MESSAGE"] = bytes
	b, _ := json.Marshal(plain)
	return string(b) + "\n"
}

// A held-out line the catalog names keeps its name when it arrives
// coloured, as journalctl's byte array: the analyzer reads the text a
// person would see. Every fourth named line of validation.yaml (lines the
// patterns were not written from), so the shape is tested, not one string.
func TestColouredJournalLinesAreNamedAsPlain(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two bundles per line")
	}
	dir := t.TempDir()
	base := findingIDs(t, dir+"/base", "")
	checked := 0
	for i, v := range loadValidation(t) {
		if v.Class == benignClass || i%4 != 0 {
			continue
		}
		if !slices.Contains(findingIDs(t, fmt.Sprintf("%s/p%d", dir, i), journalEntry(v)), v.Class) {
			continue // not named plain: the held-out test reports it
		}
		checked++
		got := findingIDs(t, fmt.Sprintf("%s/c%d", dir, i), byteArrayEntry(v, colour(v.Line)))
		if !slices.Contains(got, v.Class) {
			var added []string
			for _, id := range got {
				if !slices.Contains(base, id) {
					added = append(added, id)
				}
			}
			t.Errorf("%s named plain, coloured it adds %v: %q", v.Class, added, colour(v.Line))
		}
	}
	if checked < 20 {
		t.Fatalf("only %d named lines checked", checked)
	}
	t.Logf("%d coloured held-out lines checked", checked)
}
