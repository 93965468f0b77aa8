package clitools

// The golden comparison: the real crictl v1.37.0, the lab's ctr binaries
// and docker against the lab, and a bundle collected at the same moment
// answering the same command lines. Volatile parts are masked: ages
// ("5 minutes ago", docker's "Up 2 hours") and, where the bundle's
// redaction replaced a secret, the redacted span (the line must match
// with the secret in its place). Nothing else is tolerated.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// buildTool builds a Go main package into dir (tools the test runs).
func buildTool(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", bin}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

// crictlBin is crictl v1.37.0: $RTSNAP_CRICTL, the worktree's bin/crictl
// (`GOBIN=$PWD/bin go install sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0`),
// else installed here from the module proxy.
func crictlBin(t *testing.T) string {
	if p := os.Getenv("RTSNAP_CRICTL"); p != "" {
		return p
	}
	if p, err := filepath.Abs("../../bin/crictl"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0")
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install crictl: %v\n%s", err, out)
	}
	return filepath.Join(dir, "crictl")
}

// ageRe matches the ages crictl and docker print (go-units HumanDuration).
var ageRe = regexp.MustCompile(`(Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|year)s?)( ago)?`)

// agePadRe is a masked age with the padding after it, and the headers of
// the columns that hold ages: a table's column is as wide as its longest
// cell, so "About a minute ago" in one moment and "59 seconds ago" in the
// next widen the column by four and shift the ones after it. Only that
// padding is folded; every other column's layout is compared as printed.
var agePadRe = regexp.MustCompile(`(AGE|\bCREATED|\bSTATUS) {2,}`)

func mask(s string) string {
	return agePadRe.ReplaceAllString(ageRe.ReplaceAllString(s, "AGE"), "$1  ")
}

// redactedRe is a redaction marker, with the quotes YAML puts around a
// value that starts with '['.
var redactedRe = regexp.MustCompile(`'?\[REDACTED:[a-z0-9-]+\]'?`)

// sameOutput compares the real tool's output with ours line by line; a
// line of ours with a redaction marker matches when the real line is that
// line with something non-empty in each marker's place.
func sameOutput(real, ours string) (bool, string) {
	rl, ol := strings.Split(mask(real), "\n"), strings.Split(mask(ours), "\n")
	if len(rl) != len(ol) {
		return false, "line counts differ: real " + strconv.Itoa(len(rl)) + ", bundle " + strconv.Itoa(len(ol))
	}
	for i := range rl {
		if rl[i] == ol[i] {
			continue
		}
		if redactedRe.MatchString(ol[i]) {
			parts := redactedRe.Split(ol[i], -1)
			for j := range parts {
				parts[j] = regexp.QuoteMeta(parts[j])
			}
			if regexp.MustCompile("^" + strings.Join(parts, ".+") + "$").MatchString(rl[i]) {
				continue
			}
		}
		return false, "line " + strconv.Itoa(i+1) + ":\n  real:   " + rl[i] + "\n  bundle: " + ol[i]
	}
	return true, ""
}

// normJSON re-indents a protojson document: protojson randomly adds a
// space after colons, so crictl's -o json output differs between builds.
func normJSON(s string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) != nil {
		return s
	}
	var out bytes.Buffer
	if json.Indent(&out, buf.Bytes(), "", "  ") != nil {
		return s
	}
	return out.String() + "\n"
}

type golden struct {
	name string   // the case, for the report
	real []string // argv of the real tool
	ours []string // tool name, then its args
	json bool     // protojson output: normalize the real one
	// window: a log the lab keeps writing. The real tool runs after the
	// collection with a longer tail; ours must be consecutive lines of it.
	window bool
	// unordered: the real tool's row order changes from call to call
	// (ctr tasks ls: containerd's task list comes from a Go map); rows
	// are compared sorted, the header first.
	unordered bool
	// from: compare the real output from this line on (ctr version: the
	// Client section is the binary's own, the bundle holds the Server's).
	from string
	// dropKeys: each line is a JSON object; these keys are left out of
	// both before comparing (see dockerVersionedKeys).
	dropKeys []string
	// stats: crictl stats/statsp, whose figures move between any two
	// calls: compared by sameStats.
	stats bool
	// ctrInfo: ctr containers info, whose Runtime.Options and Extensions
	// the bundle does not hold: their values are masked (maskCtrInfo).
	ctrInfo bool
	// norm: applied to both outputs before comparing.
	norm func(string) string
}

