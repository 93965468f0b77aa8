package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
)

// TestProfileFlags: --cpuprofile and --memprofile write their profiles and
// leave the command's result as it was; an existing file is never
// overwritten (the command refuses to start).
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	b := bundletest.Write(t, dir, "a.tar.zst", bundletest.Healthy())
	want, wantOut, _ := runCmd("inspect", b)
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	code, out, _ := runCmd("inspect", "--cpuprofile", cpu, "--memprofile", mem, b)
	if code != want || out != wantOut {
		t.Fatalf("with profiles: exit %d, output changed: %q", code, out)
	}
	for _, p := range []string{cpu, mem} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", p, err)
		}
	}
	before, _ := os.ReadFile(cpu)
	if code, _, stderr := runCmd("findings", "--cpuprofile", cpu, b); code == want || stderr == "" {
		t.Fatalf("an existing --cpuprofile file: exit %d, stderr %q", code, stderr)
	}
	if after, _ := os.ReadFile(cpu); string(after) != string(before) {
		t.Fatal("the existing profile was overwritten")
	}
}
