package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
)

var (
	// ErrFull means a file did not fit the archive budget; nothing of it was stored.
	ErrFull = errors.New("archive budget reached")
	// ErrNoSpace means the output filesystem cannot hold the archive.
	ErrNoSpace = errors.New("not enough free space for the archive")
)

const (
	defaultMaxSize = 64 << 20
	// batchSize is how much uncompressed tar data is compressed as one zstd
	// frame: large enough for small JSON files to share a compression window,
	// small enough that the budget check stays close.
	batchSize = 256 << 10
	// Manifest reserve: what the manifest costs compressed, estimated
	// generously (a file entry is ~250 bytes of JSON, ~120 compressed).
	manifestBase     = 32 << 10
	manifestPerEntry = 200
	// maxNameTries bounds the numbered names Commit tries when NAME is taken.
	maxNameTries = 100
)

// SpaceSlack is kept free on the output filesystem beyond the archive: the
// tmpfs (/run above all) is shared with the node's daemons.
const SpaceSlack = 1 << 20

// WriterOptions configure a Writer.
type WriterOptions struct {
	// MaxSize bounds the final archive in bytes, manifest included (0: 64 MiB).
	MaxSize int64
	// Level is the zstd level (0: SpeedDefault). BenchmarkWriter on 20 MiB of
	// CRI-like JSON and log lines (2 cores, AMD EPYC) measured: fastest
	// 323 MB/s ratio 5.74, default 228 MB/s 5.77, better 216 MB/s 5.62, best
	// 30 MB/s 5.85. Random ids and digests dominate such data, so the levels
	// barely differ in size; SpeedDefault is kept because it is never worse
	// than fastest in ratio and is still two orders of magnitude faster than
	// sources produce data (RPC and I/O bound), while best costs 8x the CPU
	// on the node for 2%.
	Level zstd.EncoderLevel
	// encoderConcurrency is zstd's encoder concurrency (0: 1), set only by
	// BenchmarkWriter to measure the choice of 1. Frames are encoded with
	// EncodeAll under the writer's lock, one at a time, so a second encoder
	// can only add memory, never overlap with the first.
	encoderConcurrency int
	// Tier, when set, ranks a file by its source: when the budget runs out, a
	// file of a higher tier evicts stored files of lower tiers (lowest tier,
	// newest first) instead of being refused, so the sources that matter most
	// survive a budget spent by bulk ones that happened to write first.
	// Nil: every file has tier 0 and nothing is ever evicted.
	Tier func(source string) int
}

// Writer builds an archive in memory: the compressed tar body grows as files
// are added, bounded by MaxSize, so nothing is staged on disk while sources
// run and an interrupted run leaves nothing behind. Safe for concurrent use.
type Writer struct {
	maxSize int64
	enc     *zstd.Encoder
	tierOf  func(source string) int

	mu         sync.Mutex
	frames     []*frame         // compressed body, in archive order; evicted ones are marked
	byTier     map[int][]*frame // live frames of each tier, oldest first: eviction pops the newest
	body       int64            // bytes in live frames
	tierBytes  map[int]int64
	pending    map[int]*pendingBatch // uncompressed tar data not yet compressed, per tier
	pendingLen int                   // bytes in all pending batches
	files      []FileEntry           // in Add order, evicted ones included
	evicted    []bool                // files[i] was evicted
	live       int                   // files not evicted
	seen       map[string]int
	mtime      time.Time
	committed  bool
	// spare holds FileWriter content buffers (cap streamFrame) between
	// files: grown from nothing by append, each streamed file's buffer
	// was a seventh of a 2,000-container collection's allocations. Not a
	// sync.Pool: a collection's GCs emptied it between files.
	spareMu sync.Mutex
	spare   [][]byte
}

// frame is one zstd frame of the body: whole tar entries of one tier, so
// eviction and the commit can drop a frame with exactly its files.
type frame struct {
	data    []byte
	files   []int // indexes into Writer.files
	tier    int
	evicted bool
}

// pendingBatch is the uncompressed tail of one tier, compressed as one frame
// once it reaches batchSize.
type pendingBatch struct {
	buf   bytes.Buffer
	files []int
}

