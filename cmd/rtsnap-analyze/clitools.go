package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/analyze/clitools"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
)

// newToolCmds are crictl, ctr and docker: the node's familiar commands,
// answered from a bundle (analyze/clitools).
func newToolCmds() []*cobra.Command {
	return []*cobra.Command{
		newToolCmd("crictl", "ps [-a] [--name RE] [--pod ID] [-o json|yaml|table], pods, images, inspect, inspectp, inspecti, info, version, imagefsinfo, logs [--tail N] [--since D], stats and statsp (when collected with --cri-stats); -r ENDPOINT picks the CRI endpoint when the bundle holds several"),
		newToolCmd("ctr", "namespaces ls, containers ls [FILTER...]|info, tasks ls, images ls [FILTER...], snapshots ls, leases ls, plugins ls, version; -n NAMESPACE, -a ADDRESS pick the namespace and the containerd endpoint"),
		newToolCmd("docker", "ps [-a] [-q] [--no-trunc] [--format T] [--filter K=V], images [--format T] [--filter K=V], inspect [--format T] NAME|ID..., logs [--tail N] [-t], version, info (their server sections)"),
	}
}

func newToolCmd(tool, what string) *cobra.Command {
	fs := newFlags(tool+" [-i FILE] BUNDLE ARGS...", "answer read-only "+tool+" commands from a bundle, in "+tool+"'s own output format",
		"Answer "+tool+"'s read-only commands from a bundle as "+tool+" would have answered them on the node when the bundle was taken (ages are counted from the collection's start, but docker's CREATED, which docker's own formatter counts to now): "+what+". The arguments after BUNDLE are "+tool+"'s own, with its flag names; rtsnap-analyze's flags go before BUNDLE. Commands that would change the node answer \"read-only: this is a bundle\" (exit "+fmt.Sprint(cli.Usage)+"); what the bundle does not hold is named with the source that would have collected it and that source's status.",
		cobra.ArbitraryArgs, cli.OK, cli.Input, cli.Failed, cli.Usage)
	fs.MarkHidden("json") // the tools print their own formats
	fs.SetInterspersed(false)
	// The tool's flags are its own: cobra leaves them alone, and the
	// FlagSet parses only what comes before BUNDLE.
	fs.cmd.DisableFlagParsing = true
	fs.cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, pflag.ErrHelp) {
				return cmd.Help()
			}
			return cli.Usagef("%v", err)
		}
		rest := fs.Args()
		if help, _ := fs.GetBool("help"); help {
			return cmd.Help()
		}
		if len(rest) == 0 {
			return cli.Usagef("want BUNDLE, then %s's arguments", tool)
		}
		if len(rest) == 2 && (rest[1] == "-h" || rest[1] == "--help") {
			return cmd.Help()
		}
		if *fs.json {
			return cli.Usagef("--json: %s prints %s's own formats (e.g. -o json)", tool, tool)
		}
		return cli.Exit(runTool(fs, tool, rest[0], rest[1:], cmd.OutOrStdout(), cmd.ErrOrStderr()))
	}
	return fs.cmd
}

func runTool(fs *cmdFlags, tool, path string, args []string, stdout, stderr io.Writer) int {
	opts, ok := fs.options(stderr)
	if !ok {
		return cli.Input
	}
	lim := bundle.DefaultLimits()
	lim.MaxHeldBytes = opts.MemoryLimit / 4 // as the other commands: a quarter of the memory bound holds file data
	b, err := export.ReadFile(path, opts.Identities, lim)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %s: %v\n", path, err)
		verifyHint(stderr, path, err, opts)
		return cli.Input
	}
	err = clitools.Run(tool, b, args, stdout, stderr)
	var ue *clitools.UsageError
	switch {
	case err == nil:
		return cli.OK
	case errors.As(err, &ue):
		return cli.UsageError(stderr, "rtsnap-analyze "+tool, err)
	}
	fmt.Fprintf(stderr, "rtsnap-analyze %s: %v\n", tool, err)
	return cli.Failed
}
