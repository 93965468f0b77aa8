// Package exitcode is the one table of exit codes of rtsnap and
// rtsnap-analyze: the commands return them, help and docs/cli.md print
// them, and package analyze maps findings onto them. No dependencies, so
// the analyzer's library code can use it without the command layer.
package exitcode

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

// Code is one row of the documented table.
type Code struct {
	Code    int
	Meaning string
}

// Codes is the table every help text and docs/cli.md print.
func Codes() []Code {
	return []Code{
		{OK, "success; for commands that judge a bundle: nothing at warning or above"},
		{Warnings, "at least one warning finding"},
		{Errors, "at least one error or critical finding"},
		{Input, "a bundle or key file cannot be read, is corrupt, tampered or over the limits, cannot be decrypted, or fails verification"},
		{Failed, "the command could not do its work (collection failed, output not writable); nothing complete was written"},
		{Usage, "usage error: unknown command or flag, bad or contradictory value, wrong arguments"},
		{Interrupted, "interrupted (SIGINT or SIGTERM)"},
	}
}

// Meaning returns the documented meaning of code, or "" when undocumented.
func Meaning(code int) string {
	for _, e := range Codes() {
		if e.Code == code {
			return e.Meaning
		}
	}
	return ""
}
