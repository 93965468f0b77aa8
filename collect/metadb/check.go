package metadb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/rtsnap/rtsnap/internal/capped"
)

// maxDB bounds the copy held in memory; a bigger DB is recorded, not copied.
const maxDB = 256 << 20

// childTimeout bounds one DB's check in the child process.
const childTimeout = 30 * time.Second

// CheckLive copies a live DB into memory and checks the copy, copying once
// more when the first copy was torn (the check failed and the file changed
// while it was copied). The live file is only read, never locked or mapped.
func CheckLive(ctx context.Context, path string) Check {
	return CheckLiveAll(ctx, []string{path})[0]
}

// CheckLiveAll is CheckLive of each path, the checks run in turn in one
// child process (see ChildArg): a child costs about 15 ms of CPU to start,
// mostly the binary's package initialisation, and a node has a DB per
// containerd.
func CheckLiveAll(ctx context.Context, paths []string) []Check {
	return checkLiveAll(ctx, paths, maxDB)
}

func checkLiveAll(ctx context.Context, paths []string, limit int64) []Check {
	out := make([]Check, len(paths))
	// todo are the indexes of out still to check; the first round copies
	// every DB, the second only those whose copy was torn.
	todo := make([]int, len(paths))
	for i := range todo {
		todo[i] = i
	}
	for attempt := 1; attempt <= 2 && len(todo) > 0; attempt++ {
		var mems []*os.File
		var copied []int
		before := make(map[int]os.FileInfo, len(todo))
		for _, i := range todo {
			mem, st, c, ok := copyLive(paths[i], limit)
			if !ok {
				out[i] = c
				continue
			}
			mems, copied, before[i] = append(mems, mem), append(copied, i), st
			out[i] = Check{Path: paths[i], SizeBytes: c.SizeBytes, ModTime: st.ModTime().UTC()}
		}
		checks := checkFiles(ctx, mems, childTimeout)
		for _, m := range mems {
			m.Close()
		}
		todo = todo[:0]
		for k, i := range copied {
			c := checks[k]
			c.Path, c.SizeBytes, c.ModTime, c.Copies = paths[i], out[i].SizeBytes, out[i].ModTime, attempt
			out[i] = c
			after, _ := os.Stat(paths[i])
			torn := after == nil || !after.ModTime().Equal(before[i].ModTime()) || after.Size() != before[i].Size()
			if !c.OK && torn {
				todo = append(todo, i)
			}
		}
	}
	return out
}

// copyLive copies path into a memfd. When it cannot (missing, too large,
// unreadable), ok is false and c says why.
func copyLive(path string, limit int64) (mem *os.File, st os.FileInfo, c Check, ok bool) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, Check{Path: path, Errors: []string{"stat: " + err.Error()}}, false
	}
	if st.Size() > limit {
		return nil, nil, tooLarge(path, st.Size(), st.ModTime(), limit), false
	}
	mem, n, err := copyToMemory(path, limit)
	if err != nil {
		return nil, nil, Check{Path: path, SizeBytes: st.Size(), ModTime: st.ModTime().UTC(), Errors: []string{"copy: " + err.Error()}}, false
	}
	if n > limit {
		mem.Close()
		return nil, nil, tooLarge(path, n, st.ModTime(), limit), false
	}
	return mem, st, Check{SizeBytes: n}, true
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
	c := checkFiles(ctx, []*os.File{mem}, childTimeout)[0]
	c.SizeBytes = int64(len(raw))
	return c
}

// ChildArg is the hidden first argument that makes the rtsnap binary (or a
// test binary, through TestMain) run DB checks and exit: bbolt panics in
// its own goroutines on some corrupt pages, which no recover can catch, so
// the checks run in a child process and a crash there is a finding. The
// second argument is the number of DBs, memfds from childFD on; the child
// writes one Check per line as each is done.
const ChildArg = "__rtsnap-metadb-check"

// childFD is where the child finds the first memfd (the first of ExtraFiles).
const childFD = 3

// maxChildLine bounds one Check the child writes (a DB of very many
// namespaces is the only way to a large one).
const maxChildLine = 8 << 20

// MaybeRunChild runs the child checks and exits when the process was started
// for them; otherwise it returns at once. Call it first thing in main.
func MaybeRunChild() { maybeRunChild(checkInProcess) }

// maybeRunChild is MaybeRunChild with the check to run (a test's TestMain
// passes one that crashes or hangs on a marked DB).
func maybeRunChild(check func(ctx context.Context, path string) Check) {
	if len(os.Args) < 3 || os.Args[1] != ChildArg {
		return
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "%s: bad DB count %q\n", ChildArg, os.Args[2])
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout) // os.Stdout is unbuffered: each line goes out when written
	for i := range n {
		_ = enc.Encode(check(context.Background(), fmt.Sprintf("/proc/self/fd/%d", childFD+i)))
	}
	os.Exit(0)
}

// checkFiles checks the DB images in mems, in turn, in a child process (see
// ChildArg), which maps the same memfds: no copy is duplicated. A check
// that crashes the child or outlasts timeout is that DB's finding; a new
// child goes on with the rest.
func checkFiles(ctx context.Context, mems []*os.File, timeout time.Duration) []Check {
	exe, err := os.Executable()
	out := make([]Check, 0, len(mems))
	for len(out) < len(mems) {
		if err != nil {
			out = append(out, Check{Errors: []string{"finding the rtsnap binary for the check: " + err.Error()}})
			continue
		}
		out = append(out, runChild(ctx, exe, mems[len(out):], timeout)...)
	}
	return out
}

// runChild checks mems in one child and returns at least one Check: those
// the child wrote, then, when it stopped short, why the next one has none.
func runChild(ctx context.Context, exe string, mems []*os.File, timeout time.Duration) []Check {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, exe, ChildArg, strconv.Itoa(len(mems)))
	cmd.ExtraFiles = mems
	cmd.WaitDelay = time.Second
	// Only the first line is quoted; a crashing Go child prints every
	// goroutine's stack, which is not kept.
	var stderr bytes.Buffer
	cmd.Stderr = &capped.Writer{W: &stderr, Left: capped.StderrBytes}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return []Check{{Errors: []string{"the check could not start: " + err.Error()}}}
	}
	if err := cmd.Start(); err != nil {
		return []Check{{Errors: []string{"the check could not start: " + err.Error()}}}
	}
	lines := make(chan []byte)
	var scanErr error // set before lines closes
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), maxChildLine)
		for sc.Scan() {
			select {
			case lines <- append([]byte(nil), sc.Bytes()...):
			case <-cctx.Done():
				return
			}
		}
		scanErr = sc.Err()
	}()
	var out []Check
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	stop := ""
	for stop == "" && len(out) < len(mems) {
		select {
		case line, ok := <-lines:
			var c Check
			switch {
			case !ok && scanErr != nil:
				stop = "the check's output could not be read: " + scanErr.Error()
			case !ok:
				stop = "the check crashed"
			case json.Unmarshal(line, &c) != nil:
				stop = "the check wrote what is not a check"
			default:
				out = append(out, c)
				timer.Reset(timeout)
			}
		case <-timer.C:
			stop = "the check did not finish in time"
		case <-ctx.Done():
			stop = "the check was cancelled"
		}
	}
	cancel()
	runErr := cmd.Wait()
	if stop == "" {
		return out
	}
	if runErr != nil {
		stop += " (" + runErr.Error() + ")"
	}
	if first := firstLine(stderr.String()); first != "" {
		stop += ": " + first
	}
	return append(out, Check{Errors: []string{stop}})
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
