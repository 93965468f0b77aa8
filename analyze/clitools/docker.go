package clitools

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/docker/go-units"
)

// The formats below follow the docker CLI (cli/command/formatter:
// container.go, image.go, tabwriter minwidth 10, padding 3; cli/command
// inspect: the raw API objects in a JSON array indented by 4 spaces).

const dockerSource = "docker"

var dockerMutating = map[string]bool{
	"run": true, "rm": true, "rmi": true, "stop": true, "start": true, "restart": true, "kill": true,
	"pause": true, "unpause": true, "exec": true, "pull": true, "push": true, "create": true, "commit": true,
	"tag": true, "update": true, "rename": true, "cp": true, "prune": true, "build": true, "load": true,
	"import": true, "attach": true, "network": true, "volume": true, "system": true,
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

// dockerContainer is what docker ps reads of /containers/json.
type dockerContainer struct {
	ID      string   `json:"Id"`
	Names   []string `json:"Names"`
	Image   string   `json:"Image"`
	Command string   `json:"Command"`
	Created int64    `json:"Created"`
	State   string   `json:"State"`
	Status  string   `json:"Status"`
	Ports   []struct {
		IP          string `json:"IP"`
		PrivatePort int    `json:"PrivatePort"`
		PublicPort  int    `json:"PublicPort"`
		Type        string `json:"Type"`
	} `json:"Ports"`
}

func (v *view) dockerPs(args []string, w io.Writer) error {
	fs := flagSet("docker ps")
	all := fs.BoolP("all", "a", false, "")
	quiet := fs.BoolP("quiet", "q", false, "")
	noTrunc := fs.Bool("no-trunc", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("docker ps: takes no arguments")
	}
	var cs []dockerContainer
	if err := v.decode(dockerSource, "docker/containers.json", &cs); err != nil {
		return err
	}
	tw := table(w, 10, 3)
	if !*quiet {
		row(tw, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
	}
	for _, c := range cs {
		// The bundle holds ?all=1; without -a docker lists running ones.
		if !*all && c.State != "running" {
			continue
		}
		id, cmd := c.ID, c.Command
		if !*noTrunc {
			id = truncDockerID(id)
			cmd = ellipsis(cmd, 20)
		}
		if *quiet {
			fmt.Fprintln(w, id)
			continue
		}
		img := c.Image
		if !*noTrunc && strings.HasPrefix(img, "sha256:") {
			img = truncDockerID(img)
		}
		var names []string
		for _, n := range c.Names {
			n = strings.TrimPrefix(n, "/")
			if *noTrunc || !strings.Contains(n, "/") {
				names = append(names, n)
			}
		}
		var ports []string
		for _, p := range c.Ports {
			s := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
			if p.PublicPort != 0 {
				s = fmt.Sprintf("%s:%d->%s", p.IP, p.PublicPort, s)
			}
			ports = append(ports, s)
		}
		row(tw, id, img, strconv.Quote(cmd), ago(v.now, time.Unix(c.Created, 0)), c.Status, strings.Join(ports, ", "), strings.Join(names, ","))
	}
	if *quiet {
		return nil
	}
	return tw.Flush()
}

func truncDockerID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// ellipsis is the docker CLI's formatter.Ellipsis for text of one-column runes.
func ellipsis(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

type dockerImage struct {
	ID       string   `json:"Id"`
	RepoTags []string `json:"RepoTags"`
	Created  int64    `json:"Created"`
	Size     int64    `json:"Size"`
}

func (v *view) dockerImages(args []string, w io.Writer) error {
	fs := flagSet("docker images")
	quiet := fs.BoolP("quiet", "q", false, "")
	noTrunc := fs.Bool("no-trunc", false, "")
	fs.BoolP("all", "a", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("docker images: a REPOSITORY argument is not answered from a bundle")
	}
	var ims []dockerImage
	if err := v.decode(dockerSource, "docker/images.json", &ims); err != nil {
		return err
	}
	tw := table(w, 10, 3)
	if !*quiet {
		row(tw, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")
	}
	for _, im := range ims {
		id := im.ID
		if !*noTrunc {
			id = truncDockerID(id)
		}
		if *quiet {
			fmt.Fprintln(w, id)
			continue
		}
		tags := im.RepoTags
		if len(tags) == 0 {
			tags = []string{"<none>:<none>"}
		}
		for _, t := range tags {
			i := strings.LastIndex(t, ":")
			repo, tag := t, "<none>"
			if i > 0 {
				repo, tag = t[:i], t[i+1:]
			}
			row(tw, repo, tag, id, ago(v.now, time.Unix(im.Created, 0)), units.HumanSizeWithPrecision(float64(im.Size), 3))
		}
	}
	if *quiet {
		return nil
	}
	return tw.Flush()
}

// dockerInspect prints the held /containers/<id>/json objects that match
// (an id prefix or a name), as `docker inspect` does.
func (v *view) dockerInspect(args []string, w io.Writer) error {
	fs := flagSet("docker inspect")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("docker inspect: want at least one container")
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
	var out []string
	for _, ref := range fs.Args() {
		found := -1
		for i, h := range heads {
			if h.ID == ref || strings.TrimPrefix(h.Name, "/") == strings.TrimPrefix(ref, "/") {
				found = i
				break
			}
			if strings.HasPrefix(h.ID, ref) {
				found = i
			}
		}
		if found < 0 {
			return fmt.Errorf("no such object: %s (not in the bundle's docker/inspect.json)", ref)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, objs[found]); err != nil {
			return err
		}
		out = append(out, buf.String())
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte("["+strings.Join(out, ",")+"]"), "", "    "); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, buf.String())
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
	var cs []dockerContainer
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
