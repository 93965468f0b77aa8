package rules

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	debversion "pault.ag/go/debian/version"

	"github.com/rtsnap/rtsnap/analyze/catalog"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// versionNode is a bundle with one containerd daemon, docker, runc and the
// package manager's record, on the given os-release.
func versionNode(osID, osVersion, manager string, pkgs string) map[string]string {
	return map[string]string{
		"host/host.json":     fmt.Sprintf(`{"hostname":"n","os_release":{"ID":%q,"VERSION_ID":%q}}`, osID, osVersion),
		"host/packages.json": fmt.Sprintf(`{"manager":%q,"packages":[%s]}`, manager, pkgs),
		"host/versions.json": `[{"binary":"runc","path":"/usr/sbin/runc","output":"runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1"}]`,
		"containerd/run_containerd_containerd.sock/server.json": `{"endpoint":"/run/containerd/containerd.sock","version":"1.6.20~ds1","revision":"1.6.20~ds1-1+deb12u3"}`,
		"docker/version.json":   `{"Version":"20.10.24+dfsg1"}`,
		"redaction-report.json": `{"rule_set_version":"1","total":0}`,
	}
}

// Debian 12's packages as the lab has them (versions read from the
// packages' own changelogs, see advisories.json).
const debianLabPackages = `{"name":"containerd","version":"1.6.20~ds1-1+deb12u3"},{"name":"docker.io","version":"20.10.24+dfsg1-1+deb12u1"},{"name":"runc","version":"1.1.5+ds1-1+deb12u1"}`

func advisoryFindings(t *testing.T, files map[string]string) map[string]finding.Finding {
	t.Helper()
	out := map[string]finding.Finding{}
	for _, f := range vulnerableVersions(node(healthy(), files)) {
		out[f.Title] = f
	}
	return out
}

func TestDebianRevisionsCarryingTheFixAreNotFlagged(t *testing.T) {
	got := advisoryFindings(t, versionNode("debian", "12", "dpkg", debianLabPackages))
	for title := range got {
		for _, cve := range []string{"CVE-2024-40635", "CVE-2024-41110", "CVE-2024-21626"} {
			if strings.Contains(title, cve) {
				t.Errorf("fixed Debian revision reported: %s", title)
			}
		}
	}
	// 10589 has no Debian fix: reported, and at warning at most.
	f, ok := got["containerd 1.6.20 is affected by containerd-10589"]
	if !ok || f.Severity > finding.Warning || !strings.Contains(f.Explanation, "containerd 1.6.20~ds1-1+deb12u3") {
		t.Fatalf("containerd-10589 on a Debian build: %+v (all: %v)", f, got)
	}
}

func TestOlderDebianRevisionIsFlaggedAtFullSeverity(t *testing.T) {
	pkgs := `{"name":"containerd","version":"1.6.20~ds1-1+deb12u1"},{"name":"docker.io","version":"20.10.24+dfsg1-1"}`
	got := advisoryFindings(t, versionNode("debian", "12", "dpkg", pkgs))
	d, ok := got["docker 20.10.24 is affected by CVE-2024-41110"]
	if !ok || d.Severity != finding.Error || !strings.Contains(d.Explanation, "older than 20.10.24+dfsg1-1+deb12u1") {
		t.Fatalf("docker.io before the fix: %+v", d)
	}
	if c, ok := got["containerd 1.6.20 is affected by CVE-2024-40635"]; !ok || !strings.Contains(c.Explanation, "deb12u2") {
		t.Fatalf("containerd deb12u1 before the fix: %+v", c)
	}
	if len(d.Evidence) < 2 || d.Evidence[1].Path != "host/packages.json" {
		t.Errorf("package record not cited: %+v", d.Evidence)
	}
}

