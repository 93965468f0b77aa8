// Package discovery is the "discovery" source: which runtime endpoints exist
// and answer, with their permissions, what crictl and kubelet are configured
// to use, and which runtime daemons run with which command lines.
package discovery

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/discovery"
	"github.com/rtsnap/rtsnap/redact"
)

// The file types live in internal/schema/discovery so the analyzer can read
// them without importing the collector.
type (
	Socket         = schema.Socket
	Kubelet        = schema.Kubelet
	KubeletRuntime = schema.KubeletRuntime
	Crictl         = schema.Crictl
	Daemon         = schema.Daemon
)

// maxDaemons bounds daemons.json: a node runs a handful of runtime daemons;
// more means something is respawning them, and the first few show that.
const maxDaemons = 200

// Source discovers runtimes.
type Source struct {
	// crictlPath is /etc/crictl.yaml; tests point it elsewhere.
	crictlPath string
}

// New returns the discovery source.
func New() collect.Source { return Source{crictlPath: "/etc/crictl.yaml"} }

func (Source) Name() string { return "discovery" }
func (Source) Description() string {
	return "runtime endpoints (existence, permissions, whether they answer), crictl and kubelet endpoints, runtime daemons"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 2 << 20 }

func (s Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, err := env.Processes()
	if err != nil {
		out.Partial("process list: " + err.Error())
	}
	crictl, crictlRaw := readCrictl(env.HostPath(s.crictlPath))
	kubs := kubeletsOf(procs, env.HostPath)
	// kubelet.json keeps its one-kubelet shape (the analyzer's rules read
	// it): the first kubelet; kubelets.json has every one.
	kub := Kubelet{}
	if len(kubs) > 0 {
		kub = kubs[0]
	}

	socks := probeAll(ctx, env, candidates(env.RuntimeEndpoints, crictl, kubs, endpoints.FromDaemons(procs)))
	files := []struct {
		name string
		v    any
	}{
		{"endpoints.json", socks},
		{"crictl.json", crictl},
		{"kubelet.json", kub},
		{"kubelets.json", matchKubelets(kubs, socks)},
		{"daemons.json", daemons(env, procs)},
	}
	for _, f := range files {
		if err := out.WriteJSON(f.name, f.v); err != nil {
			return budgetOrErr(err)
		}
	}
	if crictlRaw != nil {
		// Stored as YAML so the redactor masks values by key, e.g. a token in
		// a future crictl field, the same way it does for every other config.
		if err := out.WriteFile("crictl.yaml", redact.YAML, crictlRaw); err != nil {
			return budgetOrErr(err)
		}
	}
	return ctx.Err()
}

// budgetOrErr: a spent budget is recorded by the engine as truncation, not a
// failure of the source.
func budgetOrErr(err error) error {
	if errors.Is(err, collect.ErrBudget) {
		return nil
	}
	return err
}

// candidates lists every endpoint worth probing: all well-known paths (so a
// missing socket shows as exists=false), the flagged ones, those crictl
// and every kubelet are configured with (origin "kubelet pid N"), and those
// running daemons name (origin "cri-dockerd pid N"). A path may appear with
// several origins: kubelet's endpoint next to the daemon serving it is how
// the two are matched.
func candidates(flagged []string, crictl Crictl, kubs []Kubelet, daemons []endpoints.Endpoint) []endpoints.Endpoint {
	var cands []endpoints.Endpoint
	for _, e := range endpoints.WellKnown() {
		e.Origin = "well-known"
		cands = append(cands, e)
	}
	for _, f := range flagged {
		cands = append(cands, endpoints.Parse(f))
	}
	configured := []struct{ origin, value string }{
		{"crictl.yaml", crictl.RuntimeEndpoint},
		{"crictl.yaml image-endpoint", crictl.ImageEndpoint},
	}
	for _, k := range kubs {
		configured = append(configured, struct{ origin, value string }{kubeletOrigin(k), k.RuntimeEndpoint})
	}
	for _, c := range configured {
		if c.value == "" || !isUnix(c.value) {
			continue
		}
		e := endpoints.Parse(c.value)
		e.Origin = c.origin
		cands = append(cands, e)
	}
	cands = append(cands, daemons...)
	// One entry per (path, origin).
	seen := map[string]bool{}
	var out []endpoints.Endpoint
	for _, e := range cands {
		if key := e.Path + "|" + e.Origin; !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	return out
}

// kubeletOrigin names a kubelet's endpoint in endpoints.json the way
// FromDaemons names a daemon's.
func kubeletOrigin(k Kubelet) string {
	if k.PID == 0 {
		return "kubelet"
	}
	return "kubelet pid " + strconv.Itoa(k.PID)
}

// matchKubelets pairs each kubelet with the probe of its runtime endpoint
// and the daemons that name the same socket. Sockets are indexed by path
// once: n kubelets against m sockets cost n + m.
func matchKubelets(kubs []Kubelet, socks []Socket) []KubeletRuntime {
	byPath := map[string]*schema.KubeletEndpoint{}
	for _, s := range socks {
		e := byPath[s.Path]
		if e == nil {
			e = &schema.KubeletEndpoint{Path: s.Path, Kind: string(s.Kind), Exists: s.Exists, Answers: s.Answers,
				Runtime: s.Runtime, Code: s.Code, Error: s.Error}
			byPath[s.Path] = e
		}
		// The daemons' own origins ("crio pid 12"): not the kubelets', crictl's or the well-known list.
		if _, _, daemon := strings.Cut(s.Origin, " pid "); daemon && !strings.HasPrefix(s.Origin, "kubelet ") {
			e.ServedBy = append(e.ServedBy, s.Origin)
		}
	}
	out := make([]KubeletRuntime, 0, len(kubs))
	for _, k := range kubs {
		kr := KubeletRuntime{Kubelet: k}
		if k.RuntimeEndpoint != "" && isUnix(k.RuntimeEndpoint) {
			if e := byPath[endpoints.Parse(k.RuntimeEndpoint).Path]; e != nil {
				c := *e
				kr.Endpoint = &c
			}
		}
		out = append(out, kr)
	}
	return out
}

// isUnix tells unix socket endpoints from tcp:// or npipe:// ones, which
// there is nothing to stat or dial for here.
func isUnix(s string) bool {
	return strings.HasPrefix(s, "unix://") || strings.HasPrefix(s, "/")
}

// daemons lists runtime daemons with their (redacted) command lines. Shims,
// conmon and runc are per container: the proc source covers them.
func daemons(env *collect.Env, procs []procscan.Process) []Daemon {
	out := []Daemon{}
	for _, p := range procscan.Runtime(procs) {
		switch p.Role {
		case procscan.RoleShim, procscan.RoleRunc, procscan.RoleConmon:
			continue
		}
		if len(out) == maxDaemons {
			break
		}
		out = append(out, Daemon{PID: p.PID, Role: string(p.Role), CommandLine: redactArgs(env.Redactor, p.Args)})
	}
	return out
}

// redactArgs redacts each argument, reading a flag's value together with the
// flag before it: "--password hunter2" is a secret, "hunter2" alone is not
// recognisable. Arguments stay one per element.
func redactArgs(r collect.Redactor, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") {
			prev := args[i-1] + " "
			if pair := r.String(prev + a); strings.HasPrefix(pair, prev) {
				out[i] = pair[len(prev):]
				continue
			}
		}
		out[i] = r.String(a)
	}
	return out
}
