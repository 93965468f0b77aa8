package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
)

// pruneFlags are `rtsnap prune`'s options.
type pruneFlags struct {
	output          string
	retain          time.Duration
	dryRun, jsonOut bool
}

func newPruneCmd() *cobra.Command {
	f := &pruneFlags{}
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "remove rtsnap's own bundles older than --retain",
		Long:  "Remove rtsnap's own bundles (rtsnap-*.tar.zst[.age] and their .sha256/.minisig) older than --retain from the output directory. Nothing else is ever removed.",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.retain <= 0 {
				return cli.Usagef("--retain %s: must be positive", f.retain)
			}
			return cli.Exit(runPrune(f, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	cli.SetExitCodes(cmd, cli.OK, cli.Failed)
	fs := cmd.Flags()
	fs.StringVarP(&f.output, "output", "o", "", "`DIR` to prune (default: each of /run/rtsnap and /dev/shm/rtsnap that exists)")
	fs.DurationVar(&f.retain, "retain", export.DefaultRetain, "remove rtsnap bundles older than this")
	fs.BoolVarP(&f.dryRun, "dry-run", "n", false, "only list what would be removed")
	fs.BoolVar(&f.jsonOut, "json", false, "print the removed files as JSON on stdout")
	return cmd
}

// runPrune is `rtsnap prune`: retention on demand.
func runPrune(f *pruneFlags, stdout, stderr io.Writer) int {
	dirs := []string{f.output}
	if f.output == "" {
		dirs = nil
		for _, d := range collect.DefaultOutputDirs {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				dirs = append(dirs, d)
			}
		}
	}
	var all []export.Removed
	code := 0
	for _, d := range dirs {
		removed, err := export.Prune(d, f.retain, time.Now(), f.dryRun)
		all = append(all, removed...)
		if err != nil {
			fmt.Fprintf(stderr, "rtsnap prune: %v\n", err)
			code = cli.Failed
		}
	}
	if f.jsonOut {
		if all == nil {
			all = []export.Removed{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(all)
		return code
	}
	printPruned(stdout, all, f.dryRun)
	if len(all) == 0 {
		fmt.Fprintf(stdout, "retention: nothing older than %s in %v\n", f.retain, dirs)
	}
	return code
}