// grpcCodeRe is a gRPC status code in an error message.
var grpcCodeRe = regexp.MustCompile(`code = (\w+)`)

// failedCallRe is the gRPC code a failed call names.
var failedCallRe = regexp.MustCompile(`failed at the collection: (\w+)`)

// sameFailure says whether the real tool failed with the gRPC code the
// bundle records for the call it needed (a daemon too slow for a call
// fails it for crictl and for the collector alike).
func sameFailure(real string, err error) bool {
	m := failedCallRe.FindStringSubmatch(err.Error())
	return m != nil && strings.HasPrefix(real, "ERROR: ") && strings.Contains(real, "code = "+m[1]+" ")
}

// sortRuntimes sorts the words of docker info's Runtimes line: the docker
// CLI prints them from a Go map, in a new order at every call (the bundle's
// are sorted).
func sortRuntimes(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, " Runtimes: "); ok {
			w := strings.Fields(rest)
			slices.Sort(w)
			lines[i] = " Runtimes: " + strings.Join(w, " ")
		}
	}
	return strings.Join(lines, "\n")
}

// maskCtrInfo replaces the values of ctr containers info's
// Runtime.Options and Extensions, which the collector does not store,
// leaving the rest of the document to compare byte for byte.
func maskCtrInfo(s string) string {
	return maskJSONValue(maskJSONValue(s, "        ", "Options"), "    ", "Extensions")
}

// maskJSONValue masks the value of key at indent in an indented JSON
// document, a multi-line object or array included.
func maskJSONValue(s, indent, key string) string {
	lines := strings.Split(s, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		prefix := indent + strconv.Quote(key) + ": "
		if !strings.HasPrefix(l, prefix) {
			out = append(out, l)
			continue
		}
		comma := ""
		if v := strings.TrimPrefix(l, prefix); v == "{" || v == "[" {
			for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], indent+"}") && !strings.HasPrefix(lines[i+1], indent+"]") {
				i++
			}
			i++
			if i < len(lines) && strings.HasSuffix(lines[i], ",") {
				comma = ","
			}
		} else if strings.HasSuffix(v, ",") {
			comma = ","
		}
		out = append(out, prefix+"MASKED"+comma)
	}
	return strings.Join(out, "\n")
}

// statsNumRe is a stats figure as crictl prints it: CPU %, a go-units
// HumanSize, an inode count.
var statsNumRe = regexp.MustCompile(`^(\d+\.\d\d|\d+(\.\d+)?[kMGTPEZY]?B|\d+)$`)

// statsValueRe is a figure in crictl stats -o json|yaml (protojson puts
// uint64 values in quotes).
var statsValueRe = regexp.MustCompile(`("?(?:value|timestamp)"?: *)"?\d+"?`)

// normStats is a stats document (JSON or YAML) as indented JSON with
// every list of objects sorted by attributes.id: containerd lists a pod's
// containers in its stats from a Go map, in a new order at every call.
func normStats(s string) string {
	js, err := yaml.YAMLToJSON([]byte(s))
	if err != nil {
		return s
	}
	var doc any
	if json.Unmarshal(js, &doc) != nil {
		return s
	}
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			for _, v := range n {
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
			id := func(v any) string {
				m, _ := v.(map[string]any)
				a, _ := m["attributes"].(map[string]any)
				s, _ := a["id"].(string)
				return s
			}
			slices.SortStableFunc(n, func(a, b any) int { return strings.Compare(id(a), id(b)) })
		}
	}
	walk(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return s
	}
	return string(out) + "\n"
}

