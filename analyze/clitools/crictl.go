package clitools

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/schema/cri"
	logschema "github.com/rtsnap/rtsnap/internal/schema/logs"
)

// The formats below follow crictl v1.37.0 (sigs.k8s.io/cri-tools,
// cmd/crictl: display.go, container.go, sandbox.go, image.go, info.go,
// util.go, version.go, logs.go).

const (
	criSource  = "cri"
	logsSource = "logs"
	// crictlIDLen is crictl's truncatedIDLen.
	crictlIDLen = 13
)

// crictlMutating are crictl's subcommands that change the node.
var crictlMutating = map[string]bool{
	"attach": true, "create": true, "exec": true, "port-forward": true, "rm": true, "rmi": true,
	"rmp": true, "run": true, "runp": true, "start": true, "stop": true, "stopp": true,
	"update": true, "pull": true, "update-runtime-config": true, "checkpoint": true,
}

// crictlCtx is one crictl invocation: the endpoint directory chosen.
type crictlCtx struct {
	*view
	dir string // cri/<slug>/
}

func (v *view) crictl(args []string, stdout io.Writer) error {
	fs := flagSet("crictl")
	fs.SetInterspersed(false)
	endpoint := fs.StringP("runtime-endpoint", "r", "", "CRI endpoint")
	fs.StringP("image-endpoint", "i", "", "image endpoint (the bundle holds one image service per runtime endpoint)")
	fs.StringP("config", "c", "", "ignored: the bundle is the configuration")
	fs.DurationP("timeout", "t", 0, "ignored")
	fs.BoolP("debug", "D", false, "ignored")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("crictl: want a subcommand: ps, pods, images, inspect, inspectp, inspecti, info, version, logs")
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	if crictlMutating[sub] {
		return readOnly("crictl", sub)
	}
	c := &crictlCtx{view: v}
	run := map[string]func([]string, io.Writer) error{
		"ps": c.ps, "pods": c.pods, "images": c.images, "image": c.images, "img": c.images,
		"inspect": c.inspect, "inspectp": c.inspectp, "inspecti": c.inspecti,
		"info": c.info, "version": c.version, "logs": c.logs, "stats": c.stats, "statsp": c.statsp, "imagefsinfo": c.imagefsinfo,
	}[sub]
	if run == nil {
		return usagef("crictl: %q is not a subcommand answered from a bundle", sub)
	}
	dir, err := v.criEndpoint(*endpoint)
	if err != nil {
		return err
	}
	c.dir = dir
	return run(rest, stdout)
}

// criEndpoint picks the endpoint directory: -r when given, else the only
// one, else containerd's default socket when held.
func (v *view) criEndpoint(flag string) (string, error) {
	held := v.dirs("cri/", "version.json")
	if flag != "" {
		slug := endpoints.Parse(flag).Slug()
		if slices.Contains(held, slug) {
			return "cri/" + slug + "/", nil
		}
		return "", usagef("crictl: the bundle holds no CRI endpoint %q (it holds %s)", flag, v.criNames(held))
	}
	switch {
	case len(held) == 1:
		return "cri/" + held[0] + "/", nil
	case len(held) == 0:
		return "", v.missing(criSource, "cri/<endpoint>/version.json")
	}
	def := endpoints.Parse("/run/containerd/containerd.sock").Slug()
	if slices.Contains(held, def) {
		return "cri/" + def + "/", nil
	}
	return "", usagef("crictl: the bundle holds %d CRI endpoints, pick one with -r: %s", len(held), v.criNames(held))
}

// criNames lists the held endpoints by their socket paths.
func (v *view) criNames(slugs []string) string {
	names := make([]string, 0, len(slugs))
	for _, s := range slugs {
		var rec cri.VersionRecord
		if v.decode(criSource, "cri/"+s+"/version.json", &rec) == nil && rec.Endpoint != "" {
			names = append(names, rec.Endpoint)
			continue
		}
		names = append(names, s)
	}
	return strings.Join(names, ", ")
}

// runtimeName is the endpoint's CRI runtime name ("" when unknown).
func (c *crictlCtx) runtimeName() string {
	var rec cri.VersionRecord
	if c.file("version.json", &rec) != nil || rec.Version == nil {
		return ""
	}
	return rec.Version.RuntimeName
}

func (c *crictlCtx) file(name string, out any) error {
	return c.decode(criSource, c.dir+name, out)
}

// protoJSON is crictl's protobufObjectToJSON. protojson randomly adds a
// space after a colon (to stop byte comparisons); re-indenting with
// encoding/json gives the stable form crictl prints when it adds none.
func protoJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	if raw, err = latestJSON(raw); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// printProto is crictl's outputProtobufObjAsJSON / AsYAML.
func printProto(w io.Writer, m proto.Message, format string) error {
	js, err := protoJSON(m)
	if err != nil {
		return err
	}
	if format == "yaml" {
		y, err := yaml.JSONToYAML(js)
		if err != nil {
			return err
		}
		js = y
	}
	_, err = fmt.Fprintln(w, string(js))
	return err
}

