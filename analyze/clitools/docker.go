package clitools

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/cli/cli/command/formatter"
	"github.com/docker/cli/templates"
	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
)

// ps and images print through the docker CLI's own formatter package
// (github.com/docker/cli/cli/command/formatter); the other formats follow
// the docker CLI by hand (cli/command
// inspect: the raw API objects in a JSON array indented by 4 spaces).

const dockerSource = "docker"

var dockerMutating = map[string]bool{
	"run": true, "rm": true, "rmi": true, "stop": true, "start": true, "restart": true, "kill": true,
	"pause": true, "unpause": true, "exec": true, "pull": true, "push": true, "create": true, "commit": true,
	"tag": true, "update": true, "rename": true, "cp": true, "prune": true, "build": true, "load": true,
	"import": true, "attach": true, "connect": true, "disconnect": true,
}

func (v *view) docker(args []string, w io.Writer) error {
	fs := flagSet("docker")
	fs.SetInterspersed(false)
	fs.StringP("host", "H", "", "")
	fs.String("context", "", "")
	fs.BoolP("debug", "D", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("docker: want a command: ps, images, inspect, logs")
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	if sub == "container" || sub == "image" {
		if len(rest) == 0 {
			return usagef("docker %s: want a command", sub)
		}
		if dockerMutating[rest[0]] {
			return readOnly("docker", sub+" "+rest[0])
		}
		sub, rest = map[string]string{"ls": "ps", "list": "ps", "inspect": "inspect", "logs": "logs"}[rest[0]], rest[1:]
		if sub == "ps" && fs.Arg(0) == "image" {
			sub = "images"
		}
	}
	if dockerMutating[sub] {
		return readOnly("docker", sub)
	}
	// The object commands the docker source holds no list for.
	if sub == "volume" || sub == "network" || sub == "system" {
		if len(rest) > 0 && dockerMutating[rest[0]] {
			return readOnly("docker", sub+" "+rest[0])
		}
		verb := "ls"
		if len(rest) > 0 {
			verb = rest[0]
		}
		if sub == "system" {
			return usagef("docker system %s: not answered from a bundle", verb)
		}
		return usagef("docker %s %s: not answered from a bundle (the docker source lists no %ss)", sub, verb, sub)
	}
	switch sub {
	case "ps":
		return v.dockerPs(rest, w)
	case "images":
		return v.dockerImages(rest, w)
	case "inspect":
		return v.dockerInspect(rest, w)
	case "logs":
		return v.dockerLogs(rest, w)
	case "version":
		return v.dockerVersion(rest, w)
	case "info":
		return v.dockerInfo(rest, w)
	}
	return usagef("docker: %q is not answered from a bundle (ps, images, inspect, logs, version, info are)", fs.Arg(0))
}

// dockerPs lists the bundle's containers through the docker CLI's own
// formatter: the default table, --format's Go templates (table directive,
// json, join, lower, upper, title, truncate, pad, split) and {{json .}}
// with docker's field set. Its ages (CREATED) count to now, as the CLI's
// do; STATUS is the daemon's, at the collection.
func (v *view) dockerPs(args []string, w io.Writer) error {
	fs := flagSet("docker ps")
	all := fs.BoolP("all", "a", false, "")
	quiet := fs.BoolP("quiet", "q", false, "")
	noTrunc := fs.Bool("no-trunc", false, "")
	size := fs.BoolP("size", "s", false, "")
	last := fs.IntP("last", "n", -1, "")
	latest := fs.BoolP("latest", "l", false, "")
	format := fs.String("format", "", "")
	filters := fs.StringArrayP("filter", "f", nil, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("docker ps: takes no arguments")
	}
	f, err := parseDockerFilters("ps", *filters, []string{"ancestor", "exited", "id", "label", "name", "status"},
		[]string{"before", "since", "health", "volume", "network", "publish", "expose", "isolation", "is-task"})
	if err != nil {
		return err
	}
	fmtStr := *format
	if fmtStr == "" {
		fmtStr = formatter.TableFormatKey
	}
	if *size || formatter.Format(fmtStr).Contains(".Size") {
		return v.missing(dockerSource, "container sizes (the docker source lists /containers/json without size=1, which makes dockerd walk every container's layer)")
	}
	var cs []container.Summary
	if err := v.decode(dockerSource, "docker/containers.json", &cs); err != nil {
		return err
	}
	var images []image.Summary
	if len(f["ancestor"]) > 0 {
		if err := v.decode(dockerSource, "docker/images.json", &images); err != nil {
			return err
		}
	}
	if *latest && *last == -1 {
		*last = 1
	}
	if cs, err = filterContainers(cs, images, f, *all, *last); err != nil {
		return err
	}
	if formatter.Format(fmtStr).Contains("json") {
		fmt.Fprintln(v.notes, "rtsnap-analyze docker: ps: the bundle's list holds no sizes: Size reads 0B")
	}
	ctx := formatter.Context{Output: w, Format: formatter.NewContainerFormat(fmtStr, *quiet, false), Trunc: !*noTrunc}
	return formatter.ContainerWrite(ctx, cs)
}

// dockerImages lists the bundle's images through the docker CLI's formatter.
func (v *view) dockerImages(args []string, w io.Writer) error {
	fs := flagSet("docker images")
	quiet := fs.BoolP("quiet", "q", false, "")
	noTrunc := fs.Bool("no-trunc", false, "")
	all := fs.BoolP("all", "a", false, "")
	digests := fs.Bool("digests", false, "")
	format := fs.String("format", "", "")
	filters := fs.StringArrayP("filter", "f", nil, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("docker images: want at most one REPOSITORY[:TAG]")
	}
	ff := *filters
	if fs.NArg() == 1 {
		ff = append(ff, "reference="+fs.Arg(0)) // as the CLI sends it
	}
	f, err := parseDockerFilters("images", ff, []string{"before", "dangling", "label", "reference", "since"}, nil)
	if err != nil {
		return err
	}
	var ims []image.Summary
	if err := v.decode(dockerSource, "docker/images.json", &ims); err != nil {
		return err
	}
	if *all {
		fmt.Fprintln(v.notes, "rtsnap-analyze docker: images -a: the bundle's list was taken without all=1: intermediate images are not in it")
	}
	if ims, err = filterImages(ims, f); err != nil {
		return err
	}
	fmtStr := *format
	if fmtStr == "" {
		fmtStr = formatter.TableFormatKey
	}
	ctx := formatter.ImageContext{
		Context: formatter.Context{Output: w, Format: formatter.NewImageFormat(fmtStr, *quiet, *digests), Trunc: !*noTrunc},
		Digest:  *digests,
	}
	return formatter.ImageWrite(ctx, ims)
}

// dockerObjectTypes are the values docker inspect --type takes; the bundle
// holds containers' inspect objects only.
var dockerObjectTypes = []string{"config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"}

// dockerInspect prints the held /containers/<id>/json objects that match
// (an id prefix or a name) as `docker inspect` does: the raw objects in a
// JSON array indented by 4 spaces, or each through --format's template
// (typed first, then the raw map with missingkey=error, as the CLI's
// TemplateInspector does).
func (v *view) dockerInspect(args []string, w io.Writer) error {
	fs := flagSet("docker inspect")
	format := fs.StringP("format", "f", "", "")
	typ := fs.String("type", "", "")
	size := fs.BoolP("size", "s", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("docker inspect: want at least one object")
	}
	switch {
	case *typ != "" && !slices.Contains(dockerObjectTypes, *typ):
		return usagef("docker inspect: %q is not a valid value for --type", *typ)
	case *typ != "" && *typ != "container":
		return v.missing(dockerSource, *typ+" inspect objects (the docker source inspects containers only)")
	case *size:
		return v.missing(dockerSource, "container sizes (the docker source inspects without size=1)")
	}
	var objs []json.RawMessage
	if err := v.decode(dockerSource, "docker/inspect.json", &objs); err != nil {
		return err
	}
	type head struct {
		ID   string `json:"Id"`
		Name string `json:"Name"`
	}
	heads := make([]head, len(objs))
	for i, o := range objs {
		json.Unmarshal(o, &heads[i]) //nolint:errcheck // a malformed object matches nothing
	}
	var found []json.RawMessage
	var errs []error
	for _, ref := range fs.Args() {
		at := -1
		for i, h := range heads {
			if h.ID == ref || strings.TrimPrefix(h.Name, "/") == strings.TrimPrefix(ref, "/") {
				at = i
				break
			}
			if strings.HasPrefix(h.ID, ref) {
				at = i
			}
		}
		if at < 0 {
			errs = append(errs, v.noDockerObject(ref, *typ))
			continue
		}
		found = append(found, objs[at])
	}
	if err := printInspect(w, found, *format); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// noDockerObject says why ref is not answered: no container of that name,
// or an image the bundle lists but did not inspect.
func (v *view) noDockerObject(ref, typ string) error {
	var ims []image.Summary
	if typ == "" && v.decode(dockerSource, "docker/images.json", &ims) == nil && findDockerImage(ims, ref) != nil {
		return fmt.Errorf("%s is an image: the bundle lists it (docker images --filter reference=%s --format '{{json .}}') but holds no image inspect objects", ref, ref)
	}
	return fmt.Errorf("no such object: %s (not in the bundle's docker/inspect.json)", ref)
}

func printInspect(w io.Writer, objs []json.RawMessage, format string) error {
	switch format {
	case "", "json":
		parts := make([]string, len(objs))
		for i, o := range objs {
			var buf bytes.Buffer
			if err := json.Compact(&buf, o); err != nil {
				return err
			}
			parts[i] = buf.String()
		}
		list := "[" + strings.Join(parts, ",") + "]"
		if format == "json" { // the CLI's JSONInspector: compact
			_, err := fmt.Fprintln(w, list)
			return err
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, []byte(list), "", "    "); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, buf.String())
		return err
	}
	tmpl, err := templates.Parse(format)
	if err != nil {
		return usagef("docker inspect: template parsing error: %v", err)
	}
	var out bytes.Buffer
	for _, o := range objs {
		var typed container.InspectResponse
		var buf bytes.Buffer
		if json.Unmarshal(o, &typed) != nil || tmpl.Execute(&buf, typed) != nil {
			buf.Reset()
			var raw any
			dec := json.NewDecoder(bytes.NewReader(o))
			dec.UseNumber()
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("unable to read inspect data: %w", err)
			}
			if err := tmpl.Option("missingkey=error").Execute(&buf, raw); err != nil {
				return fmt.Errorf("template parsing error: %w", err)
			}
		}
		out.Write(buf.Bytes())
		out.WriteByte('\n')
	}
	if out.Len() == 0 {
		out.WriteByte('\n')
	}
	_, err = w.Write(out.Bytes())
	return err
}

