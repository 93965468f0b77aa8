package clitools

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/docker/go-units"

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
	snapshotter := "overlayfs" // ctr's default (--snapshotter, $CONTAINERD_SNAPSHOTTER)
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
	if !v.nsExists(dir, *ns) {
		// containerd answers an unknown namespace with empty lists; the
		// bundle has no directory for it.
		dir = ""
	}
	obj, verb := words[0], ""
	if len(words) > 1 {
		verb = words[1]
	}
	switch {
	case obj == "version":
		return v.ctrVersion("containerd/"+slug+"/", w)
	case (obj == "namespaces" || obj == "namespace" || obj == "ns") && isList(verb):
		return v.ctrNamespaces("containerd/"+slug+"/", w)
	case (obj == "plugins" || obj == "plugin") && isList(verb):
		return v.ctrPlugins("containerd/"+slug+"/", words[2:], w)
	case (obj == "containers" || obj == "container" || obj == "c") && isList(verb):
		return v.ctrContainers(dir, *ns, words[2:], w)
	case (obj == "tasks" || obj == "task" || obj == "t") && isList(verb):
		return v.ctrTasks(dir, *ns, w)
	case (obj == "images" || obj == "image" || obj == "i") && isList(verb):
		return v.ctrImages(dir, *ns, words[2:], w)
	case (obj == "snapshots" || obj == "snapshot") && isList(verb):
		return v.ctrSnapshots(dir, *ns, snapshotter, words[2:], w)
	case (obj == "leases" || obj == "lease") && isList(verb):
		return v.ctrLeases(dir, *ns, w)
	case (obj == "containers" || obj == "container" || obj == "c") && verb == "info":
		return v.ctrContainerInfo(dir, *ns, "containerd/"+slug+"/", words[2:], w)
	}
	return usagef("ctr: %q is not answered from a bundle (namespaces ls, containers ls|info, tasks ls, images ls, snapshots ls, leases ls, plugins ls, version are)", strings.Join(words, " "))
}

// nsExists says whether the endpoint had namespace ns (by its namespaces.json).
func (v *view) nsExists(dir, ns string) bool {
	var nss []ctrschema.Namespace
	if v.decode(containerdSource, dir+"namespaces.json", &nss) != nil {
		return true // unknown: let the per-namespace file say what is missing
	}
	return slices.ContainsFunc(nss, func(n ctrschema.Namespace) bool { return n.Name == ns })
}

