// Package metadb is the "metadb" source: a consistency check of every
// running containerd's metadata DB (meta.db, bbolt). The live file is never
// opened with bbolt: containerd holds an exclusive lock and a read-only open
// would block. The file is copied into memory (a memfd: nothing is written to
// any disk), the copy checked (tx.Check) in a child process, and the copy is
// retried once when torn by a concurrent write.
package metadb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/hostroot"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/metadb"
)

// The file types live in internal/schema/metadb so the analyzer can read them
// without importing the collector.
type (
	Check     = schema.Check
	NSCounts  = schema.NSCounts
	BucketUse = schema.BucketUse
)

// Source checks metadata DBs.
type Source struct{}

// New returns the metadb source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "metadb" }
func (Source) Description() string {
	return "consistency check of containerd's meta.db (a copy, never the live file): tx id, pages, per-namespace counts, errors"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 4 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, err := env.Processes()
	if err != nil {
		return err
	}
	// The DBs are checked in turn, in one child process (CheckLiveAll).
	type db struct {
		dir, path, local string
		pid              int
	}
	var dbs []db
	seen := map[string]bool{}
	for _, p := range procs {
		// An interrupted collection copies no more DBs into memory.
		if p.Role != procscan.RoleContainerd || ctx.Err() != nil {
			continue
		}
		d := daemonOf(env.ProcRoot, p)
		path := filepath.Join(d.Root, "io.containerd.metadata.v1.bolt", "meta.db")
		// Read through the daemon's own root (/proc/<pid>/root), so a
		// collector in another mount namespace still finds its files.
		local := d.local(path)
		fi, err := os.Stat(local)
		if err != nil {
			continue
		}
		// The same file seen through two daemons' /proc/<pid>/root is one DB.
		key := local
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			key = fmt.Sprintf("%d:%d", st.Dev, st.Ino)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		dbs = append(dbs, db{endpoints.Parse(d.Address).Slug(), path, local, p.PID})
	}
	locals := make([]string, len(dbs))
	for i, d := range dbs {
		locals[i] = d.local
	}
	for i, c := range CheckLiveAll(ctx, locals) {
		c.Path, c.DaemonPID = dbs[i].path, dbs[i].pid
		if err := out.WriteJSON(dbs[i].dir+"/check.json", c); err != nil {
			return err
		}
		// A DB that fails its check is a finding, recorded in check.json; a
		// DB that could not be copied at all (too large, unreadable) is data
		// this run lacks.
		if c.Copies == 0 {
			out.Partial(fmt.Sprintf("%s: not checked: %s", c.Path, first(c.Errors)))
		}
	}
	if len(dbs) == 0 {
		out.Skip("not present: no running containerd with a meta.db")
	}
	return nil
}

func first(errs []string) string {
	if len(errs) == 0 {
		return "none"
	}
	return errs[0]
}

// Default paths of a containerd without flags or config.
const (
	defaultRoot    = "/var/lib/containerd"
	defaultConfig  = "/etc/containerd/config.toml"
	defaultAddress = "/run/containerd/containerd.sock"
)

// daemon is where one containerd keeps its DB and listens.
type daemon struct {
	Root, Address string
	// fsRoot is /proc/<pid>/root when readable ("" otherwise).
	fsRoot string
}

// local resolves path inside the daemon's root. Symlinks are followed inside
// it: an absolute link (/var/run -> /run) met below /proc/<pid>/root would
// otherwise resolve against the collector's own root, which differs when
// the collector runs in a container (--host-root).
func (d daemon) local(path string) string {
	if d.fsRoot == "" {
		return path
	}
	if r, err := hostroot.New(d.fsRoot); err == nil {
		return r.Path(path)
	}
	return filepath.Join(d.fsRoot, path)
}

// daemonOf reads a daemon's root and socket: flags first (--root,
// --address), then its config (--config, else the default config), then the
// defaults. The address names the bundle directory, the same slug the
// containerd source uses, so the analyzer can compare the two views.
func daemonOf(procRoot string, p procscan.Process) daemon {
	d := daemon{Root: defaultRoot, Address: defaultAddress}
	if procRoot != "" {
		fs := filepath.Join(procRoot, strconv.Itoa(p.PID), "root")
		if _, err := os.Stat(fs); err == nil {
			d.fsRoot = fs
		}
	}
	cfg, ok := procscan.FlagValue(p.Args, "config", "c")
	if !ok {
		cfg = defaultConfig
	}
	if raw, err := os.ReadFile(d.local(cfg)); err == nil && len(raw) < 1<<20 {
		var doc struct {
			Root string `toml:"root"`
			GRPC struct {
				Address string `toml:"address"`
			} `toml:"grpc"`
		}
		if toml.Unmarshal(raw, &doc) == nil {
			if doc.Root != "" {
				d.Root = doc.Root
			}
			if doc.GRPC.Address != "" {
				d.Address = doc.GRPC.Address
			}
		}
	}
	if v, ok := procscan.FlagValue(p.Args, "root"); ok {
		d.Root = v
	}
	if v, ok := procscan.FlagValue(p.Args, "address", "a"); ok {
		d.Address = v
	}
	return d
}
