package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	rpmversion "github.com/knqyf263/go-rpm-version"
	debversion "pault.ag/go/debian/version"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	hostschema "github.com/rtsnap/rtsnap/internal/schema/host"
)

//go:embed data/advisories.json
var advisoriesJSON []byte

// Advisory is one entry of data/advisories.json: a component, the first
// fixed version of each release branch, and the distribution package
// revisions that ship the fix under an older upstream version.
type Advisory struct {
	ID          string           `json:"id"`
	Component   string           `json:"component"`
	Severity    finding.Severity `json:"severity"`
	Title       string           `json:"title"`
	Fixed       []string         `json:"fixed"`
	DistroFixed []DistroFix      `json:"distro_fixed,omitempty"`
	References  []string         `json:"references"`
}

// DistroFix is the first package revision of a distribution release that
// carries an advisory's fix, with where that was read.
type DistroFix struct {
	// Distro is an os-release ID (debian, ubuntu, rhel, amzn): it applies to
	// a node whose ID or ID_LIKE names it (Rocky and AlmaLinux say
	// ID_LIKE="rhel centos fedora" and ship RHEL's package revisions).
	Distro string `json:"distro"`
	// Release is os-release VERSION_ID, or its major part ("9" covers 9.3).
	Release  string   `json:"release"`
	Packages []string `json:"packages"`
	Version  string   `json:"version"` // in the package manager's syntax
	Source   string   `json:"source"`
}

// componentPackages are the package names that ship each component.
var componentPackages = map[string][]string{
	"containerd": {"containerd", "containerd.io", "moby-containerd"},
	"docker":     {"docker.io", "docker-ce", "moby-engine", "docker"}, // docker: SUSE's and Amazon Linux's rpm
	"runc":       {"runc", "moby-runc"},
}

// distroBuild matches version strings distributions stamp on their builds.
var distroBuild = regexp.MustCompile(`(?i)(\+dfsg|~ds|\+ds|deb[0-9]+u|ubuntu|\.el[0-9]|\.fc[0-9]|\.amzn|\+b[0-9])`)

// Advisories parses the embedded table (checked by a test).
func Advisories() ([]Advisory, error) {
	var doc struct {
		Advisories []Advisory `json:"advisories"`
	}
	if err := json.Unmarshal(advisoriesJSON, &doc); err != nil {
		return nil, fmt.Errorf("advisories.json: %w", err)
	}
	return doc.Advisories, nil
}

var versionRE = regexp.MustCompile(`v?(\d+)\.(\d+)(?:\.(\d+))?`)

// parseVersion takes the first x.y[.z] in s ("1.6.20~ds1", "v1.7.35+unknown").
func parseVersion(s string) ([3]int, bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return [3]int{}, false
	}
	var v [3]int
	for i := 0; i < 3; i++ {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v, true
}

func less(a, b [3]int) bool {
	for i := 0; i < 3; i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// Affected says whether version v is before the fix on its branch: the fixed
// version with the same major.minor, else (a branch with no fix listed)
// whether it is older than the newest fix below it or than every fix.
func (a Advisory) Affected(v string) (bool, string) {
	ver, ok := parseVersion(v)
	if !ok {
		return false, ""
	}
	var below string
	var belowV [3]int
	for _, f := range a.Fixed {
		fv, ok := parseVersion(f)
		if !ok {
			continue
		}
		if fv[0] == ver[0] && fv[1] == ver[1] {
			return less(ver, fv), f
		}
		if less(ver, fv) && (below == "" || less(fv, belowV)) {
			below, belowV = f, fv
		}
	}
	if below == "" {
		return false, ""
	}
	// A branch newer than every listed fix is fixed; an older one is not.
	return true, below
}

// installed is one version of a component found in the bundle, with the
// package that ships it when the package manager's record matches.
type installed struct {
	Component, Version, Where string
	Ref                       facts.Ref
	Endpoint                  string
	Pkg                       *hostschema.Package
}

// installedVersions reads containerd from each daemon's server.json, runc
// from host/versions.json and Docker from docker/version.json.
func installedVersions(n *facts.Node) []installed {
	var out []installed
	for _, slug := range facts.SortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		if ep.Server != nil && ep.Server.Version != "" {
			out = append(out, installed{"containerd", ep.Server.Version, "containerd " + ep.Endpoint(), facts.Ref{Path: ep.Dir + "/server.json", Pointer: "/version"}, ep.Endpoint(), nil})
		}
	}
	for i, v := range n.Host.Versions {
		if v.Binary == "runc" && v.Output != "" {
			line, _, _ := strings.Cut(v.Output, "\n")
			out = append(out, installed{"runc", line + " " + runcCommit(v.Output), v.Path, facts.Ref{Path: "host/versions.json", Pointer: fmt.Sprintf("/%d/output", i)}, "", nil})
		}
	}
	if n.Docker != nil && n.Docker.Version != nil {
		if s, ok := n.Docker.Version["Version"].(string); ok {
			out = append(out, installed{"docker", s, "dockerd", facts.Ref{Path: "docker/version.json", Pointer: "/Version"}, "", nil})
		}
	}
	return out
}

