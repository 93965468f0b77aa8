package collect

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// slowRuntime is a CRI runtime on a unix socket whose Version takes delay,
// plus a little more per call already in flight (a runtime that slows under
// load, as containerd does when its CPU is taken).
type slowRuntime struct {
	criapi.UnimplementedRuntimeServiceServer
	delay    atomic.Int64 // nanoseconds
	inflight atomic.Int64
	peak     atomic.Int64
}

func (s *slowRuntime) Version(ctx context.Context, _ *criapi.VersionRequest) (*criapi.VersionResponse, error) {
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	d := time.Duration(s.delay.Load())
	select {
	case <-time.After(d + time.Duration(n-1)*d/4):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &criapi.VersionResponse{RuntimeName: "slow"}, nil
}

func startSlowRuntime(t *testing.T, delay time.Duration) (*slowRuntime, string, criapi.RuntimeServiceClient) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "cri.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	rt := &slowRuntime{}
	rt.delay.Store(int64(delay))
	srv := grpc.NewServer()
	criapi.RegisterRuntimeServiceServer(srv, rt)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return rt, sock, criapi.NewRuntimeServiceClient(conn)
}

// hammer makes n Version calls through env.Call from 8 goroutines (more
// than any limit: the gate, not the callers, decides what is in flight).
func hammer(t *testing.T, env *Env, sock string, c criapi.RuntimeServiceClient, n int) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if err := env.Call(context.Background(), sock, func(ctx context.Context) error {
					_, err := c.Version(ctx, &criapi.VersionRequest{})
					return err
				}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
}

// The fast runtime answers in 20 ms, not a real runtime's 1-4 ms: in CI a
// 4 ms fake measured 20-99 ms (scheduling on a loaded 2-core machine) and
// the gate halved on that noise. Against 20 ms the noise stays under the
// gate's 2x, as TestAdaptiveLimitStaysAtMaxOnASteadyRuntime found; the
// slow runtime is 10x that.
const fastRuntimeDelay, slowRuntimeDelay = 20 * time.Millisecond, 200 * time.Millisecond

func TestAdaptiveLimitDropsWhenTheRuntimeSlowsAndRecovers(t *testing.T) {
	rt, sock, c := startSlowRuntime(t, fastRuntimeDelay)
	env := &Env{CallTimeout: 5 * time.Second, limits: newRuntimeLimits(4)}

	hammer(t, env, sock, c, 120)
	fast := env.limits.report()[0]
	if fast.FinalCalls != 4 || fast.MinCalls != 4 {
		t.Fatalf("fast runtime: the limit moved: %+v", fast)
	}
	if p := rt.peak.Load(); p != 4 {
		t.Errorf("fast runtime saw %d calls in flight at most, want 4", p)
	}

	rt.delay.Store(int64(slowRuntimeDelay))
	rt.peak.Store(0)
	hammer(t, env, sock, c, 40)
	slow := env.limits.report()[0]
	if slow.FinalCalls >= 4 || slow.MinCalls > 2 {
		t.Fatalf("slow runtime: the limit did not drop: %+v", slow)
	}

	rt.delay.Store(int64(fastRuntimeDelay))
	hammer(t, env, sock, c, 200)
	back := env.limits.report()[0]
	if back.FinalCalls != 4 {
		t.Fatalf("fast again: the limit did not recover: %+v", back)
	}
	var down, up bool
	for _, ch := range back.Changes {
		down = down || ch.To < ch.From
		up = up || (down && ch.To > ch.From)
	}
	if !down || !up || back.Runtime != sock || back.Calls != 360 || back.MaxCalls != 4 {
		t.Errorf("the record does not show the drop and the recovery: %+v", back)
	}
}

// A runtime whose latency does not change keeps the full limit: the gate
// must not back off on the noise of a steady runtime.
func TestAdaptiveLimitStaysAtMaxOnASteadyRuntime(t *testing.T) {
	// 100 ms: the client's view of a steady runtime carries the machine's
	// own stalls. At 20 ms a CI run measured a 51 ms baseline and a 104 ms
	// median while other packages' tests ran (the gate halved: from its side
	// the runtime did slow down); against 100 ms the same stalls stay under
	// slowFactor.
	rt, sock, c := startSlowRuntime(t, 100*time.Millisecond)
	env := &Env{CallTimeout: 5 * time.Second, limits: newRuntimeLimits(3)}
	hammer(t, env, sock, c, 150)
	r := env.limits.report()[0]
	if r.MinCalls != 3 || r.FinalCalls != 3 || len(r.Changes) != 0 {
		t.Fatalf("steady runtime: %+v", r)
	}
	if p := rt.peak.Load(); p != 3 {
		t.Errorf("peak in flight %d, want the limit 3", p)
	}
}

// A caller whose context ends while it waits gives up its place without
// leaking a slot.
func TestGateWaiterCancelled(t *testing.T) {
	g := &gate{limit: 1, max: 1, minLimit: 1, start: time.Now()}
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(ctx); err == nil {
		t.Fatal("acquired a slot the limit does not have")
	}
	g.release(time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- g.acquire(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the cancelled waiter kept the slot")
	}
}

// feed runs latencies through g, one call at a time.
func feed(t *testing.T, g *gate, latencies ...time.Duration) {
	t.Helper()
	for _, d := range latencies {
		if err := g.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.release(d)
	}
}

func repeat(n int, pattern ...time.Duration) []time.Duration {
	var out []time.Duration
	for len(out) < n {
		out = append(out, pattern...)
	}
	return out[:n]
}

// The scale lab's ContainerStatus latencies on a loaded machine, 0.5 to
// 1.2 ms (docs/benchmarks.md): a 2x jitter that kubelet cannot notice
// leaves the limit alone; the same runtime at 10 ms (a daemon short of
// CPU) halves it, and it comes back when the runtime does.
func TestAdaptiveLimitIgnoresSubMillisecondJitter(t *testing.T) {
	us := time.Microsecond
	g := &gate{limit: 4, max: 4, minLimit: 4, start: time.Now()}
	// Windows of calls at 0.5 ms and at 1.3 ms in turn: the median swings
	// past twice the baseline and back.
	for range 10 {
		feed(t, g, repeat(24, 500*us, 450*us, 550*us)...)
		feed(t, g, repeat(24, 1300*us, 1200*us, 1400*us)...)
	}
	if g.minLimit != 4 || len(g.changes) != 0 {
		t.Fatalf("jitter under a millisecond moved the limit: %+v", g.changes)
	}
	feed(t, g, repeat(64, 10*time.Millisecond)...)
	if g.minLimit > 2 {
		t.Fatalf("a runtime 10x slower kept %d calls in flight", g.limit)
	}
	feed(t, g, repeat(400, 600*us)...)
	if g.limit != 4 {
		t.Fatalf("the limit did not come back: %d (%+v)", g.limit, g.changes)
	}
}
