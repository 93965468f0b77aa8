// Command rtsnap-analyze is the offline analyzer: it verifies, inspects and
// diffs rtsnap bundles anywhere, with no privileges and no network.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap-analyze", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print version and commit, then exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap-analyze [--version] COMMAND [FLAGS]\n\nCommands:\n  verify    check a bundle's integrity (not yet built)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.SetInterspersed(false)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.String("rtsnap-analyze"))
		return 0
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	fmt.Fprintf(stderr, "rtsnap-analyze: unknown command %q\n", fs.Arg(0))
	return 2
}