// NewWriter returns an empty archive writer.
func NewWriter(opts WriterOptions) (*Writer, error) {
	if opts.MaxSize <= 0 {
		opts.MaxSize = defaultMaxSize
	}
	if opts.Level == 0 {
		opts.Level = zstd.SpeedDefault
	}
	if opts.encoderConcurrency <= 0 {
		opts.encoderConcurrency = 1
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(opts.Level), zstd.WithEncoderConcurrency(opts.encoderConcurrency))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	tierOf := opts.Tier
	if tierOf == nil {
		tierOf = func(string) int { return 0 }
	}
	return &Writer{maxSize: opts.MaxSize, enc: enc, tierOf: tierOf, seen: map[string]int{},
		tierBytes: map[int]int64{}, byTier: map[int][]*frame{}, pending: map[int]*pendingBatch{},
		mtime: time.Now().UTC().Truncate(time.Second)}, nil
}

// Add stores one regular file and returns its entry. A file that does not fit
// the remaining budget is not stored at all and ErrFull (wrapped) is returned:
// no truncated prefix is kept, because the caller (the source's output) knows
// the file's format and cuts it where a reader can still parse it, then retries
// smaller. Every stored file has mode 0600 and the writer's start time as mtime.
func (w *Writer) Add(path, source, kind string, data []byte) (FileEntry, error) {
	if err := checkPath(path); err != nil {
		return FileEntry{}, err
	}
	if path == ManifestPath {
		return FileEntry{}, fmt.Errorf("%s: reserved for the manifest", path)
	}
	var entry bytes.Buffer
	// Header, PAX records and padding fit in 2 KiB for any path checkPath
	// allows: sized once, not grown by doubling through the data.
	entry.Grow(len(data) + 2048)
	tw := tar.NewWriter(&entry)
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: path, Mode: 0o600, Size: int64(len(data)), ModTime: w.mtime, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return FileEntry{}, fmt.Errorf("tar header for %s: %w", path, err)
	}
	if _, err := tw.Write(data); err != nil {
		return FileEntry{}, fmt.Errorf("tar data for %s: %w", path, err)
	}
	if err := tw.Flush(); err != nil {
		return FileEntry{}, fmt.Errorf("tar padding for %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	fe := FileEntry{Path: path, Source: source, Kind: kind, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}

	tier := w.tierOf(source)

	w.mu.Lock()
	defer w.mu.Unlock()
	idx, err := w.admitLocked(path)
	if err != nil {
		return FileEntry{}, err
	}
	reserve := w.reserve(w.live + 1)
	// Cheap check first: compressed data is never much larger than its input.
	if w.body+int64(w.pendingLen+entry.Len())+reserve > w.maxSize {
		w.flushAllLocked()
		f := w.enc.EncodeAll(entry.Bytes(), nil)
		if !w.fitLockedFrame(tier, int64(len(f))) {
			return FileEntry{}, fmt.Errorf("%s (%d bytes): %w", path, len(data), ErrFull)
		}
		w.appendFrameLocked(&frame{data: f, files: []int{idx}, tier: tier})
	} else {
		p := w.pending[tier]
		if p == nil {
			p = &pendingBatch{}
			w.pending[tier] = p
		}
		p.buf.Write(entry.Bytes())
		p.files = append(p.files, idx)
		w.pendingLen += entry.Len()
		if p.buf.Len() >= batchSize {
			w.flushLocked(tier)
		}
	}
	w.keepLocked(fe)
	return fe, nil
}

// admitLocked checks that path may still be added and returns the index
// its entry will have.
func (w *Writer) admitLocked(path string) (int, error) {
	if w.committed {
		return 0, errors.New("archive already committed")
	}
	if _, dup := w.seen[path]; dup {
		return 0, fmt.Errorf("%s: already in the archive", path)
	}
	return len(w.files), nil
}

// fitLockedFrame makes room for a compressed frame of size bytes of tier,
// evicting lower tiers if need be, and reports whether it fits. Pending
// batches must have been flushed.
func (w *Writer) fitLockedFrame(tier int, size int64) bool {
	over := w.body + size + w.reserve(w.live+1) - w.maxSize
	return over <= 0 || w.evictLocked(tier, over)
}

// keepLocked records a stored file's entry.
func (w *Writer) keepLocked(fe FileEntry) {
	w.seen[fe.Path] = len(w.files)
	w.files = append(w.files, fe)
	w.evicted = append(w.evicted, false)
	w.live++
}

// reserve is the budget kept back for the manifest and the tar trailer.
func (w *Writer) reserve(entries int) int64 {
	return manifestBase + int64(entries)*manifestPerEntry
}

func (w *Writer) appendFrameLocked(f *frame) {
	w.frames = append(w.frames, f)
	w.byTier[f.tier] = append(w.byTier[f.tier], f)
	w.body += int64(len(f.data))
	w.tierBytes[f.tier] += int64(len(f.data))
}

func (w *Writer) flushLocked(tier int) {
	p := w.pending[tier]
	if p == nil || p.buf.Len() == 0 {
		return
	}
	w.appendFrameLocked(&frame{data: w.enc.EncodeAll(p.buf.Bytes(), nil), files: p.files, tier: tier})
	w.pendingLen -= p.buf.Len()
	delete(w.pending, tier)
}

// flushAllLocked compresses every pending batch, in tier order so the
// archive's layout does not depend on map order.
func (w *Writer) flushAllLocked() {
	tiers := make([]int, 0, len(w.pending))
	for t := range w.pending {
		tiers = append(tiers, t)
	}
	sort.Ints(tiers)
	for _, t := range tiers {
		w.flushLocked(t)
	}
}

// evictLocked frees at least need bytes of the body by dropping whole frames
// of tiers below tier, lowest tier first and newest first within a tier. It
// drops nothing and returns false when those frames together are too small:
// losing them would not make the new file fit. Pending batches must have been
// flushed. Each frame is popped at most once over the writer's life, so all
// evictions together cost O(frames + files).
func (w *Writer) evictLocked(tier int, need int64) bool {
	var avail int64
	tiers := make([]int, 0, len(w.byTier))
	for t := range w.byTier {
		if t < tier {
			avail += w.tierBytes[t]
			tiers = append(tiers, t)
		}
	}
	if avail < need {
		return false
	}
	sort.Ints(tiers)
	for _, t := range tiers {
		stack := w.byTier[t]
		for need > 0 && len(stack) > 0 {
			f := stack[len(stack)-1]
			stack[len(stack)-1] = nil
			stack = stack[:len(stack)-1]
			need -= int64(len(f.data))
			w.dropFrameLocked(f)
		}
		w.byTier[t] = stack
		if need <= 0 {
			break
		}
	}
	return true
}

// dropFrameLocked evicts one frame with its files; its data can be collected.
func (w *Writer) dropFrameLocked(f *frame) {
	f.evicted = true
	w.body -= int64(len(f.data))
	w.tierBytes[f.tier] -= int64(len(f.data))
	f.data = nil
	for _, fi := range f.files {
		w.evicted[fi] = true
		w.live--
		delete(w.seen, w.files[fi].Path)
	}
}

// liveFiles are the stored files not evicted, in Add order.
func (w *Writer) liveFiles() []FileEntry {
	out := make([]FileEntry, 0, w.live)
	for i, f := range w.files {
		if !w.evicted[i] {
			out = append(out, f)
		}
	}
	return out
}

// Annotate sets the redaction count and truncation flag of a stored file.
func (w *Writer) Annotate(path string, redactions int, truncated bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if i, ok := w.seen[path]; ok && !w.evicted[i] {
		w.files[i].Redactions = redactions
		w.files[i].Truncated = w.files[i].Truncated || truncated
	}
}

// Files returns the entries stored so far, in archive order.
func (w *Writer) Files() []FileEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.liveFiles()
}