// outputFormat checks -o for the list commands.
func outputFormat(sub, o string) error {
	switch o {
	case "json", "yaml", "table", "":
		return nil
	}
	return usagef("crictl %s: unsupported output format %q", sub, o)
}

func truncID(id, prefix string) string {
	id = strings.TrimPrefix(id, prefix)
	if len(id) > crictlIDLen {
		id = id[:crictlIDLen]
	}
	return id
}

// isDigest is what go-digest's Parse accepts for sha256 (the only
// algorithm CRI runtimes use for image ids).
var isDigest = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`).MatchString

func compileOpt(flag, pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, usagef("crictl: --%s: invalid regular expression %q: %v", flag, pattern, err)
	}
	return re, nil
}

func matches(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

func labelsMatch(sel, labels map[string]string) bool {
	for k, want := range sel {
		if labels[k] != want {
			return false
		}
	}
	return true
}

func parseLabels(ss []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range ss {
		k, v, ok := strings.Cut(s, "=")
		if !ok || strings.Contains(v, "=") {
			return nil, usagef("crictl: incorrectly specified label: %v", s)
		}
		out[k] = v
	}
	return out, nil
}

func fromLabels(labels map[string]string, key string) string {
	if v, ok := labels[key]; ok {
		return v
	}
	return "unknown"
}

var containerStates = map[criapi.ContainerState]string{
	criapi.ContainerState_CONTAINER_CREATED: "Created", criapi.ContainerState_CONTAINER_RUNNING: "Running",
	criapi.ContainerState_CONTAINER_EXITED: "Exited", criapi.ContainerState_CONTAINER_UNKNOWN: "Unknown",
}

func (c *crictlCtx) containers() ([]*cri.ContainerRecord, error) {
	var list cri.ContainerList
	if err := c.file("containers.json", &list); err != nil {
		return nil, err
	}
	c.listNote("containers", list.Truncated, list.Filtered, list.Error)
	out := make([]*cri.ContainerRecord, 0, len(list.Containers))
	for _, r := range list.Containers {
		if r != nil && r.Container != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *crictlCtx) podRecords() ([]*cri.PodRecord, error) {
	var list cri.PodList
	if err := c.file("pods.json", &list); err != nil {
		return nil, err
	}
	c.listNote("pods", list.Truncated, list.Filtered, list.Error)
	out := make([]*cri.PodRecord, 0, len(list.Pods))
	for _, r := range list.Pods {
		if r != nil && r.Pod != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// listFlags are the flags ps and pods share, as crictl names them.
type listFlags struct {
	id, name, namespace, state, output string
	labels                             []string
	verbose, quiet, latest, noTrunc    bool
	last                               int
	nameRe, nsRe                       *regexp.Regexp
	sel                                map[string]string
}

func addListFlags(fs *pflag.FlagSet) *listFlags {
	lf := &listFlags{}
	fs.StringVar(&lf.id, "id", "", "")
	fs.StringVar(&lf.name, "name", "", "")
	fs.StringVar(&lf.namespace, "namespace", "", "")
	fs.StringVarP(&lf.state, "state", "s", "", "")
	fs.StringSliceVar(&lf.labels, "label", nil, "")
	fs.BoolVarP(&lf.verbose, "verbose", "v", false, "")
	fs.BoolVarP(&lf.quiet, "quiet", "q", false, "")
	fs.StringVarP(&lf.output, "output", "o", "table", "")
	fs.BoolVarP(&lf.latest, "latest", "l", false, "")
	fs.IntVarP(&lf.last, "last", "n", 0, "")
	fs.BoolVar(&lf.noTrunc, "no-trunc", false, "")
	return lf
}

// parse parses args and compiles the filters.
func (lf *listFlags) parse(fs *pflag.FlagSet, sub string, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("crictl %s: takes no arguments", sub)
	}
	if err := outputFormat(sub, lf.output); err != nil {
		return err
	}
	if lf.verbose {
		return usagef("crictl %s: --verbose is not answered from a bundle", sub)
	}
	var err error
	if lf.sel, err = parseLabels(lf.labels); err != nil {
		return err
	}
	if lf.nameRe, err = compileOpt("name", lf.name); err != nil {
		return err
	}
	lf.nsRe, err = compileOpt("namespace", lf.namespace)
	return err
}

// keep is the filter ps and pods share: id prefix (as containerd resolves
// a truncated id), name and namespace patterns, labels.
func (lf *listFlags) keep(id, name, namespace string, labels map[string]string) bool {
	return strings.HasPrefix(id, lf.id) && matches(lf.nameRe, name) && matches(lf.nsRe, namespace) && labelsMatch(lf.sel, labels)
}

// listNote says on the notes writer when the collector's list is not the
// node's whole list: cut at --max-containers, filtered by
// --pod-namespace, or failed.
func (c *crictlCtx) listNote(what string, truncated bool, filtered int, failed string) {
	if truncated {
		fmt.Fprintf(c.notes, "rtsnap-analyze crictl: the bundle's %s were cut at rtsnap collect --max-containers: the newest are shown\n", what)
	}
	if filtered > 0 {
		fmt.Fprintf(c.notes, "rtsnap-analyze crictl: %d %s were left out by rtsnap collect --pod-namespace\n", filtered, what)
	}
	if failed != "" {
		fmt.Fprintf(c.notes, "rtsnap-analyze crictl: listing %s failed at collection time: %s\n", what, failed)
	}
}

func (c *crictlCtx) ps(args []string, w io.Writer) error {
	fs := flagSet("crictl ps")
	lf := addListFlags(fs)
	pod := fs.StringP("pod", "p", "", "")
	image := fs.String("image", "", "")
	all := fs.BoolP("all", "a", false, "")
	resolve := fs.BoolP("resolve-image-path", "r", false, "")
	if err := lf.parse(fs, "ps", args); err != nil {
		return err
	}
	if *image != "" || *resolve {
		return usagef("crictl ps: --image and --resolve-image-path are not answered from a bundle")
	}
	want := criapi.ContainerState(-1)
	if !*all {
		want = criapi.ContainerState_CONTAINER_RUNNING
	}
	if lf.state != "" {
		st, ok := map[string]criapi.ContainerState{"created": 0, "running": 1, "exited": 2, "unknown": 3}[strings.ToLower(lf.state)]
		if !ok {
			return usagef("crictl ps: --state should be one of created, running, exited or unknown")
		}
		want = st
	}
	if lf.latest || lf.last > 0 {
		want = -1
	}
	recs, err := c.containers()
	if err != nil {
		return err
	}
	list := make([]*criapi.Container, 0, len(recs))
	for _, r := range recs {
		list = append(list, r.Container)
	}
	return printList(w, list, crictlList[*criapi.Container]{
		keep: func(ct *criapi.Container) bool {
			return (want < 0 || ct.State == want) && strings.HasPrefix(ct.PodSandboxId, *pod) && ct.Metadata != nil &&
				lf.keep(ct.Id, ct.Metadata.Name, fromLabels(ct.Labels, "io.kubernetes.pod.namespace"), ct.Labels)
		},
		order:  func(a, b *criapi.Container) int { return cmp.Compare(b.CreatedAt, a.CreatedAt) },
		limit:  truncateCount(lf.latest, lf.last),
		id:     func(ct *criapi.Container) string { return ct.Id },
		proto:  func(l []*criapi.Container) proto.Message { return &criapi.ListContainersResponse{Containers: l} },
		header: []string{"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD", "NAMESPACE"},
		rows: func(ct *criapi.Container) [][]string {
			id, podID, img := ct.Id, ct.PodSandboxId, ct.GetImage().GetImage()
			if !lf.noTrunc {
				id, podID = truncID(id, ""), truncID(podID, "")
				if isDigest(img) {
					img = truncID(img, "sha256:")
				}
			}
			return [][]string{{id, img, ago(c.now, time.Unix(0, ct.CreatedAt)), containerStates[ct.State], ct.GetMetadata().GetName(),
				strconv.FormatUint(uint64(ct.GetMetadata().GetAttempt()), 10), podID,
				fromLabels(ct.Labels, "io.kubernetes.pod.name"), fromLabels(ct.Labels, "io.kubernetes.pod.namespace")}}
		},
	}, lf.quiet, lf.output)
}

// truncateCount is the number of rows -l / -n keep (0: all).
func truncateCount(latest bool, last int) int {
	if last > 0 {
		return last
	}
	if latest {
		return 1
	}
	return 0
}

func (c *crictlCtx) pods(args []string, w io.Writer) error {
	fs := flagSet("crictl pods")
	lf := addListFlags(fs)
	if err := lf.parse(fs, "pods", args); err != nil {
		return err
	}
	want := criapi.PodSandboxState(-1)
	if lf.state != "" {
		st, ok := map[string]criapi.PodSandboxState{"ready": 0, "notready": 1}[strings.ToLower(lf.state)]
		if !ok {
			return usagef("crictl pods: --state should be ready or notready")
		}
		want = st
	}
	recs, err := c.podRecords()
	if err != nil {
		return err
	}
	list := make([]*criapi.PodSandbox, 0, len(recs))
	for _, r := range recs {
		list = append(list, r.Pod)
	}
	return printList(w, list, crictlList[*criapi.PodSandbox]{
		keep: func(p *criapi.PodSandbox) bool {
			return (want < 0 || p.State == want) && p.Metadata != nil && lf.keep(p.Id, p.Metadata.Name, p.Metadata.Namespace, p.Labels)
		},
		order:  func(a, b *criapi.PodSandbox) int { return cmp.Compare(b.CreatedAt, a.CreatedAt) },
		limit:  truncateCount(lf.latest, lf.last),
		id:     func(p *criapi.PodSandbox) string { return p.Id },
		proto:  func(l []*criapi.PodSandbox) proto.Message { return &criapi.ListPodSandboxResponse{Items: l} },
		header: []string{"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"},
		rows: func(p *criapi.PodSandbox) [][]string {
			id := p.Id
			if !lf.noTrunc {
				id = truncID(id, "")
			}
			handler := p.RuntimeHandler
			if handler == "" {
				handler = "(default)"
			}
			return [][]string{{id, ago(c.now, time.Unix(0, p.CreatedAt)), map[criapi.PodSandboxState]string{0: "Ready", 1: "NotReady"}[p.State],
				p.GetMetadata().GetName(), p.GetMetadata().GetNamespace(), strconv.FormatUint(uint64(p.GetMetadata().GetAttempt()), 10), handler}}
		},
	}, lf.quiet, lf.output)
}

func (c *crictlCtx) imageList() ([]*cri.ImageRecord, error) {
	var list cri.ImageList
	if err := c.file("images.json", &list); err != nil {
		return nil, err
	}
	out := make([]*cri.ImageRecord, 0, len(list.Images))
	for _, r := range list.Images {
		if r != nil && r.Image != nil {
			out = append(out, r)
		}
	}
	// crictl's ListImages order.
	slices.SortStableFunc(out, func(x, y *cri.ImageRecord) int {
		a, b := x.Image, y.Image
		if len(a.RepoTags) > 0 && len(b.RepoTags) > 0 {
			return cmp.Compare(a.RepoTags[0], b.RepoTags[0])
		}
		if len(a.RepoDigests) > 0 && len(b.RepoDigests) > 0 {
			return cmp.Compare(a.RepoDigests[0], b.RepoDigests[0])
		}
		return cmp.Compare(a.Id, b.Id)
	})
	return out, nil
}

func (c *crictlCtx) images(args []string, w io.Writer) error {
	fs := flagSet("crictl images")
	verbose := fs.BoolP("verbose", "v", false, "")
	quiet := fs.BoolP("quiet", "q", false, "")
	filter := fs.StringSliceP("filter", "f", nil, "")
	output := fs.StringP("output", "o", "", "")
	digests := fs.Bool("digests", false, "")
	noTrunc := fs.Bool("no-trunc", false, "")
	pinned := fs.Bool("pinned", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 || len(*filter) > 0 || *verbose {
		return usagef("crictl images: --filter and --verbose are not answered from a bundle")
	}
	if fs.NArg() == 1 && c.runtimeName() != "containerd" {
		// containerd's CRI ignores ListImages' filter (crictl then lists
		// every image); other runtimes apply it their own way.
		return usagef("crictl images REPOSITORY: answered only for containerd, which ignores it")
	}
	recs, err := c.imageList()
	if err != nil {
		return err
	}
	imgs := make([]*criapi.Image, len(recs))
	for i, r := range recs {
		imgs[i] = r.Image
	}
	head := []string{"IMAGE", "TAG"}
	if *digests {
		head = append(head, "DIGEST")
	}
	head = append(head, "IMAGE ID", "SIZE")
	if *pinned {
		head = append(head, "PINNED")
	}
	return printList(w, imgs, crictlList[*criapi.Image]{
		id:     func(im *criapi.Image) string { return im.Id },
		proto:  func(l []*criapi.Image) proto.Message { return &criapi.ListImagesResponse{Images: l} },
		header: head,
		rows: func(im *criapi.Image) [][]string {
			name, digest := normalizeRepoDigest(im.RepoDigests)
			size := units.HumanSizeWithPrecision(float64(im.Size), 3)
			id := im.Id
			if !*noTrunc {
				id, digest = truncID(id, "sha256:"), truncID(digest, "sha256:")
			}
			var rows [][]string
			for _, pair := range normalizeRepoTagPair(im.RepoTags, name) {
				cols := pair[:2:2]
				if *digests {
					cols = append(cols, digest)
				}
				cols = append(cols, id, size)
				if *pinned {
					cols = append(cols, strconv.FormatBool(im.Pinned))
				}
				rows = append(rows, cols)
			}
			return rows
		},
	}, *quiet, *output)
}

func normalizeRepoTagPair(tags []string, name string) [][]string {
	const none = "<none>"
	if len(tags) == 0 {
		return [][]string{{name, none}}
	}
	var out [][]string
	for _, t := range tags {
		i := strings.LastIndex(t, ":")
		if i == -1 {
			out = append(out, []string{"errorRepoTag", "errorRepoTag"})
			continue
		}
		n := t[:i]
		if n == none {
			n = name
		}
		out = append(out, []string{n, t[i+1:]})
	}
	return out
}

func normalizeRepoDigest(digests []string) (string, string) {
	if len(digests) == 0 {
		return "<none>", "<none>"
	}
	pair := strings.Split(digests[0], "@")
	if len(pair) != 2 {
		return "errorName", "errorRepoDigest"
	}
	return pair[0], pair[1]
}

// statusFlags are the flags of inspect, inspectp, inspecti and info.
type statusFlags struct {
	output string
	quiet  bool
	ids    []string
}

func parseStatusFlags(sub string, args []string, def string) (statusFlags, error) {
	fs := flagSet("crictl " + sub)
	o := fs.StringP("output", "o", def, "")
	q := fs.BoolP("quiet", "q", false, "")
	tmpl := fs.String("template", "", "")
	fs.String("name", "", "")
	fs.StringSliceP("filter", "f", nil, "")
	if err := parse(fs, args); err != nil {
		return statusFlags{}, err
	}
	if *o == "" {
		*o = "json"
	}
	if *o != "json" && *o != "yaml" {
		return statusFlags{}, usagef("crictl %s: -o %s is not answered from a bundle (json and yaml are)", sub, *o)
	}
	if *tmpl != "" {
		return statusFlags{}, usagef("crictl %s: --template is not answered from a bundle", sub)
	}
	return statusFlags{output: *o, quiet: *q, ids: fs.Args()}, nil
}

// statusDoc is one status of crictl's outputStatusData: the status as
// protojson, the times crictl rewrites, and the verbose info.
func statusDoc(status proto.Message, times map[string]string, info map[string]json.RawMessage, quiet bool) (map[string]any, error) {
	js, err := protoJSON(status)
	if err != nil {
		return nil, err
	}
	var st map[string]any
	if err := json.Unmarshal(js, &st); err != nil {
		return nil, err
	}
	for _, k := range fieldNames(status) {
		// Only inspect and inspectp (times set) go through marshalMapInOrder.
		if _, ok := st[k]; !ok && times != nil {
			st[k] = nil
		}
	}
	for k, v := range times {
		st[k] = v
	}
	doc := map[string]any{"status": st}
	if quiet {
		return doc, nil
	}
	for k, raw := range info {
		doc[k] = infoValue(raw)
	}
	return doc, nil
}

// infoValue undoes the collector's storage of a verbose info string: a
// JSON object is what crictl decodes; anything else crictl prints as the
// string with its quotes trimmed.
func infoValue(raw json.RawMessage) any {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '{' {
		var m map[string]any
		if json.Unmarshal(t, &m) == nil {
			return m
		}
	}
	var s string
	if json.Unmarshal(t, &s) == nil {
		return strings.Trim(s, `"`)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, t) == nil {
		return buf.String()
	}
	return string(t)
}

