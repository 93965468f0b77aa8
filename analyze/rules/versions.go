package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

//go:embed data/advisories.json
var advisoriesJSON []byte

// Advisory is one entry of data/advisories.json: a component, the first
// fixed version of each release branch, and known distribution backports.
type Advisory struct {
	ID         string           `json:"id"`
	Component  string           `json:"component"`
	Severity   finding.Severity `json:"severity"`
	Title      string           `json:"title"`
	Fixed      []string         `json:"fixed"`
	Backports  []Backport       `json:"backports,omitempty"`
	References []string         `json:"references"`
}

// Backport is a distribution build that carries the fix under an older version.
type Backport struct {
	Contains string `json:"contains"`
	Note     string `json:"note"`
}

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

// installed is one version of a component found in the bundle.
type installed struct {
	Component, Version, Where string
	Ref                       facts.Ref
	Endpoint                  string
}

// installedVersions reads containerd from each daemon's server.json, runc
// from host/versions.json and Docker from docker/version.json.
func installedVersions(n *facts.Node) []installed {
	var out []installed
	for _, slug := range facts.SortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		if ep.Server != nil && ep.Server.Version != "" {
			out = append(out, installed{"containerd", ep.Server.Version, "containerd " + ep.Endpoint(), facts.Ref{Path: ep.Dir + "/server.json", Pointer: "/version"}, ep.Endpoint()})
		}
	}
	for i, v := range n.Host.Versions {
		if v.Binary == "runc" && v.Output != "" {
			line, _, _ := strings.Cut(v.Output, "\n")
			out = append(out, installed{"runc", line + " " + runcCommit(v.Output), v.Path, facts.Ref{Path: "host/versions.json", Pointer: fmt.Sprintf("/%d/output", i)}, ""})
		}
	}
	if n.Docker != nil && n.Docker.Version != nil {
		if s, ok := n.Docker.Version["Version"].(string); ok {
			out = append(out, installed{"docker", s, "dockerd", facts.Ref{Path: "docker/version.json", Pointer: "/Version"}, ""})
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

func vulnerableVersions(n *facts.Node) []finding.Finding {
	advs, err := Advisories()
	if err != nil {
		return nil
	}
	var out []finding.Finding
	for _, in := range installedVersions(n) {
		for _, a := range advs {
			if a.Component != in.Component {
				continue
			}
			affected, fix := a.Affected(in.Version)
			if !affected {
				continue
			}
			sev, note := a.Severity, ""
			for _, b := range a.Backports {
				if strings.Contains(in.Version, b.Contains) {
					sev, note = finding.Info, " "+b.Note+"; verify with the distribution's advisory."
				}
			}
			out = append(out, finding.Finding{
				ID: "RT1401-vulnerable-version", Severity: sev,
				Title:   fmt.Sprintf("%s %s is affected by %s", in.Component, shortVersion(in.Version), a.ID),
				Subject: finding.Subject{Endpoint: in.Endpoint, File: in.Where},
				Explanation: fmt.Sprintf("%s. %s reports version %q; the fix is in %s (fixed versions per branch: %s).%s",
					a.Title, in.Where, in.Version, fix, strings.Join(a.Fixed, ", "), note),
				Evidence:    []finding.Evidence{ev(in.Ref, in.Version)},
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
