package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// Families 5 (cgroups), 6 (sandbox image), 7 (registry config) and 8 (endpoints).
func nodeConfig() []Rule {
	return []Rule{
		{ID: "RT0501-cgroup-driver-mismatch", Family: 5, Title: "kubelet and runtime use different cgroup drivers",
			Reads: []string{"discovery/kubelets.json", "discovery/kubelet.json", "kubelet/kubelet.json", "configs/containerd-dump/<pid>.toml", "cri/<endpoint>/runtime_config.json", "cri/<endpoint>/status.json", "docker/info.json"}, Check: cgroupDriverMismatch},
		{ID: "RT0502-cgroup-v1-deprecated", Family: 5, Title: "cgroup v1 on containerd 2.x",
			Reads: []string{"containerd/<endpoint>/server.json", "cgroup/mode.json"}, Check: cgroupV1Deprecated},
		{ID: "RT0601-sandbox-image-mismatch", Family: 6, Title: "kubelet's and the runtime's pause image differ",
			Reads: []string{"discovery/kubelets.json", "discovery/kubelet.json", "kubelet/kubelet.json", "configs/containerd-dump/<pid>.toml"}, Check: sandboxMismatch},
		{ID: "RT0602-sandbox-image-missing", Family: 6, Title: "Sandbox (pause) image not present locally",
			Reads: []string{"configs/containerd-dump/<pid>.toml", "cri/<endpoint>/images.json"}, Check: sandboxMissing},
		{ID: "RT0701-registry-inline-config", Family: 7, Title: "Registry mirrors or credentials set inline in config.toml",
			Reads: []string{"configs/containerd-dump/<pid>.toml"}, Check: registryInline},
		{ID: "RT0702-registry-mirrors-ignored", Family: 7, Title: "Inline registry mirrors ignored because config_path is set",
			Reads: []string{"configs/containerd-dump/<pid>.toml"}, Check: mirrorsIgnored},
		{ID: "RT0703-registry-skip-verify", Family: 7, Title: "TLS verification disabled for a registry",
			Reads: []string{"configs/**/hosts.toml", "configs/containerd-dump/<pid>.toml"}, Check: skipVerify},
		{ID: "RT0801-kubelet-endpoint-missing", Family: 8, Title: "kubelet's runtime endpoint does not exist or does not answer",
			Reads: []string{"discovery/kubelets.json", "discovery/kubelet.json", "kubelet/kubelet.json", "discovery/endpoints.json"}, Check: kubeletEndpointMissing},
		{ID: "RT0802-kubelet-endpoint-not-cri", Family: 8, Title: "kubelet points at a socket that is not a CRI runtime",
			Reads: []string{"discovery/kubelets.json", "discovery/kubelet.json", "kubelet/kubelet.json", "discovery/endpoints.json"}, Check: kubeletEndpointNotCRI},
		{ID: "RT0803-socket-permissions", Family: 8, Title: "Runtime socket permissions lock clients out",
			Reads: []string{"discovery/endpoints.json"}, Check: socketPermissions},
		{ID: "RT0804-kubelet-not-running", Family: 8, Title: "A kubelet the node is set up for is not running",
			Reads: []string{"kubelet/kubelet.json", "journal/*.jsonl"}, CheckWork: kubeletNotRunning},
	}
}

// kubeletEvidence cites the entries a kubelet was read from, naming it.
func kubeletEvidence(k facts.Kubelet) []finding.Evidence {
	out := make([]finding.Evidence, 0, len(k.Refs))
	for _, r := range k.Refs {
		e := ev(r, k.Kubelet)
		e.Excerpt = finding.Cut(k.Name()+": "+e.Excerpt, excerptMax)
		out = append(out, e)
	}
	return out
}

func configEvidence(n *facts.Node, dc daemonConfig, key string) finding.Evidence {
	line, text := lineOf(n, dc.Path, key)
	if line == 0 {
		return finding.Evidence{Path: dc.Path, Excerpt: key}
	}
	return evLine(dc.Path, line, text)
}