func TestUnknownDistroRevisionIsWarningAtMost(t *testing.T) {
	// Ubuntu's docker.io: the table has no Ubuntu entry.
	pkgs := `{"name":"docker.io","version":"20.10.24-0ubuntu1~22.04.1"}`
	files := versionNode("ubuntu", "22.04", "dpkg", pkgs)
	files["docker/version.json"] = `{"Version":"20.10.24"}`
	got := advisoryFindings(t, files)
	d, ok := got["docker 20.10.24 is affected by CVE-2024-41110"]
	if !ok || d.Severity != finding.Warning || !strings.Contains(d.Explanation, "no ubuntu 22.04 entry") {
		t.Fatalf("unknown Ubuntu revision: %+v", d)
	}
	// A distribution-looking version with no package record at all.
	files = versionNode("debian", "12", "dpkg", "")
	got = advisoryFindings(t, files)
	if d := got["docker 20.10.24 is affected by CVE-2024-41110"]; d.Severity != finding.Warning || !strings.Contains(d.Explanation, "distribution build") {
		t.Fatalf("distribution-looking version without a package record: %+v", d)
	}
	// An rpm distribution the table has no entry for (SUSE): unknown.
	files = rpmNode(`"ID":"sles","ID_LIKE":"suse","VERSION_ID":"15.5"`, "1.1.11", "1.1.11-150000.1.1")
	if f := runcFinding(t, files); f.Severity != finding.Warning || !strings.Contains(f.Explanation, "no sles 15.5 entry") {
		t.Errorf("SUSE runc revision: %+v", f)
	}
	// An rpm version of a shape rpm does not print: not compared, unknown.
	files = rpmNode(`"ID":"amzn","ID_LIKE":"fedora","VERSION_ID":"2023"`, "1.1.11", "1.1.11 garbage")
	if f := runcFinding(t, files); f.Severity > finding.Warning {
		t.Errorf("unparsable rpm version judged: %+v", f)
	}
}

// rpmNode is an rpm-based node's bundle: os-release fields, runc's
// --version and the rpm record of runc.
func rpmNode(osRelease, runcVersion, rpmVersion string) map[string]string {
	files := versionNode("", "", "rpm", fmt.Sprintf(`{"name":"runc","version":%q}`, rpmVersion))
	files["host/host.json"] = `{"hostname":"n","os_release":{` + osRelease + `}}`
	files["host/versions.json"] = fmt.Sprintf(`[{"binary":"runc","path":"/usr/bin/runc","output":"runc version %s\ncommit: v%s"}]`, runcVersion, runcVersion)
	return files
}

// runcFinding is the CVE-2024-21626 finding for the bundle's runc (zero if none).
func runcFinding(t *testing.T, files map[string]string) finding.Finding {
	t.Helper()
	for title, f := range advisoryFindings(t, files) {
		if strings.HasPrefix(title, "runc ") && strings.HasSuffix(title, "CVE-2024-21626") {
			return f
		}
	}
	return finding.Finding{}
}

// TestDistroBackportsOfRuncLeakyVessels: the package revisions the Ubuntu,
// Amazon Linux and RHEL trackers name as fixing CVE-2024-21626 (see
// advisories.json) are quiet although their upstream version is older than
// 1.1.12; the revision before each is reported at the advisory's severity.
func TestDistroBackportsOfRuncLeakyVessels(t *testing.T) {
	cases := []struct {
		name, osRelease, manager, runc, pkg string
		flagged                             bool
	}{
		{"ubuntu 22.04 fixed", `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"22.04"`, "dpkg", "1.1.7-0ubuntu1~22.04.2", "1.1.7-0ubuntu1~22.04.2", false},
		{"ubuntu 22.04 later", `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"22.04"`, "dpkg", "1.1.7-0ubuntu1~22.04.6", "1.1.7-0ubuntu1~22.04.6", false},
		{"ubuntu 22.04 before", `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"22.04"`, "dpkg", "1.1.7-0ubuntu1~22.04.1", "1.1.7-0ubuntu1~22.04.1", true},
		{"ubuntu 20.04 before", `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"20.04"`, "dpkg", "1.1.4-0ubuntu1~20.04.3", "1.1.4-0ubuntu1~20.04.3", true},
		{"amazon linux 2023 backport", `"ID":"amzn","ID_LIKE":"fedora","VERSION_ID":"2023"`, "rpm", "1.1.11", "1.1.11-1.amzn2023.0.1", false},
		{"amazon linux 2023 before", `"ID":"amzn","ID_LIKE":"fedora","VERSION_ID":"2023"`, "rpm", "1.1.11", "1.1.11-1.amzn2023", true},
		{"rocky 9.3 (rhel family) before", `"ID":"rocky","ID_LIKE":"rhel centos fedora","VERSION_ID":"9.3"`, "rpm", "1.1.9", "4:1.1.9-1.el9", true},
	}
	for _, c := range cases {
		files := rpmNode(c.osRelease, c.runc, c.pkg)
		files["host/packages.json"] = fmt.Sprintf(`{"manager":%q,"packages":[{"name":"runc","version":%q}]}`, c.manager, c.pkg)
		f := runcFinding(t, files)
		switch {
		case c.flagged && (f.Severity != finding.Critical || !strings.Contains(f.Explanation, "is older than")):
			t.Errorf("%s: want a critical finding naming the fixed revision, got %+v", c.name, f)
		case !c.flagged && f.ID != "":
			t.Errorf("%s: fixed revision reported: %s: %s", c.name, f.Title, f.Explanation)
		}
	}
}

