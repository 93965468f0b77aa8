package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
)

// FileWriter stores one file whose content is produced in pieces (a list
// document redacted record by record): it compresses the content as it
// comes, streamFrame at a time, so a 30 MB document costs the archive its
// compressed size in memory, not its size twice (the tar entry and the
// batch that Add copies it into). Not safe for concurrent use; Close or
// Abort it.
type FileWriter struct {
	w                  *Writer
	path, source, kind string
	buf                []byte // content not yet compressed
	frames             []byte // zstd frames of the content so far
	size               int64
	sum                hash.Hash // nil until the content outgrows one batch
	done               bool
}

// streamFrame is how much of a FileWriter's content is compressed as one
// zstd frame. A window as small as batchSize costs ratio on a large file:
// the 2,000-container CRI containers document (19.8 MB) compresses to
// 286 KB whole, 442 KB in 256 KiB frames, 313 KB in 1 MiB and 299 KB in
// 2 MiB ones (zstd -3, docs/benchmarks.md).
const streamFrame = 2 << 20

// Create starts a file of the archive. Nothing is stored until Close; a file
// that fits in one frame is stored by Add, as if given whole.
func (w *Writer) Create(path, source, kind string) *FileWriter {
	return &FileWriter{w: w, path: path, source: source, kind: kind}
}

// Write appends p to the file's content, compressing each streamFrame of
// it as it fills (a write larger than what is left of a frame is cut, so
// the buffer never outgrows one frame).
func (f *FileWriter) Write(p []byte) (int, error) {
	if f.done {
		return 0, errors.New("bundle: write to a closed file")
	}
	if f.buf == nil {
		f.buf = f.w.frameBuf()
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), streamFrame-len(f.buf))
		f.buf = append(f.buf, p[:k]...)
		p = p[k:]
		if len(f.buf) == streamFrame {
			if f.sum == nil {
				f.sum = sha256.New()
			}
			f.sum.Write(f.buf)
			f.frames = f.w.enc.EncodeAll(f.buf, f.frames)
			f.buf = f.buf[:0]
		}
	}
	f.size += int64(n)
	return n, nil
}

// Size is the content's length so far.
func (f *FileWriter) Size() int64 { return f.size }

// Abort drops the file: nothing of it is stored.
func (f *FileWriter) Abort() {
	f.w.putFrameBuf(f.buf)
	f.done, f.buf, f.frames = true, nil, nil
}

// frameBuf is an empty content buffer that holds a frame.
func (w *Writer) frameBuf() []byte {
	w.spareMu.Lock()
	defer w.spareMu.Unlock()
	if k := len(w.spare); k > 0 {
		b := w.spare[k-1]
		w.spare = w.spare[:k-1]
		return b[:0]
	}
	return make([]byte, 0, streamFrame)
}

// putFrameBuf keeps b for the next file, up to maxSpareFrames of them.
func (w *Writer) putFrameBuf(b []byte) {
	if cap(b) != streamFrame {
		return
	}
	w.spareMu.Lock()
	defer w.spareMu.Unlock()
	if len(w.spare) < maxSpareFrames {
		w.spare = append(w.spare, b)
	}
}

// maxSpareFrames bounds the buffers kept between files: as many as files
// are usually streamed at once (a collection's sources run a few at a time).
const maxSpareFrames = 4

// Close stores the file as Add would have stored its whole content: the
// same entry, the same budget rules (ErrFull when it does not fit, after
// evicting lower tiers).
func (f *FileWriter) Close() (FileEntry, error) {
	if f.done {
		return FileEntry{}, errors.New("bundle: file closed twice")
	}
	f.done = true
	w := f.w
	if f.sum == nil {
		buf := f.buf
		f.buf = nil
		defer w.putFrameBuf(buf) // Add copies it into the tar entry
		return w.Add(f.path, f.source, f.kind, buf)
	}
	if err := checkPath(f.path); err != nil {
		return FileEntry{}, err
	}
	if f.path == ManifestPath {
		return FileEntry{}, fmt.Errorf("%s: reserved for the manifest", f.path)
	}
	f.sum.Write(f.buf)
	// The tar header needs the size, known only now: it is compressed as a
	// frame of its own put before the content's frames (a zstd stream is
	// its frames one after another), the padding as one after them.
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.path, Mode: 0o600, Size: f.size, ModTime: w.mtime, Format: tar.FormatPAX}); err != nil {
		return FileEntry{}, fmt.Errorf("tar header for %s: %w", f.path, err)
	}
	data := w.enc.EncodeAll(hdr.Bytes(), make([]byte, 0, len(f.frames)+len(f.buf)/2+1024))
	data = append(data, f.frames...)
	f.frames = nil
	tail := append(f.buf, make([]byte, (blockSize-f.size%blockSize)%blockSize)...)
	data = w.enc.EncodeAll(tail, data)
	w.putFrameBuf(f.buf) // after EncodeAll: tail may be f.buf itself
	f.buf = nil
	fe := FileEntry{Path: f.path, Source: f.source, Kind: f.kind, Size: f.size, SHA256: hex.EncodeToString(f.sum.Sum(nil))}

	tier := w.tierOf(f.source)
	w.mu.Lock()
	defer w.mu.Unlock()
	idx, err := w.admitLocked(f.path)
	if err != nil {
		return FileEntry{}, err
	}
	// Files stay in Add order within a tier: what is pending goes first.
	if w.body+int64(w.pendingLen+len(data))+w.reserve(w.live+1) > w.maxSize {
		w.flushAllLocked()
	} else {
		w.flushLocked(tier)
	}
	if !w.fitLockedFrame(tier, int64(len(data))) {
		return FileEntry{}, fmt.Errorf("%s (%d bytes): %w", f.path, f.size, ErrFull)
	}
	w.appendFrameLocked(&frame{data: data, files: []int{idx}, tier: tier})
	w.keepLocked(fe)
	return fe, nil
}

// blockSize is tar's block: an entry's content is padded to a multiple.
const blockSize = 512