// kubeletConfigs returns the containerd configs a kubelet's endpoint leads
// to (all is containerdConfigs, parsed once per rule): the one serving its
// socket. The node's only kubelet, when its endpoint leads to no runtime the
// bundle has a view of (none set, a dockershim-era docker.sock, a path the
// config does not name), is compared with every containerd config, as a
// node with one kubelet has been since RT0501 was written. With several
// kubelets each is compared with its own runtime only: another's config
// (the lab's lab-crio kubelet against a containerd) would be a false finding.
func kubeletConfigs(n *facts.Node, all []daemonConfig, k facts.Kubelet) []daemonConfig {
	if want := k.Endpoint(); want != "" {
		for _, dc := range all {
			if sameSocket(dc.Endpoint, want) {
				return []daemonConfig{dc}
			}
		}
	}
	if len(n.Kubelets) == 1 && kubeletCRI(n, k) == nil {
		return all
	}
	return nil
}

// sameSocket compares socket paths as the kernel resolves them: /var/run is
// a link to /run on every systemd distribution, and kubelet configs use both.
func sameSocket(a, b string) bool {
	norm := func(p string) string {
		p = strings.TrimPrefix(p, "unix://")
		if rest, ok := strings.CutPrefix(p, "/var/run/"); ok {
			return "/run/" + rest
		}
		return p
	}
	return a != "" && norm(a) == norm(b)
}

// kubeletCRI is the CRI endpoint a kubelet talks to, nil when the bundle has no view of it.
func kubeletCRI(n *facts.Node, k facts.Kubelet) *facts.CRIEndpoint {
	want := k.Endpoint()
	if want == "" {
		return nil
	}
	for _, slug := range facts.SortedKeys(n.CRI) {
		if ep := n.CRI[slug]; sameSocket(ep.Endpoint(), want) {
			return ep
		}
	}
	return nil
}

// cgroupDriverMismatch judges every kubelet against the runtime its endpoint
// leads to: containerd's config dump, else the runtime's own answer through
// CRI (RuntimeConfig: containerd 2.x, CRI-O, cri-dockerd; containerd 1.x's
// CRI config), else the Docker daemon behind cri-dockerd.
func cgroupDriverMismatch(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	var all []daemonConfig
	if len(n.Kubelets) > 0 {
		all = containerdConfigs(n)
	}
	for _, k := range n.Kubelets {
		if k.CgroupDriver == "" {
			continue
		}
		judged := false
		for _, dc := range kubeletConfigs(n, all, k) {
			sd, ok, where := dc.systemdCgroup()
			if !ok {
				continue
			}
			judged = true
			rt := "cgroupfs"
			if sd {
				rt = "systemd"
			}
			if rt == k.CgroupDriver {
				continue
			}
			out = append(out, driverFinding(k, fmt.Sprintf("containerd (pid %d)", dc.PID), rt, finding.Subject{Endpoint: dc.Endpoint, File: dc.Path},
				fmt.Sprintf("%s = %v", where, sd), configEvidence(n, dc, "SystemdCgroup")))
		}
		if judged {
			continue
		}
		if ep := kubeletCRI(n, k); ep != nil {
			if d, ref := ep.CgroupDriver(); d != "" {
				judged = true
				if d != k.CgroupDriver {
					out = append(out, driverFinding(k, "its runtime at "+ep.Endpoint(), d, finding.Subject{Endpoint: ep.Endpoint()},
						"the runtime answers cgroup driver "+d+" through CRI", ev(ref, d)))
				}
			}
		}
		if judged {
			continue
		}
		if d := kubeletDocker(n, k); d != nil {
			if drv := facts.DockerString(d.Info, "CgroupDriver"); drv != "" && drv != k.CgroupDriver {
				out = append(out, driverFinding(k, "Docker ("+first(d.Endpoint, d.Dir)+")", drv, finding.Subject{Endpoint: k.Endpoint()},
					"dockerd (through cri-dockerd) reports CgroupDriver "+drv, ev(facts.Ref{Path: d.Dir + "/info.json", Pointer: "/CgroupDriver"}, drv)))
			}
		}
	}
	return out
}