// TestRpmVersionOrderMatchesRpm is a differential test of the rpm version
// library against rpm's own EVR comparison (rpm.ver in rpm's Lua, Debian's
// rpm package). It needs rpm: skipped without it, except under CI.
func TestRpmVersionOrderMatchesRpm(t *testing.T) {
	if _, err := exec.LookPath("rpm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("rpm is not installed (apt-get install rpm)")
		}
		t.Skip("no rpm")
	}
	vs := []string{"1.1.11-1.amzn2023.0.1", "1.1.11-1.amzn2023", "1.1.12-1.amzn2023.0.1", "4:1.1.12-1.el9_3", "4:1.1.9-1.el9", "1.1.12-1.el9_3",
		"1.1.12-1.el9_4", "1:1.0-1", "1.0-1", "1.0~rc1-1", "1.0^git1-1", "1.0-1.1", "1.0a-1", "1.0.0-1", "1.01-1", "2.0-0.1.rc1", "1.1.11-150000.1.1", "1.1.11-150400.3.1"}
	var script strings.Builder
	for _, a := range vs {
		for _, b := range vs {
			fmt.Fprintf(&script, "io.write(tostring(rpm.ver('%s') < rpm.ver('%s')), ' ') ", a, b)
		}
	}
	out, err := exec.Command("rpm", "--eval", "%{lua:"+script.String()+"}").Output()
	if err != nil {
		t.Fatalf("rpm --eval: %v", err)
	}
	got := strings.Fields(string(out))
	if len(got) != len(vs)*len(vs) {
		t.Fatalf("rpm printed %d answers, want %d", len(got), len(vs)*len(vs))
	}
	i := 0
	for _, a := range vs {
		for _, b := range vs {
			cmp, ok := comparePackageVersions("rpm", a, b)
			if !ok {
				t.Fatalf("%s or %s refused", a, b)
			}
			if lib, real := cmp < 0, got[i] == "true"; lib != real {
				t.Errorf("%s < %s: library %v, rpm %v", a, b, lib, real)
			}
			i++
		}
	}
}

func TestPlainUpstreamVersionKeepsAdvisorySeverity(t *testing.T) {
	files := versionNode("debian", "12", "dpkg", "")
	files["docker/version.json"] = `{"Version":"26.1.4"}`
	d := advisoryFindings(t, files)["docker 26.1.4 is affected by CVE-2024-41110"]
	if d.Severity != finding.Error {
		t.Fatalf("upstream docker 26.1.4: %+v", d)
	}
}

// TestDebianVersionOrderMatchesDpkg is a differential test of the version
// library against the real dpkg on this machine (skipped without dpkg).
func TestDebianVersionOrderMatchesDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("no dpkg")
	}
	vs := []string{"1.6.20~ds1-1+deb12u3", "1.6.20~ds1-1+deb12u2", "1.6.20~ds1-1", "1.6.20-1", "1.6.20~rc1-1", "1:1.0-1", "20.10.24+dfsg1-1+deb12u1", "20.10.24+dfsg1-1", "20.10.24-0ubuntu1~22.04.1", "1.1.5+ds1-1+deb12u1", "1.1.12-1", "1.1.5+ds1-1"}
	for _, a := range vs {
		for _, b := range vs {
			va, _ := debversion.Parse(a)
			vb, _ := debversion.Parse(b)
			lib := debversion.Compare(va, vb) < 0
			real := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run() == nil
			if lib != real {
				t.Errorf("%s < %s: library %v, dpkg %v", a, b, lib, real)
			}
		}
	}
}

