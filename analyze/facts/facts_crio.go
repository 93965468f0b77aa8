package facts

import (
	"fmt"

	crioschema "github.com/rtsnap/rtsnap/internal/schema/crio"
)

// CRIO is what the crio source wrote: each CRI-O's effective config and its
// socket's answers, conmon processes, pinned namespaces and the runc states
// under its runtime roots. Fields are nil when the file is absent.
type CRIO struct {
	Daemons    *crioschema.Daemons
	Conmons    *crioschema.Conmons
	Namespaces *crioschema.Namespaces
	Runc       *crioschema.Runc
	Cgroups    *crioschema.Cgroups
	// conmonByID indexes Conmons by container id (built when parsed).
	conmonByID map[string]int
}

// CRIORuntime is one CRI-O as `inspect` shows a runtime: kind, version,
// endpoint and cgroup driver, with the config values support asks for first.
type CRIORuntime struct {
	Kind    string // always "cri-o"
	Version string // CRI RuntimeVersion ("1.34.0"), "" when the socket did not answer
	// Endpoint is the CRI socket (crio.conf [crio.api] listen).
	Endpoint string
	// CgroupManager is the configured cgroup_manager; CgroupDriver what
	// the daemon reported over its socket (GET /info), "" without an answer.
	CgroupManager, CgroupDriver string
	DefaultRuntime              string
	// RuntimeRoot is the default runtime's state directory.
	RuntimeRoot   string
	StorageDriver string
	StorageRoot   string
	PID           int
	Answers       bool
	ConfigFiles   []string
	// Ref locates the daemon's record in crio/daemons.json.
	Ref Ref
}

// CRIORuntimes lists every CRI-O in the bundle (empty when none).
func (n *Node) CRIORuntimes() []CRIORuntime {
	if n.CRIO.Daemons == nil {
		return nil
	}
	var out []CRIORuntime
	for i, d := range n.CRIO.Daemons.Daemons {
		r := CRIORuntime{
			Kind: "cri-o", Version: d.Version, Endpoint: d.Config.Listen,
			CgroupManager: d.Config.CgroupManager, DefaultRuntime: d.Config.DefaultRuntime,
			StorageDriver: d.Config.StorageDriver, StorageRoot: d.Config.Root,
			PID: d.PID, Answers: d.Socket.Answers, ConfigFiles: d.Config.Files,
			Ref: Ref{"crio/" + crioschema.DaemonsFile, fmt.Sprintf("/daemons/%d", i)},
		}
		if rt, ok := d.Config.Runtime(d.Config.DefaultRuntime); ok {
			r.RuntimeRoot = rt.Root
		}
		if in := d.Socket.Info; in != nil {
			r.CgroupDriver = in.CgroupDriver
			if in.StorageDriver != "" {
				r.StorageDriver = in.StorageDriver
			}
		}
		out = append(out, r)
	}
	return out
}

// parseCRIO reads the crio source's top-level files; the copied config and
// storage files under crio/<dir>/ are read by the rules that need them.
func (n *Node) parseCRIO(p string, data []byte) error {
	switch p {
	case "crio/" + crioschema.DaemonsFile:
		return decodeInto(n, p, data, &n.CRIO.Daemons)
	case "crio/" + crioschema.ConmonFile:
		if err := decodeInto(n, p, data, &n.CRIO.Conmons); err != nil {
			return err
		}
		n.CRIO.conmonByID = map[string]int{}
		for i, c := range n.CRIO.Conmons.Conmons {
			if _, dup := n.CRIO.conmonByID[c.ContainerID]; !dup && c.ContainerID != "" {
				n.CRIO.conmonByID[c.ContainerID] = i
			}
		}
		return nil
	case "crio/" + crioschema.NamespacesFile:
		return decodeInto(n, p, data, &n.CRIO.Namespaces)
	case "crio/" + crioschema.RuncFile:
		return decodeInto(n, p, data, &n.CRIO.Runc)
	case "crio/" + crioschema.CgroupsFile:
		return decodeInto(n, p, data, &n.CRIO.Cgroups)
	}
	return nil
}

// joinCRIO adds the runc states under CRI-O's runtime roots to the join
// rows that runc/states.json left without one (its scan is cut at
// --max-containers node-wide; the crio source reads CRI-O's roots whole).
//
// Their cgroups likewise (crio/cgroups.json). It runs before the cgroup
// source's rows are joined, which then win where both exist: one snapshot.
func (n *Node) joinCRIO(get func(ns, id string) *Container) {
	if n.CRIO.Runc != nil {
		for i := range n.CRIO.Runc.States {
			s := &n.CRIO.Runc.States[i]
			if c := get(s.Namespace, s.ID); c != nil && c.Runc == nil {
				c.Runc, c.RuncRef = s, Ref{"crio/" + crioschema.RuncFile, fmt.Sprintf("/states/%d", i)}
			}
		}
	}
	if n.CRIO.Cgroups != nil {
		cgs := *n.CRIO.Cgroups
		for i := range cgs {
			if c := get(cgs[i].Namespace, cgs[i].ID); c != nil {
				c.Cgroup, c.CgroupRef = &cgs[i], Ref{"crio/" + crioschema.CgroupsFile, fmt.Sprintf("/%d", i)}
			}
		}
	}
}

// ConmonOf returns the conmon process serving a container id (its -c), or nil.
func (n *Node) ConmonOf(id string) *crioschema.Conmon {
	i, ok := n.CRIO.conmonByID[id]
	if !ok || n.CRIO.Conmons == nil {
		return nil
	}
	return &n.CRIO.Conmons.Conmons[i]
}
