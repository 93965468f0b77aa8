//go:build unix

package hostile

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/bundle"
)

// subcommand is one analyzer command line; in args, "B" is the hostile
// bundle, "A" a valid baseline, "M" the mutated member, "ID" a container
// id and "O/" the command's own output directory.
type subcommand struct {
	args []string
	// outputs are the files (under O/) the command may write.
	outputs []string
}

// subcommands is every rtsnap-analyze command that reads a bundle
// (docs/analyzer.md's table), the familiar crictl/ctr/docker views
// included; short keeps one of each kind for -short runs.
func subcommands(short bool) []subcommand {
	all := []subcommand{
		{args: []string{"verify", "B"}}, {args: []string{"verify", "--json", "B"}},
		{args: []string{"ls", "B"}}, {args: []string{"ls", "--json", "B"}},
		{args: []string{"inspect", "B"}}, {args: []string{"inspect", "--json", "B"}},
		{args: []string{"findings", "B"}}, {args: []string{"findings", "--json", "B"}},
		{args: []string{"timeline", "B"}}, {args: []string{"timeline", "--json", "B"}},
		{args: []string{"diff", "A", "B"}}, {args: []string{"diff", "--json", "B", "B"}},
		{args: []string{"report", "-o", "O/r.html", "B"}, outputs: []string{"r.html"}},
		{args: []string{"report", "--markdown", "--against", "A", "-o", "O/r.md", "B"}, outputs: []string{"r.md"}},
		{args: []string{"export", "--audit", "O/audit", "B"}, outputs: []string{"audit"}},
		{args: []string{"show", "B", "M"}}, {args: []string{"show", "B", "M:1-3"}}, {args: []string{"show", "B", "manifest.json#/host"}},
		{args: []string{"crictl", "B", "ps", "-a"}}, {args: []string{"crictl", "B", "pods"}}, {args: []string{"crictl", "B", "images"}},
		{args: []string{"crictl", "B", "inspect", "ID"}}, {args: []string{"crictl", "B", "inspecti"}}, {args: []string{"crictl", "B", "logs", "ID"}}, {args: []string{"crictl", "B", "info"}},
		{args: []string{"crictl", "B", "stats", "-a"}},
		{args: []string{"ctr", "B", "containers", "list"}}, {args: []string{"ctr", "B", "-n", "k8s.io", "tasks", "list"}}, {args: []string{"ctr", "B", "images", "list"}},
		{args: []string{"docker", "B", "ps", "-a"}}, {args: []string{"docker", "B", "images"}}, {args: []string{"docker", "B", "inspect", "ID"}},
		{args: []string{"docker", "B", "logs", "ID"}}, {args: []string{"docker", "B", "info"}},
	}
	if !short {
		return all
	}
	var out []subcommand
	seen := map[string]bool{}
	for _, c := range all {
		if !seen[c.args[0]] {
			seen[c.args[0]] = true
			out = append(out, c)
		}
	}
	return out
}

// hostileBundle is one generated bundle for the subprocess suite.
type hostileBundle struct {
	name, member string
	mu           Mutation
	path         string
}

// suiteBundles builds, for source s, one bundle per mutation: a member
// mutation on a member chosen in turn from the opened ones (the in-process
// sweep covers every member), a content mutation on every opened member
// at once, a volume one (Full figures) on one member of the kind it
// attacks. Each bundle is alone in its own directory.
func suiteBundles(t *testing.T, dir string, s *Source, sc Scale) []hostileBundle {
	t.Helper()
	opened := s.Opened()
	var out []hostileBundle
	for k, mu := range append(Mutations(), CollideIDs) {
		if mu.FullOnly && sc != Full {
			continue
		}
		var ar Archive
		var err error
		member := ""
		switch {
		case mu.Content != nil && !mu.Volume:
			member = opened[k%len(opened)]
			ar = mu.ApplyAll(s, opened, sc)
		case mu.Content != nil:
			member = volumeTarget(s, opened, mu)
			if member == "" {
				continue
			}
			ar = mu.ApplyAll(s, []string{member}, sc)
		case mu.Member:
			ts := targets(s, mu)
			member = ts[k%len(ts)]
			ar, err = mu.Build(s, member, sc)
		default:
			ar, err = mu.Build(s, "", sc)
		}
		if err != nil {
			t.Fatalf("%s: %v", mu.Name, err)
		}
		bdir := filepath.Join(dir, s.Name+"-"+mu.Name)
		if err := os.Mkdir(bdir, 0o700); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(bdir, "bundle.tar.zst")
		if err := ar.WriteFile(p); err != nil {
			t.Fatal(err)
		}
		out = append(out, hostileBundle{name: s.Name + "/" + mu.Name, member: member, mu: mu, path: p})
	}
	return out
}