// printStatuses is the end of crictl's outputStatusData.
func printStatuses(w io.Writer, docs []map[string]any, format string) error {
	if len(docs) == 0 {
		return nil
	}
	var v any = docs
	if len(docs) == 1 {
		v = docs[0]
	}
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if format == "yaml" {
		y, err := yaml.JSONToYAML(js)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(y))
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, js, "", "  "); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, buf.String())
	return err
}

// resolve finds the one id that starts with prefix, as containerd's CRI
// resolves a truncated id.
func resolve(kind, prefix string, ids []string) (int, error) {
	found := -1
	for i, id := range ids {
		if id == prefix {
			return i, nil
		}
		if prefix != "" && strings.HasPrefix(id, prefix) {
			if found >= 0 {
				return -1, fmt.Errorf("%s id %q is ambiguous in the bundle", kind, prefix)
			}
			found = i
		}
	}
	if found < 0 {
		return -1, fmt.Errorf("no %s %q in the bundle", kind, prefix)
	}
	return found, nil
}

func remarshal(in, out any) error {
	js, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(js, out)
}

func rfc3339(ns int64) string { return time.Unix(0, ns).Format(time.RFC3339Nano) }

// statusesOf resolves each id asked for among ids and builds its document.
func statusesOf(sub, kind string, asked, ids []string, doc func(i int) (map[string]any, error)) ([]map[string]any, error) {
	if len(asked) == 0 {
		return nil, usagef("crictl %s: ID cannot be empty", sub)
	}
	var docs []map[string]any
	for _, id := range asked {
		i, err := resolve(kind, id, ids)
		if err != nil {
			return nil, err
		}
		d, err := doc(i)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

func containerIDs(recs []*cri.ContainerRecord) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Container.Id
	}
	return ids
}

