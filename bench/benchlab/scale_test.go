package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// Without --scale-endpoint, the scale lab is looked for where
// bench/scale2.sh puts it; a lab that is down is left alone.
func TestScaleLabDownFindsTheLabWithoutTheFlag(t *testing.T) {
	cfg := &config{repo: filepath.Join("..", "..")}
	sock, err := scaleLabSocket(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(sock, "/scale2/containerd.sock") {
		t.Errorf("scale lab socket %q", sock)
	}
	// A socket that is not there: nothing to stop, nothing logged.
	cfg.scaleEndpoint = filepath.Join(t.TempDir(), "none.sock")
	logged := 0
	if err := scaleLabDown(context.Background(), cfg, func(string, ...any) { logged++ }); err != nil || logged != 0 {
		t.Errorf("scaleLabDown of no lab: %v, %d lines logged", err, logged)
	}
}
