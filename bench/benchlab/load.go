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
}

type latencySummary struct {
	Calls int           `json:"calls"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	// WindowP99 is the median of the windows' p99s (a phase's summary).
	WindowP99 time.Duration `json:"window_p99_median_ns,omitempty"`
}

func summarize(v []time.Duration) latencySummary {
	return latencySummary{Calls: len(v), P50: percentile(v, 50), P99: percentile(v, 99)}
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