func (c *crictlCtx) inspect(args []string, w io.Writer) error {
	f, err := parseStatusFlags("inspect", args, "")
	if err != nil {
		return err
	}
	recs, err := c.containers()
	if err != nil {
		return err
	}
	docs, err := statusesOf("inspect", "container", f.ids, containerIDs(recs), func(i int) (map[string]any, error) {
		st := recs[i].Status
		if st == nil && recs[i].StatusOmitted {
			return nil, fmt.Errorf("the collector did not ask the status of container %s: it was running on a node of more containers than it asks about (--cri-status-all asks every one); its list entry is in crictl ps", recs[i].Container.Id)
		}
		if st == nil {
			return nil, fmt.Errorf("the bundle holds no status of container %s: %s", recs[i].Container.Id, recs[i].Error)
		}
		// crictl's marshalContainerStatus.
		var started, finished time.Time
		if st.State != criapi.ContainerState_CONTAINER_CREATED {
			started = time.Unix(0, st.StartedAt)
		}
		if st.State == criapi.ContainerState_CONTAINER_EXITED || (st.State == criapi.ContainerState_CONTAINER_UNKNOWN && st.FinishedAt > 0) {
			finished = time.Unix(0, st.FinishedAt)
		}
		return statusDoc(st, map[string]string{"createdAt": rfc3339(st.CreatedAt),
			"startedAt": started.Format(time.RFC3339Nano), "finishedAt": finished.Format(time.RFC3339Nano)}, recs[i].Info, f.quiet)
	})
	if err != nil {
		return err
	}
	return printStatuses(w, docs, f.output)
}