// volumeTarget is the member a volume mutation is applied to at Full
// figures: the CRI containers list, else the first journal, log or config
// it fits.
func volumeTarget(s *Source, opened []string, mu Mutation) string {
	prefer := []func(string) bool{
		func(p string) bool { return strings.HasSuffix(p, "/containers.json") && strings.HasPrefix(p, "cri/") },
		func(p string) bool { return strings.HasPrefix(p, "journal/") },
		func(p string) bool { return strings.HasPrefix(p, "logs/") },
		func(p string) bool { return strings.HasPrefix(p, "configs/") },
	}
	for _, ok := range prefer {
		for _, p := range opened {
			m, _ := s.Member(p)
			if ok(p) && (mu.Applies == nil || mu.Applies(p, m.Data)) {
				return p
			}
		}
	}
	return ""
}

// expand fills a command line's placeholders.
func expand(c subcommand, b hostileBundle, baseline, out string) []string {
	member := b.member
	if member == "" {
		member = "host/host.json"
	}
	r := strings.NewReplacer("O/", out+string(filepath.Separator))
	var args []string
	for _, a := range c.args {
		switch {
		case a == "B":
			a = b.path
		case a == "A":
			a = baseline
		case a == "ID":
			a = strings.Repeat("ab", 32)
		case a == "M":
			a = member
		case strings.HasPrefix(a, "M:"):
			a = member + a[1:]
		default:
			a = r.Replace(a)
		}
		args = append(args, a)
	}
	return args
}

// listTree is every path under dir, relative.
func listTree(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// checkRun asserts the bounds on one command's run over a hostile bundle.
func checkRun(t *testing.T, b hostileBundle, c subcommand, r result, out string) {
	t.Helper()
	what := fmt.Sprintf("%s: %s", b.name, strings.Join(c.args, " "))
	if r.rss >= maxRSS {
		t.Errorf("%s: peak RSS %d MiB, bound %d MiB", what, r.rss>>20, maxRSS>>20)
	}
	if limit := cpuBound(t); r.cpu >= limit {
		t.Errorf("%s: %v of CPU, bound %v", what, r.cpu, limit)
	}
	if len(r.stdout) > maxStdout {
		t.Errorf("%s: %d bytes on stdout", what, len(r.stdout))
	}
	for _, s := range []string{"panic:", "fatal error", "goroutine ", "runtime error"} {
		if bytes.Contains(r.stderr, []byte(s)) {
			t.Errorf("%s crashed: %s", what, firstLines(r.stderr))
		}
	}
	for name, data := range map[string][]byte{"stdout": r.stdout, "stderr": r.stderr} {
		if d := rawDangerous(data); d != "" {
			t.Errorf("%s: raw %q on %s", what, d, name)
		}
	}
	switch cmd := c.args[0]; {
	case r.code != 0 && r.code != 1 && r.code != 2 && r.code != 3 && r.code != 4 && r.code != 64:
		t.Errorf("%s: exit %d: %s", what, r.code, firstLines(r.stderr))
	case b.mu.Refused && r.code != 3:
		t.Errorf("%s: exit %d on a bundle that must be refused: %s", what, r.code, firstLines(r.stderr))
	case !b.mu.Refused && r.code == 3 && !refusedManifest(b, r):
		t.Errorf("%s: refused a bundle that verifies: %s", what, firstLines(r.stderr))
	case cmd == "verify" && !b.mu.Refused && r.code != 0 && !refusedManifest(b, r):
		t.Errorf("%s: exit %d", what, r.code)
	}
	if r.code == 3 && len(bytes.TrimSpace(r.stderr)) == 0 && len(bytes.TrimSpace(r.stdout)) == 0 {
		t.Errorf("%s: exit 3 without a word", what)
	}
	// Nothing written but the command's own outputs, nothing beside the bundle.
	allowed := map[string]bool{"home": true, "tmp": true}
	for _, o := range c.outputs {
		allowed[o] = true
	}
	for _, p := range listTree(out) {
		top := strings.SplitN(p, string(filepath.Separator), 2)[0]
		if !allowed[top] {
			t.Errorf("%s wrote %s", what, p)
		}
		if top == "home" || top == "tmp" {
			if p != top {
				t.Errorf("%s left %s", what, p)
			}
		}
	}
	if got := listTree(filepath.Dir(b.path)); len(got) != 1 {
		t.Errorf("%s: files beside the bundle: %v", what, got)
	}
	for _, o := range c.outputs {
		checkOutputFile(t, what, filepath.Join(out, o))
	}
}

// refusedManifest: a content mutation of the manifest's own fields may
// make it invalid; a refusal is then right when it names the manifest.
func refusedManifest(b hostileBundle, r result) bool {
	return b.mu.Content != nil && bytes.Contains(r.stderr, []byte(bundle.ManifestPath))
}

// checkOutputFile: reports keep bundle text as text: no live script or
// event handler in HTML, no raw terminal controls in Markdown.
func checkOutputFile(t *testing.T, what, p string) {
	t.Helper()
	filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil
		}
		switch filepath.Ext(f) {
		case ".html":
			for _, bad := range []string{"<script>alert", "<img src=x"} {
				if bytes.Contains(data, []byte(bad)) {
					t.Errorf("%s: %s holds %q unescaped", what, filepath.Base(f), bad)
				}
			}
		case ".md", ".json":
			if d := rawDangerous(data); d != "" {
				t.Errorf("%s: %s holds a raw %q", what, filepath.Base(f), d)
			}
		}
		return nil
	})
}

