package metadb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// maxDB bounds the copy held in memory; a bigger DB is recorded, not copied.
const maxDB = 256 << 20

// childTimeout bounds one check in the child process.
const childTimeout = 30 * time.Second

// CheckLive copies a live DB into memory and checks the copy, copying once
// more when the first copy was torn (the check failed and the file changed
// while it was copied). The live file is only read, never locked or mapped.
func CheckLive(ctx context.Context, path string) Check {
	return checkLive(ctx, path, maxDB)
}

func checkLive(ctx context.Context, path string, limit int64) Check {
	var c Check
	for attempt := 1; attempt <= 2; attempt++ {
		before, err := os.Stat(path)
		if err != nil {
			return Check{Path: path, Errors: []string{"stat: " + err.Error()}}
		}
		if before.Size() > limit {
			return tooLarge(path, before.Size(), before.ModTime(), limit)
		}
		mem, n, err := copyToMemory(path, limit)
		if err != nil {
			return Check{Path: path, SizeBytes: before.Size(), ModTime: before.ModTime().UTC(), Errors: []string{"copy: " + err.Error()}}
		}
		if n > limit {
			mem.Close()
			return tooLarge(path, n, before.ModTime(), limit)
		}
		after, _ := os.Stat(path)
		c = checkFile(ctx, mem)
		mem.Close()
		c.Path, c.SizeBytes, c.ModTime, c.Copies = path, n, before.ModTime().UTC(), attempt
		torn := after == nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size()
		if c.OK || !torn {
			break
		}
	}
	return c
}

func tooLarge(path string, size int64, mtime time.Time, limit int64) Check {
	return Check{Path: path, SizeBytes: size, ModTime: mtime.UTC(),
		Errors: []string{fmt.Sprintf("too large: %d bytes, over the %d-byte bound; not copied, not checked", size, limit)}}
}

// copyToMemory copies at most limit+1 bytes of path into a memfd, so the
// copy lives in memory and nothing is written to the disk under
// investigation. It returns the bytes copied.
func copyToMemory(path string, limit int64) (*os.File, int64, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer src.Close()
	mem, err := newMemfd()
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(mem, io.LimitReader(src, limit+1))
	if err != nil {
		mem.Close()
		return nil, 0, err
	}
	return mem, n, nil
}

func newMemfd() (*os.File, error) {
	fd, err := unix.MemfdCreate("rtsnap-metadb", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd: %w", err)
	}
	return os.NewFile(uintptr(fd), "memfd"), nil
}

// CheckBytes checks a DB image held in memory (tests hand it a copy they
// corrupted themselves).
func CheckBytes(ctx context.Context, raw []byte) Check {
	mem, err := newMemfd()
	if err != nil {
		return Check{Errors: []string{err.Error()}}
	}
	defer mem.Close()
	if _, err := mem.Write(raw); err != nil {
		return Check{Errors: []string{"memfd write: " + err.Error()}}
	}
	c := checkFile(ctx, mem)
	c.SizeBytes = int64(len(raw))
	return c
}

// ChildArg is the hidden first argument that makes the rtsnap binary (or a
// test binary, through TestMain) run one DB check and exit: bbolt panics in
// its own goroutines on some corrupt pages, which no recover can catch, so
// the check runs in a child process and a crash there is a finding.
const ChildArg = "__rtsnap-metadb-check"

// childFD is where the child finds the memfd (the first of ExtraFiles).
const childFD = 3

// MaybeRunChild runs the child check and exits when the process was started
// for it; otherwise it returns at once. Call it first thing in main.
func MaybeRunChild() {
	if len(os.Args) < 2 || os.Args[1] != ChildArg {
		return
	}
	c := checkInProcess(context.Background(), fmt.Sprintf("/proc/self/fd/%d", childFD))
	_ = json.NewEncoder(os.Stdout).Encode(c)
	os.Exit(0)
}

// checkFile checks the DB image in mem in a child process (see ChildArg),
// which maps the same memfd: the copy is not duplicated.
func checkFile(ctx context.Context, mem *os.File) Check {
	exe, err := os.Executable()
	if err != nil {
		return Check{Errors: []string{"finding the rtsnap binary for the check: " + err.Error()}}
	}
	cctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, exe, ChildArg)
	cmd.ExtraFiles = []*os.File{mem}
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var c Check
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		msg := "the check crashed"
		if cctx.Err() != nil {
			msg = "the check did not finish in time"
		}
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

// maxErrors bounds the check errors kept.
const maxErrors = 100

// checkInProcess opens the DB at path read-only and checks it: every page
// reachable, no page freed twice or both used and free (tx.Check).
func checkInProcess(ctx context.Context, path string) (c Check) {
	c.Namespaces, c.Buckets = map[string]*NSCounts{}, map[string]BucketUse{}
	defer func() {
		// A corrupt page can make bbolt panic in this goroutine: that is a
		// finding, not a crash.
		if r := recover(); r != nil {
			c.OK = false
			c.Errors = append(c.Errors, fmt.Sprintf("bbolt panicked reading the copy: %v", r))
		}
	}()
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: time.Second})
	if err != nil {
		c.Errors = append(c.Errors, "open: "+err.Error())
		return c
	}
	defer db.Close()
	c.PageSize = db.Info().PageSize
	st := db.Stats()
	// Free page counts need the freelist, which a read-only open skips
	// unless asked (PreLoadFreelist).
	c.FreePages, c.Pending = st.FreePageN, st.PendingPageN
	err = db.View(func(tx *bolt.Tx) error {
		c.TxID = tx.ID()
		for e := range tx.Check() {
			if len(c.Errors) < maxErrors {
				c.Errors = append(c.Errors, e.Error())
			}
		}
		if err := ctx.Err(); err != nil {
			return err
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