// Size is the compressed body so far plus the not yet compressed tails (at
// most 256 KiB per tier), for progress: an upper bound of what the body will cost.
func (w *Writer) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body + int64(w.pendingLen)
}

// CommitOptions adjust how the archive is written.
type CommitOptions struct {
	// Wrap, when set, wraps the file writer (encryption on the way out); the
	// .sha256 sidecar then covers the bytes on disk.
	Wrap func(io.Writer) (io.WriteCloser, error)
	// Reserve lists suffixes of sidecars the caller writes after the commit
	// (the signature, ".minisig"): a name with such a file beside it is not
	// free, so a stale sidecar is never replaced either.
	Reserve []string
}

// Commit writes the archive (manifest first) through a temporary file that is
// fsynced, then links it to dir/name and writes dir/name.sha256. Both are
// created exclusively, never replacing a file: when NAME or its sidecar is
// taken (a collection in the same second), NAME-2, NAME-3... are tried, so a
// bundle is never overwritten. It returns the final path. On any failure,
// including ctx being cancelled, the temporary file is removed: there is
// never a partial file under a final name nor staging left behind.
func (w *Writer) Commit(ctx context.Context, dir, name string, m *Manifest, opts CommitOptions) (string, int64, error) {
	if name == "" || filepath.Base(name) != name {
		return "", 0, fmt.Errorf("archive name %q: must be a plain file name", name)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.committed {
		return "", 0, errors.New("archive already committed")
	}
	w.flushAllLocked()
	manifestFrame, total, err := w.fitLocked(m)
	if err != nil {
		return "", 0, err
	}

	free, err := FreeBytes(dir)
	if err != nil {
		return "", 0, err
	}
	if total+SpaceSlack > free {
		return "", 0, fmt.Errorf("archive of %d bytes, %d free in %s: %w", total, free, dir, ErrNoSpace)
	}

	tmp, err := os.CreateTemp(dir, ".rtsnap-*.tmp")
	if err != nil {
		return "", 0, fmt.Errorf("creating temporary archive: %w", err)
	}
	tmpName := tmp.Name()
	// The temporary name goes whatever happens: after a successful link the
	// archive lives on under its final name.
	defer os.Remove(tmpName)
	fail := func(err error) (string, int64, error) {
		tmp.Close()
		if errors.Is(err, syscall.ENOSPC) {
			err = fmt.Errorf("%w: %w", ErrNoSpace, err)
		}
		return "", 0, err
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(fmt.Errorf("chmod temporary archive: %w", err))
	}
	hash := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(tmp, hash)}
	var out io.Writer = counter
	var wrapped io.WriteCloser
	if opts.Wrap != nil {
		if wrapped, err = opts.Wrap(counter); err != nil {
			return fail(fmt.Errorf("wrapping the archive: %w", err))
		}
		out = wrapped
	}
	chunks := [][]byte{manifestFrame}
	for _, f := range w.frames {
		if !f.evicted {
			chunks = append(chunks, f.data)
		}
	}
	chunks = append(chunks, w.trailer())
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return fail(fmt.Errorf("stopped after %d of %d bytes: %w", counter.n, total, err))
		}
		if _, err := out.Write(c); err != nil {
			return fail(fmt.Errorf("writing: %w", err))
		}
	}
	if wrapped != nil {
		if err := wrapped.Close(); err != nil {
			return fail(fmt.Errorf("finishing the wrapped archive: %w", err))
		}
	}
	if err := tmp.Sync(); err != nil {
		return fail(fmt.Errorf("fsync archive: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return fail(fmt.Errorf("closing archive: %w", err))
	}
	if err := ctx.Err(); err != nil {
		return "", 0, fmt.Errorf("stopped before publishing: %w", err)
	}
	final, err := publish(tmpName, dir, name, hex.EncodeToString(hash.Sum(nil)), opts.Reserve)
	if err != nil {
		return "", 0, err
	}
	syncDir(dir)
	w.committed = true
	return final, counter.n, nil
}

// publish links tmp to the first free name among NAME, NAME-2, ... and writes
// its sidecar, both with exclusive creation, and returns the final path.
// Why link and not rename: rename replaces an existing file silently; link
// fails with EEXIST, atomically, on every filesystem a tmpfs-bound collector
// writes to.
func publish(tmp, dir, name, sum string, reserve []string) (string, error) {
next:
	for n := 1; n <= maxNameTries; n++ {
		cand := NumberedName(name, n)
		final := filepath.Join(dir, cand)
		for _, suffix := range reserve {
			if _, err := os.Lstat(final + suffix); err == nil {
				continue next
			}
		}
		if err := os.Link(tmp, final); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return "", fmt.Errorf("linking the archive to %s: %w", final, err)
		}
		sc, err := os.OpenFile(final+".sha256", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			// A sidecar left from an earlier bundle of that name: this name
			// is not free after all. The link just made is ours to remove.
			os.Remove(final)
			continue
		}
		if err != nil {
			os.Remove(final)
			return "", fmt.Errorf("creating %s.sha256: %w", cand, err)
		}
		_, werr := fmt.Fprintf(sc, "%s  %s\n", sum, cand)
		if cerr := sc.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return final, fmt.Errorf("writing %s.sha256: %w", cand, werr)
		}
		return final, nil
	}
	return "", fmt.Errorf("%s and %d numbered variants already exist in %s; remove old bundles (rtsnap prune) or pick another --output: %w",
		name, maxNameTries-1, dir, fs.ErrExist)
}

