// Package endpoints finds the runtime sockets on a node: the ones given with
// --runtime-endpoint, else the well-known paths of containerd (plain, k3s,
// rke2), CRI-O, Docker and cri-dockerd that exist as sockets.
package endpoints

import (
	"os"
	"path/filepath"
	"strings"
)

// Kind is which daemon serves an endpoint.
type Kind string

const (
	Containerd Kind = "containerd"
	CRIO       Kind = "crio"
	Docker     Kind = "docker"
	CRIDockerd Kind = "cri-dockerd"
	Unknown    Kind = "unknown"
)

// Endpoint is one runtime socket.
type Endpoint struct {
	// Path is the socket's filesystem path (no unix:// prefix).
	Path string `json:"path"`
	// Kind is guessed from the path: which daemon serves it.
	Kind Kind `json:"kind"`
	// Origin says how it was found: "flag" or "well-known".
	Origin string `json:"origin"`
}

// CRI reports whether the endpoint speaks the CRI API (Docker's own socket does not).
func (e Endpoint) CRI() bool { return e.Kind != Docker }

// Slug is a short name safe as a bundle directory: the path with separators replaced.
func (e Endpoint) Slug() string {
	s := strings.Trim(e.Path, "/")
	s = strings.TrimSuffix(s, ".sock")
	return strings.NewReplacer("/", "_", ":", "_").Replace(s)
}

// WellKnown lists the default socket paths, in the order crictl tries them and
// then the distribution-specific ones.
func WellKnown() []Endpoint {
	return []Endpoint{
		{Path: "/run/containerd/containerd.sock", Kind: Containerd},
		{Path: "/run/crio/crio.sock", Kind: CRIO},
		{Path: "/var/run/cri-dockerd.sock", Kind: CRIDockerd},
		{Path: "/run/cri-dockerd.sock", Kind: CRIDockerd},
		{Path: "/run/k3s/containerd/containerd.sock", Kind: Containerd},
		{Path: "/run/rke2/containerd/containerd.sock", Kind: Containerd},
		{Path: "/run/docker/containerd/containerd.sock", Kind: Containerd},
		{Path: "/var/run/docker.sock", Kind: Docker},
	}
}

// Parse turns a --runtime-endpoint value ("unix:///path" or "/path") into an Endpoint.
func Parse(s string) Endpoint {
	p := strings.TrimPrefix(s, "unix://")
	return Endpoint{Path: filepath.Clean(p), Kind: KindOf(p), Origin: "flag"}
}

// KindOf guesses the daemon from a socket path.
func KindOf(path string) Kind {
	base := filepath.Base(path)
	switch {
	case strings.Contains(base, "cri-dockerd"):
		return CRIDockerd
	case strings.Contains(base, "docker"):
		return Docker
	case strings.Contains(base, "crio"):
		return CRIO
	case strings.Contains(base, "containerd"):
		return Containerd
	}
	return Unknown
}

// Discover returns the endpoints given by flag when there are any, else the
// well-known ones that exist as sockets. Paths resolving to the same socket
// (/var/run is usually a link to /run) are listed once. resolve maps a host
// path to the path to stat here (--host-root); nil means the paths as they are.
func Discover(flagged []string, resolve func(string) string) []Endpoint {
	if resolve == nil {
		resolve = func(p string) string { return p }
	}
	var out []Endpoint
	seen := map[string]bool{}
	add := func(e Endpoint) {
		key := e.Path
		if r, err := filepath.EvalSymlinks(resolve(e.Path)); err == nil {
			key = r
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	if len(flagged) > 0 {
		for _, f := range flagged {
			add(Parse(f))
		}
		return out
	}
	for _, e := range WellKnown() {
		if fi, err := os.Stat(resolve(e.Path)); err == nil && fi.Mode()&os.ModeSocket != 0 {
			e.Origin = "well-known"
			add(e)
		}
	}
	return out
}

// Of returns the endpoints of one kind.
func Of(eps []Endpoint, k Kind) []Endpoint {
	var out []Endpoint
	for _, e := range eps {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}
