package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	discschema "github.com/rtsnap/rtsnap/internal/schema/discovery"
)

// A probe that reached its deadline is a hung daemon when the collector ran
// through the wait, and an open question when the collector itself spent most
// of the wait kept from running (figures from real runs: a hung socket probed
// by a collector in a cgroup held to 5 % of a CPU beside its other sources,
// 4,619 of 5,097 ms; the same socket with nothing else running, 168 of
// 5,000 ms; a loaded 2-core machine, 14 of 54 ms on answering sockets).
func TestEndpointUnreachableWeighsTheCollectorsStall(t *testing.T) {
	for _, c := range []struct {
		name           string
		stalled, wait  int64
		code, err      string
		want           finding.Severity
		starvedInTitle bool
	}{
		{"collector ran through the wait", 168, 5000, "DeadlineExceeded", "context deadline exceeded", finding.Critical, false},
		{"collector busy, not starved", 2400, 5000, "DeadlineExceeded", "context deadline exceeded", finding.Critical, false},
		{"collector starved", 4619, 5097, "DeadlineExceeded", "context deadline exceeded", finding.Warning, true},
		{"exactly three quarters", 750, 1000, "DeadlineExceeded", "context deadline exceeded", finding.Warning, true},
		// A refused connection is the daemon's answer however slow the
		// collector was.
		{"refused while starved", 950, 1000, "Unavailable", "dial unix /run/containerd/containerd.sock: connect: connection refused", finding.Critical, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := discschema.Socket{Endpoint: endpoints.Endpoint{Path: "/run/containerd/containerd.sock", Kind: endpoints.Containerd, Origin: "kubelet"},
				Exists: true, IsSocket: true, Code: c.code, LatencyMS: c.wait, CollectorStalledMS: c.stalled,
				Error: "rpc error: code = " + c.code + " desc = " + c.err}
			doc, err := json.Marshal([]discschema.Socket{s})
			if err != nil {
				t.Fatal(err)
			}
			n := node(healthy(), map[string]string{"discovery/endpoints.json": string(doc)})
			fs := endpointUnreachable(n)
			if len(fs) != 1 {
				t.Fatalf("findings %v, want one", ids(fs))
			}
			f := fs[0]
			if f.Severity != c.want || strings.Contains(f.Title, "starved") != c.starvedInTitle {
				t.Errorf("severity %s title %q, want %s (starved in title: %v)", f.Severity, f.Title, c.want, c.starvedInTitle)
			}
		})
	}
}
