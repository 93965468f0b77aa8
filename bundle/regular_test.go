//go:build unix

package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// within fails the test when fn has not returned after d: the cases below
// hung forever or ran out of memory before issue #15.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
}

func TestOpenFileRefusesFIFOAndDevices(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.tar.zst")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	zero := filepath.Join(dir, "zero.tar.zst")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, zero} {
		within(t, 5*time.Second, func() {
			if _, err := OpenFile(p, DefaultLimits()); !errors.Is(err, ErrNotRegular) {
				t.Errorf("OpenFile(%s) = %v, want ErrNotRegular", filepath.Base(p), err)
			}
			if _, err := VerifyFile(p, DefaultLimits()); !errors.Is(err, ErrNotRegular) {
				t.Errorf("VerifyFile(%s) = %v, want ErrNotRegular", filepath.Base(p), err)
			}
		})
	}
	// Quiet on a regular file, and through a symlink to one.
	p := writeBundle(t, dir, map[string]string{"a/x.json": `{}`})
	link := filepath.Join(dir, "link.tar.zst")
	os.Symlink(p, link)
	for _, q := range []string{p, link} {
		if _, err := OpenRegular(q, 0); err != nil {
			t.Errorf("OpenRegular(%s): %v", q, err)
		}
	}
}

func TestSidecarIsBoundedAndRegular(t *testing.T) {
	dir := t.TempDir()
	p := writeBundle(t, dir, map[string]string{"a/x.json": `{}`})
	if _, err := OpenFile(p, DefaultLimits()); err != nil {
		t.Fatalf("valid bundle with its sidecar: %v", err)
	}
	os.Remove(p + SidecarSuffix)
	if err := os.Symlink("/dev/zero", p+SidecarSuffix); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, func() {
		if _, err := OpenFile(p, DefaultLimits()); !errors.Is(err, ErrTampered) {
			t.Errorf("sidecar -> /dev/zero: %v, want ErrTampered", err)
		}
		rep, _ := VerifyFile(p, DefaultLimits())
		if rep.OK() {
			t.Error("VerifyFile accepted a /dev/zero sidecar")
		}
	})
	os.Remove(p + SidecarSuffix)
	if err := os.WriteFile(p+SidecarSuffix, make([]byte, MaxSidecarBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SidecarSum(p); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized sidecar: %v, want ErrTooLarge", err)
	}
	os.Remove(p + SidecarSuffix)
	if err := syscall.Mkfifo(p+SidecarSuffix, 0o600); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, func() {
		if _, _, err := SidecarSum(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("FIFO sidecar: %v, want ErrNotRegular", err)
		}
	})
	os.Remove(p + SidecarSuffix)
	if _, present, err := SidecarSum(p); present || err != nil {
		t.Errorf("absent sidecar: present=%v err=%v", present, err)
	}
}

func TestArchiveSizeBound(t *testing.T) {
	dir := t.TempDir()
	p := writeBundle(t, dir, map[string]string{"a/x.json": `{}`})
	lim := DefaultLimits()
	lim.MaxTotalBytes, lim.MaxManifestBytes, lim.MaxEntries = 0, 0, 0
	// 64 MiB of slack is the smallest bound; a sparse file of 65 MiB is over it.
	big := filepath.Join(dir, "big.tar.zst")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Truncate(big, 65<<20)
	if _, err := OpenFile(big, lim); !errors.Is(err, ErrTooLarge) {
		t.Errorf("archive over the bound: %v, want ErrTooLarge", err)
	}
	if _, err := OpenFile(p, lim); errors.Is(err, ErrTooLarge) {
		t.Errorf("small archive refused for size: %v", err)
	}
}