func (c *crictlCtx) inspectp(args []string, w io.Writer) error {
	f, err := parseStatusFlags("inspectp", args, "")
	if err != nil {
		return err
	}
	recs, err := c.podRecords()
	if err != nil {
		return err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Pod.Id
	}
	docs, err := statusesOf("inspectp", "pod sandbox", f.ids, ids, func(i int) (map[string]any, error) {
		st := recs[i].Status
		if st == nil {
			return nil, fmt.Errorf("the bundle holds no status of pod sandbox %s: %s", recs[i].Pod.Id, recs[i].Error)
		}
		return statusDoc(st, map[string]string{"createdAt": rfc3339(st.CreatedAt)}, recs[i].Info, f.quiet)
	})
	if err != nil {
		return err
	}
	return printStatuses(w, docs, f.output)
}

func (c *crictlCtx) inspecti(args []string, w io.Writer) error {
	f, err := parseStatusFlags("inspecti", args, "")
	if err != nil {
		return err
	}
	recs, err := c.imageList()
	if err != nil {
		return err
	}
	// Without ids, every image, each once: resolving each one's own id
	// again (findImage scans the list) was images x images, minutes for a
	// crafted images.json of 100,000.
	all := len(f.ids) == 0
	if all {
		for _, r := range recs {
			f.ids = append(f.ids, r.Image.Id)
		}
	}
	var docs []map[string]any
	for i, ref := range f.ids {
		var r *cri.ImageRecord
		if all {
			r = recs[i]
		} else if r = findImage(recs, ref); r == nil {
			return fmt.Errorf("no such image %q present in the bundle", ref)
		}
		doc, err := statusDoc(r.Image, nil, r.Info, f.quiet)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
	}
	return printStatuses(w, docs, f.output)
}

