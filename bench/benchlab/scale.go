package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// scaleStep measures the collection at 2,000 containers (the scale lab's
// daemon, bench/scale2.sh, on top of the whole lab) with the defaults, with
// and without logs, and the analyzer's inspect and findings on its bundle.
// Every source must be ok: the defaults must collect every container.
//
// The scale lab is started here, after the 500-container steps (its
// containers' runc state, processes and cgroups would be in those
// collections too), and stopped after it unless --keep-scale.
func scaleStep(ctx context.Context, cfg *config, res *results, logf func(string, ...any)) (err error) {
	logf("scale lab up (bench/scale2.sh up)")
	if err := scaleLab(ctx, cfg, "up"); err != nil {
		return err
	}
	if !cfg.keepScale {
		defer func() {
			logf("scale lab down")
			err = errors.Join(err, scaleLab(context.Background(), cfg, "down"))
		}()
	}
	n, err := countContainers(ctx, cfg.scaleEndpoint)
	if err != nil {
		return err
	}
	res.ScaleNode = n
	logf("scale: %d containers on %s", n, cfg.scaleEndpoint)
	extra := []string{"--runtime-endpoint", "unix://" + cfg.scaleEndpoint}
	rt := &series{Name: "scale: rtsnap collect", Command: "rtsnap collect (defaults; lab endpoints + the scale lab)"}
	noLogs := &series{Name: "scale: rtsnap collect --skip logs", Command: "rtsnap collect --skip logs"}
	inspect := &series{Name: "scale: inspect", Command: "rtsnap-analyze inspect"}
	findings := &series{Name: "scale: findings", Command: "rtsnap-analyze findings"}
	res.Scale = []*series{rt, noLogs, inspect, findings}
	if _, _, err := collectOnce(ctx, cfg, filepath.Join(cfg.out, "scale-warmup"), extra...); err != nil {
		return err
	}
	// What a collection costs the runtime: its containerd's and shims' CPU
	// around each collection, beside what they use idle.
	rp, err := findRuntime(cfg.scaleEndpoint)
	if err != nil {
		logf("scale: warning: no runtime CPU figures: %v", err)
	} else {
		idle := rp.idle(10 * time.Second)
		res.ScaleRuntime = &idle
		logf("scale: runtime idle: %d processes, %.2f CPU-s per second", idle.Processes, idle.perSecond())
	}
	res.ScaleLoadavg = loadavg()
	var last string
	for i := 0; i < cfg.runs; i++ {
		logf("scale run %d/%d", i+1, cfg.runs)
		before := rp.cpu()
		s, path, err := collectOnce(ctx, cfg, filepath.Join(cfg.out, fmt.Sprintf("scale-%d", i)), extra...)
		if err != nil {
			return err
		}
		if res.ScaleRuntime != nil {
			s.RuntimeCPU = rp.cpu() - before
		}
		rt.Runs, last = append(rt.Runs, s), path
		if s, _, err = collectOnce(ctx, cfg, filepath.Join(cfg.out, fmt.Sprintf("scale-nologs-%d", i)), append(extra, "--skip", "logs")...); err != nil {
			return err
		}
		noLogs.Runs = append(noLogs.Runs, s)
	}
	cut, err := sourcesNotOK(last)
	if err != nil {
		return err
	}
	res.ScaleCut = cut
	// Not fatal: the figures of this step stand without it; the Go
	// benchmark then uses an older bundle there, or says there is none.
	if kept, err := keepScaleBundle(last); err != nil {
		logf("scale: warning: %v", err)
	} else {
		logf("scale: bundle kept for the analyzer's benchmarks: %s", kept)
	}
	bin := filepath.Join(cfg.repo, "bin", "rtsnap-analyze")
	for i := 0; i < cfg.runs; i++ {
		for _, a := range []struct {
			s    *series
			args []string
		}{{inspect, []string{"inspect", last}}, {findings, []string{"findings", last}}} {
			x, _, err := measure(ctx, 5*time.Minute, 2, nil, bin, a.args...)
			if err != nil {
				return err
			}
			a.s.Runs = append(a.s.Runs, x)
		}
	}
	return nil
}

// scaleLab runs bench/scale2.sh up or down, under a deadline (creating 250
// pods takes about 6 minutes on a loaded 2-core machine).
func scaleLab(ctx context.Context, cfg *config, action string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(cfg.repo, "bench", "scale2.sh"), action)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("bench/scale2.sh %s: %w: %s", action, err, tail(out, 500))
	}
	return nil
}

// scaleLabDown stops a scale lab left up by an earlier run (--keep-scale),
// so the 500-container steps do not see its 2,000 containers. Without
// --scale-endpoint it looks where bench/scale2.sh puts the lab: a run of
// the 500-container steps alone is what would otherwise measure both.
func scaleLabDown(ctx context.Context, cfg *config, logf func(string, ...any)) error {
	sock := cfg.scaleEndpoint
	if sock == "" {
		var err error
		if sock, err = scaleLabSocket(ctx, cfg); err != nil {
			return err
		}
	}
	if _, err := os.Stat(sock); err != nil {
		return nil
	}
	logf("a scale lab is up (%s): stopping it (bench/scale2.sh down), so the 500-container steps do not collect its containers", sock)
	return scaleLab(ctx, cfg, "down")
}

// scaleLabSocket is the socket bench/scale2.sh gives its containerd (its
// env action), so the path has one definition.
func scaleLabSocket(ctx context.Context, cfg *config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", filepath.Join(cfg.repo, "bench", "scale2.sh"), "env").Output()
	if err != nil {
		return "", fmt.Errorf("bench/scale2.sh env: %w", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "RTSNAP_SCALE2_SOCK="); ok && v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("bench/scale2.sh env names no RTSNAP_SCALE2_SOCK: %q", tail(out, 200))
}

// sourcesNotOK names the sources of a bundle whose status is not ok, with
// the reason: at 2,000 containers with the defaults there should be none.
func sourcesNotOK(path string) ([]string, error) {
	b, err := bundle.OpenFile(path, bundle.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var out []string
	for _, s := range b.Manifest.Sources {
		if s.Status != bundle.StatusOK && s.Status != bundle.StatusSkipped {
			out = append(out, fmt.Sprintf("%s: %s (%s)", s.Name, s.Status, s.Reason))
		}
	}
	if js, err := json.Marshal(b.Manifest.Pressure); err == nil && len(b.Manifest.Pressure) > 0 {
		_ = os.WriteFile(filepath.Join(filepath.Dir(path), "pressure.json"), js, 0o600)
	}
	return out, nil
}

// keepScaleBundle copies a bundle and its sidecar into lab.ScaleBundleDir
// for BenchmarkInspectFindings (the Go benchmarks run after this step),
// under its own name: a bundle already there is never replaced.
func keepScaleBundle(src string) (string, error) {
	if err := os.MkdirAll(lab.ScaleBundleDir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(lab.ScaleBundleDir, filepath.Base(src))
	for _, suffix := range []string{"", bundle.SidecarSuffix} {
		if err := copyNew(src+suffix, dst+suffix); err != nil {
			return "", fmt.Errorf("keeping the scale bundle: %w", err)
		}
	}
	return dst, nil
}

// copyNew copies a file (a bundle: a few MB) to a path that must not exist yet.
func copyNew(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = out.Write(data)
	if err = errors.Join(err, out.Close()); err != nil {
		os.Remove(dst) // no half bundle for the benchmarks to read
	}
	return err
}
