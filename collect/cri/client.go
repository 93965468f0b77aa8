package cri

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc/status"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// maxCalls bounds calls.json: beyond it the per-call log says nothing new.
const maxCalls = 5000

// client wraps one endpoint's CRI clients with call recording.
type client struct {
	env     *collect.Env
	ep      endpoints.Endpoint
	rt      criapi.RuntimeServiceClient
	img     criapi.ImageServiceClient
	mu      sync.Mutex
	calls   []Call
	dropped int
}

// call runs one RPC through the engine's per-runtime limit and deadline and
// records its outcome.
func (c *client) call(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	start := time.Now()
	err := c.env.Call(ctx, c.ep.Path, fn)
	rec := Call{Method: method, DurationMS: time.Since(start).Milliseconds(), Code: "OK"}
	if err != nil {
		rec.Code = codeOf(err)
		rec.Error = c.env.Redactor.String(err.Error())
	}
	c.mu.Lock()
	if len(c.calls) < maxCalls {
		c.calls = append(c.calls, rec)
	} else {
		c.dropped++
	}
	c.mu.Unlock()
	return err
}

// recorded returns the calls recorded and how many were left out.
func (c *client) recorded() ([]Call, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call{}, c.calls...), c.dropped
}

// codeOf names an error by its gRPC code; a deadline hit before the call got
// a status (the engine's ctx, a hung dial) is DeadlineExceeded too.
func codeOf(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "DeadlineExceeded"
	}
	if errors.Is(err, context.Canceled) {
		return "Canceled"
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		return "Unavailable"
	}
	if s, ok := status.FromError(err); ok {
		return s.Code().String()
	}
	return "Unknown"
}

// parallel runs fn for 0..n-1 from a few goroutines; the engine's
// per-runtime limit decides how many calls are really in flight.
func (c *client) parallel(ctx context.Context, n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 8 && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
