// Package cli is what both binaries' command layers share: the exit codes
// (defined and documented here only), flag types for sizes and times, and
// the help layout (flag groups, wrapping to the terminal). The commands'
// work stays in their own packages; this package only parses and reports.
package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of rtsnap and rtsnap-analyze. One table for both binaries: a
// script that sees 3 knows the input was bad whichever binary it ran.
const (
	OK          = 0   // done; for the analyzer: nothing at warning or above
	Warnings    = 1   // at least one warning finding
	Errors      = 2   // at least one error or critical finding
	Input       = 3   // a bundle or key cannot be read, decrypted or verified
	Failed      = 4   // the command could not do its work: nothing (complete) was written
	Usage       = 64  // bad command line (as sysexits.h's EX_USAGE)
	Interrupted = 130 // stopped by SIGINT or SIGTERM (128 + 2)
)

// ExitCode is one row of the documented table.
type ExitCode struct {
	Code    int
	Meaning string
}

// ExitCodes is the table every help text and docs/cli.md print.
func ExitCodes() []ExitCode {
	return []ExitCode{
		{OK, "success; for commands that judge a bundle: nothing at warning or above"},
		{Warnings, "at least one warning finding"},
		{Errors, "at least one error or critical finding"},
		{Input, "a bundle or key file cannot be read, is corrupt, tampered or over the limits, cannot be decrypted, or fails verification"},
		{Failed, "the command could not do its work (collection failed, output not writable); nothing complete was written"},
		{Usage, "usage error: unknown command or flag, bad or contradictory value, wrong arguments"},
		{Interrupted, "interrupted (SIGINT or SIGTERM)"},
	}
}

// meaning returns the documented meaning of code, or "" when undocumented.
func meaning(code int) string {
	for _, e := range ExitCodes() {
		if e.Code == code {
			return e.Meaning
		}
	}
	return ""
}

// annotationExitCodes is the cobra annotation holding a command's codes.
const annotationExitCodes = "rtsnap_exit_codes"

// SetExitCodes records which codes cmd can return; help and docs print
// exactly these, and a test runs every command against them. Usage is
// implied: every command can be mistyped. An undocumented code panics at
// start-up, a programming error the first test catches.
func SetExitCodes(cmd *cobra.Command, codes ...int) {
	if !slices.Contains(codes, Usage) {
		codes = append(codes, Usage)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		if meaning(c) == "" {
			panic(fmt.Sprintf("cli: exit code %d for %q is not in the table", c, cmd.Name()))
		}
		parts[i] = strconv.Itoa(c)
	}
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationExitCodes] = strings.Join(parts, ",")
}

// CommandExitCodes returns what SetExitCodes recorded; a command that never
// called it (help, completion) returns OK and Usage.
func CommandExitCodes(cmd *cobra.Command) []int {
	s, ok := cmd.Annotations[annotationExitCodes]
	if !ok {
		return []int{OK, Usage}
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		c, _ := strconv.Atoi(p)
		out = append(out, c)
	}
	return out
}

// exitError carries a code from a command that has already said why.
type exitError struct{ code int }

func (e *exitError) Error() string { return "exit status " + strconv.Itoa(e.code) }

// Exit turns a command's result code into the error cobra's RunE returns:
// nil for OK. The command has printed its own message.
func Exit(code int) error {
	if code == OK {
		return nil
	}
	return &exitError{code: code}
}

// usageError is a bad command line; Execute prints it with a pointer to help.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// Usagef is a usage error: the message says what was wrong.
func Usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is a usage error.
func IsUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}
