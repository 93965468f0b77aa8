package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/all"
	"github.com/rtsnap/rtsnap/internal/cli"
)

// sourceInfo is one row of `rtsnap sources`, read from the collect registry
// (the one list of sources) so it never drifts from what collect runs.
type sourceInfo struct {
	Name        string `json:"name"`
	Default     bool   `json:"default"`
	Budget      int64  `json:"budget_bytes"`
	Description string `json:"description"`
}

func newSourcesCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "sources [flags]",
		Short: "list the collector's sources: what each reads, its bounds, default on or off",
		Long: fmt.Sprintf("List every source 'rtsnap collect' can run: its name (for --only and --skip), whether it runs by default, its byte budget (what it may store, uncompressed) and what it reads. Every source also runs under --source-timeout (default %s) with each runtime call under --call-timeout (default %s), inside the archive budget --max-size (default %s).",
			collect.DefaultSourceTimeout, collect.DefaultCallTimeout, cli.FormatSize(collect.DefaultMaxSize)),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cli.Exit(runSources(jsonOut, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	cli.SetExitCodes(cmd, cli.OK, cli.Failed)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the list as JSON")
	return cmd
}

func runSources(jsonOut bool, stdout, stderr io.Writer) int {
	reg, err := all.Registry()
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap sources: %v\n", err)
		return cli.Failed
	}
	var rows []sourceInfo
	for _, s := range reg.All() {
		rows = append(rows, sourceInfo{Name: s.Name(), Default: s.DefaultEnabled(), Budget: s.Budget(), Description: s.Description()})
	}
	if jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			fmt.Fprintf(stderr, "rtsnap sources: %v\n", err)
			return cli.Failed
		}
		return cli.OK
	}
	// Fixed columns, so READS can wrap under itself at the terminal's width.
	nameW, budgetW := len("SOURCE"), len("BUDGET")
	for _, r := range rows {
		nameW, budgetW = max(nameW, len(r.Name)), max(budgetW, len(cli.FormatSize(r.Budget)))
	}
	col := nameW + 2 + len("DEFAULT") + 2 + budgetW + 2
	row := func(name, on, budget, reads string) {
		fmt.Fprintf(stdout, "%-*s  %-7s  %-*s  %s\n", nameW, name, on, budgetW, budget, strings.TrimLeft(cli.Wrap(reads, cli.Width(stdout), col), " "))
	}
	row("SOURCE", "DEFAULT", "BUDGET", "READS")
	for _, r := range rows {
		on := "on"
		if !r.Default {
			on = "off"
		}
		row(r.Name, on, cli.FormatSize(r.Budget), r.Description)
	}
	return cli.OK
}