// kubeletDocker is the Docker daemon behind a kubelet's cri-dockerd: the one
// whose socket the cri-dockerd serving the kubelet's endpoint names
// (discovery's origins), else the bundle's only daemon.
func kubeletDocker(n *facts.Node, k facts.Kubelet) *facts.Docker {
	want := k.Endpoint()
	if !strings.Contains(want, "docker") {
		return nil
	}
	servers := map[string]bool{}
	for _, e := range n.Discovery.Endpoints {
		if e.Path == want && strings.HasPrefix(e.Origin, "cri-dockerd pid ") {
			servers[e.Origin] = true
		}
	}
	dockers := n.Dockers()
	for _, e := range n.Discovery.Endpoints {
		if !servers[e.Origin] || e.Kind != "docker" {
			continue
		}
		for _, d := range dockers {
			if d.Endpoint == e.Path {
				return d
			}
		}
	}
	if len(dockers) == 1 && len(servers) == 0 {
		return dockers[0]
	}
	return nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func driverFinding(k facts.Kubelet, runtime, rt string, subj finding.Subject, why string, runtimeEv finding.Evidence) finding.Finding {
	return finding.Finding{
		Severity: finding.Error,
		Title:    fmt.Sprintf("%s uses the %s cgroup driver, %s uses %s", k.Name(), k.CgroupDriver, runtime, rt),
		Subject:  subj,
		Explanation: fmt.Sprintf("%s's cgroupDriver is %q but %s. Two managers then own the same cgroups: pods fail with \"cgroup path mismatch\" / \"failed to create containerd task\" / \"expected cgroupsPath to be of format slice:prefix:name\", or run outside their QoS limits.",
			k.Name(), k.CgroupDriver, why),
		Evidence:    append(kubeletEvidence(k), runtimeEv),
		Remediation: []string{"Use the same driver on both sides: systemd on systemd hosts (SystemdCgroup = true, cgroupDriver: systemd; Docker: \"exec-opts\": [\"native.cgroupdriver=systemd\"]), then restart the runtime and this kubelet and recreate the node's pods."},
		References:  []string{"https://kubernetes.io/docs/setup/production-environment/container-runtimes/#cgroup-drivers"},
	}
}

func cgroupV1Deprecated(n *facts.Node) []finding.Finding {
	mode := ""
	if n.CgroupMode != nil {
		mode = n.CgroupMode.Mode
	} else if n.Host.Facts != nil {
		mode = n.Host.Facts.CgroupMode
	}
	var out []finding.Finding
	for _, slug := range facts.SortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		if ep.Server == nil {
			continue
		}
		var evs []finding.Evidence
		for i, d := range ep.Server.Deprecations {
			if strings.Contains(d.ID, "cgroup-v1") {
				evs = append(evs, ev(facts.Ref{Path: ep.Dir + "/server.json", Pointer: fmt.Sprintf("/deprecations/%d", i)}, d))
			}
		}
		v, _ := parseVersion(ep.Server.Version)
		if len(evs) == 0 && !(v[0] >= 2 && (mode == "v1" || mode == "hybrid")) {
			continue
		}
		if len(evs) == 0 {
			evs = append(evs, ev(facts.Ref{Path: "cgroup/mode.json", Pointer: "/mode"}, mode))
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("containerd %s runs on cgroup v1 (%s)", shortVersion(ep.Server.Version), orDash(mode)),
			Subject:  finding.Subject{Endpoint: ep.Endpoint()},
			Explanation: "containerd 2.x deprecates cgroup v1 support (it reports the deprecation itself) and will remove it; Kubernetes has moved cgroup v1 to maintenance mode. " +
				"New features (memory QoS, swap, PSI) need v2.",
			Evidence:    evs,
			Remediation: []string{"Move the node to the unified hierarchy (systemd.unified_cgroup_hierarchy=1, or a distribution release that defaults to it) before upgrading containerd further."},
			References:  []string{"https://github.com/containerd/containerd/blob/main/RELEASES.md#deprecated-features", "https://kubernetes.io/docs/concepts/architecture/cgroups/"},
		})
	}
	return out
}

