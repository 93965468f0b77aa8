// Command rtsnap-analyze is the offline analyzer: it verifies, inspects,
// judges, diffs and reports on rtsnap bundles anywhere, with no privileges
// and no network. Bundles are untrusted input. Flag parsing and wiring only:
// the work is in package analyze and its subpackages.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"filippo.io/age"
	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/safetext"
	"github.com/rtsnap/rtsnap/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage: rtsnap-analyze [--version] COMMAND [FLAGS] ARGS

Commands:
  verify BUNDLE                  check integrity; print every problem [--pubkey FILE checks BUNDLE.minisig]
  inspect BUNDLE                 one-screen summary: node, sources, redaction, top findings
  findings BUNDLE|DIR...         run the rules; several bundles give a node-by-finding matrix
  timeline BUNDLE                one ordered stream of events [--pod X] [--container Y]
  diff A B                       what changed from A to B [--all keeps volatile fields]
  report BUNDLE                  self-contained HTML report [--against OTHER] [--markdown] [-o FILE]
  export --audit DIR BUNDLE      audit package: the bundle, its signature, the verification
                                 result and a summary of what was collected, redacted, failed
                                 [--pubkey FILE]

Every command takes --json (schema "rtsnap-analyze/<command>/v1", see docs/analyzer.md)
and --identity FILE (repeatable): encrypted bundles (*.tar.zst.age) are decrypted in
memory with an age identity (rtsnap-age.key) or an ssh-ed25519/ssh-rsa private key.
Run 'rtsnap-analyze COMMAND --help' for a command's flags.

Exit codes:
  0   nothing at warning or above
  1   at least one warning
  2   at least one error or critical finding
  3   a bundle is unreadable, corrupt, over limits or tampered (verify, export: any
      problem, a bad or missing signature with --pubkey), or cannot be decrypted:
      encrypted without --identity, none of the identities is a recipient, or a
      key file cannot be read
  64  usage error
`

// command is one subcommand: it parses its own flags.
type command func(args []string, stdout, stderr io.Writer) int

func commands() map[string]command {
	return map[string]command{
		"verify":   cmdVerify,
		"inspect":  cmdInspect,
		"findings": cmdFindings,
		"timeline": cmdTimeline,
		"diff":     cmdDiff,
		"report":   cmdReport,
		"export":   cmdExport,
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	// Every byte to the terminal passes the one sanitizer: errors name
	// bundle entries, text output quotes bundle content (issue #15).
	so, se := safetext.NewWriter(stdout), safetext.NewWriter(stderr)
	defer so.Flush()
	defer se.Flush()
	stdout, stderr = so, se
	fs := pflag.NewFlagSet("rtsnap-analyze", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print version and commit, then exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.SetInterspersed(false)
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return analyze.ExitOK
		}
		return analyze.ExitUsage
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.String("rtsnap-analyze"))
		return analyze.ExitOK
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return analyze.ExitUsage
	}
	if fs.Arg(0) == "help" {
		fmt.Fprint(stdout, usage)
		return analyze.ExitOK
	}
	cmd, ok := commands()[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "rtsnap-analyze: unknown command %q\n\n", fs.Arg(0))
		fs.Usage()
		return analyze.ExitUsage
	}
	return cmd(fs.Args()[1:], stdout, stderr)
}

// cmdFlags is a subcommand's flag set with the flags every command shares:
// --json and --identity.
type cmdFlags struct {
	*pflag.FlagSet
	json          *bool
	identityFiles *[]string
	memoryLimit   analyze.ByteSize
}

// newFlags makes a subcommand's flag set with the shared flags.
func newFlags(name, argsUsage, about string, stderr io.Writer) *cmdFlags {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &cmdFlags{FlagSet: fs}
	f.json = fs.Bool("json", false, "print a JSON document (schema rtsnap-analyze/"+name+"/v1)")
	f.memoryLimit = analyze.ByteSize(analyze.DefaultMemoryLimit)
	fs.Var(&f.memoryLimit, "memory-limit", "bound on the memory one bundle's analysis takes; what does not fit is left out and reported (RT1511)")
	f.identityFiles = fs.StringArrayP("identity", "i", nil, "decrypt encrypted bundles (*.tar.zst.age) with this age identity file (rtsnap-age.key) or unencrypted ssh-ed25519/ssh-rsa private key; repeatable, any one that is a recipient will do")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap-analyze %s [FLAGS] %s\n\n%s\n\nFlags:\n", name, argsUsage, about)
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nExit codes: 0 nothing at warning or above, 1 warnings, 2 errors or critical, 3 unreadable or tampered bundle (or one that cannot be decrypted with the given identities), 64 usage.\n")
	}
	return f
}

// identities loads the --identity files. A key that cannot be read means
// the bundles cannot be read either: the error is reported and the caller
// exits ExitUnreadable.
func (f *cmdFlags) identities(stderr io.Writer) ([]age.Identity, bool) {
	ids, err := export.LoadIdentities(*f.identityFiles...)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: --identity: %v\n", err)
		return nil, false
	}
	return ids, true
}

// options are the analysis options for this command's bundles.
func (f *cmdFlags) options(stderr io.Writer) (analyze.Options, bool) {
	ids, ok := f.identities(stderr)
	// The garbage collector works to stay under the same bound.
	debug.SetMemoryLimit(analyze.GCSoftLimit(int64(f.memoryLimit)))
	return analyze.Options{Identities: ids, MemoryLimit: int64(f.memoryLimit)}, ok
}

// parse parses flags and checks the positional argument count (max < 0: no upper bound).
func parse(fs *cmdFlags, args []string, minArgs, maxArgs int) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return analyze.ExitOK, false
		}
		return analyze.ExitUsage, false
	}
	if fs.NArg() < minArgs || (maxArgs >= 0 && fs.NArg() > maxArgs) {
		fs.Usage()
		return analyze.ExitUsage, false
	}
	return 0, true
}
