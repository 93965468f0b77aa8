// Command rtsnap is the node-side collector: it captures a bounded, redacted,
// read-only snapshot of the container runtimes into one tar.zst bundle.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/collect/metadb"
	"github.com/rtsnap/rtsnap/internal/version"
)

func main() {
	metadb.MaybeRunChild()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print version and commit, then exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap [--version] COMMAND [FLAGS]\n\nCommands:\n  collect   capture a snapshot of this node's container runtimes (rtsnap collect --help)\n  keygen    create an age identity and a minisign key pair (rtsnap keygen --help)\n  prune     remove rtsnap's own bundles older than --retain (rtsnap prune --help)\n  fleet     collect from many nodes through the Kubernetes API (rtsnap fleet --help)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.SetInterspersed(false)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.String("rtsnap"))
		return 0
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	switch fs.Arg(0) {
	case "collect":
		return runCollect(fs.Args()[1:], stdout, stderr)
	case "keygen":
		return runKeygen(fs.Args()[1:], stdout, stderr)
	case "prune":
		return runPrune(fs.Args()[1:], stdout, stderr)
	case "fleet":
		return runFleet(fs.Args()[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "rtsnap: unknown command %q\n", fs.Arg(0))
	return 2
}
