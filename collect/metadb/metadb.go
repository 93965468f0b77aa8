// Package metadb is the "metadb" source: a consistency check of every
// running containerd's metadata DB (meta.db, bbolt). The live file is never
// opened: containerd holds an exclusive lock and a read-only open would
// block. The file is copied into memory, the copy checked (tx.Check), and
// the copy is retried once when torn by a concurrent write.
package metadb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/metadb"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// maxDB bounds the copy held in memory.
const maxDB = 512 << 20

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
	procs, err := procscan.List(env.ProcRoot)
	if err != nil {
		return err
	}
	found := 0
	for _, p := range procs {
		if p.Role != procscan.RoleContainerd || ctx.Err() != nil {
			continue
		}
		path := filepath.Join(rootOf(p), "io.containerd.metadata.v1.bolt", "meta.db")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		found++
		c := CheckLive(ctx, path)
		c.DaemonPID = p.PID
		if err := out.WriteJSON(strconv.Itoa(p.PID)+".json", c); err != nil {
			return err
		}
	}
	if found == 0 {
		out.Skip("not present: no running containerd with a meta.db")
	}
	return nil
}

// rootOf is a daemon's root: --root, else `root` in its config, else the default.
func rootOf(p procscan.Process) string {
	if v, ok := procscan.FlagValue(p.Args, "root"); ok {
		return v
	}
	cfg, ok := procscan.FlagValue(p.Args, "config", "c")
	if !ok {
		cfg = "/etc/containerd/config.toml"
	}
	if raw, err := os.ReadFile(cfg); err == nil && len(raw) < 1<<20 {
		var doc struct {
			Root string `toml:"root"`
		}
		if toml.Unmarshal(raw, &doc) == nil && doc.Root != "" {
			return doc.Root
		}
	}
	return "/var/lib/containerd"
}

// CheckLive copies a live DB into memory and checks the copy, copying once
// more when the first copy was torn (check failed and the file changed).
func CheckLive(ctx context.Context, path string) Check {
	var c Check
	for attempt := 1; attempt <= 2; attempt++ {
		before, err := os.Stat(path)
		if err != nil {
			return Check{Path: path, Errors: []string{err.Error()}}
		}
		if before.Size() > maxDB {
			return Check{Path: path, SizeBytes: before.Size(), Errors: []string{fmt.Sprintf("%d bytes: larger than the %d-byte bound; not checked", before.Size(), maxDB)}}
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return Check{Path: path, Errors: []string{err.Error()}}
		}
		after, _ := os.Stat(path)
		c = CheckBytes(ctx, raw)
		c.Path, c.SizeBytes, c.ModTime, c.Copies = path, int64(len(raw)), before.ModTime().UTC(), attempt
		torn := after == nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size()
		if c.OK || !torn {
			break
		}
	}
	return c
}

// ChildArg is the hidden first argument that makes the rtsnap binary (or a
// test binary, through TestMain) run one DB check and exit: bbolt panics in
// its own goroutines on some corrupt pages, which no recover can catch, so
// the check runs in a child process and a crash there is a finding.
const ChildArg = "__rtsnap-metadb-check"

// MaybeRunChild runs the child check and exits when the process was started
// for it; otherwise it returns at once. Call it first thing in main.
func MaybeRunChild() {
	if len(os.Args) < 2 || os.Args[1] != ChildArg {
		return
	}
	raw, err := io.ReadAll(io.LimitReader(os.Stdin, maxDB+1))
	var c Check
	if err != nil {
		c.Errors = []string{"reading the copy: " + err.Error()}
	} else {
		c = checkInProcess(context.Background(), raw)
	}
	json.NewEncoder(os.Stdout).Encode(c)
	os.Exit(0)
}

// childTimeout bounds one check.
const childTimeout = 30 * time.Second

