package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/cli/clidoc"
)

var (
	updateDocs = flag.Bool("update", false, "rewrite this binary's section of docs/cli.md")
	manDir     = flag.String("man-dir", "", "write the man pages into this directory (make man)")
)

// commandOf is the command args run, as cobra finds it.
func commandOf(t *testing.T, args []string) *cobra.Command {
	t.Helper()
	root := newRootCmd()
	cli.Prepare(root)
	c, _, err := root.Find(args)
	if err != nil {
		return root
	}
	return c
}

// Every command's exit code, from a real bundle, is one it documents; and
// commands that do not judge findings never document severity codes.
func TestExitCodesAreDocumented(t *testing.T) {
	dir, healthy, timedOut, tampered := fixtures(t)
	html := filepath.Join(t.TempDir(), "r.html")
	audit := filepath.Join(t.TempDir(), "audit")
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"verify", healthy}, cli.OK},
		{[]string{"verify", tampered}, cli.Input},
		{[]string{"verify"}, cli.Usage},
		{[]string{"inspect", healthy}, cli.OK},
		{[]string{"inspect", timedOut}, cli.Warnings},
		{[]string{"inspect", tampered}, cli.Input},
		{[]string{"inspect", "--memory-limit", "1GiB", healthy}, cli.OK},
		{[]string{"inspect", "--memory-limit", "1073741824", healthy}, cli.OK},
		{[]string{"inspect", "--memory-limit", "1MiB", healthy}, cli.Usage}, // below the smallest
		{[]string{"inspect", "--memory-limit", "512M", healthy}, cli.Usage}, // ambiguous, as in rtsnap
		{[]string{"findings", dir}, cli.Warnings},
		{[]string{"findings", "--severity", "error", healthy}, cli.Usage}, // issue 15: said nothing before
		{[]string{"timeline", timedOut}, cli.OK},
		{[]string{"timeline", "/nonexistent.tar.zst"}, cli.Input},
		{[]string{"diff", healthy, timedOut}, cli.Warnings},
		{[]string{"diff", timedOut, healthy}, cli.OK},
		{[]string{"diff", healthy}, cli.Usage},
		{[]string{"report", timedOut, "-o", html}, cli.OK}, // written: 0, whatever it found
		{[]string{"report", timedOut, "-o", "/nonexistent/dir/r.html"}, cli.Failed},
		{[]string{"report", "--markdown", "--json", timedOut}, cli.Usage},
		{[]string{"export", "--audit", audit, healthy}, cli.OK},
		{[]string{"export", "--audit", audit, healthy}, cli.Usage}, // not empty now
		{[]string{"export", healthy}, cli.Usage},
		{[]string{"ls", healthy}, cli.OK},
		{[]string{"ls", tampered}, cli.Input},
		{[]string{"show", healthy, "host/host.json"}, cli.OK},
		{[]string{"show", healthy, "no/such/file"}, cli.Usage},
		{[]string{"show", healthy, "host/host.json#/nope"}, cli.Usage},
		{[]string{"crictl", healthy, "--help"}, cli.OK},
		{[]string{"crictl", timedOut, "ps", "-a"}, cli.Failed}, // cri timed out: said, with the source
		{[]string{"crictl", healthy, "rm", "abc"}, cli.Usage},  // read-only: this is a bundle
		{[]string{"crictl", healthy, "ps", "--bogus"}, cli.Usage},
		{[]string{"crictl", tampered, "ps"}, cli.Input},
		{[]string{"crictl"}, cli.Usage},
		{[]string{"docker", healthy, "ps"}, cli.Failed},
		{[]string{"docker", healthy, "stop", "web"}, cli.Usage},
		{[]string{"ctr", healthy, "-n", "k8s.io", "tasks", "kill", "abc"}, cli.Usage},
		{[]string{"ctr", "/nonexistent.tar.zst", "version"}, cli.Input},
		{[]string{"bogus"}, cli.Usage},
		{[]string{"--bogus-flag"}, cli.Usage},
		{[]string{}, cli.Usage},
		{[]string{"help"}, cli.OK},
		{[]string{"--version"}, cli.OK},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(c.args...)
		if code != c.want {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, code, c.want, stderr)
		}
		if doc := cli.CommandExitCodes(commandOf(t, c.args)); !slices.Contains(doc, code) {
			t.Errorf("%v: exit %d is not among the documented %v", c.args, code, doc)
		}
		if code == cli.Usage && !strings.Contains(stderr, "--help") {
			t.Errorf("%v: a usage error must say how to get help:\n%s", c.args, stderr)
		}
	}
	for _, name := range []string{"verify", "timeline", "export", "report", "show", "ls"} {
		doc := cli.CommandExitCodes(commandOf(t, []string{name}))
		if slices.Contains(doc, cli.Warnings) || slices.Contains(doc, cli.Errors) {
			t.Errorf("%s documents severity codes it never returns: %v", name, doc)
		}
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	if n := clidoc.CheckHelp(t, newRootCmd(), runCmd); n < 10 {
		t.Fatalf("only %d commands in the tree", n)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, stderr := runCmd("completion", sh)
		if code != 0 || !strings.Contains(out, "rtsnap-analyze") || len(out) < 1000 {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %s", sh, code, len(out), stderr)
		}
	}
	// The shell asks the binary itself: flags of a command complete.
	code, out, _ := runCmd("__complete", "report", "--ag")
	if code != 0 || !strings.Contains(out, "--against") {
		t.Errorf("__complete report --ag: exit %d\n%s", code, out)
	}
	// show completes the paths inside the bundle.
	_, healthy, _, _ := fixtures(t)
	code, out, _ = runCmd("__complete", "show", healthy, "")
	if code != 0 || !strings.Contains(out, "manifest.json\n") || !strings.Contains(out, "journal/containerd.jsonl\n") {
		t.Errorf("__complete show: exit %d\n%s", code, out)
	}
}