// findImage resolves an image reference as containerd's ImageStatus does:
// an id (or its unique prefix, with or without sha256:), a repo tag (a
// name without a tag means :latest) or a repo digest.
func findImage(recs []*cri.ImageRecord, ref string) *cri.ImageRecord {
	tagged := ref
	if !strings.Contains(path.Base(ref), ":") && !strings.Contains(ref, "@") {
		tagged = ref + ":latest"
	}
	var byPrefix []*cri.ImageRecord
	for _, r := range recs {
		im := r.Image
		if im.Id == ref || slices.Contains(im.RepoTags, ref) || slices.Contains(im.RepoTags, tagged) ||
			slices.Contains(im.RepoDigests, ref) || slices.ContainsFunc(im.RepoTags, func(t string) bool { return strings.TrimPrefix(t, "docker.io/library/") == tagged }) {
			return r
		}
		if len(ref) >= 4 && strings.HasPrefix(strings.TrimPrefix(im.Id, "sha256:"), strings.TrimPrefix(ref, "sha256:")) {
			byPrefix = append(byPrefix, r)
		}
	}
	if len(byPrefix) == 1 {
		return byPrefix[0]
	}
	return nil
}

// parseNoArgStatusFlags is parseStatusFlags for the commands that take no ids.
func parseNoArgStatusFlags(sub string, args []string) (statusFlags, error) {
	f, err := parseStatusFlags(sub, args, "json")
	if err == nil && len(f.ids) != 0 {
		err = usagef("crictl %s: takes no arguments", sub)
	}
	return f, err
}

