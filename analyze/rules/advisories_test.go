package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// distroPackageNode is a bundle of one node on the given os-release whose
// component (containerd or docker) reports upstream version and whose
// package manager records pkg at revision.
func distroPackageNode(osRelease, manager, component, upstream, pkg, revision string) map[string]string {
	files := versionNode("", "", manager, fmt.Sprintf(`{"name":%q,"version":%q}`, pkg, revision))
	files["host/host.json"] = `{"hostname":"n","os_release":{` + osRelease + `}}`
	switch component {
	case "containerd":
		files["containerd/run_containerd_containerd.sock/server.json"] = fmt.Sprintf(`{"endpoint":"/run/containerd/containerd.sock","version":%q}`, upstream)
	case "docker":
		files["docker/version.json"] = fmt.Sprintf(`{"Version":%q}`, upstream)
	}
	return files
}

const (
	ubuntu1804 = `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"18.04"`
	ubuntu2004 = `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"20.04"`
	ubuntu2204 = `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"22.04"`
	ubuntu2404 = `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"24.04"`
	ubuntu2410 = `"ID":"ubuntu","ID_LIKE":"debian","VERSION_ID":"24.10"`
	sles155    = `"ID":"sles","ID_LIKE":"suse","VERSION_ID":"15.5"`
	amzn2      = `"ID":"amzn","ID_LIKE":"centos rhel fedora","VERSION_ID":"2"`
	amzn2023   = `"ID":"amzn","ID_LIKE":"fedora","VERSION_ID":"2023"`
	leap156    = `"ID":"opensuse-leap","ID_LIKE":"suse opensuse","VERSION_ID":"15.6"`
)

