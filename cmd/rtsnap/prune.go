package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/export"
)

// runPrune is `rtsnap prune`: retention on demand.
func runPrune(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap prune", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("output", "", "directory to prune (default: each of /run/rtsnap and /dev/shm/rtsnap that exists), e.g. --output /dev/shm/case42")
	retain := fs.Duration("retain", export.DefaultRetain, "remove rtsnap bundles older than this, e.g. --retain 2h")
	dryRun := fs.Bool("dry-run", false, "only list what would be removed")
	jsonOut := fs.Bool("json", false, "print the removed files as JSON on stdout")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap prune [FLAGS]\n\nRemove rtsnap's own bundles (rtsnap-*.tar.zst[.age] and their .sha256/.minisig)\nolder than --retain from the output directory. Nothing else is ever removed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *retain <= 0 {
		fmt.Fprintln(stderr, "rtsnap prune: takes no arguments and a positive --retain")
		return 2
	}
	dirs := []string{*output}
	if *output == "" {
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
		removed, err := export.Prune(d, *retain, time.Now(), *dryRun)
		all = append(all, removed...)
		if err != nil {
			fmt.Fprintf(stderr, "rtsnap prune: %v\n", err)
			code = 1
		}
	}
	if *jsonOut {
		if all == nil {
			all = []export.Removed{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(all)
		return code
	}
	printPruned(stdout, all, *dryRun)
	if len(all) == 0 {
		fmt.Fprintf(stdout, "retention: nothing older than %s in %v\n", *retain, dirs)
	}
	return code
}
