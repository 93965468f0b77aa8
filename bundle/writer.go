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
	"os"
	"path/filepath"
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
	// spaceSlack is kept free on the output filesystem beyond the archive.
	spaceSlack = 1 << 20
)

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
}

// Writer builds an archive in memory: the compressed tar body grows as files
// are added, bounded by MaxSize, so nothing is staged on disk while sources
// run and an interrupted run leaves nothing behind. Safe for concurrent use.
type Writer struct {
	maxSize int64
	enc     *zstd.Encoder

	mu        sync.Mutex
	frames    []frame      // compressed body, in archive order
	body      int64        // bytes in frames
	pending   bytes.Buffer // uncompressed tar data not yet compressed
	pendingN  int          // files in pending
	files     []FileEntry  // in archive order
	seen      map[string]int
	mtime     time.Time
	committed bool
}

// frame is one zstd frame of the body and how many whole files it holds, so a
// commit can drop trailing frames (and their files) when the manifest outgrows
// its reserve.
type frame struct {
	data  []byte
	files int
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
	return &Writer{maxSize: opts.MaxSize, enc: enc, seen: map[string]int{}, mtime: time.Now().UTC().Truncate(time.Second)}, nil
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

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.committed {
		return FileEntry{}, errors.New("archive already committed")
	}
	if _, dup := w.seen[path]; dup {
		return FileEntry{}, fmt.Errorf("%s: already in the archive", path)
	}
	reserve := w.reserve(len(w.files) + 1)
	// Cheap check first: compressed data is never much larger than its input.
	if w.body+int64(w.pending.Len()+entry.Len())+reserve > w.maxSize {
		w.flushLocked()
		f := w.enc.EncodeAll(entry.Bytes(), nil)
		if w.body+int64(len(f))+reserve > w.maxSize {
			return FileEntry{}, fmt.Errorf("%s (%d bytes): %w", path, len(data), ErrFull)
		}
		w.frames = append(w.frames, frame{data: f, files: 1})
		w.body += int64(len(f))
	} else {
		w.pending.Write(entry.Bytes())
		w.pendingN++
		if w.pending.Len() >= batchSize {
			w.flushLocked()
		}
	}
	w.seen[path] = len(w.files)
	w.files = append(w.files, fe)
	return fe, nil
}

// reserve is the budget kept back for the manifest and the tar trailer.
func (w *Writer) reserve(entries int) int64 {
	return manifestBase + int64(entries)*manifestPerEntry
}

func (w *Writer) flushLocked() {
	if w.pending.Len() == 0 {
		return
	}
	f := w.enc.EncodeAll(w.pending.Bytes(), nil)
	w.frames = append(w.frames, frame{data: f, files: w.pendingN})
	w.body += int64(len(f))
	w.pending.Reset()
	w.pendingN = 0
}

// Annotate sets the redaction count and truncation flag of a stored file.
func (w *Writer) Annotate(path string, redactions int, truncated bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if i, ok := w.seen[path]; ok {
		w.files[i].Redactions = redactions
		w.files[i].Truncated = w.files[i].Truncated || truncated
	}
}

// Files returns the entries stored so far, in archive order.
func (w *Writer) Files() []FileEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]FileEntry(nil), w.files...)
}

// Size is the compressed body so far plus the not yet compressed tail (at
// most 256 KiB), for progress: an upper bound of what the body will cost.
func (w *Writer) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body + int64(w.pending.Len())
}

// CommitOptions adjust how the archive is written.
type CommitOptions struct {
	// Wrap, when set, wraps the file writer (encryption on the way out); the
	// .sha256 sidecar then covers the bytes on disk.
	Wrap func(io.Writer) (io.WriteCloser, error)
}