// Each piece of evidence findings prints comes with a show command; run
// every one and check it prints the excerpt's value.
func TestEvidenceShowCommandsRun(t *testing.T) {
	_, _, timedOut, _ := fixtures(t)
	_, out, _ := runCmd("findings", timedOut)
	var cmds []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "rtsnap-analyze show ") {
			cmds = append(cmds, l)
		}
	}
	if len(cmds) == 0 {
		t.Fatalf("no show command in findings output:\n%s", out)
	}
	for _, c := range cmds {
		args := shellSplit(t, strings.TrimPrefix(c, "rtsnap-analyze "))
		code, got, stderr := runCmd(args...)
		if code != 0 || strings.TrimSpace(got) == "" {
			t.Errorf("%s: exit %d\n%s%s", c, code, got, stderr)
		}
	}
	// RT1501's evidence is manifest.json#/sources/1: the cri source entry.
	code, got, _ := runCmd("show", timedOut, "manifest.json#/sources/1")
	var src struct{ Name, Status string }
	if code != 0 || json.Unmarshal([]byte(got), &src) != nil || src.Name != "cri" || src.Status != "timeout" {
		t.Errorf("show manifest.json#/sources/1: exit %d\n%s", code, got)
	}
}

// shellSplit undoes render's quoting: words, or single-quoted strings
// with a backslash-escaped quote inside.
func shellSplit(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\'':
			inQuote = false
		case inQuote:
			cur.WriteByte(c)
		case c == '\'':
			inQuote, have = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == ' ':
			if have || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
			have = false
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		t.Fatalf("unterminated quote in %q", s)
	}
	if have || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func TestShowAndLs(t *testing.T) {
	_, healthy, _, _ := fixtures(t)
	code, out, _ := runCmd("ls", healthy)
	if code != 0 || !strings.Contains(out, "journal/containerd.jsonl") || !strings.Contains(out, "configs/containerd/config.toml") {
		t.Fatalf("ls: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("ls", "--json", healthy)
	var doc lsDoc
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Schema != SchemaLs || len(doc.Files) != 5 {
		t.Fatalf("ls --json: exit %d\n%s", code, out)
	}
	// A whole file, a pointer into JSON (indented), a line of JSONL.
	if code, out, _ := runCmd("show", healthy, "configs/containerd/config.toml"); code != 0 || !strings.Contains(out, "SystemdCgroup = false") {
		t.Errorf("show file: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd("show", healthy, "host/host.json#/kernel"); code != 0 || out != "\"6.18.0-1-amd64\"\n" {
		t.Errorf("show pointer: exit %d %q", code, out)
	}
	code, out, _ = runCmd("show", healthy, "journal/containerd.jsonl:2")
	if code != 0 || !strings.Contains(out, "RunPodSandbox") || strings.Contains(out, "starting containerd") {
		t.Errorf("show line 2: exit %d\n%s", code, out)
	}
	if code, _, stderr := runCmd("show", healthy, "journal/containerd.jsonl:9"); code != cli.Usage || !strings.Contains(stderr, "fewer than 9 lines") {
		t.Errorf("show past the end: exit %d %s", code, stderr)
	}
	// Hostile locations: a line number past any int, a reversed range, a
	// pointer that is not one.
	for _, loc := range []string{"journal/containerd.jsonl:99999999999999999999999", "journal/containerd.jsonl:3-1", "journal/containerd.jsonl:0", "host/host.json#kernel"} {
		if code, _, stderr := runCmd("show", healthy, loc); code != cli.Usage || !strings.Contains(stderr, "--help") {
			t.Errorf("show %s: exit %d %s", loc, code, stderr)
		}
	}
	// Bounded: --max-bytes cuts and says so.
	code, out, stderr := runCmd("show", "--max-bytes", "10", healthy, "configs/containerd/config.toml")
	if code != 0 || len(out) > 11 || !strings.Contains(stderr, "cut at 10 B") {
		t.Errorf("--max-bytes: exit %d %q %s", code, out, stderr)
	}
}

// Hostile content: escape sequences in a file reach the terminal escaped.
func TestShowEscapesControlCharacters(t *testing.T) {
	s := bundletest.Healthy()
	s.Files["logs/evil.log"] = "ok\x1b]52;c;ZXZpbA==\x07 \x1b[2J\u202eevil\n"
	p := bundletest.Write(t, t.TempDir(), "evil.tar.zst", s)
	code, out, _ := runCmd("show", p, "logs/evil.log")
	if code != 0 || strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.Contains(out, `\u001b]52`) {
		t.Fatalf("exit %d %q", code, out)
	}
	code, out, _ = runCmd("show", "--raw", p, "logs/evil.log")
	if code != 0 || out != s.Files["logs/evil.log"] {
		t.Fatalf("--raw to a pipe: exit %d %q", code, out)
	}
}

func TestCLIDocUpToDate(t *testing.T) {
	clidoc.CheckDoc(t, newRootCmd(), filepath.Join("..", "..", "docs", "cli.md"), *updateDocs)
}

func TestManPages(t *testing.T) {
	clidoc.CheckMan(t, newRootCmd(), *manDir, "rtsnap-analyze-show.1", "max-bytes")
}

// pullLine is containerd's log line for a pull from a registry that
// refuses connections, as reported in
// https://github.com/kubesphere/kubekey/issues/1613 (the message crictl
// and kubelet quote).
const pullLine = `PullImage \"192.168.72.15/kubesphereio/pause:3.8\" failed error=\"failed to pull and unpack image \\\"192.168.72.15/kubesphereio/pause:3.8\\\": failed to resolve reference \\\"192.168.72.15/kubesphereio/pause:3.8\\\": failed to do request: Head \\\"https://192.168.72.15/v2/kubesphereio/pause/manifests/3.8\\\": dial tcp 192.168.72.15:443: connect: connection refused\"`

// pullBundle is the healthy bundle with n failed pulls a minute apart in
// containerd's journal, the last at last.
func pullBundle(t *testing.T, dir, name string, n int, last int64) string {
	s := bundletest.Healthy()
	var b strings.Builder
	for i := n - 1; i >= 0; i-- {
		b.WriteString(`{"__REALTIME_TIMESTAMP":"` + strconv.FormatInt(last-int64(i)*60_000_000, 10) + `","_SYSTEMD_UNIT":"containerd.service","MESSAGE":"` + pullLine + `","_PID":"812"}` + "\n")
	}
	s.Files["journal/containerd.jsonl"] += b.String()
	return bundletest.Write(t, dir, name, s)
}

// Issue 17: "diff baseline pullfail shows nothing new when a failure that
// already existed happens again".
func TestDiffReportsAFailureThatHappenedAgain(t *testing.T) {
	dir := t.TempDir()
	t0 := bundletest.T0.Add(-30 * time.Minute).UnixMicro()
	before := pullBundle(t, dir, "a.tar.zst", 1, t0)
	again := pullBundle(t, dir, "b.tar.zst", 4, t0+10*60_000_000)
	code, out, _ := runCmd("diff", before, again)
	// A pull failure only the logs show is at warning at most (issue #14).
	if code != cli.Warnings || !strings.Contains(out, "findings that happened again") || !strings.Contains(out, "count 1 -> 4") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.Contains(out, "findings appeared") {
		t.Errorf("a recurrence listed as new:\n%s", out)
	}
	// The reports say it too.
	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := runCmd("report", "--against", before, "-o", html, again); code != cli.OK {
		t.Fatalf("report: exit %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(html); !strings.Contains(string(b), "Findings that happened again") || !strings.Contains(string(b), "count 1 → 4") {
		t.Errorf("HTML report lacks the recurrence")
	}
	// The failed pull is one finding: the catalog class naming its cause
	// (connection refused), which absorbs RT0402's (analyze/rules merge.go).
	if _, out, _ := runCmd("report", "--markdown", "--against", before, again); !strings.Contains(out, "- happened again: warning `RT1321-registry-connection-refused`") {
		t.Errorf("markdown report lacks the recurrence:\n%s", out)
	}
	// The same failures, nothing new: quiet, exit 0.
	if code, out, _ := runCmd("diff", again, again); code != cli.OK || !strings.Contains(out, "no differences") {
		t.Errorf("self diff: exit %d\n%s", code, out)
	}
}
