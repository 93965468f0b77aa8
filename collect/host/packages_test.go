package host

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A status file in dpkg's format, trimmed from a Debian 12 node: multi-line
// fields, a removed package (config-files) and a Source: with a version.
const dpkgFixture = `Package: containerd
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 1.6.20~ds1-1+deb12u3
Description: open and reliable container runtime
 containerd is an industry-standard container runtime with an emphasis on
 .
 simplicity, robustness and portability.

Package: docker.io
Status: install ok installed
Architecture: amd64
Source: docker.io (20.10.24+dfsg1-1+deb12u1)
Version: 20.10.24+dfsg1-1+deb12u1

Package: runc
Status: deinstall ok config-files
Architecture: amd64
Version: 1.1.5+ds1-1+deb12u1

Package: vim
Status: install ok installed
Version: 2:9.0.1378-2
`

func TestParseDpkgStatus(t *testing.T) {
	got, err := parseDpkgStatus(strings.NewReader(dpkgFixture), RuntimePackages)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "containerd" || got[0].Version != "1.6.20~ds1-1+deb12u3" || got[1].SourcePackage != "docker.io" {
		t.Fatalf("got %+v (want containerd and docker.io; removed runc and unrelated vim left out)", got)
	}
}

// TestParseDpkgStatusMatchesDpkgQuery is a differential test against the
// real package manager: every runtime package dpkg-query calls installed
// has the same version in our parse of the real status file.
func TestParseDpkgStatusMatchesDpkgQuery(t *testing.T) {
	f, err := os.Open(dpkgStatusPath)
	if err != nil {
		t.Skip("no dpkg status file on this machine")
	}
	defer f.Close()
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("no dpkg-query")
	}
	got, err := parseDpkgStatus(f, RuntimePackages)
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]string{}
	for _, p := range got {
		ours[p.Name] = p.Version
	}
	out, _ := exec.Command("dpkg-query", append([]string{"-W", "-f", "${Package}\t${Version}\t${db:Status-Status}\n"}, RuntimePackages...)...).Output()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[2] != "installed" {
			continue
		}
		n++
		if ours[f[0]] != f[1] {
			t.Errorf("%s: dpkg-query says %q, parse says %q", f[0], f[1], ours[f[0]])
		}
	}
	if n != len(got) {
		t.Errorf("dpkg-query lists %d installed runtime packages, parse %d: %v", n, len(got), got)
	}
	if n == 0 {
		t.Skip("no runtime package installed through dpkg here")
	}
}

func TestParseDpkgStatusBounded(t *testing.T) {
	huge := "Package: containerd\nStatus: install ok installed\nVersion: 1\nDescription: x\n " + strings.Repeat("y", 2<<20) + "\n"
	if _, err := parseDpkgStatus(strings.NewReader(huge), RuntimePackages); err == nil {
		t.Fatal("a 2 MiB continuation line parsed without error")
	}
}

func TestParseRpmQuery(t *testing.T) {
	got := parseRpmQuery([]byte("containerd.io\t0:1.6.28-3.1.el8\tx86_64\npackage podman is not installed\nrunc\t1:1.1.12-1.module+el8.9.0\tx86_64\n"))
	if len(got) != 2 || got[0].Version != "1.6.28-3.1.el8" || got[1].Version != "1:1.1.12-1.module+el8.9.0" {
		t.Fatalf("got %+v", got)
	}
}

func TestPackagesOnThisHost(t *testing.T) {
	p := packages(context.Background(), func(p string) string { return p })
	if _, err := os.Stat(dpkgStatusPath); err == nil && p.Manager != "dpkg" {
		t.Fatalf("manager %q on a dpkg host", p.Manager)
	}
}