// Commit writes the archive (manifest first) to dir/name through a temporary
// file that is fsynced and renamed, then writes dir/name.sha256. On any
// failure, including ctx being cancelled, the temporary file is removed: there
// is never a partial file under the final name nor staging left behind.
func (w *Writer) Commit(ctx context.Context, dir, name string, m *Manifest, opts CommitOptions) (string, int64, error) {
	if name == "" || filepath.Base(name) != name {
		return "", 0, fmt.Errorf("archive name %q: must be a plain file name", name)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.committed {
		return "", 0, errors.New("archive already committed")
	}
	w.flushLocked()
	manifestFrame, frames, total, err := w.fitLocked(m)
	if err != nil {
		return "", 0, err
	}

	free, err := FreeBytes(dir)
	if err != nil {
		return "", 0, err
	}
	if total+spaceSlack > free {
		return "", 0, fmt.Errorf("archive of %d bytes, %d free in %s: %w", total, free, dir, ErrNoSpace)
	}

	tmp, err := os.CreateTemp(dir, ".rtsnap-*.tmp")
	if err != nil {
		return "", 0, fmt.Errorf("creating temporary archive: %w", err)
	}
	tmpName := tmp.Name()
	fail := func(err error) (string, int64, error) {
		tmp.Close()
		os.Remove(tmpName)
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
	for _, f := range frames {
		chunks = append(chunks, f.data)
	}
	chunks = append(chunks, w.trailer())
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return fail(fmt.Errorf("writing the archive: %w", err))
		}
		if _, err := out.Write(c); err != nil {
			return fail(fmt.Errorf("writing the archive: %w", err))
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
		os.Remove(tmpName)
		return "", 0, fmt.Errorf("writing the archive: %w", err)
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(tmpName, final); err != nil {
		os.Remove(tmpName)
		return "", 0, fmt.Errorf("renaming archive: %w", err)
	}
	sidecar := fmt.Sprintf("%s  %s\n", hex.EncodeToString(hash.Sum(nil)), name)
	if err := os.WriteFile(final+".sha256", []byte(sidecar), 0o600); err != nil {
		return final, counter.n, fmt.Errorf("writing %s.sha256: %w", name, err)
	}
	syncDir(dir)
	w.committed = true
	return final, counter.n, nil
}

// fitLocked completes m and returns its frame, the body frames to write and
// the archive's total size, which never exceeds MaxSize. The manifest's
// reserve is an estimate (a long --note, many sources); when the real manifest
// is larger, whole trailing frames are dropped with their files, the sources
// that lose files become partial and the manifest says truncated.
func (w *Writer) fitLocked(m *Manifest) ([]byte, []frame, int64, error) {
	m.FormatVersion = FormatVersion
	files, frames, body := w.files, w.frames, w.body
	trailer := int64(len(w.trailer()))
	dropped := 0
	for {
		m.Files = append([]FileEntry(nil), files...)
		mf, err := w.manifestFrame(m)
		if err != nil {
			return nil, nil, 0, err
		}
		total := int64(len(mf)) + body + trailer
		if total <= w.maxSize {
			return mf, frames, total, nil
		}
		if len(frames) == 0 {
			return nil, nil, 0, fmt.Errorf("manifest alone is %d bytes, budget %d: %w", len(mf), w.maxSize, ErrFull)
		}
		last := frames[len(frames)-1]
		frames, body = frames[:len(frames)-1], body-int64(len(last.data))
		cut := files[len(files)-last.files:]
		files = files[:len(files)-last.files]
		dropped += last.files
		markPartial(m, cut)
		m.Truncated = true
		m.TruncatedReason = joinReason(m.TruncatedReason, fmt.Sprintf("%d files dropped at commit to fit the manifest in the archive budget", dropped), "files dropped at commit")
	}
}

// markPartial downgrades the sources of dropped files to partial.
func markPartial(m *Manifest, cut []FileEntry) {
	lost := map[string]int{}
	for _, f := range cut {
		lost[f.Source]++
	}
	for i := range m.Sources {
		s := &m.Sources[i]
		if lost[s.Name] == 0 {
			continue
		}
		if s.Status == StatusOK {
			s.Status = StatusPartial
		}
		s.Reason = joinReason(s.Reason, "files dropped at commit (archive budget)", "files dropped at commit")
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