// NumberedName is name for n == 1, else name with "-n" before its archive
// extension: rtsnap-x-20261201T100000Z.tar.zst becomes ...Z-2.tar.zst.
func NumberedName(name string, n int) string {
	if n <= 1 {
		return name
	}
	i := strings.Index(name, ".tar")
	if i < 0 {
		i = len(name)
	}
	return fmt.Sprintf("%s-%d%s", name[:i], n, name[i:])
}

// fitLocked completes m and returns its frame and the archive's total size,
// which never exceeds MaxSize. The manifest's reserve is an estimate (a long
// --note, many sources); when the real manifest is larger, whole frames are
// dropped with their files the way eviction drops them (lowest tier, newest
// first). Every source that lost files, during the run or here, becomes
// partial and the manifest says truncated and why.
func (w *Writer) fitLocked(m *Manifest) ([]byte, int64, error) {
	m.FormatVersion = FormatVersion
	trailer := int64(len(w.trailer()))
	sources := append([]SourceStatus(nil), m.Sources...)
	truncated, reason := m.Truncated, m.TruncatedReason
	atCommit := 0
	for {
		m.Files = w.liveFiles()
		m.Sources = append(m.Sources[:0:0], sources...)
		m.Truncated, m.TruncatedReason = truncated, reason
		w.noteEvictionsLocked(m, atCommit)
		mf, err := w.manifestFrame(m)
		if err != nil {
			return nil, 0, err
		}
		total := int64(len(mf)) + w.body + trailer
		if total <= w.maxSize {
			return mf, total, nil
		}
		if w.live == 0 {
			return nil, 0, fmt.Errorf("manifest alone is %d bytes, budget %d: %w", len(mf), w.maxSize, ErrFull)
		}
		before := w.live
		w.evictLocked(math.MaxInt, 1) // one frame: the lowest tier's newest
		atCommit += before - w.live
	}
}

