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

	"github.com/rtsnap/rtsnap/internal/exitcode"
)

// The exit codes, re-exported so a command file needs one import.
const (
	OK          = exitcode.OK
	Warnings    = exitcode.Warnings
	Errors      = exitcode.Errors
	Input       = exitcode.Input
	Failed      = exitcode.Failed
	Usage       = exitcode.Usage
	Interrupted = exitcode.Interrupted
)

// ExitCodes is the documented table (exitcode.Codes).
func ExitCodes() []exitcode.Code { return exitcode.Codes() }

func meaning(code int) string { return exitcode.Meaning(code) }

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