func normImage(s string) string {
	s = strings.TrimPrefix(s, "docker.io/")
	if !strings.Contains(s, ":") && !strings.Contains(s, "@") {
		s += ":latest"
	}
	return s
}

func sandboxMismatch(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	var all []daemonConfig
	if len(n.Kubelets) > 0 {
		all = containerdConfigs(n)
	}
	for _, k := range n.Kubelets {
		if k.PodInfraImage == "" {
			continue
		}
		for _, dc := range kubeletConfigs(n, all, k) {
			img, where := dc.sandboxImage()
			if img == "" || normImage(img) == normImage(k.PodInfraImage) {
				continue
			}
			out = append(out, finding.Finding{
				Severity: finding.Warning,
				Title:    fmt.Sprintf("%s's pause image %s differs from containerd's %s", k.Name(), k.PodInfraImage, img),
				Subject:  finding.Subject{Endpoint: dc.Endpoint, File: dc.Path},
				Explanation: fmt.Sprintf("%s pins %q (--pod-infra-container-image, only used to keep it from image GC) but containerd creates sandboxes from %s = %q. Image GC can then delete the image containerd really uses, and air-gapped nodes fail to start pods.",
					k.Name(), k.PodInfraImage, where, img),
				Evidence:    append(kubeletEvidence(k), configEvidence(n, dc, "sandbox")),
				Remediation: []string{"Set both to the same image (kubelet's flag is deprecated since 1.27: drop it and rely on the runtime's setting)."},
			})
		}
	}
	return out
}

func sandboxMissing(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, dc := range containerdConfigs(n) {
		img, where := dc.sandboxImage()
		if img == "" {
			continue
		}
		var ep *facts.CRIEndpoint
		for _, e := range n.CRI {
			if e.Endpoint() == dc.Endpoint {
				ep = e
			}
		}
		if ep == nil || ep.Images == nil {
			continue
		}
		found := false
		for _, im := range ep.Images.Images {
			if im == nil || im.Image == nil {
				continue
			}
			for _, t := range im.Image.RepoTags {
				if normImage(t) == normImage(img) {
					found = true
				}
			}
		}
		if found || len(ep.Images.Images) == 0 {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("Sandbox image %s is not present on %s", img, dc.Endpoint),
			Subject:  finding.Subject{Endpoint: dc.Endpoint, File: dc.Path},
			Explanation: fmt.Sprintf("containerd creates every pod sandbox from %s = %q, and that image is not in its image store: every new pod needs a pull first, and fails on a node that cannot reach the registry.",
				where, img),
			Evidence:    []finding.Evidence{configEvidence(n, dc, "sandbox"), {Path: ep.Dir + "/images.json", Pointer: "/images", Excerpt: fmt.Sprintf("%d images, none tagged %s", len(ep.Images.Images), img)}},
			Remediation: []string{"Pull it (`crictl -r unix://" + sockPath(dc.Endpoint, "/run/containerd/containerd.sock") + " pull " + img + "`) or import it on air-gapped nodes, and pin it (pinned images are exempt from GC)."},
		})
	}
	return out
}

func nonEmptyTable(v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func registryInline(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, dc := range containerdConfigs(n) {
		reg, where := dc.registry()
		if reg == nil {
			continue
		}
		var parts []string
		for _, k := range []string{"mirrors", "configs", "auths"} {
			if hosts := nonEmptyTable(reg[k]); len(hosts) > 0 {
				parts = append(parts, fmt.Sprintf("%s for %s", k, strings.Join(hosts, ", ")))
			}
		}
		if len(parts) == 0 {
			continue
		}
		evs := []finding.Evidence{}
		for _, k := range []string{"registry.mirrors.", "registry.configs.", "registry.auths."} {
			if l, t := lineOf(n, dc.Path, k); l > 0 {
				evs = append(evs, evLine(dc.Path, l, t))
			}
		}
		if len(evs) == 0 {
			evs = append(evs, finding.Evidence{Path: dc.Path, Excerpt: where})
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("containerd (pid %d) sets registry %s inline", dc.PID, strings.Join(parts, "; ")),
			Subject:  finding.Subject{Endpoint: dc.Endpoint, File: dc.Path},
			Explanation: fmt.Sprintf("%s holds %s. Inline registry mirrors, configs and auths are deprecated since containerd 1.5 (removed in 2.x); per-host settings belong in certs.d/<host>/hosts.toml under config_path, and credentials in kubelet's image pull secrets or a credential provider.",
				where, strings.Join(parts, "; ")),
			Evidence:    evs,
			Remediation: []string{"Move each host's settings to <config_path>/<host>/hosts.toml, set config_path, and remove the inline tables; restart containerd."},
			References:  []string{"https://github.com/containerd/containerd/blob/main/docs/hosts.md", "https://github.com/containerd/containerd/blob/main/docs/cri/registry.md"},
		})
	}
	return out
}