// TestCatalogFindingPlacedInTime: the same log record is recent, history,
// current or resolved depending on its age and the bundle's state.
func TestCatalogFindingPlacedInTime(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cni := `"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"`
	journal := func(ago time.Duration) string {
		return fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":%q}`+"\n", at.Add(-ago).UnixMicro(), cni)
	}
	status := func(ready bool) string {
		return fmt.Sprintf(`{"status":{"conditions":[{"type":"RuntimeReady","status":true},{"type":"NetworkReady","status":%v}]}}`, ready)
	}
	cases := []struct {
		name  string
		files map[string]string
		when  finding.When
		sev   finding.Severity
	}{
		{"recent, log only", map[string]string{"journal/kubelet.jsonl": journal(time.Minute)}, finding.Recent, finding.Warning},
		{"history, log only", map[string]string{"journal/kubelet.jsonl": journal(3 * time.Hour)}, finding.History, finding.Warning},
		{"current", map[string]string{"journal/kubelet.jsonl": journal(3 * time.Hour), "cri/run_containerd_containerd.sock/status.json": status(false)}, finding.Current, finding.Error},
		{"resolved", map[string]string{"journal/kubelet.jsonl": journal(time.Minute), "cri/run_containerd_containerd.sock/status.json": status(true)}, finding.History, finding.Info},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := healthy()
			m.StartedAt = at
			c.files["redaction-report.json"] = `{"rule_set_version":"1","total":0}`
			var got *finding.Finding
			for _, f := range Default().Run(node(m, c.files)) {
				if f.ID == "RT1309-cni-not-initialized" {
					got = &f
				}
			}
			if got == nil {
				t.Fatal("no RT1309 finding")
			}
			if got.When != c.when || got.Severity != c.sev || got.Seen == nil || got.Seen.Count != 1 {
				t.Fatalf("when %s severity %s seen %+v, want %s %s", got.When, got.Severity, got.Seen, c.when, c.sev)
			}
		})
	}
}

// TestCatalogFindingNamesImagePodAndSocket: a kubelet pull error names the
// image and the pod, and its fix names the node's CRI socket.
func TestCatalogFindingNamesImagePodAndSocket(t *testing.T) {
	line := `E0920 10:00:37.381343  208045 pod_workers.go:1300] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"web\" with ErrImagePull: \"rpc error: code = Unknown desc = failed to pull and unpack image \\\"registry.example.com/team/web:1.2\\\": failed to resolve reference \\\"registry.example.com/team/web:1.2\\\": unexpected status code [manifests 1.2]: 401 Unauthorized\"" pod="shop/web-7d9f" podUID="1f0c"`
	files := map[string]string{
		"journal/kubelet.jsonl":                               fmt.Sprintf(`{"MESSAGE":%q,"_SYSTEMD_UNIT":"kubelet.service"}`+"\n", line),
		"cri/run_k3s_containerd_containerd.sock/version.json": `{"endpoint":"/run/k3s/containerd/containerd.sock","runtime_name":"containerd","runtime_version":"v1.7.1"}`,
		"redaction-report.json":                               `{"rule_set_version":"1","total":0}`,
	}
	for _, f := range Default().Run(node(healthy(), files)) {
		if f.ID != "RT1310-registry-auth-failed" {
			continue
		}
		if !strings.Contains(f.Title, "registry.example.com/team/web:1.2") || f.Subject.Pod != "shop/web-7d9f" || f.Subject.Container != "web" {
			t.Fatalf("title %q subject %+v", f.Title, f.Subject)
		}
		if !strings.Contains(strings.Join(f.Remediation, " "), "crictl -r unix:///run/k3s/containerd/containerd.sock") {
			t.Fatalf("fix does not name the socket: %v", f.Remediation)
		}
		return
	}
	t.Fatal("no RT1310 finding")
}

// exitNode is a CRI endpoint with one pod and the given container records
// (name, attempt, state 1 running / 2 exited, exit code), plus a log file.
func exitNode(containers [][4]any) map[string]string {
	dir := "cri/run_containerd_containerd.sock"
	pods := `{"pods":[{"pod":{"id":"p1","metadata":{"name":"batch","uid":"u1","namespace":"jobs"},"state":0},"status":{"id":"p1","metadata":{"name":"batch","uid":"u1","namespace":"jobs"},"state":0}}]}`
	var cs []string
	for i, c := range containers {
		id := fmt.Sprintf("c%d0000000000000", i)
		cs = append(cs, fmt.Sprintf(`{"container":{"id":%q,"pod_sandbox_id":"p1","metadata":{"name":%q,"attempt":%d},"state":%d},"status":{"id":%q,"metadata":{"name":%q,"attempt":%d},"state":%d,"exit_code":%d,"reason":"Error"}}`,
			id, c[0], c[1], c[2], id, c[0], c[1], c[2], c[3]))
	}
	return map[string]string{
		dir + "/version.json":                `{"endpoint":"/run/containerd/containerd.sock","runtime_name":"containerd","runtime_version":"v1.7.1"}`,
		dir + "/pods.json":                   pods,
		dir + "/containers.json":             `{"containers":[` + strings.Join(cs, ",") + `]}`,
		"logs/pods/jobs/batch/migrate/0.log": "2026-11-24T09:29:58.000000000Z stdout F connecting to db\n2026-11-24T09:29:59.000000000Z stderr F fatal: relation \"users\" does not exist\n",
		"redaction-report.json":              `{"rule_set_version":"1","total":0}`,
	}
}