// imagefsinfo prints the cri source's ImageFsInfo answer as crictl does
// (outputStatusData: {"status": ...}, json unless -o yaml).
func (c *crictlCtx) imagefsinfo(args []string, w io.Writer) error {
	f, err := parseNoArgStatusFlags("imagefsinfo", args)
	if err != nil {
		return err
	}
	var resp criapi.ImageFsInfoResponse
	if err := c.file("imagefs.json", &resp); err != nil {
		return err
	}
	doc, err := statusDoc(&resp, nil, nil, true)
	if err != nil {
		return err
	}
	return printStatuses(w, []map[string]any{doc}, f.output)
}

func (c *crictlCtx) info(args []string, w io.Writer) error {
	f, err := parseNoArgStatusFlags("info", args)
	if err != nil {
		return err
	}
	var rec cri.StatusRecord
	if err := c.file("status.json", &rec); err != nil {
		return err
	}
	if rec.Status == nil {
		return c.missing(criSource, c.dir+"status.json (status)")
	}
	doc, err := statusDoc(rec.Status, nil, rec.Info, f.quiet)
	if err != nil {
		return err
	}
	// crictl marshals these two with encoding/json, as the bundle stores them.
	if len(rec.RuntimeHandlers) > 0 {
		var hs []any
		if err := remarshal(rec.RuntimeHandlers, &hs); err != nil {
			return err
		}
		doc["runtimeHandlers"] = hs
	}
	if rec.Features != nil {
		var fm map[string]any
		if err := remarshal(rec.Features, &fm); err != nil {
			return err
		}
		doc["features"] = fm
	}
	return printStatuses(w, []map[string]any{doc}, f.output)
}

func (c *crictlCtx) version(args []string, w io.Writer) error {
	if len(args) != 0 {
		return usagef("crictl version: takes no arguments")
	}
	var rec cri.VersionRecord
	if err := c.file("version.json", &rec); err != nil {
		return err
	}
	if rec.Version == nil {
		return fmt.Errorf("getting the runtime version: the endpoint %s did not answer at collection time: %s %s", rec.Endpoint, rec.Code, rec.Error)
	}
	v := rec.Version
	fmt.Fprintln(w, "Version: ", v.Version)
	fmt.Fprintln(w, "RuntimeName: ", v.RuntimeName)
	fmt.Fprintln(w, "RuntimeVersion: ", v.RuntimeVersion)
	_, err := fmt.Fprintln(w, "RuntimeApiVersion: ", v.RuntimeApiVersion)
	return err
}

// logIndex maps an original log path to the file the bundle stored it as.
func (v *view) logIndex() (map[string]logschema.File, error) {
	var idx logschema.Index
	if err := v.decode(logsSource, "logs/index.json", &idx); err != nil {
		return nil, err
	}
	out := make(map[string]logschema.File, len(idx.Files))
	for _, f := range idx.Files {
		out[f.Path] = f
	}
	return out, nil
}

// storedLog is the tail the bundle holds of the log file at orig.
func (v *view) storedLog(orig string) ([]byte, logschema.File, error) {
	idx, err := v.logIndex()
	if err != nil {
		return nil, logschema.File{}, err
	}
	f, ok := idx[orig]
	if !ok {
		return nil, f, v.missing(logsSource, "log of "+orig)
	}
	if f.Stored == "" {
		if f.Error != "" {
			return nil, f, fmt.Errorf("%s: not collected: %s", orig, f.Error)
		}
		return nil, f, nil // nothing within --since
	}
	// index.json names stored files relative to the source's directory.
	data, ok := v.b.File(path.Join(logsSource, f.Stored))
	if !ok {
		return nil, f, v.missing(logsSource, f.Stored)
	}
	return data, f, nil
}