// nsFile decodes a per-namespace file; in a namespace the daemon did not
// have (dir empty) it is an empty list.
func (v *view) nsFile(dir, ns, name string, out any) error {
	if dir == "" {
		return nil
	}
	return v.decode(containerdSource, dir+ns+"/"+name, out)
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
	fmt.Fprintln(v.notes, "rtsnap-analyze ctr: version: the bundle holds the server's version, not a client's")
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
	match, err := ctrFilter("containers ls", fs.Args())
	if err != nil {
		return err
	}
	var all []ctrschema.Container
	if err := v.nsFile(dir, ns, "containers.json", &all); err != nil {
		return err
	}
	var cs []ctrschema.Container
	for _, c := range all {
		if match(containerFields(c)) {
			cs = append(cs, c)
		}
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
	if err := v.nsFile(dir, ns, "tasks.json", &ts); err != nil {
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

func (v *view) ctrSnapshots(dir, ns, snapshotter string, args []string, w io.Writer) error {
	fs := flagSet("ctr snapshots ls")
	fs.StringVar(&snapshotter, "snapshotter", snapshotter, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	var ss ctrschema.Snapshots
	if err := v.nsFile(dir, ns, "snapshots.json", &ss); err != nil {
		return err
	}
	if e, ok := ss.Errors[snapshotter]; ok {
		return fmt.Errorf("ctr snapshots ls: snapshotter %s failed at collection time: %s", snapshotter, e)
	}
	if ss.Truncated {
		fmt.Fprintln(v.notes, "rtsnap-analyze ctr: the bundle's snapshot list was cut at its bound")
	}
	// Walk goes in the metadata store's key order.
	var list []ctrschema.Snapshot
	for _, s := range ss.Snapshots {
		if s.Snapshotter == snapshotter {
			list = append(list, s)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	tw := table(w, 1, 1)
	fmt.Fprintln(tw, "KEY\tPARENT\tKIND\t")
	for _, s := range list {
		fmt.Fprintf(tw, "%v\t%v\t%v\t\n", s.Key, s.Parent, s.Kind)
	}
	return tw.Flush()
}

func (v *view) ctrLeases(dir, ns string, w io.Writer) error {
	var ls []ctrschema.Lease
	if err := v.nsFile(dir, ns, "leases.json", &ls); err != nil {
		return err
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
	tw := table(w, 1, 1)
	fmt.Fprintln(tw, "ID\tCREATED AT\tLABELS\t")
	for _, l := range ls {
		labels := joinLabels(l.Labels)
		if labels == "" {
			labels = "-"
		}
		fmt.Fprintf(tw, "%v\t%v\t%s\t\n", l.ID, l.CreatedAt.Local().Format(time.RFC3339), labels)
	}
	return tw.Flush()
}

func (v *view) ctrPlugins(dir string, args []string, w io.Writer) error {
	fs := flagSet("ctr plugins ls")
	quiet := fs.BoolP("quiet", "q", false, "")
	detailed := fs.BoolP("detailed", "d", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *detailed || fs.NArg() > 0 {
		return usagef("ctr plugins ls: --detailed and filters are not answered from a bundle")
	}
	var ps []ctrschema.Plugin
	if err := v.decode(containerdSource, dir+"plugins.json", &ps); err != nil {
		return err
	}
	if *quiet {
		for _, p := range ps {
			fmt.Fprintln(w, p.ID)
		}
		return nil
	}
	tw := table(w, 4, 4)
	fmt.Fprintln(tw, "TYPE\tID\tPLATFORMS\tSTATUS\t")
	for _, p := range ps {
		status := "ok"
		if p.InitError != "" {
			status = "error"
			if strings.Contains(p.InitError, "skip plugin") { // plugin.ErrSkipPlugin
				status = "skip"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", p.Type, p.ID, platformColumn(p.Platforms), status)
	}
	return tw.Flush()
}

// ctrInfo is ctr's `containers info` document: containerd's Container
// record with the Spec decoded (ctr's PrintAsJSON, 4-space indent), its
// fields in containers.Container's order. SandboxID came with containerd
// 1.7. The bundle holds neither the runtime's Options nor the
// Extensions (the CRI plugin's metadata, which repeats the container's
// config): both are null here, and a note says so.
type ctrInfo struct {
	ID      string
	Labels  map[string]string
	Image   string
	Runtime struct {
		Name    string
		Options any
	}
	SnapshotKey string
	Snapshotter string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Extensions  any
	SandboxID   *string         `json:",omitempty"`
	Spec        json.RawMessage `json:",omitempty"`
}

func (v *view) ctrContainerInfo(dir, ns, serverDir string, args []string, w io.Writer) error {
	fs := flagSet("ctr containers info")
	spec := fs.Bool("spec", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("ctr containers info: want one container id")
	}
	var cs []ctrschema.Container
	if err := v.nsFile(dir, ns, "containers.json", &cs); err != nil {
		return err
	}
	i := slices.IndexFunc(cs, func(c ctrschema.Container) bool { return c.ID == fs.Arg(0) })
	if i < 0 {
		return fmt.Errorf("ctr containers info: container %q in namespace %q: not found (not in the bundle)", fs.Arg(0), ns)
	}
	c := cs[i]
	var out any
	if *spec {
		if len(c.Spec) == 0 {
			return fmt.Errorf("ctr containers info --spec: the bundle holds no spec for %s", c.ID)
		}
		out = c.Spec
	} else {
		info := ctrInfo{ID: c.ID, Labels: c.Labels, Image: c.Image, SnapshotKey: c.SnapshotKey, Snapshotter: c.Snapshotter,
			CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Spec: c.Spec}
		info.Runtime.Name = c.Runtime
		if v.ctrHasSandboxID(serverDir) {
			info.SandboxID = &c.SandboxID
		}
		fmt.Fprintln(v.notes, "rtsnap-analyze ctr: containers info: the bundle holds no Runtime.Options and no Extensions (null here)")
		out = info
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// ctrHasSandboxID says whether the daemon's Container record has SandboxID
// (containerd 1.7 and later; an unknown version counts as later).
func (v *view) ctrHasSandboxID(serverDir string) bool {
	var s ctrschema.Server
	if v.decode(containerdSource, serverDir+"server.json", &s) != nil {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(s.Version, "v"), "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major > 1 || (major == 1 && minor >= 7)
}

func (v *view) ctrImages(dir, ns string, args []string, w io.Writer) error {
	fs := flagSet("ctr images ls")
	quiet := fs.BoolP("quiet", "q", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	match, err := ctrFilter("images ls", fs.Args())
	if err != nil {
		return err
	}
	var all []ctrschema.Image
	if err := v.nsFile(dir, ns, "images.json", &all); err != nil {
		return err
	}
	var ims []ctrschema.Image
	for _, im := range all {
		if match(imageFields(im)) {
			ims = append(ims, im)
		}
	}
	// The image store lists in its key (name) order.
	sort.Slice(ims, func(i, j int) bool { return ims[i].Name < ims[j].Name })
	if *quiet {
		for _, im := range ims {
			fmt.Fprintln(w, im.Name)
		}
		return nil
	}
	tw := table(w, 1, 1)
	fmt.Fprintln(tw, "REF\tTYPE\tDIGEST\tSIZE\tPLATFORMS\tLABELS\t")
	for _, im := range ims {
		if im.ManifestErr == "" && im.PlatformSize == 0 && len(im.Platforms) == 0 {
			fmt.Fprintf(v.notes, "rtsnap-analyze ctr: %s: this bundle's collector recorded no size and platforms (older than platform_size): SIZE and PLATFORMS are not the node's\n", im.Name)
		}
		if im.ManifestErr != "" {
			fmt.Fprintf(v.notes, "rtsnap-analyze ctr: %s: size and platforms not collected: %s\n", im.Name, im.ManifestErr)
		}
		labels := joinLabels(im.Labels)
		if labels == "" {
			labels = "-"
		}
		// containerd's progress.Bytes.
		size := units.CustomSize("%02.1f %s", float64(im.PlatformSize), 1024.0, []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"})
		fmt.Fprintf(tw, "%v\t%v\t%v\t%v\t%v\t%s\t\n", im.Name, im.MediaType, im.Digest, size, platformColumn(im.Platforms), labels)
	}
	return tw.Flush()
}

// platformColumn is ctr's PLATFORMS column: the distinct platforms sorted,
// "-" when there are none.
func platformColumn(ps []string) string {
	if len(ps) == 0 {
		return "-"
	}
	uniq := slices.Clone(ps)
	sort.Strings(uniq)
	return strings.Join(slices.Compact(uniq), ",")
}