func (v *view) dockerLogs(args []string, w io.Writer) error {
	fs := flagSet("docker logs")
	tail := fs.StringP("tail", "n", "all", "")
	timestamps := fs.BoolP("timestamps", "t", false, "")
	fs.BoolP("follow", "f", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("docker logs: want one container")
	}
	n := int64(-1)
	if *tail != "all" {
		t, err := strconv.ParseInt(*tail, 10, 64)
		if err != nil {
			return usagef("docker logs: --tail %q: want a number or all", *tail)
		}
		n = t
	}
	var cs []container.Summary
	if err := v.decode(dockerSource, "docker/containers.json", &cs); err != nil {
		return err
	}
	ref, id := fs.Arg(0), ""
	for _, c := range cs {
		if c.ID == ref || strings.HasPrefix(c.ID, ref) || (len(c.Names) > 0 && strings.TrimPrefix(c.Names[0], "/") == ref) {
			id = c.ID
			break
		}
	}
	if id == "" {
		return fmt.Errorf("no such container: %s (not in the bundle's docker/containers.json)", ref)
	}
	data, ok := v.b.File("logs/docker/" + id + ".jsonl")
	if !ok {
		return v.missing(logsSource, "logs/docker/"+id+".jsonl")
	}
	type entry struct {
		Log  string `json:"log"`
		Time string `json:"time"`
	}
	var lines []entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), len(data)+1)
	for sc.Scan() {
		var e entry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			lines = append(lines, e)
		}
	}
	if n >= 0 && int64(len(lines)) > n {
		lines = lines[int64(len(lines))-n:]
	}
	bw := bufio.NewWriter(w)
	for _, e := range lines {
		if *timestamps {
			bw.WriteString(e.Time + " ")
		}
		bw.WriteString(e.Log)
	}
	return bw.Flush()
}

