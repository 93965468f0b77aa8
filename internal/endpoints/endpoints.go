// Package endpoints finds the runtime sockets on a node: the ones given with
// --runtime-endpoint, else the well-known paths of containerd (plain, k3s,
// rke2), CRI-O, Docker and cri-dockerd that exist as sockets.
package endpoints

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// Parse turns a --runtime-endpoint value ("unix:///path", "/path" or
// "tcp://host:port") into an Endpoint. A network endpoint keeps the value as
// given in Path: cleaning it as a file path would print tcp://1.2.3.4:1 as
// tcp:/1.2.3.4:1.
func Parse(s string) Endpoint {
	if scheme, _, ok := strings.Cut(s, "://"); ok && scheme != "unix" {
		return Endpoint{Path: s, Kind: Unknown, Origin: "flag"}
	}
	p := strings.TrimPrefix(s, "unix://")
	return Endpoint{Path: filepath.Clean(p), Kind: KindOf(p), Origin: "flag"}
}

// Unix reports whether the endpoint is a unix socket (a file to stat).
func (e Endpoint) Unix() bool { return !strings.Contains(e.Path, "://") }

// Target is the gRPC dial target: unix:///path, or for tcp://host:port the
// address itself (passthrough: no name resolution beyond the dialer's).
func (e Endpoint) Target() string {
	if e.Unix() {
		return "unix://" + e.Path
	}
	if hp, ok := strings.CutPrefix(e.Path, "tcp://"); ok {
		return "passthrough:///" + hp
	}
	return e.Path
}

// Check says, before any dial, why a unix endpoint cannot answer: it does
// not exist, it is a regular file or a directory, or it cannot be reached
// with this process's rights. A dial error ("connection refused") would hide
// the first two. Network endpoints have nothing to check here: nil.
func Check(e Endpoint) error {
	if !e.Unix() {
		return nil
	}
	fi, err := os.Stat(e.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &checkError{fmt.Sprintf("%s does not exist", e.Path), err}
	case errors.Is(err, fs.ErrPermission):
		return &checkError{fmt.Sprintf("%s cannot be reached: permission denied (run as root)", e.Path), err}
	case err != nil:
		return fmt.Errorf("%s: %w", e.Path, err)
	case fi.Mode()&os.ModeSocket == 0:
		what := "a regular file"
		if fi.IsDir() {
			what = "a directory"
		} else if !fi.Mode().IsRegular() {
			what = "a " + fi.Mode().Type().String() + " file"
		}
		return &checkError{fmt.Sprintf("%s is %s, not a socket", e.Path, what), ErrNotSocket}
	}
	if f, err := os.OpenFile(e.Path, os.O_WRONLY|syscall.O_NONBLOCK, 0); errors.Is(err, fs.ErrPermission) {
		// connect(2) on a unix socket needs write permission on it. Opening a
		// socket fails with ENXIO once permission is granted; O_NONBLOCK so a
		// FIFO swapped in after the stat cannot block the open.
		return &checkError{fmt.Sprintf("%s (mode %s) cannot be connected to: permission denied (run as root)", e.Path, fi.Mode()), err}
	} else if err == nil {
		f.Close()
	}
	return nil
}

// checkError is a short message for the operator that still unwraps to its
// cause (fs.ErrNotExist, fs.ErrPermission, ErrNotSocket).
type checkError struct {
	msg string
	err error
}

func (c *checkError) Error() string { return c.msg }
func (c *checkError) Unwrap() error { return c.err }

// ErrNotSocket says an endpoint path is some other kind of file.
var ErrNotSocket = errors.New("not a socket")

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
// well-known ones that exist as sockets (or cannot be looked at), then the
// found ones: those of kubelets (kubelet's own --container-runtime-endpoint
// or config) and of running daemons (FromDaemons), each with its Origin: a
// runtime listening elsewhere. Paths resolving to the same socket
// (/var/run is usually a link to /run) are listed once. resolve maps a host
// path to the path to stat here (--host-root); nil means the paths as they are.
func Discover(flagged []string, resolve func(string) string, found ...Endpoint) []Endpoint {
	if resolve == nil {
		resolve = func(p string) string { return p }
	}
	l := &list{resolve: resolve, seen: map[string]bool{}}
	if len(flagged) > 0 {
		for _, f := range flagged {
			l.add(Parse(f))
		}
		return l.out
	}
	for _, e := range WellKnown() {
		// A socket this process may not even stat (a root-only directory,
		// a run without root) is listed too: Check then says permission
		// denied instead of the source saying "not present".
		if fi, err := os.Stat(resolve(e.Path)); (err == nil && fi.Mode()&os.ModeSocket != 0) || errors.Is(err, fs.ErrPermission) {
			e.Origin = "well-known"
			l.add(e)
		}
	}
	for _, e := range found {
		l.add(e)
	}
	return l.out
}

// Append adds the sockets running daemons listen on (CRI-O's listen from
// its config: a runtime whose socket is at no well-known path), of kind k,
// to eps, each once.
func Append(eps []Endpoint, resolve func(string) string, k Kind, origin string, paths ...string) []Endpoint {
	if resolve == nil {
		resolve = func(p string) string { return p }
	}
	l := &list{resolve: resolve, seen: map[string]bool{}}
	for _, e := range eps {
		l.add(e)
	}
	for _, p := range paths {
		e := Parse(p)
		e.Kind, e.Origin = k, origin
		l.add(e)
	}
	return l.out
}

// list collects endpoints once each: paths resolving to the same socket
// (/var/run is usually a link to /run) count once.
type list struct {
	resolve func(string) string
	seen    map[string]bool
	out     []Endpoint
}

func (l *list) add(e Endpoint) {
	key := e.Path
	if r, err := filepath.EvalSymlinks(l.resolve(e.Path)); err == nil {
		key = r
	}
	if !l.seen[key] {
		l.seen[key] = true
		l.out = append(l.out, e)
	}
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
