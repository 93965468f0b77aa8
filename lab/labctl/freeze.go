package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const cgroupRoot = "/sys/fs/cgroup"

// freeze freezes the cgroup pid lives in and returns the control file it
// wrote: cgroup v1's freezer.state or v2's cgroup.freeze. It waits until the
// kernel reports the cgroup frozen, so tests never see it half-way.
func freeze(pid int) (string, error) {
	ctl, frozen, err := freezerFile(pid)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(ctl, []byte(frozen), 0o644); err != nil {
		return "", fmt.Errorf("freeze %s: %w", ctl, err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if isFrozen(ctl) {
			return ctl, nil
		}
	}
	return ctl, fmt.Errorf("%s: cgroup did not freeze within 10s", ctl)
}

// thaw undoes freeze on the control file it returned.
func thaw(ctl string) error {
	v := "THAWED"
	if filepath.Base(ctl) == "cgroup.freeze" {
		v = "0"
	}
	if err := os.WriteFile(ctl, []byte(v), 0o644); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("thaw %s: %w", ctl, err)
	}
	return nil
}

func isFrozen(ctl string) bool {
	if filepath.Base(ctl) == "cgroup.freeze" {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(ctl), "cgroup.events"))
		return err == nil && strings.Contains(string(b), "frozen 1")
	}
	b, err := os.ReadFile(ctl)
	return err == nil && strings.TrimSpace(string(b)) == "FROZEN"
}

// freezerFile finds pid's freezer control file from /proc/PID/cgroup.
func freezerFile(pid int) (ctl, frozen string, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	var unified string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "freezer" {
				return filepath.Join(cgroupRoot, "freezer", parts[2], "freezer.state"), "FROZEN", nil
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			unified = parts[2]
		}
	}
	if unified != "" {
		return filepath.Join(cgroupRoot, unified, "cgroup.freeze"), "1", nil
	}
	return "", "", fmt.Errorf("pid %d: no freezer cgroup in /proc/%d/cgroup", pid, pid)
}