// TestDistroRevisionsOfContainerdAndDockerFixes: the Ubuntu (USN-7374-1,
// USN-7161-x), SUSE (SUSE-SU-2024:3120-1) and Amazon Linux
// (ALASECS-2024-042) revisions advisories.json
// names are quiet; the revision before each on the same upstream branch is
// reported at the advisory's severity naming the fixed revision; a revision
// on a branch the table has no entry for is reported at warning at most.
func TestDistroRevisionsOfContainerdAndDockerFixes(t *testing.T) {
	type verdict int
	const (
		quiet   verdict = iota
		known           // advisory severity, "is older than"
		unknown         // warning at most, "no ... entry"
	)
	cases := []struct {
		name, osRelease, manager, component, upstream, pkg, revision, cve string
		want                                                              verdict
	}{
		{"ubuntu 22.04 containerd-app fixed", ubuntu2204, "dpkg", "containerd", "1.7.24", "containerd", "1.7.24-0ubuntu1~22.04.2", "CVE-2024-40635", quiet},
		{"ubuntu 22.04 containerd-app before", ubuntu2204, "dpkg", "containerd", "1.7.24", "containerd", "1.7.24-0ubuntu1~22.04.1", "CVE-2024-40635", known},
		{"ubuntu 22.04 containerd 1.6 fixed", ubuntu2204, "dpkg", "containerd", "1.6.12", "containerd", "1.6.12-0ubuntu1~22.04.8", "CVE-2024-40635", quiet},
		{"ubuntu 22.04 containerd 1.6 before", ubuntu2204, "dpkg", "containerd", "1.6.12", "containerd", "1.6.12-0ubuntu1~22.04.3", "CVE-2024-40635", known},
		{"ubuntu 20.04 containerd-app fixed", ubuntu2004, "dpkg", "containerd", "1.7.24", "containerd", "1.7.24-0ubuntu1~20.04.2", "CVE-2024-40635", quiet},
		{"ubuntu 24.04 containerd-app fixed", ubuntu2404, "dpkg", "containerd", "1.7.24", "containerd", "1.7.24-0ubuntu1~24.04.2", "CVE-2024-40635", quiet},
		{"ubuntu 24.04 release containerd", ubuntu2404, "dpkg", "containerd", "1.7.12", "containerd", "1.7.12-0ubuntu4", "CVE-2024-40635", known},
		{"ubuntu 24.04 containerd 1.6 (no entry)", ubuntu2404, "dpkg", "containerd", "1.6.24", "containerd", "1.6.24~ds1-1ubuntu1", "CVE-2024-40635", unknown},
		{"ubuntu 22.04 docker.io esm fixed", ubuntu2204, "dpkg", "docker", "26.1.3", "docker.io", "26.1.3-0ubuntu1~22.04.1+esm1", "CVE-2024-41110", quiet},
		{"ubuntu 22.04 docker.io main archive", ubuntu2204, "dpkg", "docker", "26.1.3", "docker.io", "26.1.3-0ubuntu1~22.04.1", "CVE-2024-41110", known},
		{"ubuntu 22.04 docker.io 24.0 (no entry)", ubuntu2204, "dpkg", "docker", "24.0.7", "docker.io", "24.0.7-0ubuntu2~22.04.1", "CVE-2024-41110", unknown},
		{"ubuntu 24.10 docker.io fixed", ubuntu2410, "dpkg", "docker", "26.1.3", "docker.io", "26.1.3-0ubuntu1.1", "CVE-2024-41110", quiet},
		{"ubuntu 24.10 docker.io before", ubuntu2410, "dpkg", "docker", "26.1.3", "docker.io", "26.1.3-0ubuntu1", "CVE-2024-41110", known},
		{"ubuntu 18.04 docker.io esm fixed", ubuntu1804, "dpkg", "docker", "20.10.21", "docker.io", "20.10.21-0ubuntu1~18.04.3+esm1", "CVE-2024-41110", quiet},
		{"ubuntu 18.04 docker.io before", ubuntu1804, "dpkg", "docker", "20.10.21", "docker.io", "20.10.21-0ubuntu1~18.04.3", "CVE-2024-41110", known},
		{"ubuntu 18.04 runc esm fixed", ubuntu1804, "dpkg", "runc", "1.1.4", "runc", "1.1.4-0ubuntu1~18.04.2+esm1", "CVE-2024-21626", quiet},
		{"ubuntu 18.04 runc before", ubuntu1804, "dpkg", "runc", "1.1.4", "runc", "1.1.4-0ubuntu1~18.04.2", "CVE-2024-21626", known},
		{"sles 15 sp5 docker fixed", sles155, "rpm", "docker", "25.0.6-ce", "docker", "25.0.6_ce-150000.207.1", "CVE-2024-41110", quiet},
		{"sles 15 sp5 docker 25.0.5", sles155, "rpm", "docker", "25.0.5-ce", "docker", "25.0.5_ce-150000.198.2", "CVE-2024-41110", known},
		{"leap 15.6 docker 25.0.5", leap156, "rpm", "docker", "25.0.5-ce", "docker", "25.0.5_ce-150000.198.2", "CVE-2024-41110", known},
		{"amazon linux 2 docker 20.10 backport", amzn2, "rpm", "docker", "20.10.25", "docker", "20.10.25-1.amzn2.0.5", "CVE-2024-41110", quiet},
		{"amazon linux 2 docker 20.10 before", amzn2, "rpm", "docker", "20.10.25", "docker", "20.10.25-1.amzn2.0.4", "CVE-2024-41110", known},
		{"amazon linux 2023 docker 25.0 before", amzn2023, "rpm", "docker", "25.0.5", "docker", "25.0.5-1.amzn2023.0.2", "CVE-2024-41110", known},
		{"amazon linux 2023 is not amazon linux 2", amzn2023, "rpm", "docker", "20.10.25", "docker", "20.10.25-1.amzn2023.0.1", "CVE-2024-41110", unknown},
		{"sles 15 sp5 docker 24.0 (no entry)", sles155, "rpm", "docker", "24.0.7-ce", "docker", "24.0.7_ce-150000.198.2", "CVE-2024-41110", unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var files map[string]string
			if c.component == "runc" {
				files = rpmNode(c.osRelease, c.upstream, c.revision)
				files["host/packages.json"] = fmt.Sprintf(`{"manager":%q,"packages":[{"name":"runc","version":%q}]}`, c.manager, c.revision)
			} else {
				files = distroPackageNode(c.osRelease, c.manager, c.component, c.upstream, c.pkg, c.revision)
			}
			var got *finding.Finding
			for title, f := range advisoryFindings(t, files) {
				if strings.HasPrefix(title, c.component+" ") && strings.HasSuffix(title, c.cve) {
					got = &f
				}
			}
			sev := map[string]finding.Severity{"CVE-2024-40635": finding.Warning, "CVE-2024-41110": finding.Error, "CVE-2024-21626": finding.Critical}[c.cve]
			switch {
			case c.want == quiet && got != nil:
				t.Fatalf("fixed revision reported: %s: %s", got.Title, got.Explanation)
			case c.want != quiet && got == nil:
				t.Fatalf("%s %s not reported", c.pkg, c.revision)
			case c.want == known && (got.Severity != sev || !strings.Contains(got.Explanation, "is older than")):
				t.Fatalf("want %s naming the fixed revision, got %s: %s", sev, got.Severity, got.Explanation)
			case c.want == unknown && (got.Severity > finding.Warning || !strings.Contains(got.Explanation, "entry for it (upstream branch")):
				t.Fatalf("want warning at most, saying the table has no entry, got %s: %s", got.Severity, got.Explanation)
			}
		})
	}
}

// TestAdvisoryDistroEntriesAreWellFormed: each distribution entry names an
// os-release ID and release, a package its component ships, a version the
// package manager of that family parses, and a source.
func TestAdvisoryDistroEntriesAreWellFormed(t *testing.T) {
	advs, err := Advisories()
	if err != nil {
		t.Fatal(err)
	}
	managers := map[string]string{"debian": "dpkg", "ubuntu": "dpkg", "rhel": "rpm", "amzn": "rpm", "suse": "rpm"}
	for _, a := range advs {
		for _, df := range a.DistroFixed {
			manager, ok := managers[df.Distro]
			if !ok || df.Release == "" || df.Source == "" || len(df.Packages) == 0 {
				t.Errorf("%s: entry %+v: unknown distro, or no release, packages or source", a.ID, df)
				continue
			}
			for _, p := range df.Packages {
				if !slices.Contains(componentPackages[a.Component], p) {
					t.Errorf("%s: %s %s names package %q, not one of %s's %v", a.ID, df.Distro, df.Release, p, a.Component, componentPackages[a.Component])
				}
			}
			if _, ok := comparePackageVersions(manager, df.Version, df.Version); !ok {
				t.Errorf("%s: %s %s version %q does not parse as %s", a.ID, df.Distro, df.Release, df.Version, manager)
			}
		}
	}
}
