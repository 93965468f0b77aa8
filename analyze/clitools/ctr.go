package clitools

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/internal/endpoints"
	ctrschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

// The formats below follow ctr 2.2.1 (containerd cmd/ctr/commands:
// namespaces, containers, tasks), tabwriter settings and trailing tabs
// included.

const containerdSource = "containerd"

// ctrMutating are ctr's subcommand words that change the node.
var ctrMutating = map[string]bool{
	"run": true, "rm": true, "remove": true, "delete": true, "del": true, "create": true, "start": true,
	"kill": true, "pause": true, "resume": true, "exec": true, "pull": true, "push": true, "import": true,
	"tag": true, "label": true, "mount": true, "unmount": true, "prepare": true, "commit": true,
	"checkpoint": true, "restore": true, "update": true, "prune": true, "fetch": true, "attach": true,
}

func (v *view) ctr(args []string, w io.Writer) error {
	fs := flagSet("ctr")
	fs.SetInterspersed(false)
	address := fs.StringP("address", "a", "/run/containerd/containerd.sock", "")
	ns := fs.StringP("namespace", "n", "default", "")
	fs.Bool("debug", false, "")
	fs.Duration("timeout", 0, "")
	fs.Duration("connect-timeout", 0, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	words := fs.Args()
	if len(words) == 0 {
		return usagef("ctr: want a command: namespaces ls, containers ls|info, tasks ls, version")
	}
	for _, wd := range words {
		if ctrMutating[wd] {
			return readOnly("ctr", strings.Join(words, " "))
		}
	}
	held := v.dirs("containerd/", "server.json")
	slug := endpoints.Parse(*address).Slug()
	if !slices.Contains(held, slug) {
		if len(held) == 0 {
			return v.missing(containerdSource, "containerd/<endpoint>/server.json")
		}
		if fs.Changed("address") || len(held) > 1 {
			return usagef("ctr: the bundle holds no containerd endpoint %q (it holds %s); pick one with -a", *address, strings.Join(held, ", "))
		}
		slug = held[0]
	}
	dir := "containerd/" + slug + "/"
	obj, verb := words[0], ""
	if len(words) > 1 {
		verb = words[1]
	}
	switch {
	case obj == "version":
		return v.ctrVersion(dir, w)
	case (obj == "namespaces" || obj == "namespace" || obj == "ns") && isList(verb):
		return v.ctrNamespaces(dir, w)
	case (obj == "containers" || obj == "container" || obj == "c") && isList(verb):
		return v.ctrContainers(dir, *ns, words[2:], w)
	case (obj == "tasks" || obj == "task" || obj == "t") && isList(verb):
		return v.ctrTasks(dir, *ns, w)
	}
	return usagef("ctr: %q is not answered from a bundle (namespaces ls, containers ls, tasks ls, version are)", strings.Join(words, " "))
}

func isList(verb string) bool { return verb == "ls" || verb == "list" }

func (v *view) ctrVersion(dir string, w io.Writer) error {
	var s ctrschema.Server
	if err := v.decode(containerdSource, dir+"server.json", &s); err != nil {
		return err
	}
	if s.Version == "" {
		return fmt.Errorf("ctr version: the endpoint %s did not answer at collection time: %s %s", s.Endpoint, s.Code, s.Error)
	}
	// ctr prints its own (client) version first; the bundle holds only the daemon's.
	_, err := fmt.Fprintf(w, "Server:\n  Version:  %s\n  Revision: %s\n  UUID: %s\n", s.Version, s.Revision, s.UUID)
	return err
}

func (v *view) ctrNamespaces(dir string, w io.Writer) error {
	var nss []ctrschema.Namespace
	if err := v.decode(containerdSource, dir+"namespaces.json", &nss); err != nil {
		return err
	}
	sort.Slice(nss, func(i, j int) bool { return nss[i].Name < nss[j].Name })
	tw := table(w, 1, 1)
	fmt.Fprintln(tw, "NAME\tLABELS\t")
	for _, n := range nss {
		fmt.Fprintf(tw, "%v\t%v\t\n", n.Name, joinLabels(n.Labels))
	}
	return tw.Flush()
}

func joinLabels(labels map[string]string) string {
	out := make([]string, 0, len(labels))
	for k, val := range labels {
		out = append(out, k+"="+val)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func (v *view) ctrContainers(dir, ns string, args []string, w io.Writer) error {
	fs := flagSet("ctr containers ls")
	quiet := fs.BoolP("quiet", "q", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("ctr containers ls: filters are not answered from a bundle")
	}
	var cs []ctrschema.Container
	if err := v.decode(containerdSource, dir+ns+"/containers.json", &cs); err != nil {
		return err
	}
	// ctr lists in the metadata store's (bbolt's) key order.
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	if *quiet {
		for _, c := range cs {
			fmt.Fprintln(w, c.ID)
		}
		return nil
	}
	tw := table(w, 4, 4)
	fmt.Fprintln(tw, "CONTAINER\tIMAGE\tRUNTIME\t")
	for _, c := range cs {
		img := c.Image
		if img == "" {
			img = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", c.ID, img, c.Runtime)
	}
	return tw.Flush()
}

func (v *view) ctrTasks(dir, ns string, w io.Writer) error {
	var ts ctrschema.Tasks
	if err := v.decode(containerdSource, dir+ns+"/tasks.json", &ts); err != nil {
		return err
	}
	if ts.Error != "" {
		return fmt.Errorf("ctr tasks ls: the task list failed at collection time: %s", ts.Error)
	}
	// In the order Tasks.List answered (the bundle keeps it).
	tw := table(w, 4, 4)
	fmt.Fprintln(tw, "TASK\tPID\tSTATUS\t")
	for _, t := range ts.Tasks {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", t.ID, t.PID, t.Status)
	}
	return tw.Flush()
}