// runSuite runs every subcommand on every bundle.
func runSuite(t *testing.T, bin string, bs []hostileBundle, baseline string, cmds []subcommand) {
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cmds {
				out := t.TempDir()
				os.Mkdir(filepath.Join(out, "home"), 0o700)
				os.Mkdir(filepath.Join(out, "tmp"), 0o700)
				args := expand(c, b, baseline, out)
				r := runIn(t, out, []string{"HOME=" + filepath.Join(out, "home"), "TMPDIR=" + filepath.Join(out, "tmp")}, bin, args...)
				if testing.Verbose() {
					t.Logf("%-40s exit %d %5.2fs CPU %4d MiB", strings.Join(c.args, " "), r.code, r.cpu.Seconds(), r.rss>>20)
				}
				checkRun(t, b, c, r, out)
			}
		})
	}
}

// TestEverySubcommandOnMutatedMinimal runs every analyzer subcommand (the
// real binary) on every mutation of the minimal source.
func TestEverySubcommandOnMutatedMinimal(t *testing.T) {
	bin, _ := setup(t)
	dir := t.TempDir()
	s := Minimal()
	sc := Full
	if testing.Short() {
		sc = Light
	}
	baseline := filepath.Join(dir, "baseline.tar.zst")
	if err := archiveOf(s, manifestFor(s, s.Members)).WriteFile(baseline); err != nil {
		t.Fatal(err)
	}
	runSuite(t, bin, suiteBundles(t, dir, s, sc), baseline, subcommands(!everyLine()))
}

// everyLineEnv asks the minimal suite for every command line of every
// subcommand (`make hostile`): 33 lines x 65 bundles, 272 s wall on this
// machine at load 10-20. make test runs one line of each subcommand (still every command on
// every mutation, Full volumes), which keeps CI's time in bounds.
const everyLineEnv = "RTSNAP_HOSTILE_EVERY_LINE"

func everyLine() bool { return !testing.Short() && os.Getenv(everyLineEnv) == "1" }

// TestEverySubcommandOnMutatedLabBundle is the same on a real lab bundle,
// one command line of each subcommand (a lab bundle costs about a second
// of CPU to analyze; the minimal source gets every line).
func TestEverySubcommandOnMutatedLabBundle(t *testing.T) {
	s := labBundle(t)
	bin, _ := setup(t)
	dir := t.TempDir()
	baseline := filepath.Join(dir, "baseline.tar.zst")
	if err := archiveOf(s, manifestFor(s, s.Members)).WriteFile(baseline); err != nil {
		t.Fatal(err)
	}
	runSuite(t, bin, suiteBundles(t, dir, s, Full), baseline, subcommands(true))
}

// TestEverySubcommandOnTruncations runs every subcommand on the minimal
// source cut at every structural boundary: each must be refused (exit 3).
func TestEverySubcommandOnTruncations(t *testing.T) {
	bin, _ := setup(t)
	dir := t.TempDir()
	s := Minimal()
	baseline := filepath.Join(dir, "baseline.tar.zst")
	if err := archiveOf(s, manifestFor(s, s.Members)).WriteFile(baseline); err != nil {
		t.Fatal(err)
	}
	cuts, err := Truncations(archiveOf(s, manifestFor(s, s.Members)))
	if err != nil {
		t.Fatal(err)
	}
	var bs []hostileBundle
	for i, c := range cuts {
		bdir := filepath.Join(dir, fmt.Sprintf("cut-%d", i))
		os.Mkdir(bdir, 0o700)
		p := filepath.Join(bdir, "bundle.tar.zst")
		if err := os.WriteFile(p, c.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		bs = append(bs, hostileBundle{name: fmt.Sprintf("cut-%d", i), mu: Mutation{Name: c.Where, Refused: true}, path: p})
	}
	runSuite(t, bin, bs, baseline, subcommands(true))
}