// sameStats compares crictl stats outputs with the figures masked: a
// table's header, row order, ids and names must match exactly, every
// other cell must be a figure in crictl's format, and every cell must
// start in the same column (the layout); -o json|yaml must match with each
// value and timestamp masked. crictl clears the screen before a table.
func sameStats(real, ours string) (bool, string) {
	real, ours = strings.TrimPrefix(real, "\x1b[2J\x1b[H"), strings.TrimPrefix(ours, "\x1b[2J\x1b[H")
	if strings.HasPrefix(real, "ERROR: ") || strings.HasPrefix(ours, "ERROR: ") { // a failed call: no figures
		return sameOutput(real, ours)
	}
	if strings.HasPrefix(strings.TrimSpace(real), "{") || strings.HasPrefix(real, "stats:") || strings.HasPrefix(real, "status:") {
		return sameOutput(statsValueRe.ReplaceAllString(normStats(real), "${1}N"), statsValueRe.ReplaceAllString(normStats(ours), "${1}N"))
	}
	rl, ol := strings.Split(real, "\n"), strings.Split(ours, "\n")
	if len(rl) != len(ol) {
		return false, "line counts differ: real " + strconv.Itoa(len(rl)) + ", bundle " + strconv.Itoa(len(ol))
	}
	cellRe := regexp.MustCompile(`\S+`)
	for i := range rl {
		rc, oc := cellRe.FindAllStringIndex(rl[i], -1), cellRe.FindAllStringIndex(ol[i], -1)
		bad := len(rc) != len(oc)
		for j := 0; !bad && j < len(rc); j++ {
			r, o := rl[i][rc[j][0]:rc[j][1]], ol[i][oc[j][0]:oc[j][1]]
			exact := i == 0 || j < 2 // the header; CONTAINER and NAME, or POD and POD ID
			bad = rc[j][0] != oc[j][0] || (exact && r != o) || (!exact && (!statsNumRe.MatchString(r) || !statsNumRe.MatchString(o)))
		}
		if bad {
			return false, "line " + strconv.Itoa(i+1) + ":\n  real:   " + rl[i] + "\n  bundle: " + ol[i]
		}
	}
	return true, ""
}

// dockerVersionedKeys are the {{json .}} keys the lab's docker CLI (28)
// and the formatter this module builds with (docker/cli 29, the version
// the proxy serves) disagree on: 29 adds HealthStatus to ps and drops
// images' VirtualSize; Size: the CLI asks dockerd for sizes when the
// template reads them, the bundle's list holds none.
var dockerVersionedKeys = []string{"HealthStatus", "VirtualSize", "Size"}

// dropJSONKeys removes keys from each line that is a JSON object,
// keeping the key order of the rest (encoding/json sorts map keys, as
// the docker formatter's output already is).
func dropJSONKeys(s string, keys []string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(l), &m) != nil {
			continue
		}
		for _, k := range keys {
			delete(m, k)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(true)
		if enc.Encode(m) == nil {
			lines[i] = strings.TrimSuffix(buf.String(), "\n")
		}
	}
	return strings.Join(lines, "\n")
}

// quotedRedaction is a redaction marker as regexp.QuoteMeta writes it.
var quotedRedaction = regexp.MustCompile(`\\\[REDACTED:[a-z0-9-]+\\\]`)

// consecutiveLines says whether ours is a run of whole lines of real, a
// redaction marker in ours standing for the secret the real log holds
// there (a container that logs secrets, as the lab's vault pod does).
func consecutiveLines(real, ours string) bool {
	pat := quotedRedaction.ReplaceAllString(regexp.QuoteMeta(ours), `.+?`)
	re, err := regexp.Compile(`(?:^|\n)` + pat)
	return err == nil && re.MatchString(real)
}

func sortRows(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) > 1 {
		slices.Sort(lines[1:])
	}
	return strings.Join(lines, "\n") + "\n"
}

func runReal(argv []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).Output() // stdout only: crictl warns about its config on stderr
	if err != nil {
		msg := "ERROR: " + err.Error() + "\n" + string(out)
		// The gRPC codes of stderr (its other text carries timestamps).
		if ee, ok := err.(*exec.ExitError); ok {
			codes := map[string]bool{}
			for _, m := range grpcCodeRe.FindAllStringSubmatch(string(ee.Stderr), -1) {
				if !codes[m[1]] {
					codes[m[1]] = true
					msg += "code = " + m[1] + " \n"
				}
			}
		}
		return msg
	}
	return string(out)
}