func (c *crictlCtx) logs(args []string, w io.Writer) error {
	fs := flagSet("crictl logs")
	fs.BoolP("follow", "f", false, "")
	previous := fs.BoolP("previous", "p", false, "")
	tail := fs.Int64("tail", -1, "")
	timestamps := fs.BoolP("timestamps", "t", false, "")
	stream := fs.String("stream", "", "")
	sinceFlag := fs.String("since", "", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("crictl logs: want one container ID")
	}
	since, err := logSince(*sinceFlag, c.now)
	if err != nil {
		return err
	}
	recs, err := c.containers()
	if err != nil {
		return err
	}
	i, err := resolve("container", fs.Arg(0), containerIDs(recs))
	if err != nil {
		return err
	}
	logPath := recs[i].Status.GetLogPath()
	if logPath == "" && recs[i].Status == nil {
		logPath = c.kubeletLogPath(recs[i].Container)
	}
	if logPath == "" {
		return fmt.Errorf("the container %s has no log path", recs[i].Container.Id)
	}
	if *previous {
		attempt := recs[i].Container.GetMetadata().GetAttempt()
		if attempt == 0 {
			return fmt.Errorf("the container %s has no previous attempt", recs[i].Container.Id)
		}
		logPath = path.Join(path.Dir(logPath), strconv.FormatUint(uint64(attempt-1), 10)+".log")
	}
	data, f, err := c.storedLog(logPath)
	if err != nil {
		return err
	}
	n, err := writeCRILog(w, data, *tail, *timestamps, *stream, since)
	if err == nil && f.Truncated && (*tail < 0 || int64(n) < *tail) {
		fmt.Fprintf(c.notes, "rtsnap-analyze crictl: the bundle holds the last %d lines (%d of %d bytes) of %s\n", f.Lines, f.KeptBytes, f.SizeBytes, logPath)
	}
	return err
}

// writeCRILog prints a CRI log ("<time> <stream> <P|F> <text>" lines) the
// way crictl logs does: the text, partial lines joined, the last tail
// lines (all when tail < 0), stdout and stderr both to w (the bundle
// reader has one output). A line that does not parse is skipped, as
// kubelet's reader does.
func writeCRILog(w io.Writer, data []byte, tail int64, timestamps bool, stream string, since time.Time) (int, error) {
	type line struct{ ts, text string }
	var lines []line
	var partial strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), len(data)+1)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 4)
		if len(f) < 3 {
			continue
		}
		if stream != "" && stream != "all" && f[1] != stream {
			continue
		}
		// As the kubelet's log reader: each physical line before --since is left out.
		if t, err := time.Parse(time.RFC3339Nano, f[0]); !since.IsZero() && err == nil && t.Before(since) {
			continue
		}
		text := ""
		if len(f) == 4 {
			text = f[3]
		}
		if f[2] == "P" {
			partial.WriteString(text)
			continue
		}
		partial.WriteString(text)
		ts := f[0]
		if t, err := time.Parse(time.RFC3339Nano, f[0]); err == nil {
			ts = t.Format(time.RFC3339Nano)
		}
		lines = append(lines, line{ts: ts, text: partial.String()})
		partial.Reset()
	}
	if tail >= 0 && int64(len(lines)) > tail {
		lines = lines[int64(len(lines))-tail:]
	}
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		if timestamps {
			bw.WriteString(l.ts + " ")
		}
		bw.WriteString(l.text + "\n")
	}
	return len(lines), bw.Flush()
}

// logSince reads crictl logs --since as crictl does (docker's
// timetype.GetTimestamp): a duration back from now (now being the
// collection's start), an RFC 3339 time, a local date-time, a date, or
// Unix seconds.
func logSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02Z07:00", "2006-01-02"} {
		loc := time.Local
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	if sec, frac, _ := strings.Cut(v, "."); sec != "" {
		if s, err := strconv.ParseInt(sec, 10, 64); err == nil {
			ns := int64(0)
			if frac != "" {
				f, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
				if err != nil {
					return time.Time{}, usagef("crictl logs: --since %q: not a time", v)
				}
				ns = f
			}
			return time.Unix(s, ns), nil
		}
	}
	return time.Time{}, usagef("crictl logs: --since %q: want a duration (42m), an RFC 3339 time or Unix seconds", v)
}

// kubeletLogPath is the collected log of a container whose status (which
// names the path) was not collected: the logs source's file of the same pod
// UID and container name whose name is the attempt's (the kubelet writes
// POD_LOGS_DIR/NS_POD_UID/NAME/ATTEMPT.log, BuildContainerLogPath in
// kuberuntime); "" when the labels the kubelet gives every container are
// missing or no such file was collected.
func (v *view) kubeletLogPath(ct *criapi.Container) string {
	l := ct.GetLabels()
	uid, name := l["io.kubernetes.pod.uid"], l["io.kubernetes.container.name"]
	if uid == "" || name == "" {
		return ""
	}
	idx, err := v.logIndex()
	if err != nil {
		return ""
	}
	want := strconv.FormatUint(uint64(ct.GetMetadata().GetAttempt()), 10) + ".log"
	for p, f := range idx {
		if f.Kind == "cri" && f.PodUID == uid && f.Container == name && path.Base(p) == want {
			return p
		}
	}
	return ""
}
