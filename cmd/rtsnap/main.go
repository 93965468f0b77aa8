// Command rtsnap is the node-side collector: it captures a bounded, redacted,
// read-only snapshot of the container runtimes into one tar.zst bundle.
// This file wires the commands; each command's work is in its own file.
package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/collect/metadb"
	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/version"
)

func main() {
	metadb.MaybeRunChild()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return cli.Execute(newRootCmd(args), args, stdout, stderr)
}

// newRootCmd is the command tree; args is the command line as given, which
// collect records in the manifest.
func newRootCmd(args []string) *cobra.Command {
	root := cli.NewRoot("rtsnap", "collect a forensic snapshot of a node's container runtimes",
		"rtsnap runs on a Kubernetes node, as root. 'rtsnap collect' captures a bounded, redacted, read-only snapshot of the container runtimes into one tar.zst archive on a tmpfs, never on the disk under investigation, and never changes runtime state. Copy the archive off the node and read it with rtsnap-analyze.",
		version.Details("rtsnap"))
	root.AddCommand(newCollectCmd(append([]string{"rtsnap"}, args...)), newSourcesCmd(), newKeygenCmd(), newPruneCmd(), newFleetCmd())
	return root
}