// noteEvictionsLocked records evicted files in m: their sources become
// partial with fewer files and bytes, and the manifest says truncated.
func (w *Writer) noteEvictionsLocked(m *Manifest, atCommit int) {
	type loss struct {
		files int
		bytes int64
	}
	lost := map[string]*loss{}
	total := 0
	for i, f := range w.files {
		if !w.evicted[i] {
			continue
		}
		l := lost[f.Source]
		if l == nil {
			l = &loss{}
			lost[f.Source] = l
		}
		l.files++
		l.bytes += f.Size
		total++
	}
	if total == 0 {
		return
	}
	for i := range m.Sources {
		s := &m.Sources[i]
		l := lost[s.Name]
		if l == nil {
			continue
		}
		if s.Status == StatusOK {
			s.Status = StatusPartial
		}
		s.Files = max(0, s.Files-l.files)
		s.Bytes = max(0, s.Bytes-l.bytes)
		s.Reason = joinReason(s.Reason, fmt.Sprintf("%d files (%d bytes) dropped to keep the archive within its budget", l.files, l.bytes), "within its budget")
	}
	m.Truncated = true
	if run := total - atCommit; run > 0 {
		m.TruncatedReason = joinReason(m.TruncatedReason, fmt.Sprintf("%d files of lower-priority sources dropped to keep higher-priority ones within the archive budget", run), "files of lower-priority sources dropped")
	}
	if atCommit > 0 {
		m.TruncatedReason = joinReason(m.TruncatedReason, fmt.Sprintf("%d files dropped at commit to fit the manifest in the archive budget", atCommit), "files dropped at commit")
	}
}

// joinReason appends add to reason unless a reason containing marker is
// already there, in which case that part is replaced.
func joinReason(reason, add, marker string) string {
	parts := strings.Split(reason, "; ")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && !strings.Contains(p, marker) {
			out = append(out, p)
		}
	}
	return strings.Join(append(out, add), "; ")
}

// trailer is the tar end-of-archive (two zero blocks) as its own frame.
func (w *Writer) trailer() []byte { return w.enc.EncodeAll(make([]byte, 1024), nil) }

func (w *Writer) manifestFrame(m *Manifest) ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: ManifestPath, Mode: 0o600, Size: int64(len(data)), ModTime: w.mtime, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("manifest header: %w", err)
	}
	if _, err := tw.Write(data); err != nil {
		return nil, fmt.Errorf("manifest data: %w", err)
	}
	if err := tw.Flush(); err != nil {
		return nil, fmt.Errorf("manifest padding: %w", err)
	}
	return w.enc.EncodeAll(buf.Bytes(), nil), nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
