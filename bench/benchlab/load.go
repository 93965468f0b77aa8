package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// latencies are one phase of the load test: what a second CRI client (a
// kubelet, in effect) sees, call by call.
type latencies struct {
	Phase           string          `json:"phase"`
	ListContainers  []time.Duration `json:"-"`
	ContainerStatus []time.Duration `json:"-"`
	Errors          int             `json:"errors"`
	Collections     int             `json:"collections,omitempty"`
}

type latencySummary struct {
	Calls int           `json:"calls"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
}

func summarize(v []time.Duration) latencySummary {
	return latencySummary{Calls: len(v), P50: percentile(v, 50), P99: percentile(v, 99)}
}

// kubeletProbe asks one CRI endpoint what kubelet asks most, one call at a
// time: ListContainers, then ContainerStatus of each container in turn,
// until ctx ends. Every call has its own deadline, so a stalled runtime is
// counted as an error, not a hang.
func kubeletProbe(ctx context.Context, endpoint, phase string) (*latencies, error) {
	conn, err := dialCRI(endpoint)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rt := cri.NewRuntimeServiceClient(conn)
	res := &latencies{Phase: phase}
	var ids []string
	next := 0
	for ctx.Err() == nil {
		callCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		list, err := rt.ListContainers(callCtx, &cri.ListContainersRequest{})
		cancel()
		if err != nil {
			res.Errors++
			continue
		}
		res.ListContainers = append(res.ListContainers, time.Since(start))
		if len(ids) == 0 {
			for _, c := range list.Containers {
				ids = append(ids, c.Id)
			}
		}
		// Ten status calls per list, as kubelet's relist does far more
		// status than list calls.
		for i := 0; i < 10 && len(ids) > 0 && ctx.Err() == nil; i++ {
			id := ids[next%len(ids)]
			next++
			callCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			_, err := rt.ContainerStatus(callCtx, &cri.ContainerStatusRequest{ContainerId: id})
			cancel()
			if err != nil {
				res.Errors++
				continue
			}
			res.ContainerStatus = append(res.ContainerStatus, time.Since(start))
		}
	}
	return res, nil
}

// countContainers is how many containers an endpoint reports.
func countContainers(ctx context.Context, endpoint string) (int, error) {
	conn, err := dialCRI(endpoint)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := cri.NewRuntimeServiceClient(conn).ListContainers(ctx, &cri.ListContainersRequest{})
	if err != nil {
		return 0, fmt.Errorf("list containers on %s: %w", endpoint, err)
	}
	return len(list.Containers), nil
}

// dialCRI connects lazily to a CRI socket with the daemon's 16 MiB message size.
func dialCRI(endpoint string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient("unix://"+endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", endpoint, err)
	}
	return conn, nil
}
