package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/bundle"
)

// A hostile docker source: 1e5 containers whose names and commands carry
// terminal escapes, a bidi override and a 64 KiB name. The answer is
// bounded in time and reaches the terminal escaped (internal/safetext in
// run's writers), whatever the docker formatter prints.
func TestDockerHostileBundle(t *testing.T) {
	s := bundletest.Healthy()
	var b strings.Builder
	b.WriteString("[")
	for i := range 100000 {
		if i > 0 {
			b.WriteString(",")
		}
		name := fmt.Sprintf(`/evil\u001b]0;owned\u0007\u001b[2J\u202e%d`, i)
		if i == 7 {
			name = "/" + strings.Repeat("n", 64<<10)
		}
		fmt.Fprintf(&b, `{"Id":"%064x","Names":["%s"],"Image":"x","Command":"sh -c '\u001b[31mred'","Created":1,"State":"running","Status":"Up"}`, i, name)
	}
	b.WriteString("]")
	s.Files["docker/containers.json"] = b.String()
	for i := range s.Manifest.Sources {
		if s.Manifest.Sources[i].Name == "docker" {
			s.Manifest.Sources[i].Status = bundle.StatusOK
		}
	}
	path := bundletest.Write(t, t.TempDir(), "hostile.tar.zst", s)
	start := time.Now()
	code, out, errs := runCmd("docker", path, "ps", "--no-trunc", "--format", "{{.Names}} {{.Command}}")
	if code != 0 {
		t.Fatalf("exit %d: %.500s", code, errs)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("1e5 hostile containers took %v", d)
	}
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Error("a terminal escape or bidi override reached stdout")
	}
	if n := strings.Count(out, "\n"); n != 100000 {
		t.Errorf("%d lines, want 100000", n)
	}
	if !strings.Contains(out, strings.Repeat("n", 64<<10)) {
		t.Error("the long name was cut (the docker CLI prints it whole)")
	}
}
