// Package crio is the "crio" source: CRI-O's own view, for every CRI-O found
// (a running crio, or its config when none runs): the effective config and
// the files it came from (redacted), what `crio status config` and `crio
// status info` print (CRI-O serves them over HTTP on its CRI socket),
// the containers/storage state files, conmon processes with their cgroups,
// the namespaces pinns pinned, and the runc state under its runtime roots.
package crio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/cgroup"
	"github.com/rtsnap/rtsnap/collect/host"
	"github.com/rtsnap/rtsnap/internal/crioconf"
	"github.com/rtsnap/rtsnap/internal/runcstate"
	schema "github.com/rtsnap/rtsnap/internal/schema/crio"
	"github.com/rtsnap/rtsnap/redact"
)

// Bounds of the source.
const (
	// maxStorageFile bounds one containers/storage JSON file (a node with
	// thousands of images has a few MiB).
	maxStorageFile = 32 << 20
	// maxInspect bounds the GET /containers/ID calls per daemon.
	maxInspect = 500
	// maxNamespaces bounds the pinned namespace files listed per daemon.
	maxNamespaces = 20000
	// maxBody bounds one HTTP answer of the inspect endpoints.
	maxBody = 8 << 20
)

// Source collects CRI-O's native view.
type Source struct{}

// New returns the crio source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "crio" }
func (Source) Description() string {
	return "CRI-O's own view: effective config and its files (redacted), `crio status config|info` and container inspect through its socket, containers/storage state, conmon processes and cgroups, pinns namespaces, runc state under its runtime roots"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 32 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	daemons := env.CRIOConfigs()
	if len(daemons) == 0 {
		out.Skip("not present: no crio process and no " + crioconf.DefaultConfig + " or " + crioconf.DefaultConfigDir)
		return nil
	}
	var res schema.Daemons
	var store schema.Storage
	var roots []runcstate.Root
	var nsDirs []string
	for i, d := range daemons {
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := "config-only"
		if d.Process.PID > 0 {
			dir = "pid-" + strconv.Itoa(d.Process.PID)
		} else if i > 0 {
			dir += "-" + strconv.Itoa(i)
		}
		sd := schema.Daemon{PID: d.Process.PID, CommandLine: d.Process.Args, Config: d.Config, Dir: dir}
		sd.ConfigFiles = copyConfigs(env, out, dir, d.Config)
		if len(d.Config.Errors) > 0 {
			out.Partial(fmt.Sprintf("%s: %d config file(s) unreadable", dir, len(d.Config.Errors)))
		}
		files, ids := storageOf(ctx, env, out, dir, d.Config.Root, d.Config.RunRoot)
		store.Files = append(store.Files, files...)
		if d.Process.PID > 0 {
			sd.Socket = inspectSocket(ctx, env, out, dir, d.Config.Listen, ids)
			sd.Version = criVersion(ctx, env, d.Config.Listen)
		} else {
			sd.Socket = schema.Socket{Path: d.Config.Listen}
		}
		res.Daemons = append(res.Daemons, sd)
		for _, r := range d.Config.Runtimes {
			roots = append(roots, runcstate.Root{Path: r.Root, Owner: runcstate.OwnerCRIO})
		}
		nsDirs = append(nsDirs, d.Config.NamespacesDir)
	}
	if err := out.WriteJSON(schema.DaemonsFile, res); err != nil {
		return err
	}
	if err := out.WriteJSON(schema.StorageJSON, store); err != nil && !errors.Is(err, collect.ErrBudget) {
		return err
	}
	if err := out.WriteJSON(schema.ConmonFile, conmons(env)); err != nil && !errors.Is(err, collect.ErrBudget) {
		return err
	}
	ns := namespaces(env, nsDirs)
	if ns.Truncated {
		out.Partial(fmt.Sprintf("pinned namespaces cut at %d", maxNamespaces))
	}
	if err := out.WriteJSON(schema.NamespacesFile, ns); err != nil && !errors.Is(err, collect.ErrBudget) {
		return err
	}
	rs, truncated := runcStates(env, roots)
	if truncated {
		out.Partial("runc states under CRI-O's roots cut at --max-containers")
	}
	if err := out.WriteJSON(schema.RuncFile, rs); err != nil {
		return err
	}
	return out.WriteJSON(schema.CgroupsFile, cgroups(ctx, env, rs))
}

// cgroups reads each CRI-O container's cgroup with the cgroup source's reader.
func cgroups(ctx context.Context, env *collect.Env, rs schema.Runc) schema.Cgroups {
	mode := host.CgroupMode(env.SysRoot)
	res := schema.Cgroups{}
	for _, st := range rs.States {
		if ctx.Err() != nil {
			break
		}
		res = append(res, cgroup.Read(env.SysRoot, env.ProcRoot, mode, st))
	}
	return res
}

// copyConfigs stores each config file the daemon read, redacted as TOML, as
// crio/<dir>/files/<host path>.
func copyConfigs(env *collect.Env, out collect.Output, dir string, c crioconf.Config) []string {
	var names []string
	for _, f := range c.Files {
		raw, err := crioconf.ReadFile(env.HostPath(f))
		if err != nil {
			out.Partial(fmt.Sprintf("%s: %v", f, err))
			continue
		}
		name := path.Join(dir, "files", strings.TrimPrefix(filepath.ToSlash(f), "/"))
		if err := out.WriteFile(name, redact.TOML, raw); err != nil {
			out.Partial(fmt.Sprintf("%s: %v", f, err))
			continue
		}
		names = append(names, name)
	}
	return names
}

// runcStates reads the states under CRI-O's runtime roots with the runc
// source's liveness check. The run's shared scan is used when it covers
// them; it is cut at --max-containers node-wide, so a busy containerd
// could leave CRI-O's containers out: then they are read here, under the
// same bound, for CRI-O alone.
func runcStates(env *collect.Env, want []runcstate.Root) (schema.Runc, bool) {
	keep := map[string]bool{}
	var res schema.Runc
	for _, r := range want {
		if !keep[r.Path] {
			keep[r.Path] = true
			res.Roots = append(res.Roots, r)
		}
	}
	_, states, truncated := env.RuncStates()
	if truncated {
		states, truncated = env.ScanRuncRoots(res.Roots)
	}
	for _, st := range states {
		if keep[st.Root] {
			res.States = append(res.States, st)
		}
	}
	sort.Slice(res.States, func(i, j int) bool { return res.States[i].ID < res.States[j].ID })
	return res, truncated
}

// countEntries is the number of elements of a JSON array (containers/storage
// files are arrays), -1 when the data is not one.
func countEntries(raw []byte) int {
	var v []json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return -1
	}
	return len(v)
}