func runcCommit(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "commit:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "commit:"))
		}
	}
	return ""
}

func versionRules() []Rule {
	return []Rule{{
		ID: "RT1401-vulnerable-version", Family: 14, Title: "Known-vulnerable or known-buggy runtime version",
		Reads: []string{"containerd/<endpoint>/server.json", "host/versions.json", "docker/version.json", "analyze/rules/data/advisories.json"},
		Check: vulnerableVersions,
	}}
}

// packageFor is the installed package that ships a component at this
// upstream version: the package manager's record tells its revision.
func packageFor(n *facts.Node, component, version string) (*hostschema.Package, int) {
	if n.Host.Packages == nil {
		return nil, -1
	}
	want, ok := parseVersion(version)
	if !ok {
		return nil, -1
	}
	for i, p := range n.Host.Packages.Packages {
		if !slices.Contains(componentPackages[component], p.Name) {
			continue
		}
		if v, ok := parseVersion(upstreamOf(p.Version)); ok && v == want {
			return &n.Host.Packages.Packages[i], i
		}
	}
	return nil, -1
}

// upstreamOf drops a package version's epoch and revision.
func upstreamOf(v string) string {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	if i := strings.LastIndex(v, "-"); i > 0 {
		v = v[:i]
	}
	return v
}

// distroVerdict says what the distribution's record says about a package
// and an advisory: fixed (the revision carries the fix), known-affected, or
// unknown (no entry for this distribution release and upstream branch, or
// no comparison for its package manager). os-release decides which entries
// apply; the package manager decides how revisions compare (dpkg's or
// rpm's order). One release may list a fixed revision per upstream branch
// (Ubuntu 22.04: containerd 1.6.12-...~22.04.8 and 1.7.24-...~22.04.2): only
// the entry of the installed package's own major.minor is compared, since
// a revision on another branch says nothing about this one (jammy's docker.io
// 24.0.7 is newer than the fixed 20.10.21 revision and still affected).
func distroVerdict(n *facts.Node, a Advisory, pkg *hostschema.Package) (fixed, known bool, note string) {
	var osr map[string]string
	if n.Host.Facts != nil {
		osr = n.Host.Facts.OSRelease
	}
	distro, release := osr["ID"], osr["VERSION_ID"]
	branch, _ := parseVersion(upstreamOf(pkg.Version))
	for _, df := range a.DistroFixed {
		if !inFamily(osr, df.Distro) || !sameRelease(release, df.Release) || !slices.Contains(df.Packages, pkg.Name) {
			continue
		}
		if fb, ok := parseVersion(upstreamOf(df.Version)); !ok || fb[0] != branch[0] || fb[1] != branch[1] {
			continue
		}
		cmp, ok := comparePackageVersions(n.Host.Packages.Manager, pkg.Version, df.Version)
		if !ok {
			break
		}
		if cmp >= 0 {
			return true, true, ""
		}
		return false, true, fmt.Sprintf(" The installed package %s %s is older than %s, the first %s %s revision with the fix (%s).", pkg.Name, pkg.Version, df.Version, df.Distro, df.Release, df.Source)
	}
	return false, false, fmt.Sprintf(" The installed package is %s %s (%s %s): a distribution build whose revision may carry the fix under the old upstream version; the advisory table has no %s %s entry for it (upstream branch %d.%d), so it is reported at warning at most. Check the distribution's security tracker.", pkg.Name, pkg.Version, distro, release, distro, release, branch[0], branch[1])
}

