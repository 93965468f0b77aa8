package render

import (
	"strings"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// TerminalText is untrusted multi-line text made safe for a terminal
// (show, ls): control and bidi characters escaped, newlines kept.
func TerminalText(s string) string { return clean(s, true) }

// TerminalLine is TerminalText for one line: newlines escaped too.
func TerminalLine(s string) string { return line(s) }

// ShowCommand is the command that prints e from the bundle at bundlePath,
// quoted for a POSIX shell so it can be pasted as it is.
func ShowCommand(bundlePath string, e finding.Evidence) string {
	return "rtsnap-analyze show " + shellQuote(bundlePath) + " " + shellQuote(e.Location())
}

// shellQuote leaves words of safe characters alone and single-quotes the
// rest ("'" becomes '\”).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
