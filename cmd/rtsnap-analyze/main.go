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
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/safetext"
	"github.com/rtsnap/rtsnap/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// Every byte to the terminal passes the one sanitizer: errors name
	// bundle entries, text output quotes bundle content (issue #15).
	so, se := safetext.NewWriter(stdout), safetext.NewWriter(stderr)
	defer so.Flush()
	defer se.Flush()
	return cli.Execute(newRootCmd(), args, so, se)
}

const rootLong = `rtsnap-analyze reads rtsnap bundles anywhere (no root, no network): it verifies them, summarizes them, runs the rules that turn them into findings with evidence, orders their events, diffs two of them and writes reports.

Every command that reads a bundle takes --json (schema "rtsnap-analyze/<command>/v1", docs/analyzer.md) and --identity FILE (-i, repeatable): encrypted bundles (*.tar.zst.age) are decrypted in memory with an age identity (rtsnap-age.key) or an ssh-ed25519/ssh-rsa private key.`

func newRootCmd() *cobra.Command {
	root := cli.NewRoot("rtsnap-analyze", "verify, inspect, judge, diff and report on rtsnap bundles", rootLong, version.Details("rtsnap-analyze"))
	root.AddCommand(newVerifyCmd(), newInspectCmd(), newFindingsCmd(), newTimelineCmd(), newDiffCmd(),
		newReportCmd(), newExportCmd(), newShowCmd(), newLsCmd())
	root.AddCommand(newToolCmds()...)
	return root
}

// cmdFlags is a subcommand with the flags every command shares: --json
// and --identity. After parsing, its FlagSet's Arg/Args/NArg are the
// positional arguments.
type cmdFlags struct {
	*pflag.FlagSet
	cmd           *cobra.Command
	json          *bool
	identityFiles *[]string
	memoryLimit   cli.Size
	// cpuProfile, memProfile: hidden flags for profiling one command
	// (docs/benchmarks.md), as rtsnap collect has.
	cpuProfile, memProfile string
}

// newFlags makes a subcommand: use is its usage line ("diff A B"), args
// checks the positional arguments, codes are the exit codes it can return.
func newFlags(use, short, long string, args cobra.PositionalArgs, codes ...int) *cmdFlags {
	cmd := &cobra.Command{Use: use, Short: short, Long: long, Args: args, ValidArgsFunction: completeBundles}
	cli.SetExitCodes(cmd, codes...)
	fs := cmd.Flags()
	fs.SortFlags = false
	f := &cmdFlags{FlagSet: fs, cmd: cmd}
	f.json = fs.Bool("json", false, "print a JSON document (schema rtsnap-analyze/"+cmd.Name()+"/v1)")
	f.identityFiles = fs.StringArrayP("identity", "i", nil, "decrypt encrypted bundles (*.tar.zst.age) with this age identity `FILE` (rtsnap-age.key) or unencrypted ssh-ed25519/ssh-rsa private key; repeatable, any one that is a recipient will do")
	f.memoryLimit = cli.Size(analyze.DefaultMemoryLimit)
	fs.Var(&f.memoryLimit, "memory-limit", "bound `SIZE` on the memory one bundle's analysis takes (512MiB, 2GiB or bytes); what does not fit is left out and reported (RT1511)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to `FILE` (go tool pprof)")
	_ = fs.MarkHidden("cpuprofile")
	fs.StringVar(&f.memProfile, "memprofile", "", "write an allocation profile of the command to `FILE` (go tool pprof -sample_index=alloc_space)")
	_ = fs.MarkHidden("memprofile")
	return f
}

// command sets the work to run once flags and arguments are parsed.
func (f *cmdFlags) command(work func(stdout, stderr io.Writer) int) *cobra.Command {
	f.cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if int64(f.memoryLimit) < analyze.MinMemoryLimit {
			return cli.Usagef("--memory-limit %s is below the smallest, %s: even a healthy bundle's facts would not fit", f.memoryLimit.String(), cli.FormatSize(analyze.MinMemoryLimit))
		}
		if f.cpuProfile != "" {
			stop, err := cli.StartCPUProfile(f.cpuProfile)
			if err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
			defer stop()
		}
		code := work(cmd.OutOrStdout(), cmd.ErrOrStderr())
		if f.memProfile != "" {
			if err := cli.WriteAllocProfile(f.memProfile); err != nil {
				// The command's own result stands; only the profile is lost.
				fmt.Fprintf(cmd.ErrOrStderr(), "rtsnap-analyze: --memprofile: %v\n", err)
			}
		}
		return cli.Exit(code)
	}
	return f.cmd
}

// completeBundles completes bundle files in the shell.
func completeBundles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"zst", "age"}, cobra.ShellCompDirectiveFilterFileExt
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