func mirrorsIgnored(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, dc := range containerdConfigs(n) {
		reg, _ := dc.registry()
		cp, _ := reg["config_path"].(string)
		mirrors := nonEmptyTable(reg["mirrors"])
		if cp == "" || len(mirrors) == 0 {
			continue
		}
		var noHosts []string
		for _, h := range mirrors {
			if !hasHostsToml(n, h) {
				noHosts = append(noHosts, h)
			}
		}
		l, t := lineOf(n, dc.Path, "registry.mirrors.")
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("Inline mirrors for %s are ignored (config_path is %s)", strings.Join(mirrors, ", "), cp),
			Subject:  finding.Subject{Endpoint: dc.Endpoint, File: dc.Path},
			Explanation: fmt.Sprintf("With config_path set, containerd reads hosts.toml files only and ignores registry.mirrors: the mirrors in config.toml have no effect. %s",
				missingHostsNote(noHosts)),
			Evidence:    []finding.Evidence{evLine(dc.Path, l, t), configEvidence(n, dc, "config_path")},
			Remediation: []string{"Write <config_path>/<host>/hosts.toml with a [host.\"https://mirror\"] entry for each mirror and delete the inline table."},
			References:  []string{"https://github.com/containerd/containerd/blob/main/docs/hosts.md"},
		})
	}
	return out
}

func missingHostsNote(h []string) string {
	if len(h) == 0 {
		return ""
	}
	return "No hosts.toml exists for " + strings.Join(h, ", ") + ", so pulls go straight to the upstream registry."
}

func hasHostsToml(n *facts.Node, host string) bool {
	for _, p := range n.Paths() {
		if strings.HasSuffix(p, "/"+host+"/hosts.toml") {
			return true
		}
	}
	return false
}

func skipVerify(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, p := range n.Paths() {
		if !strings.HasPrefix(p, "configs/") || !strings.HasSuffix(p, "hosts.toml") {
			continue
		}
		data, _ := n.File(p)
		var tree map[string]any
		if len(data) > maxTOMLBytes || toml.Unmarshal(data, &tree) != nil {
			continue
		}
		hit := tree["skip_verify"] == true
		for _, h := range nonEmptyTable(tree["host"]) {
			if lookup(tree, "host", h, "skip_verify") == true {
				hit = true
			}
		}
		if !hit {
			continue
		}
		l, t := lineOf(n, p, "skip_verify")
		out = append(out, skipVerifyFinding(p, evLine(p, l, t)))
	}
	for _, dc := range containerdConfigs(n) {
		reg, _ := dc.registry()
		for _, h := range nonEmptyTable(reg["configs"]) {
			if lookup(reg, "configs", h, "tls", "insecure_skip_verify") == true {
				out = append(out, skipVerifyFinding(dc.Path, configEvidence(n, dc, "insecure_skip_verify")))
			}
		}
	}
	return out
}

func skipVerifyFinding(path string, e finding.Evidence) finding.Finding {
	return finding.Finding{
		Severity: finding.Warning, Title: "TLS verification is off for a registry (" + path + ")",
		Subject:     finding.Subject{File: path},
		Explanation: "skip_verify / insecure_skip_verify makes the runtime accept any certificate from this registry: anyone on the path can serve images to the node.",
		Evidence:    []finding.Evidence{e},
		Remediation: []string{"Install the registry's CA in certs.d/<host>/ca.crt and remove skip_verify."},
	}
}