type dockerVersion struct {
	Platform struct {
		Name string `json:"Name"`
	} `json:"Platform"`
	Components []struct {
		Name    string            `json:"Name"`
		Version string            `json:"Version"`
		Details map[string]string `json:"Details"`
	} `json:"Components"`
}

// dockerVersion prints the Server section of `docker version` (the CLI's
// defaultVersionTemplate through tabwriter(20, 1, 1)); the Client section
// is the docker binary's own, which the bundle does not hold.
func (v *view) dockerVersion(args []string, w io.Writer) error {
	if len(args) != 0 {
		return usagef("docker version: --format and arguments are not answered from a bundle")
	}
	var dv dockerVersion
	if err := v.decode(dockerSource, "docker/version.json", &dv); err != nil {
		return err
	}
	fmt.Fprintln(v.notes, "rtsnap-analyze docker: version: the bundle holds the server's version, not a client's")
	tw := tabwriter.NewWriter(w, 20, 1, 1, ' ', 0)
	head := "Server:"
	if dv.Platform.Name != "" {
		head += " " + dv.Platform.Name
	}
	fmt.Fprintln(tw, head)
	for _, c := range dv.Components {
		fmt.Fprintf(tw, " %s:\n", c.Name)
		d := c.Details
		if c.Name == "Engine" {
			built := d["BuildTime"]
			if t, err := time.Parse(time.RFC3339Nano, built); err == nil {
				built = t.Format(time.ANSIC)
			}
			fmt.Fprintf(tw, "  Version:\t%s\n  API version:\t%s (minimum version %s)\n  Go version:\t%s\n  Git commit:\t%s\n  Built:\t%s\n  OS/Arch:\t%s/%s\n  Experimental:\t%s\n",
				c.Version, d["ApiVersion"], d["MinAPIVersion"], d["GoVersion"], d["GitCommit"], built, d["Os"], d["Arch"], d["Experimental"])
			continue
		}
		fmt.Fprintf(tw, "  Version:\t%s\n", c.Version)
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(tw, "  %s:\t%s\n", k, d[k])
		}
	}
	return tw.Flush()
}

