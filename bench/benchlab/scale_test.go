package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCopyNewNeverReplaces: the kept bundle is a copy, and a file already
// at the destination (an earlier run's bundle) is left as it was.
func TestCopyNewNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "a.tar.zst"), filepath.Join(dir, "b.tar.zst")
	if err := os.WriteFile(src, []byte("bundle"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := copyNew(src, dst); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "bundle" {
		t.Fatalf("copy = %q, %v", b, err)
	}
	if err := os.WriteFile(src, []byte("newer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := copyNew(src, dst); err == nil {
		t.Fatal("an existing file was replaced")
	}
	if b, _ := os.ReadFile(dst); string(b) != "bundle" {
		t.Fatalf("existing file changed to %q", b)
	}
}