// kubeletEndpoint finds a kubelet's runtime endpoint among the discovered
// sockets: its index in endpoints.json (-1 when absent); false when the
// kubelet names no endpoint.
func kubeletEndpoint(n *facts.Node, k facts.Kubelet) (string, int, bool) {
	want := k.Endpoint()
	if want == "" {
		return "", -1, false
	}
	at := -1
	for i, e := range n.Discovery.Endpoints {
		if e.Path == want {
			return want, i, true
		}
		if at < 0 && sameSocket(e.Path, want) {
			at = i
		}
	}
	return want, at, true
}

func kubeletEndpointMissing(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, k := range n.Kubelets {
		want, i, ok := kubeletEndpoint(n, k)
		if !ok {
			continue
		}
		evs := kubeletEvidence(k)
		what := "is not among the sockets discovered on the node"
		switch {
		case i >= 0:
			e := n.Discovery.Endpoints[i]
			evs = append(evs, ev(facts.Ref{Path: "discovery/endpoints.json", Pointer: fmt.Sprintf("/%d", i)}, e))
			switch {
			case !e.Exists:
				what = "does not exist"
			case !e.Answers && e.Code != "Unimplemented":
				what = "exists but does not answer (" + orDash(e.Code) + ")"
			default:
				continue
			}
		case k.Running && !k.Discovered:
			continue // not probed (an older bundle's discovery knew only the first kubelet)
		case k.Probe != nil:
			switch {
			case !k.Probe.Exists:
				what = "does not exist"
			case !k.Probe.Answers && k.Probe.Code != "Unimplemented":
				what = "exists but does not answer (" + orDash(k.Probe.Code) + ")"
			default:
				continue
			}
		}
		out = append(out, finding.Finding{
			Severity: finding.Critical,
			Title:    k.Name() + "'s runtime endpoint " + want + " " + what,
			Subject:  finding.Subject{Endpoint: want},
			Explanation: fmt.Sprintf("%s talks to the runtime at %s (from %s), which %s: that node goes NotReady (\"container runtime is down\" / \"PLEG is not healthy\") and no pod can start on it.",
				k.Name(), want, orDash(k.EndpointFrom), what),
			Evidence:    evs,
			Remediation: []string{"Point --container-runtime-endpoint (or containerRuntimeEndpoint in the kubelet config) at the socket the runtime really serves, or start that runtime."},
		})
	}
	return out
}

func kubeletEndpointNotCRI(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, k := range n.Kubelets {
		want, i, ok := kubeletEndpoint(n, k)
		if !ok || i < 0 {
			continue
		}
		e := n.Discovery.Endpoints[i]
		if e.Kind != "docker" && e.Code != "Unimplemented" {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Critical,
			Title:    k.Name() + "'s runtime endpoint " + want + " is not a CRI runtime",
			Subject:  finding.Subject{Endpoint: want},
			Explanation: fmt.Sprintf("%s points at %s (kind %s, CRI answers %s). dockershim was removed in Kubernetes 1.24: docker.sock does not speak CRI; kubelet needs cri-dockerd's socket (/run/cri-dockerd.sock) or containerd's.",
				k.Name(), want, orDash(string(e.Kind)), orDash(e.Code)),
			Evidence:    append(kubeletEvidence(k), ev(facts.Ref{Path: "discovery/endpoints.json", Pointer: fmt.Sprintf("/%d", i)}, e)),
			Remediation: []string{"Install and start cri-dockerd and point kubelet at unix:///run/cri-dockerd.sock, or move the node to containerd."},
		})
	}
	return out
}

