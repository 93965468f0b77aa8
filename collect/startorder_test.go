package collect

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// The sources that wait on a runtime get the first slots, then those that
// wait on their child processes, the rest follow in registration order;
// the statuses stay in registration order.
func TestSourcesThatWaitOnARuntimeStartFirst(t *testing.T) {
	var (
		mu      sync.Mutex
		started []string
	)
	src := func(name string) Source {
		return fakeSource{name: name, collect: func(ctx context.Context, env *Env, out Output) error {
			mu.Lock()
			started = append(started, name)
			mu.Unlock()
			return out.WriteFile("x.txt", redact.Text, []byte(name))
		}}
	}
	names := []string{"discovery", "host", "cri", "proc", "configs", "containerd", "cgroup", "docker"}
	var sources []Source
	for _, n := range names {
		sources = append(sources, src(n))
	}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 30 * time.Second, Parallel: 1}, sources, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(started, " "), "cri containerd docker host configs discovery proc cgroup"; got != want {
		t.Errorf("started %s, want %s", got, want)
	}
	for i, st := range res.Sources {
		if st.Name != names[i] || st.Status != bundle.StatusOK {
			t.Errorf("status %d: %+v, want %s ok", i, st, names[i])
		}
	}
}