func TestExitedNotRestarted(t *testing.T) {
	fs := exitedNotRestarted(node(healthy(), exitNode([][4]any{{"migrate", 0, 2, 3}})))
	if len(fs) != 1 {
		t.Fatalf("got %d findings: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Severity != finding.Error || !strings.Contains(f.Title, "exited with code 3") || !strings.Contains(f.Explanation, `fatal: relation "users" does not exist`) || f.Subject.Pod != "batch" {
		t.Fatalf("finding: %+v", f)
	}
	if !strings.Contains(strings.Join(f.Remediation, " "), "crictl -r unix:///run/containerd/containerd.sock logs") {
		t.Errorf("remediation: %v", f.Remediation)
	}
	// Quiet: exit 0, a running container, or a restarted one (RT0401's).
	for name, cs := range map[string][][4]any{
		"exit 0":    {{"migrate", 0, 2, 0}},
		"running":   {{"migrate", 0, 1, 0}},
		"restarted": {{"migrate", 0, 2, 3}, {"migrate", 1, 2, 3}},
	} {
		if fs := exitedNotRestarted(node(healthy(), exitNode(cs))); len(fs) != 0 {
			t.Errorf("%s: fired: %+v", name, fs)
		}
	}
}

func TestCrashLoopQuotesLastLogLines(t *testing.T) {
	fs := crashLoops(node(healthy(), exitNode([][4]any{{"migrate", 0, 2, 3}, {"migrate", 1, 2, 3}})))
	if len(fs) != 1 || !strings.Contains(fs[0].Explanation, "Last log lines: «connecting to db» «fatal: relation") {
		t.Fatalf("crashloop: %+v", fs)
	}
}

func TestShimOfTellsStoppedFromDead(t *testing.T) {
	files := exitNode([][4]any{{"migrate", 0, 1, 0}})
	files["host/processes.json"] = `[{"pid":4242,"ppid":1,"comm":"containerd-shim","args":["/usr/bin/containerd-shim-runc-v2","-namespace","k8s.io","-id","p1","-address","/run/containerd/containerd.sock"],"state":"T","start_ticks":1,"role":"shim"}]`
	n := node(healthy(), files)
	var ctr *facts.Container
	for _, c := range n.Containers {
		if c.Name == "migrate" {
			ctr = c
		}
	}
	if ctr == nil {
		t.Fatal("container not joined")
	}
	if pid, state, i := shimOf(n, ctr); pid != 4242 || state != "T" || i != 0 {
		t.Fatalf("shim of a pod container (found through its sandbox id): pid %d state %q index %d", pid, state, i)
	}
	files["host/processes.json"] = `[{"pid":7,"ppid":1,"comm":"containerd-shim","args":["/usr/bin/containerd-shim-runc-v2","-id","other"],"state":"S","role":"shim"}]`
	if _, _, i := shimOf(node(healthy(), files), ctr); i != -1 {
		t.Fatal("another container's shim taken for this one")
	}
}

// TestEveryCatalogExampleAsAJournalEntry feeds each real example line to
// the whole registry the way a held-out case arrives: one journal entry in
// an otherwise healthy bundle. The line's class must be among the findings.
func TestEveryCatalogExampleAsAJournalEntry(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reg := Default()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	named := 0
	for _, cl := range cat.Classes {
		for _, ex := range cl.Examples {
			m := healthy()
			m.StartedAt = at
			files := map[string]string{
				"journal/kubelet.jsonl": fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":%q}`+"\n", at.Add(-time.Minute).UnixMicro(), ex.Line),
				"redaction-report.json": `{"rule_set_version":"1","total":0}`,
			}
			found := false
			for _, f := range reg.Run(node(m, files)) {
				found = found || f.ID == cl.ID
			}
			if found {
				named++
			} else {
				t.Errorf("%s: not named for %s", cl.ID, ex.Line)
			}
		}
	}
	t.Logf("%d example lines named end to end", named)
}