func TestGoldenAgainstLab(t *testing.T) {
	env := lab.Require(t)
	crictl := crictlBin(t)
	dir := t.TempDir()
	rtsnap := buildTool(t, dir, "rtsnap", "github.com/rtsnap/rtsnap/cmd/rtsnap")

	daemons := []string{"CD16", "CD17", "CD2"}
	sock := func(d string) string { return env["RTSNAP_LAB_"+d+"_SOCK"] }
	// Ids the per-object commands name, taken from the real tools.
	first := func(argv ...string) string {
		f := strings.Fields(runReal(argv))
		if len(f) == 0 {
			return "none"
		}
		return f[0]
	}
	var cases []golden
	for _, d := range daemons {
		s := sock(d)
		cri := func(args ...string) []string { return append([]string{crictl, "-r", "unix://" + s}, args...) }
		ours := func(args ...string) []string { return append([]string{"crictl", "-r", s}, args...) }
		ctr := env["RTSNAP_LAB_"+d+"_CTR"]
		c := first(crictl, "-r", "unix://"+s, "ps", "-q", "--name", "app")
		p := first(crictl, "-r", "unix://"+s, "pods", "-q")
		img := first(crictl, "-r", "unix://"+s, "images", "-q")
		for _, args := range [][]string{
			{"ps"}, {"ps", "-a"}, {"ps", "-o", "yaml"}, {"ps", "--name", "side"}, {"ps", "--pod", p}, {"ps", "-a", "-q"},
			{"pods"}, {"pods", "-o", "yaml"}, {"pods", "--name", "web"}, {"images"}, {"images", "rtsnap.local/pause"}, {"images", "-o", "yaml"}, {"images", "--digests"},
			{"inspect", c}, {"inspectp", p}, {"inspecti", img}, {"info"}, {"version"},
		} {
			cases = append(cases, golden{name: d + ": crictl " + strings.Join(args, " "), real: cri(args...), ours: ours(args...)})
		}
		cases = append(cases, golden{name: d + ": crictl logs --tail 3 " + c, real: cri("logs", "--tail", "200", c), ours: ours("logs", "--tail", "3", c), window: true})
		for _, args := range [][]string{{"stats"}, {"stats", "-a"}, {"stats", "--id", c}, {"stats", "--pod", p, "--label", "io.kubernetes.container.name=sidecar"}, {"statsp"},
			// A table waits --seconds (1) for crictl's second sample: the json and yaml forms are the quick ones.
			{"stats", "-o", "json"}, {"stats", "-o", "yaml", c}, {"stats", "-a", "-o", "json", "--pod", p}, {"statsp", "-o", "json"}, {"statsp", "-o", "yaml", "--id", p},
			{"imagefsinfo"}, {"imagefsinfo", "-o", "yaml"}} {
			cases = append(cases, golden{name: d + ": crictl " + strings.Join(args, " "), real: cri(args...), ours: ours(args...), stats: true})
		}
		for _, args := range [][]string{{"ps", "-o", "json"}, {"pods", "-o", "json"}, {"images", "-o", "json"}} {
			cases = append(cases, golden{name: d + ": crictl " + strings.Join(args, " "), real: cri(args...), ours: ours(args...), json: true})
		}
		cid := first(ctr, "-a", s, "-n", "k8s.io", "containers", "ls", "-q", `labels."io.kubernetes.container.name"==app`)
		cases = append(cases, golden{name: d + ": ctr containers info", real: []string{ctr, "-a", s, "-n", "k8s.io", "containers", "info", cid},
			ours: []string{"ctr", "-a", s, "-n", "k8s.io", "containers", "info", cid}, ctrInfo: true})
		for _, args := range [][]string{{"containers", "ls", "-q"}, {"images", "ls", "-q"},
			{"containers", "ls", `labels."io.kubernetes.container.name"==app`}, {"containers", "ls", "-q", "image~=busybox", "runtime.name==io.containerd.runc.v2"},
			{"containers", "ls", "id==nomatch"}, {"images", "ls", "name~=pause"}, {"images", "ls", "-q", `labels."io.cri-containerd.image"==managed`}} {
			cases = append(cases, golden{name: d + ": ctr -n k8s.io " + strings.Join(args, " "),
				real: append([]string{ctr, "-a", s, "-n", "k8s.io"}, args...), ours: append([]string{"ctr", "-a", s, "-n", "k8s.io"}, args...)})
		}
		cases = append(cases, golden{name: d + ": ctr version", real: []string{ctr, "-a", s, "version"}, ours: []string{"ctr", "-a", s, "version"}, from: "Server:"})
		for _, args := range [][]string{{"namespaces", "ls"}, {"-n", "k8s.io", "containers", "ls"}, {"-n", "k8s.io", "tasks", "ls"},
			{"-n", "k8s.io", "snapshots", "ls"}, {"-n", "k8s.io", "images", "ls"}, {"-n", "k8s.io", "leases", "ls"}, {"plugins", "ls"}, {"-n", "rtsnap-native", "containers", "ls"}} {
			cases = append(cases, golden{name: d + ": ctr " + strings.Join(args, " "),
				real: append([]string{ctr, "-a", s}, args...), ours: append([]string{"ctr", "-a", s}, args...), unordered: args[len(args)-2] == "tasks"})
		}
	}
	cases = append(cases,
		golden{name: "docker ps", real: []string{"docker", "ps"}, ours: []string{"docker", "ps"}},
		golden{name: "docker ps -a", real: []string{"docker", "ps", "-a"}, ours: []string{"docker", "ps", "-a"}},
		golden{name: "docker version", real: []string{"docker", "version"}, ours: []string{"docker", "version"}, from: "Server:"},
		golden{name: "docker info", real: []string{"docker", "info"}, ours: []string{"docker", "info"}, from: "Server:", norm: sortRuntimes},
		golden{name: "docker images", real: []string{"docker", "images"}, ours: []string{"docker", "images"}},
		golden{name: "docker inspect lab-docker-web", real: []string{"docker", "inspect", "lab-docker-web"}, ours: []string{"docker", "inspect", "lab-docker-web"}},
		golden{name: "docker inspect --format", real: []string{"docker", "inspect", "--format", dockerInspectFormat, "lab-docker-web"}, ours: []string{"docker", "inspect", "--format", dockerInspectFormat, "lab-docker-web"}},
		golden{name: "docker inspect --type container -f json", real: []string{"docker", "inspect", "--type", "container", "-f", "json", "lab-docker-web"}, ours: []string{"docker", "inspect", "--type", "container", "-f", "json", "lab-docker-web"}},
		golden{name: "docker logs --tail 3 lab-docker-web", real: []string{"docker", "logs", "--tail", "200", "lab-docker-web"}, ours: []string{"docker", "logs", "--tail", "3", "lab-docker-web"}, window: true},
	)

	dockerID := first("docker", "ps", "-q")
	for _, args := range dockerListCases(dockerID) {
		g := golden{name: "docker " + strings.Join(args, " "), real: append([]string{"docker"}, args...), ours: append([]string{"docker"}, args...)}
		if slices.Contains(args, "{{json .}}") {
			g.dropKeys = dockerVersionedKeys
		}
		cases = append(cases, g)
	}

	// One moment: the real outputs before and after the collection must
	// agree (masked), else the lab moved (a kubelet, a log line) and the
	// moment is taken again.
	var before []string
	var b *bundle.Bundle
	var at time.Time
	for attempt := 1; ; attempt++ {
		at = time.Now()
		before = make([]string, len(cases))
		for i, c := range cases {
			before[i] = runReal(c.real)
		}
		b = collect(t, rtsnap, env, dir, attempt)
		moved := ""
		for i, c := range cases {
			after := runReal(c.real)
			if c.unordered {
				before[i], after = sortRows(before[i]), sortRows(after)
			}
			if c.norm != nil {
				before[i], after = c.norm(before[i]), c.norm(after)
			}
			if c.window {
				before[i] = after
				continue
			}
			same := sameOutput
			if c.stats {
				same = sameStats
			}
			if ok, why := same(before[i], after); !ok && moved == "" {
				moved = c.name + ": " + why
			}
		}
		if moved == "" {
			break
		}
		if attempt == 5 {
			t.Fatalf("the lab kept changing during the collection (last: %s)", moved)
		}
		t.Logf("attempt %d: the lab changed during the collection (%s); again", attempt, moved)
	}

	matched := 0
	for i, c := range cases {
		real := before[i]
		if c.json {
			real = normJSON(real)
		}
		if c.from != "" {
			if i := strings.Index(real, "\n"+c.from); i >= 0 {
				real = real[i+1:]
			}
		}
		var out, notes bytes.Buffer
		v := newView(b, &notes)
		v.now = at
		err := v.run(c.ours[0], c.ours[1:], &out)
		ourText := out.String()
		if c.unordered {
			ourText = sortRows(ourText)
		}
		if c.ctrInfo {
			real, ourText = maskCtrInfo(real), maskCtrInfo(ourText)
		}
		if c.norm != nil {
			real, ourText = c.norm(real), c.norm(ourText)
		}
		if c.dropKeys != nil {
			real, ourText = dropJSONKeys(real, c.dropKeys), dropJSONKeys(ourText, c.dropKeys)
		}
		if err != nil {
			if sameFailure(real, err) {
				t.Logf("%s: the call failed on the node and at the collection alike: %v", c.name, err)
				matched++
				continue
			}
			t.Errorf("%s: bundle: %v", c.name, err)
			continue
		}
		if strings.HasPrefix(real, "ERROR: ") {
			t.Errorf("%s: the real tool failed: %s", c.name, real)
			continue
		}
		if c.window {
			if !consecutiveLines(real, out.String()) || out.Len() == 0 {
				t.Errorf("%s: the bundle's lines are not consecutive lines of the real log:\n%s", c.name, out.String())
				continue
			}
		} else if c.stats {
			if ok, why := sameStats(real, ourText); !ok {
				t.Errorf("%s: differs at %s", c.name, why)
				continue
			}
		} else if ok, why := sameOutput(real, ourText); !ok {
			t.Errorf("%s: differs at %s", c.name, why)
			continue
		}
		matched++
	}
	checkDocs(t, b, at)
	t.Logf("%d of %d command lines match the real tools byte for byte (ages and redacted secrets masked)", matched, len(cases))
}