// dockerInfo is what `docker info` prints of /info (docker CLI 28's
// prettyPrintServerInfo): the Server section; the Client section is the
// binary's own.
type dockerInfo struct {
	Containers, ContainersRunning, ContainersPaused, ContainersStopped, Images int
	ServerVersion, Driver, LoggingDriver, CgroupDriver, CgroupVersion          string
	DriverStatus                                                               [][2]string
	Plugins                                                                    struct{ Volume, Network, Authorization, Log []string }
	Swarm                                                                      struct{ LocalNodeState string }
	Runtimes                                                                   map[string]json.RawMessage
	DefaultRuntime, InitBinary                                                 string
	ContainerdCommit, RuncCommit, InitCommit                                   struct{ ID string }
	SecurityOptions                                                            []string
	KernelVersion, OperatingSystem, OSType, Architecture                       string
	NCPU                                                                       int
	MemTotal                                                                   int64
	Name, ID, DockerRootDir                                                    string
	Debug                                                                      bool
	HTTPProxy, HTTPSProxy, NoProxy                                             string
	Labels                                                                     []string
	ExperimentalBuild, LiveRestoreEnabled                                      bool
	RegistryConfig                                                             *struct {
		InsecureRegistryCIDRs []string
		IndexConfigs          map[string]struct {
			Name   string
			Secure bool
		}
		Mirrors []string
	}
	ProductLicense string
}

