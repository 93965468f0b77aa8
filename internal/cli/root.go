package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// NewRoot is a binary's root command with the behaviour both share: help
// and --help on stdout with exit 0, --version printing versionText, flag
// errors as usage errors, and no usage dump after a failed run (the error
// and a pointer to --help say more in two lines).
func NewRoot(name, short, long, versionText string) *cobra.Command {
	root := &cobra.Command{
		Use:                        name,
		Short:                      short,
		Long:                       long,
		Version:                    versionText,
		SilenceErrors:              true,
		SilenceUsage:               true,
		DisableAutoGenTag:          true, // docs/cli.md must not change with the date
		SuggestionsMinimumDistance: 2,
		Args:                       unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			Help(cmd.ErrOrStderr(), cmd, Width(cmd.ErrOrStderr()))
			return Usagef("no command given")
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) {
		Help(cmd.OutOrStdout(), cmd, Width(cmd.OutOrStdout()))
	})
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	SetExitCodes(root, OK)
	return root
}

// Execute runs root on args and returns the exit code. A command's RunE
// returns nil, Exit(code) after printing its own message, or a usage
// error; any other error comes from cobra's own parsing (an unknown
// command, a wrong argument count) and is a usage error too.
func Execute(root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	// Output first: cobra's completion command takes its writer when made.
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	Prepare(root)
	cmd, err := root.ExecuteC()
	if err == nil {
		return OK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if cmd == nil {
		cmd = root
	}
	return UsageError(stderr, cmd.CommandPath(), err)
}

// UsageError prints a usage error found by a command itself (a value only
// its run can check) as Execute prints parse errors: what was wrong, then
// where help is. It returns Usage.
func UsageError(stderr io.Writer, commandPath string, err error) int {
	fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", commandPath, Printable(err.Error()), commandPath)
	return Usage
}

// Printable escapes control and bidi characters in text that echoes the
// command line (a flag value may hold an escape sequence), keeping newlines.
func Printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unknownCommand is the root's argument check: a word that is not a
// command is a typo, and cobra knows the nearest names.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return Usagef("%s", msg)
}

// NoArgs refuses positional arguments, naming the first one.
func NoArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("unexpected argument %q", args[0])
	}
	return nil
}

// ExactArgs wants exactly the named arguments ("BUNDLE", "PATH").
func ExactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return Usagef("missing %s", strings.Join(names[len(args):], " "))
		}
		if len(args) > len(names) {
			return Usagef("unexpected argument %q (wants %s)", args[len(names)], strings.Join(names, " "))
		}
		return nil
	}
}

// MinArgs wants at least one argument, named name ("BUNDLE|DIR").
func MinArgs(name string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return Usagef("missing %s", name)
		}
		return nil
	}
}

// plainBool is a bool flag value that pflag does not know as one, so its
// tables (cobra's docs and man pages use them) print "--quiet" rather
// than "--quiet[=true|false]". NoOptDefVal "true" keeps "--quiet" alone
// meaning true.
type plainBool struct{ pflag.Value }

// Prepare finishes a command tree before it runs or is documented: every
// bool flag becomes a plainBool.
func Prepare(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if _, done := f.Value.(plainBool); !done && f.Value.Type() == "bool" {
					f.Value = plainBool{f.Value}
					f.NoOptDefVal = "true"
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	walk(root)
}