// dockerInspectFormat reads typed fields, a map through json, an index
// into a slice and docker's template functions.
const dockerInspectFormat = `{{.Name}} {{.State.Status}} {{.State.Running}} {{json .Config.Labels}} {{index .Config.Cmd 0}} {{upper .HostConfig.NetworkMode}} {{len .Mounts}}`

// dockerListCases are the docker ps/images command lines of the golden:
// --format's templates and functions, every answered --filter key both
// keeping the lab's container and leaving it out.
func dockerListCases(id string) [][]string {
	return [][]string{
		{"ps", "-q"}, {"ps", "-a", "-q"}, {"ps", "--no-trunc"}, {"ps", "-a", "--no-trunc"}, {"ps", "-n", "1"}, {"ps", "-l", "-q"},
		{"ps", "--format", "table {{.ID}}\t{{.Names}}\t{{.Image}}\t{{.Status}}"},
		{"ps", "-a", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Labels}} {{.Label \"rtsnap.lab\"}} {{.Networks}} {{.Mounts}} {{.Ports}} {{.Command}}"},
		{"ps", "--format", "{{upper .Names}}|{{lower .State}}|{{title .State}}|{{truncate .ID 5}}|{{pad .Names 2 1}}|{{split .Image \":\"}}|{{join (split .Image \"/\") \"+\"}}|{{json .Names}}"},
		{"ps", "--format", "{{json .}}"}, {"ps", "-q", "--format", "{{.Names}}"},
		{"ps", "--filter", "name=web"}, {"ps", "--filter", "name=^nomatch$"}, {"ps", "-f", "name=lab-docker-web", "-f", "status=running"},
		{"ps", "--filter", "status=exited"}, {"ps", "-a", "--filter", "status=running", "--filter", "status=exited"},
		{"ps", "--filter", "label=rtsnap.lab"}, {"ps", "--filter", "label=rtsnap.lab=docker"}, {"ps", "--filter", "label=rtsnap.lab=other"},
		{"ps", "--filter", "id=" + id}, {"ps", "--filter", "id=0000"},
		{"ps", "--filter", "ancestor=rtsnap-lab/busybox:1"}, {"ps", "--filter", "ancestor=rtsnap-lab/busybox"}, {"ps", "-a", "--filter", "exited=0"},
		{"images", "-q"}, {"images", "--no-trunc"}, {"images", "--digests"}, {"images", "rtsnap-lab/busybox"}, {"images", "nomatch"},
		{"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}} {{.Size}}"}, {"images", "--format", "{{json .}}"},
		{"images", "--format", "table {{.Repository}}\t{{.ID}}"},
		{"images", "--filter", "reference=rtsnap-lab/*"}, {"images", "--filter", "reference=other/*"}, {"images", "--filter", "dangling=true"},
		{"images", "--filter", "dangling=false", "-q"},
	}
}

