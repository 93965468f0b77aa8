package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/fleet"
	"github.com/rtsnap/rtsnap/internal/cli"
)

// newFleetCmd is `rtsnap fleet` (collection through the cluster) with the
// two hidden commands its Job pods run: `fleet agent` and `fleet send`.
func newFleetCmd() *cobra.Command {
	var o fleet.Options
	var encryptTo []string
	cmd := &cobra.Command{
		Use:   "fleet --output DIR [flags]",
		Short: "collect from many nodes through the Kubernetes API",
		Long: "Collect from many nodes through the Kubernetes API: one Job per node (bounded parallelism), " +
			"each bundle written to a memory-backed emptyDir, copied back through exec and verified against its hash, " +
			"the Jobs deleted, also on Ctrl-C. Nodes that fail are listed with the reason. " +
			"Then: rtsnap-analyze findings DIR. See docs/kubernetes.md.",
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.OutDir == "" {
				return cli.Usagef("--output is required")
			}
			for _, r := range encryptTo {
				o.CollectArgs = append(o.CollectArgs, "--encrypt-to", r)
			}
			return cli.Exit(runFleet(o, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	cli.SetExitCodes(cmd, cli.OK, cli.Failed, cli.Interrupted)
	fs := cmd.Flags()
	fs.StringVarP(&o.OutDir, "output", "o", "", "`DIR` the bundles are copied to (nothing in it is overwritten)")
	fs.StringVarP(&o.Selector, "selector", "l", "", "label selector of the nodes (default: all nodes)")
	fs.StringSliceVar(&o.Nodes, "node", nil, "collect only from these `NODE`s (repeatable)")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig `FILE` (default: $KUBECONFIG, ~/.kube/config, in-cluster)")
	fs.StringVar(&o.Context, "context", "", "kubeconfig context (default: the current one)")
	fs.StringVarP(&o.Namespace, "namespace", "n", fleet.DefaultNamespace, "namespace the Jobs run in")
	fs.StringVar(&o.Image, "image", fleet.DefaultImage, "rtsnap image (make image) the nodes can pull or have")
	fs.StringVar(&o.ServiceAccount, "service-account", "", "service account of the Job pods (it needs no API rights)")
	fs.IntVar(&o.Parallel, "parallel", fleet.DefaultParallel, "nodes collected at once")
	fs.DurationVar(&o.NodeTimeout, "node-timeout", fleet.DefaultNodeTimeout, "bound for one node, Job created to bundle verified")
	fs.DurationVar(&o.CallTimeout, "call-timeout", fleet.DefaultCallTimeout, "bound for each API call")
	fs.StringArrayVar(&encryptTo, "encrypt-to", nil, "encrypt each bundle on its node with age to this `RECIPIENT` (repeatable)")
	fs.StringArrayVar(&o.CollectArgs, "collect-arg", nil, "extra `ARG` for rtsnap collect in the pod (repeatable)")
	for _, sub := range []*cobra.Command{
		{Use: "agent", Short: "run in a fleet Job pod: collect, announce the bundle, hold it", Hidden: true, DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				return cli.Exit(runFleetAgent(args, cmd.OutOrStdout(), cmd.ErrOrStderr()))
			}},
		{Use: "send", Short: "run in a fleet Job pod: stream the bundle as a tar on stdout", Hidden: true, DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				return cli.Exit(runFleetSend(args, cmd.OutOrStdout(), cmd.ErrOrStderr()))
			}},
	} {
		cli.SetExitCodes(sub, cli.OK, cli.Failed)
		cmd.AddCommand(sub)
	}
	return cmd
}

// runFleet runs the collection and prints one line per node.
func runFleet(o fleet.Options, stdout, stderr io.Writer) int {
	o.Log = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := fleet.Run(ctx, o)
	if rep != nil {
		failed := 0
		for _, n := range rep.Nodes {
			if n.OK {
				fmt.Fprintf(stdout, "ok      %s  %s\n", n.Node, n.Bundle)
			} else {
				failed++
				fmt.Fprintf(stdout, "FAILED  %s  %s\n", n.Node, n.Reason)
			}
		}
		for _, c := range rep.CleanupErrors {
			fmt.Fprintf(stderr, "rtsnap fleet: cleanup: %s\n", c)
		}
		fmt.Fprintf(stdout, "%d of %d nodes collected into %s; next: rtsnap-analyze findings %s\n", len(rep.Nodes)-failed, len(rep.Nodes), o.OutDir, o.OutDir)
		if err == nil && failed > 0 {
			return cli.Failed
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "rtsnap fleet: interrupted; Jobs deleted\n")
		return cli.Interrupted
	}
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap fleet: %v\n", err)
		return cli.Failed
	}
	return cli.OK
}

// runFleetAgent runs `rtsnap collect ARGS` in a Job pod, announces the
// bundle on stdout for the fleet side, then holds the pod up (the bundle
// lives on its emptyDir) until the fleet side deletes the Job or --hold ends.
func runFleetAgent(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap fleet agent", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	hold := fs.Duration("hold", 10*time.Minute, "how long the bundle waits to be copied")
	if err := fs.Parse(args); err != nil {
		return cli.Usage
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] != "collect" {
		fmt.Fprintln(stderr, "usage: rtsnap fleet agent [--hold D] -- collect FLAGS")
		return cli.Usage
	}
	var out bytes.Buffer
	// Through the command dispatcher, not runCollect: the same call whatever
	// shape the collect command's own function has.
	code := run(append(append([]string{"collect"}, rest[1:]...), "--json"), &out, stderr)
	if code != 0 {
		return code
	}
	var s struct{ Path string }
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || s.Path == "" {
		fmt.Fprintf(stderr, "rtsnap fleet agent: no bundle path in the summary: %v\n", err)
		return cli.Failed
	}
	sum, err := fileSHA256(s.Path)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap fleet agent: %v\n", err)
		return cli.Failed
	}
	fleet.Announce(stdout, filepath.Base(s.Path), sum)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(*hold):
		fmt.Fprintln(stderr, "rtsnap fleet agent: --hold ended before the bundle was fetched")
		return cli.Failed
	}
	return cli.OK
}

// runFleetSend streams the bundles of --dir as a tar on stdout.
func runFleetSend(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap fleet send", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", fleet.OutDir, "directory holding the bundle")
	if err := fs.Parse(args); err != nil {
		return cli.Usage
	}
	if err := fleet.SendDir(*dir, stdout); err != nil {
		fmt.Fprintf(stderr, "rtsnap fleet send: %v\n", err)
		return cli.Failed
	}
	return cli.OK
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