func (v *view) dockerInfo(args []string, w io.Writer) error {
	if len(args) != 0 {
		return usagef("docker info: --format and arguments are not answered from a bundle")
	}
	var in dockerInfo
	if err := v.decode(dockerSource, "docker/info.json", &in); err != nil {
		return err
	}
	fmt.Fprintln(v.notes, "rtsnap-analyze docker: info: the bundle holds the server's information, not a client's")
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format+"\n", a...) }
	p("Server:")
	p(" Containers: %d", in.Containers)
	p("  Running: %d", in.ContainersRunning)
	p("  Paused: %d", in.ContainersPaused)
	p("  Stopped: %d", in.ContainersStopped)
	p(" Images: %d", in.Images)
	p(" Server Version: %s", in.ServerVersion)
	p(" Storage Driver: %s", in.Driver)
	for _, kv := range in.DriverStatus {
		p("  %s: %s", kv[0], kv[1])
	}
	p(" Logging Driver: %s", in.LoggingDriver)
	p(" Cgroup Driver: %s", in.CgroupDriver)
	if in.CgroupVersion != "" {
		p(" Cgroup Version: %s", in.CgroupVersion)
	}
	p(" Plugins:")
	p("  Volume: %s", strings.Join(in.Plugins.Volume, " "))
	p("  Network: %s", strings.Join(in.Plugins.Network, " "))
	if len(in.Plugins.Authorization) != 0 {
		p("  Authorization: %s", strings.Join(in.Plugins.Authorization, " "))
	}
	p("  Log: %s", strings.Join(in.Plugins.Log, " "))
	p(" Swarm: %v", in.Swarm.LocalNodeState)
	if len(in.Runtimes) > 0 {
		names := make([]string, 0, len(in.Runtimes))
		for n := range in.Runtimes {
			names = append(names, n)
		}
		sort.Strings(names)
		p(" Runtimes: %s", strings.Join(names, " "))
		p(" Default Runtime: %s", in.DefaultRuntime)
	}
	if in.OSType == "linux" {
		p(" Init Binary: %v", in.InitBinary)
		p(" containerd version: %s", in.ContainerdCommit.ID)
		p(" runc version: %s", in.RuncCommit.ID)
		p(" init version: %s", in.InitCommit.ID)
		if len(in.SecurityOptions) != 0 {
			p(" Security Options:")
			for _, o := range in.SecurityOptions {
				name, kvs := "", [][2]string{}
				for _, f := range strings.Split(o, ",") {
					k, val, _ := strings.Cut(f, "=")
					if k == "name" {
						name = val
						continue
					}
					kvs = append(kvs, [2]string{k, val})
				}
				p("  %s", name)
				for _, kv := range kvs {
					p("   %s: %s", strings.ToUpper(kv[0][:1])+kv[0][1:], kv[1])
				}
			}
		}
	}
	p(" Kernel Version: %s", in.KernelVersion)
	p(" Operating System: %s", in.OperatingSystem)
	p(" OSType: %s", in.OSType)
	p(" Architecture: %s", in.Architecture)
	p(" CPUs: %d", in.NCPU)
	p(" Total Memory: %s", units.BytesSize(float64(in.MemTotal)))
	if in.Name != "" {
		p(" Name: %s", in.Name)
	}
	if in.ID != "" {
		p(" ID: %s", in.ID)
	}
	p(" Docker Root Dir: %s", in.DockerRootDir)
	p(" Debug Mode: %v", in.Debug)
	if in.HTTPProxy != "" {
		p(" HTTP Proxy: %s", in.HTTPProxy)
	}
	if in.HTTPSProxy != "" {
		p(" HTTPS Proxy: %s", in.HTTPSProxy)
	}
	if in.NoProxy != "" {
		p(" No Proxy: %s", in.NoProxy)
	}
	if len(in.Labels) > 0 {
		p(" Labels:")
		for _, l := range in.Labels {
			p("  %s", l)
		}
	}
	p(" Experimental: %v", in.ExperimentalBuild)
	if rc := in.RegistryConfig; rc != nil && (len(rc.InsecureRegistryCIDRs) > 0 || len(rc.IndexConfigs) > 0) {
		p(" Insecure Registries:")
		names := make([]string, 0, len(rc.IndexConfigs))
		// The CLI ranges over a map; sorted here, so the order is stable.
		for _, c := range rc.IndexConfigs {
			if !c.Secure {
				names = append(names, c.Name)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			p("  %s", n)
		}
		for _, c := range rc.InsecureRegistryCIDRs {
			p("  %s", c)
		}
		if len(rc.Mirrors) > 0 {
			p(" Registry Mirrors:")
			for _, m := range rc.Mirrors {
				p("  %s", m)
			}
		}
	}
	p(" Live Restore Enabled: %v", in.LiveRestoreEnabled)
	if in.ProductLicense != "" {
		p(" Product License: %s", in.ProductLicense)
	}
	p("")
	return bw.Flush()
}
