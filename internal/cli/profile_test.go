package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestProfilesAreNewFilesNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	stop, err := StartCPUProfile(cpu)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if err := WriteAllocProfile(mem); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cpu, mem} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if _, err := StartCPUProfile(cpu); err == nil {
		t.Error("--cpuprofile overwrote an existing file")
	}
	if err := WriteAllocProfile(mem); err == nil {
		t.Error("--memprofile overwrote an existing file")
	}
}