// collect runs the collector against the lab into a tmpfs directory and
// reads the bundle.
func collect(t *testing.T, rtsnap string, env lab.Env, dir string, attempt int) *bundle.Bundle {
	t.Helper()
	out, err := os.MkdirTemp("/dev/shm", "rtsnap-clitools-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rtsnap, "collect", "--output", out, "--since", "2h",
		"--runtime-endpoint", env["RTSNAP_LAB_CD16_SOCK"], "--runtime-endpoint", env["RTSNAP_LAB_CD17_SOCK"],
		"--runtime-endpoint", env["RTSNAP_LAB_CD2_SOCK"], "--runtime-endpoint", env["RTSNAP_LAB_DOCKER_SOCK"],
		// No bound on containers: the lab's kubelets leave >1000 pod log
		// files behind, and the bound would leave out the docker container's.
		"--max-containers", "0", "--cri-stats",
		// ListPodSandboxStats on a daemon with the lab's leftover pods takes
		// longer than the default 15 s source bound.
		"--source-timeout", "45s", "--timeout", "150s",
		"--journal-dir", env["RTSNAP_LAB_JOURNAL_DIR"])
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Logf("rtsnap collect (attempt %d): %v\n%.2000s", attempt, err, o)
	}
	paths, _ := filepath.Glob(filepath.Join(out, "*.tar.zst"))
	if len(paths) != 1 {
		t.Fatalf("want one bundle in %s, got %v", out, paths)
	}
	b, err := bundle.OpenFile(paths[0], bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The log window check: a redaction marker stands for the secret, nothing
// else is loosened.
func TestConsecutiveLines(t *testing.T) {
	real := "vault tick 1\nGET /api Authorization: Bearer eyJhbGciOi.x.y\nconnecting with password=hunter2\nvault tick 2\n"
	if !consecutiveLines(real, "GET /api Authorization: Bearer [REDACTED:jwt]\nconnecting with password=[REDACTED:secret-key]\nvault tick 2\n") {
		t.Error("redacted window not matched")
	}
	if consecutiveLines(real, "vault tick 2\nGET /api Authorization: Bearer [REDACTED:jwt]\n") {
		t.Error("out-of-order lines matched")
	}
	if consecutiveLines(real, "ick 1\n") {
		t.Error("a partial line matched")
	}
}

func TestMaskCtrInfo(t *testing.T) {
	in := "{\n    \"ID\": \"x\",\n    \"Runtime\": {\n        \"Name\": \"io.containerd.runc.v2\",\n        \"Options\": {\n            \"type_url\": \"containerd.runc.v1.Options\"\n        }\n    },\n    \"Extensions\": {\n        \"a\": {\n            \"value\": \"e30=\"\n        }\n    },\n    \"Spec\": {}\n}"
	want := "{\n    \"ID\": \"x\",\n    \"Runtime\": {\n        \"Name\": \"io.containerd.runc.v2\",\n        \"Options\": MASKED\n    },\n    \"Extensions\": MASKED,\n    \"Spec\": {}\n}"
	if got := maskCtrInfo(in); got != want {
		t.Errorf("maskCtrInfo:\n%s\nwant\n%s", got, want)
	}
	if got := maskCtrInfo("{\n    \"Runtime\": {\n        \"Options\": null\n    },\n    \"Extensions\": null,\n    \"ID\": \"y\"\n}"); got != "{\n    \"Runtime\": {\n        \"Options\": MASKED\n    },\n    \"Extensions\": MASKED,\n    \"ID\": \"y\"\n}" {
		t.Errorf("maskCtrInfo of nulls: %s", got)
	}
}

// The stats comparison: figures masked, the rest (ids, names, layout, a
// pod's containers in any order) still checked.
func TestSameStats(t *testing.T) {
	head := "CONTAINER           NAME                CPU %               MEM\n"
	if ok, why := sameStats("\x1b[2J\x1b[H"+head+"80a397cf1bf16       app                 0.00                483.3kB\n", head+"80a397cf1bf16       app                 0.12                1.2MB\n"); !ok {
		t.Errorf("moving figures: %s", why)
	}
	for _, bad := range []string{
		head + "80a397cf1bf17       app                 0.12                1.2MB\n", // another id
		head + "80a397cf1bf16       app                0.12                1.2MB\n",  // a cell moved
		head + "80a397cf1bf16       app                 n/a                 1.2MB\n", // not a figure
	} {
		if ok, _ := sameStats(head+"80a397cf1bf16       app                 0.00                483.3kB\n", bad); ok {
			t.Errorf("matched: %q", bad)
		}
	}
	a := `{"stats":[{"attributes":{"id":"p"},"linux":{"containers":[{"attributes":{"id":"b"},"cpu":{"timestamp":"1"}},{"attributes":{"id":"a"},"cpu":{"timestamp":"2"}}]}}]}`
	b := "stats:\n- attributes:\n    id: p\n  linux:\n    containers:\n    - attributes:\n        id: a\n      cpu:\n        timestamp: \"7\"\n    - attributes:\n        id: b\n      cpu:\n        timestamp: \"9\"\n"
	if ok, why := sameStats(a, b); !ok {
		t.Errorf("reordered containers: %s", why)
	}
	if ok, _ := sameStats(a, strings.Replace(b, "id: a", "id: c", 1)); ok {
		t.Error("another container id matched")
	}
}

func TestSameFailure(t *testing.T) {
	real := "ERROR: exit status 1\nlevel=error msg=\"get pod stats: list pod sandbox stats: rpc error: code = DeadlineExceeded desc = context deadline exceeded\"\n"
	if !sameFailure(real, errors.New("... ListPodSandboxStats failed at the collection: DeadlineExceeded rpc error: ...")) {
		t.Error("the same failure not matched")
	}
	if sameFailure(real, errors.New("... ListPodSandboxStats failed at the collection: Unavailable rpc error: ...")) {
		t.Error("another code matched")
	}
	if sameFailure("CONTAINER ...\n", errors.New("ListPodSandboxStats failed at the collection: DeadlineExceeded")) {
		t.Error("matched while the real tool worked")
	}
}

// The age column's width follows the clock (CI met this 2 minutes after the
// lab started: "About a minute ago" against "59 seconds ago"); any other
// column still has to match.
func TestMaskFoldsAgePadding(t *testing.T) {
	real := "CONTAINER           IMAGE                              CREATED              STATE               NAME\n" +
		"70f56c6ce9316       docker.io/library/busybox:latest   About a minute ago   Running             app"
	ours := "CONTAINER           IMAGE                              CREATED             STATE               NAME\n" +
		"70f56c6ce9316       docker.io/library/busybox:latest   59 seconds ago      Running             app"
	if ok, why := sameOutput(real, ours); !ok {
		t.Errorf("ages of different widths differ: %s", why)
	}
	other := strings.Replace(ours, "Running             app", "Running           app", 1)
	if ok, _ := sameOutput(real, other); ok {
		t.Error("a column after the age with other padding compared equal")
	}
}
