package main

import (
	"context"
	"fmt"
	"sync"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// scale makes sure `pods` pods named scale-<i> (scale-<tag>-<i> with a tag;
// label rtsnap.lab=scale) run with `containers` sleeping containers each, for
// the benchmarks. Pods are created a few at a time: the point is a busy node,
// not a stressed daemon.
func (l *lab) scale(ctx context.Context, tag string, pods, containers int) error {
	list, err := l.rt.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{Filter: &cri.PodSandboxFilter{
		LabelSelector: map[string]string{labLabel: "scale"},
		State:         &cri.PodSandboxStateValue{State: cri.PodSandboxState_SANDBOX_READY}}})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	have := map[string]bool{}
	for _, p := range list.Items {
		have[p.Metadata.Name] = true
	}
	sem := make(chan struct{}, 4)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := 0; i < pods; i++ {
		name := fmt.Sprintf("scale-%03d", i)
		if tag != "" {
			name = fmt.Sprintf("scale-%s-%03d", tag, i)
		}
		if have[name] {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := l.scalePod(ctx, name, containers); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func (l *lab) scalePod(ctx context.Context, name string, containers int) error {
	podID, cfg, err := l.runPod(ctx, name, "scale", nil)
	if err != nil {
		return err
	}
	for c := 0; c < containers; c++ {
		id, err := l.createContainer(ctx, podID, cfg, fmt.Sprintf("c%d", c), 0, []string{"/bin/sleep", "2147483647"})
		if err != nil {
			return err
		}
		if _, err := l.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
			return fmt.Errorf("start %s/c%d: %w", name, c, err)
		}
	}
	return nil
}