// CheckBytes checks a DB image held in memory in a child process (see
// ChildArg), so a corrupt DB can crash only the child.
func CheckBytes(ctx context.Context, raw []byte) Check {
	exe, err := os.Executable()
	if err != nil {
		return Check{Errors: []string{"finding the rtsnap binary for the check: " + err.Error()}}
	}
	cctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, exe, ChildArg)
	cmd.Stdin = bytes.NewReader(raw)
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var c Check
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		msg := "the check crashed"
		if runErr != nil {
			msg += " (" + runErr.Error() + ")"
		}
		if first := firstLine(stderr.String()); first != "" {
			msg += ": " + first
		}
		return Check{Errors: []string{msg}}
	}
	return c
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// checkInProcess checks a DB image through a memfd, so nothing is written
// to any disk.
func checkInProcess(ctx context.Context, raw []byte) (c Check) {
	c.Namespaces, c.Buckets = map[string]*NSCounts{}, map[string]BucketUse{}
	defer func() {
		// A corrupt page can make bbolt panic: that is a finding, not a crash.
		if r := recover(); r != nil {
			c.OK = false
			c.Errors = append(c.Errors, fmt.Sprintf("bbolt panicked reading the copy: %v", r))
		}
	}()
	fd, err := unix.MemfdCreate("rtsnap-metadb", unix.MFD_CLOEXEC)
	if err != nil {
		c.Errors = append(c.Errors, "memfd: "+err.Error())
		return c
	}
	f := os.NewFile(uintptr(fd), "memfd")
	defer f.Close()
	if _, err := f.Write(raw); err != nil {
		c.Errors = append(c.Errors, "memfd write: "+err.Error())
		return c
	}
	db, err := bolt.Open("/proc/self/fd/"+strconv.Itoa(fd), 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		c.Errors = append(c.Errors, "open: "+err.Error())
		return c
	}
	defer db.Close()
	c.PageSize = db.Info().PageSize
	st := db.Stats()
	c.FreePages, c.Pending = st.FreePageN, st.PendingPageN
	err = db.View(func(tx *bolt.Tx) error {
		c.TxID = tx.ID()
		for e := range tx.Check() {
			if len(c.Errors) < 100 {
				c.Errors = append(c.Errors, e.Error())
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			s := b.Stats()
			c.Buckets[string(name)] = BucketUse{Keys: s.KeyN, Depth: s.Depth, LeafPages: s.LeafPageN, BranchPage: s.BranchPageN, InUseBytes: s.LeafInuse}
			if string(name) == "v1" {
				countNamespaces(b, c.Namespaces)
			}
			return nil
		})
	})
	if err != nil {
		c.Errors = append(c.Errors, err.Error())
	}
	c.OK = len(c.Errors) == 0
	return c
}

// countNamespaces walks containerd's v1/<namespace>/... layout.
func countNamespaces(v1 *bolt.Bucket, into map[string]*NSCounts) {
	v1.ForEach(func(ns, v []byte) error {
		nb := v1.Bucket(ns)
		if v != nil || nb == nil {
			return nil
		}
		n := &NSCounts{Snapshots: map[string]int{}}
		n.Containers = subBuckets(nb.Bucket([]byte("containers")))
		n.Images = subBuckets(nb.Bucket([]byte("images")))
		n.Leases = subBuckets(nb.Bucket([]byte("leases")))
		n.Sandboxes = subBuckets(nb.Bucket([]byte("sandboxes")))
		if cb := nb.Bucket([]byte("content")); cb != nil {
			n.Content = subBuckets(cb.Bucket([]byte("blob")))
			n.Ingests = subBuckets(cb.Bucket([]byte("ingests")))
		}
		if sb := nb.Bucket([]byte("snapshots")); sb != nil {
			sb.ForEach(func(name, v []byte) error {
				if v == nil {
					n.Snapshots[string(name)] = subBuckets(sb.Bucket(name))
				}
				return nil
			})
		}
		into[string(ns)] = n
		return nil
	})
}

func subBuckets(b *bolt.Bucket) int {
	if b == nil {
		return 0
	}
	n := 0
	b.ForEach(func(k, v []byte) error {
		if v == nil {
			n++
		}
		return nil
	})
	return n
}

// The file types live in internal/schema/metadb so the analyzer can read them
// without importing the collector.
type (
	Check     = schema.Check
	NSCounts  = schema.NSCounts
	BucketUse = schema.BucketUse
)