// inFamily says whether os-release names distro as its ID or in ID_LIKE.
func inFamily(osr map[string]string, distro string) bool {
	if distro == "" {
		return false
	}
	return osr["ID"] == distro || slices.Contains(strings.Fields(osr["ID_LIKE"]), distro)
}

// sameRelease matches VERSION_ID to an entry's release: equal, or the
// entry names the major release ("9" for "9.3"; not "2" for "2023").
func sameRelease(versionID, release string) bool {
	return release != "" && (versionID == release || strings.HasPrefix(versionID, release+"."))
}

// comparePackageVersions orders two versions in the package manager's own
// syntax: dpkg's (pault.ag/go/debian, pinned by a differential test against
// dpkg) or rpm's epoch:version-release with rpmvercmp
// (github.com/knqyf263/go-rpm-version, pinned against rpm). ok is false for
// another manager or a version it cannot parse.
func comparePackageVersions(manager, a, b string) (cmp int, ok bool) {
	switch manager {
	case "dpkg":
		va, err1 := debversion.Parse(a)
		vb, err2 := debversion.Parse(b)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return debversion.Compare(va, vb), true
	case "rpm":
		if !rpmVersionRE.MatchString(a) || !rpmVersionRE.MatchString(b) {
			return 0, false
		}
		return rpmversion.NewVersion(a).Compare(rpmversion.NewVersion(b)), true
	}
	return 0, false
}

// rpmVersionRE is the shape rpm -q --qf '%{EPOCHNUM}:%{VERSION}-%{RELEASE}'
// prints (the collector drops a 0 epoch): the library parses anything, so
// a string of another shape is refused here rather than misordered.
var rpmVersionRE = regexp.MustCompile(`^([0-9]+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$`)

func vulnerableVersions(n *facts.Node) []finding.Finding {
	advs, err := Advisories()
	if err != nil {
		return nil
	}
	var out []finding.Finding
	for _, in := range installedVersions(n) {
		var pkgIndex int
		in.Pkg, pkgIndex = packageFor(n, in.Component, in.Version)
		for _, a := range advs {
			if a.Component != in.Component {
				continue
			}
			affected, fix := a.Affected(in.Version)
			if !affected {
				continue
			}
			sev, note := a.Severity, ""
			switch {
			case in.Pkg != nil:
				fixed, known, why := distroVerdict(n, a, in.Pkg)
				if fixed {
					continue // the distribution's revision carries the fix
				}
				if !known {
					sev = min(sev, finding.Warning)
				}
				note = why
			case distroBuild.MatchString(in.Version):
				sev = min(sev, finding.Warning)
				note = fmt.Sprintf(" %q looks like a distribution build, and the bundle has no package record for it (host/packages.json): its revision may carry the fix, so it is reported at warning at most.", in.Version)
			}
			evs := []finding.Evidence{ev(in.Ref, in.Version)}
			if in.Pkg != nil {
				evs = append(evs, ev(facts.Ref{Path: "host/packages.json", Pointer: fmt.Sprintf("/packages/%d", pkgIndex)}, in.Pkg))
			}
			out = append(out, finding.Finding{
				ID: "RT1401-vulnerable-version", Severity: sev,
				Title:   fmt.Sprintf("%s %s is affected by %s", in.Component, shortVersion(in.Version), a.ID),
				Subject: finding.Subject{Endpoint: in.Endpoint, File: in.Where},
				Explanation: fmt.Sprintf("%s. %s reports version %q; the fix is in %s (fixed versions per branch: %s).%s",
					a.Title, in.Where, in.Version, fix, strings.Join(a.Fixed, ", "), note),
				Evidence:    evs,
				Remediation: []string{fmt.Sprintf("Upgrade %s to %s or later on its branch (or a distribution build that carries the fix).", in.Component, fix)},
				References:  a.References,
			})
		}
	}
	return out
}

func shortVersion(v string) string {
	if m := versionRE.FindString(v); m != "" {
		return strings.TrimPrefix(m, "v")
	}
	return finding.Cut(v, 40)
}