func socketPermissions(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for i, e := range n.Discovery.Endpoints {
		if !e.Exists || len(e.Mode) < 10 {
			continue
		}
		// Mode is ls-style ("Srw-rw----"); the owner needs read and write to connect.
		ownerRW := e.Mode[1] == 'r' && e.Mode[2] == 'w'
		if ownerRW && e.UID == 0 && e.IsSocket {
			continue
		}
		why := fmt.Sprintf("mode %s, owner %s (uid %d)", e.Mode, orDash(e.Owner), e.UID)
		if !e.IsSocket {
			why = "the path is not a socket (" + e.Mode + ")"
		}
		out = append(out, finding.Finding{
			Severity:    finding.Error,
			Title:       "Runtime socket " + e.Path + " refuses its clients",
			Subject:     finding.Subject{Endpoint: e.Path},
			Explanation: "Kubelet and crictl connect as root to a root-owned socket with owner read/write; here " + why + ", so connections fail with \"permission denied\" (or \"connection refused\" when it is not a socket).",
			Evidence:    []finding.Evidence{ev(facts.Ref{Path: "discovery/endpoints.json", Pointer: fmt.Sprintf("/%d", i)}, e)},
			Remediation: []string{"Restore the runtime's own socket (restart it, it recreates the socket with [grpc] uid/gid) and find what changed its mode or owner."},
		})
	}
	return out
}

// kubeletNotRunning: a kubelet whose unit, flags or config file the kubelet
// source found (settings it would start with) but no kubelet process. The
// node is NotReady and its pods are no longer restarted or probed; the
// kubelet's last journal lines usually say why it stopped ("failed to run
// Kubelet: ...").
func kubeletNotRunning(n *facts.Node, w *Work) []finding.Finding {
	var out []finding.Finding
	// The journal's last kubelet lines, read once: once per kubelet was
	// kubelets (up to 256) x records.
	var last []logHit
	haveLast := false
	for _, k := range n.Kubelets {
		in := k.Instance
		if k.Running || in == nil || (in.ArgsFrom == "none" && in.ConfigFile == "") {
			continue
		}
		from := in.ArgsFrom
		if in.ConfigFile != "" {
			from += " and " + in.ConfigFile
		}
		if !haveLast {
			last, haveLast = lastKubeletRecords(n, w, 5), true
		}
		why := "The bundle holds no kubelet log lines to say why it stopped."
		if len(last) > 0 {
			why = "Its last log lines are cited: the reason it stopped is usually among them (\"failed to run Kubelet: ...\")."
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("%s is not running (set up by %s)", k.Name(), orDash(from)),
			Subject:  finding.Subject{Endpoint: k.Endpoint(), File: in.ConfigFile},
			Explanation: fmt.Sprintf("The node is set up to run %s (%s; runtime endpoint %s, cgroup driver %s) but no kubelet process was found at collection: the node goes NotReady, its pods are neither restarted nor probed, and static pods are not managed. %s",
				k.Name(), orDash(from), orDash(k.RuntimeEndpoint), orDash(k.CgroupDriver), why),
			Evidence:    append(kubeletEvidence(k), hitsEvidence(last)...),
			Remediation: []string{"`systemctl status kubelet` and `journalctl -u kubelet -b --no-pager | tail -50` say why it exited; fix that (cgroup driver, swap, runtime endpoint, certificates; the related findings name it), then `systemctl restart kubelet`."},
		})
	}
	return out
}

// lastKubeletRecords are the last max records of the kubelet's unit in the
// bundle's journal (in path then line order), kept in a ring: one pass.
func lastKubeletRecords(n *facts.Node, w *Work, max int) []logHit {
	if max <= 0 {
		return nil
	}
	ring := make([]logHit, 0, max)
	next := 0
	journal := func(p string) bool { return strings.HasPrefix(p, "journal/") }
	unitScan := func(r facts.LogRecord) int64 { return logwork.Scan(len(r.Unit)) }
	facts.WalkLogs(n, w.Budget, w.reader, journal, unitScan, func(p string, r facts.LogRecord) bool {
		if !strings.Contains(r.Unit, "kubelet") {
			return true
		}
		if len(ring) < max {
			ring = append(ring, logHit{p, r})
			return true
		}
		ring[next] = logHit{p, r}
		next = (next + 1) % max
		return true
	})
	return append(ring[next:], ring[:next]...)
}
