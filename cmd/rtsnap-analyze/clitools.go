package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/clitools"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/exitcode"
)

// newToolCmds are crictl, ctr and docker: the node's familiar commands,
// answered from a bundle (analyze/clitools).
func newToolCmds() []*cobra.Command {
	return []*cobra.Command{
		newToolCmd("crictl", "ps [-a] [--name RE] [--pod ID] [-o json|yaml|table], pods, images, inspect, inspectp, inspecti, info, version, logs [--tail N]; -r ENDPOINT picks the CRI endpoint when the bundle holds several"),
		newToolCmd("ctr", "namespaces ls, containers ls, tasks ls, version; -n NAMESPACE, -a ADDRESS pick the namespace and the containerd endpoint"),
		newToolCmd("docker", "ps [-a] [-q] [--no-trunc], images, inspect NAME|ID..., logs [--tail N] [-t]"),
	}
}

func newToolCmd(tool, what string) *cobra.Command {
	fs := newFlags(tool+" BUNDLE ARGS...", "answer read-only "+tool+" commands from a bundle, in "+tool+"'s own output format",
		"Answer "+tool+"'s read-only commands from a bundle as "+tool+" would have answered them on the node when the bundle was taken (ages are counted from the collection's start): "+what+". The arguments after BUNDLE are "+tool+"'s own, with its flag names. Commands that would change the node answer \"read-only: this is a bundle\" (exit "+fmt.Sprint(cli.Usage)+"); what the bundle does not hold is named with the source that would have collected it and that source's status. It reads unencrypted bundles (*.tar.zst).",
		cobra.MinimumNArgs(1), cli.OK, cli.Input, cli.Failed, cli.Usage)
	fs.cmd.DisableFlagParsing = true
	fs.cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return cmd.Help()
		}
		return cli.Exit(runTool(tool, args[0], args[1:], cmd.OutOrStdout(), cmd.ErrOrStderr()))
	}
	return fs.cmd
}

func runTool(tool, path string, args []string, stdout, stderr io.Writer) int {
	b, err := export.ReadFile(path, nil, bundle.DefaultLimits())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %s: %v\n", path, err)
		verifyHint(stderr, path, err, analyze.Options{})
		return cli.Input
	}
	err = clitools.Run(tool, b, args, stdout, stderr)
	var ue *clitools.UsageError
	var nc *clitools.NotCollectedError
	switch {
	case err == nil:
		return exitcode.OK
	case errors.As(err, &ue):
		return cli.UsageError(stderr, "rtsnap-analyze "+tool, err)
	case errors.As(err, &nc):
		fmt.Fprintf(stderr, "rtsnap-analyze %s: %v\n", tool, err)
		return cli.Failed
	}
	fmt.Fprintf(stderr, "rtsnap-analyze %s: %v\n", tool, err)
	return cli.Failed
}
