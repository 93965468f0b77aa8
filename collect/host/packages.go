package host

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	schema "github.com/rtsnap/rtsnap/internal/schema/host"
)

// RuntimePackages are the distribution package names whose versions the
// analyzer compares with advisories (Debian/Ubuntu and RHEL-family names).
var RuntimePackages = []string{
	"containerd", "containerd.io", "moby-containerd", "docker.io", "docker-ce", "docker-ce-cli", "moby-engine",
	"runc", "moby-runc", "crun", "cri-o", "cri-tools", "conmon", "podman", "kubelet", "kubeadm",
	"containernetworking-plugins", "libseccomp2", "libseccomp",
}

// Paths and bounds of the package databases: dpkg's status file is read
// directly (a text file); rpm's database is binary, so rpm itself is asked.
const (
	dpkgStatusPath = "/var/lib/dpkg/status"
	rpmDBDir       = "/var/lib/rpm"
	maxDpkgStatus  = 64 << 20
	rpmTimeout     = 10 * time.Second
)

// packages reads the package manager's versions of RuntimePackages; resolve
// maps a host path to where this process sees it (--host-root).
func packages(ctx context.Context, resolve func(string) string) schema.Packages {
	if f, err := os.Open(resolve(dpkgStatusPath)); err == nil {
		defer f.Close()
		p := schema.Packages{Manager: "dpkg", Source: dpkgStatusPath}
		pkgs, err := parseDpkgStatus(io.LimitReader(f, maxDpkgStatus), RuntimePackages)
		p.Packages = pkgs
		if err != nil {
			p.Error = err.Error()
		}
		return p
	}
	if st, err := os.Stat(resolve(rpmDBDir)); err == nil && st.IsDir() {
		return rpmPackages(ctx, resolve(rpmDBDir), RuntimePackages)
	}
	return schema.Packages{Packages: []schema.Package{}}
}

// parseDpkgStatus reads dpkg's status file (RFC 822 stanzas separated by
// blank lines) and keeps the installed packages named in want, sorted.
func parseDpkgStatus(r io.Reader, want []string) ([]schema.Package, error) {
	keep := map[string]bool{}
	for _, n := range want {
		keep[n] = true
	}
	out := []schema.Package{}
	var cur schema.Package
	var status string
	flush := func() {
		if keep[cur.Name] && cur.Version != "" && strings.HasSuffix(status, " installed") {
			out = append(out, cur)
		}
		cur, status = schema.Package{}, ""
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // long Description continuation lines
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Name = v
		case "Status":
			status = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Arch = v
		case "Source":
			cur.SourcePackage, _, _ = strings.Cut(v, " ")
		}
	}
	flush()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading %s: %w", dpkgStatusPath, err)
	}
	return out, nil
}

// rpmPackages asks rpm for the packages in want (installed ones only:
// rpm -q prints "package X is not installed" for the others).
func rpmPackages(ctx context.Context, dbPath string, want []string) schema.Packages {
	p := schema.Packages{Manager: "rpm", Source: "rpm -q", Packages: []schema.Package{}}
	ctx, cancel := context.WithTimeout(ctx, rpmTimeout)
	defer cancel()
	args := append([]string{"--dbpath", dbPath, "-q", "--qf", `%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n`}, want...)
	b, err := exec.CommandContext(ctx, "rpm", args...).Output()
	if err != nil && len(b) == 0 {
		p.Error = fmt.Sprintf("rpm -q: %v", err)
		return p
	}
	p.Packages = parseRpmQuery(b)
	return p
}

func parseRpmQuery(b []byte) []schema.Package {
	out := []schema.Package{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := strings.Split(string(line), "\t")
		if len(f) != 3 {
			continue
		}
		v := strings.TrimPrefix(f[1], "0:") // rpm prints epoch 0 as "0:"; dpkg-style comparison treats none as 0
		out = append(out, schema.Package{Name: f[0], Version: v, Arch: f[2]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
