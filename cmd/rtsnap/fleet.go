package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/fleet"
)

// runFleet is `rtsnap fleet` (collection through the cluster) and the two
// commands its Job pods run: `fleet agent` and `fleet send`.
func runFleet(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "agent":
			return runFleetAgent(args[1:], stdout, stderr)
		case "send":
			return runFleetSend(args[1:], stdout, stderr)
		}
	}
	var o fleet.Options
	var encryptTo []string
	fs := pflag.NewFlagSet("rtsnap fleet", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.StringVar(&o.OutDir, "output", "", "directory the bundles are copied to (required; nothing in it is overwritten), e.g. --output ./case42")
	fs.StringVar(&o.Selector, "selector", "", "label selector of the nodes to collect from (default all), e.g. --selector node-role.kubernetes.io/worker=")
	fs.StringSliceVar(&o.Nodes, "node", nil, "collect only from these nodes (repeatable), e.g. --node ip-10-0-1-5")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)")
	fs.StringVar(&o.Context, "context", "", "kubeconfig context (default: the current one)")
	fs.StringVarP(&o.Namespace, "namespace", "n", fleet.DefaultNamespace, "namespace the Jobs run in (deploy/namespace.yaml)")
	fs.StringVar(&o.Image, "image", fleet.DefaultImage, "rtsnap image (make image; the nodes must be able to pull or already have it)")
	fs.StringVar(&o.ServiceAccount, "service-account", "", "service account of the Job pods (deploy/serviceaccount.yaml: rtsnap-collector; it needs no API rights)")
	fs.IntVar(&o.Parallel, "parallel", fleet.DefaultParallel, "nodes collected at once")
	fs.DurationVar(&o.NodeTimeout, "node-timeout", fleet.DefaultNodeTimeout, "bound for one node, from Job creation to the verified bundle")
	fs.DurationVar(&o.CallTimeout, "call-timeout", fleet.DefaultCallTimeout, "bound for each API call")
	fs.StringArrayVar(&encryptTo, "encrypt-to", nil, "encrypt every bundle on its node with age to this recipient (repeatable; as rtsnap collect --encrypt-to): bundles cross the network encrypted")
	fs.StringArrayVar(&o.CollectArgs, "collect-arg", nil, "extra argument for rtsnap collect in the pod (repeatable), e.g. --collect-arg=--since=2h")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap fleet --output DIR [FLAGS]\n\nCollect from many nodes through the Kubernetes API: one Job per node, the bundle\ncopied back through exec and verified, the Jobs deleted. Then: rtsnap-analyze findings DIR.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.OutDir == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	for _, r := range encryptTo {
		o.CollectArgs = append(o.CollectArgs, "--encrypt-to", r)
	}
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
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap fleet: %v\n", err)
		return 1
	}
	return 0
}

// runFleetAgent runs `rtsnap collect ARGS` in a Job pod, announces the
// bundle on stdout for the fleet side, then holds the pod up (the bundle
// lives on its emptyDir) until the fleet side deletes the Job or --hold ends.
func runFleetAgent(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap fleet agent", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	hold := fs.Duration("hold", 10*time.Minute, "how long the bundle waits to be copied")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] != "collect" {
		fmt.Fprintln(stderr, "usage: rtsnap fleet agent [--hold D] -- collect FLAGS")
		return 2
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
		return 1
	}
	sum, err := fileSHA256(s.Path)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap fleet agent: %v\n", err)
		return 1
	}
	fleet.Announce(stdout, filepath.Base(s.Path), sum)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(*hold):
		fmt.Fprintln(stderr, "rtsnap fleet agent: --hold ended before the bundle was fetched")
		return 1
	}
	return 0
}

// runFleetSend streams the bundles of --dir as a tar on stdout.
func runFleetSend(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap fleet send", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", fleet.OutDir, "directory holding the bundle")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := fleet.SendDir(*dir, stdout); err != nil {
		fmt.Fprintf(stderr, "rtsnap fleet send: %v\n", err)
		return 1
	}
	return 0
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
