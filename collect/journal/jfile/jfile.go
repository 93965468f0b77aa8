// Package jfile reads systemd journal files (the on-disk format documented at
// https://systemd.io/JOURNAL_FILE_FORMAT/) in pure Go, so the collector reads
// journals without libsystemd or cgo: on nodes with old glibc, and from a
// container image that has neither a libsystemd nor a journalctl.
//
// It reads what a collector needs and nothing more: the entries in file
// order, through the entry-array chain, and the data objects (fields) of one
// entry, decompressed (XZ, LZ4, ZSTD) within a bound. Hash tables, field
// objects and sealing are not used. Every offset read from the file is
// checked against the file's size and alignment, and chains must move
// forward, so a corrupt or hostile file gives an error, not a loop or a panic.
// No proper go.dev module for this exists on the module proxy (checked:
// github.com/Velocidex/go-journalctl and forks are not served), hence this
// package; reader_test.go checks it against journalctl on real files.
package jfile

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// ErrFormat marks a file that is not a journal file or is damaged.
var ErrFormat = errors.New("journal file format")

// Header flags (incompatible_flags) this reader understands.
const (
	incompressedXZ   = 1 << 0
	incompressedLZ4  = 1 << 1
	inKeyedHash      = 1 << 2
	incompressedZSTD = 1 << 3
	inCompact        = 1 << 4
	knownIncompat    = incompressedXZ | incompressedLZ4 | inKeyedHash | incompressedZSTD | inCompact
)

// Object types and object compression flags.
const (
	objData       = 1
	objEntry      = 3
	objEntryArray = 6

	objCompressedXZ   = 1 << 0
	objCompressedLZ4  = 1 << 1
	objCompressedZSTD = 1 << 2
)

const (
	objectHeaderSize = 16
	minHeaderSize    = 208 // up to and including tail_entry_monotonic
	// maxObjectSize bounds any one object read into memory; journald itself
	// refuses entries over 768 MiB, but a collector has no use for them.
	maxObjectSize = 16 << 20
)

// Header is what this reader uses of a journal file's header.
type Header struct {
	IncompatibleFlags uint32
	State             uint8 // 0 offline, 1 online (being written), 2 archived
	SeqnumID          [16]byte
	HeaderSize        uint64
	ArenaSize         uint64
	NEntries          uint64
	EntryArrayOffset  uint64
	TailRealtime      uint64
}

// Compact reports whether items are 32-bit (systemd 252+ "compact" mode).
func (h Header) Compact() bool { return h.IncompatibleFlags&inCompact != 0 }

// File is an open journal file.
type File struct {
	r    io.ReaderAt
	size int64
	H    Header
	// MaxPayload bounds a field's decompressed size; larger fields are
	// returned truncated to it and flagged.
	MaxPayload int
	zstd       *zstd.Decoder
}

// Entry is one journal entry: its place, its times and its data object offsets.
type Entry struct {
	Offset        uint64
	Seqnum        uint64
	RealtimeUsec  uint64
	MonotonicUsec uint64
	BootID        [16]byte
	XorHash       uint64
	Items         []uint64
}

// Open reads and checks the header of a journal file of the given size.
func Open(r io.ReaderAt, size int64) (*File, error) {
	buf := make([]byte, minHeaderSize)
	if size < minHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a header", ErrFormat, size)
	}
	if _, err := r.ReadAt(buf, 0); err != nil {
		return nil, fmt.Errorf("reading journal header: %w", err)
	}
	if string(buf[:8]) != "LPKSHHRH" {
		return nil, fmt.Errorf("%w: bad signature %q", ErrFormat, buf[:8])
	}
	le := binary.LittleEndian
	h := Header{
		IncompatibleFlags: le.Uint32(buf[12:]),
		State:             buf[16],
		HeaderSize:        le.Uint64(buf[88:]),
		ArenaSize:         le.Uint64(buf[96:]),
		NEntries:          le.Uint64(buf[152:]),
		EntryArrayOffset:  le.Uint64(buf[176:]),
		TailRealtime:      le.Uint64(buf[192:]),
	}
	copy(h.SeqnumID[:], buf[72:88])
	if unknown := h.IncompatibleFlags &^ knownIncompat; unknown != 0 {
		return nil, fmt.Errorf("%w: unsupported incompatible flags %#x", ErrFormat, unknown)
	}
	if h.HeaderSize < minHeaderSize || h.HeaderSize > uint64(size) {
		return nil, fmt.Errorf("%w: header size %d in a %d-byte file", ErrFormat, h.HeaderSize, size)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxObjectSize))
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &File{r: r, size: size, H: h, MaxPayload: 1 << 20, zstd: dec}, nil
}

// Close releases the decompressor (the ReaderAt is the caller's).
func (f *File) Close() { f.zstd.Close() }

// checkOffset reports whether an object of at least n bytes can start at off.
func (f *File) checkOffset(off uint64, n uint64) error {
	if off == 0 || off%8 != 0 || off < f.H.HeaderSize || off > uint64(f.size) || uint64(f.size)-off < n {
		return fmt.Errorf("%w: object offset %d out of the file (%d bytes)", ErrFormat, off, f.size)
	}
	return nil
}

// object reads the object at off, of the wanted type, with at most limit
// bytes of it (the header says how large it is; the rest is not read).
func (f *File) object(off uint64, typ uint8, limit uint64) (buf []byte, size uint64, err error) {
	if err := f.checkOffset(off, objectHeaderSize); err != nil {
		return nil, 0, err
	}
	var hdr [objectHeaderSize]byte
	if _, err := f.r.ReadAt(hdr[:], int64(off)); err != nil {
		return nil, 0, fmt.Errorf("reading object at %d: %w", off, err)
	}
	size = binary.LittleEndian.Uint64(hdr[8:])
	if hdr[0] != typ {
		return nil, 0, fmt.Errorf("%w: object at %d has type %d, want %d", ErrFormat, off, hdr[0], typ)
	}
	if size < objectHeaderSize || size > maxObjectSize || size > uint64(f.size)-off {
		return nil, 0, fmt.Errorf("%w: object at %d has size %d", ErrFormat, off, size)
	}
	n := min(size, limit)
	buf = make([]byte, n)
	if _, err := f.r.ReadAt(buf, int64(off)); err != nil {
		return nil, 0, fmt.Errorf("reading object at %d: %w", off, err)
	}
	return buf, size, nil
}

// EntryOffsets walks the entry-array chain and returns the offsets of at most
// max entries, in file order (oldest first). A damaged tail (a file being
// written, or cut short) ends the walk with what was read and the error.
func (f *File) EntryOffsets(max int) ([]uint64, error) {
	item := uint64(8)
	if f.H.Compact() {
		item = 4
	}
	want := min(f.H.NEntries, uint64(max))
	offs := make([]uint64, 0, min(want, 1<<20))
	prev := uint64(0)
	for a := f.H.EntryArrayOffset; a != 0 && uint64(len(offs)) < want; {
		if a <= prev {
			return offs, fmt.Errorf("%w: entry array chain goes back (%d after %d)", ErrFormat, a, prev)
		}
		prev = a
		buf, size, err := f.object(a, objEntryArray, maxObjectSize)
		if err != nil {
			return offs, err
		}
		if size < 24 {
			return offs, fmt.Errorf("%w: entry array at %d too small", ErrFormat, a)
		}
		next := binary.LittleEndian.Uint64(buf[16:])
		for p := uint64(24); p+item <= uint64(len(buf)) && uint64(len(offs)) < want; p += item {
			var o uint64
			if item == 4 {
				o = uint64(binary.LittleEndian.Uint32(buf[p:]))
			} else {
				o = binary.LittleEndian.Uint64(buf[p:])
			}
			if o == 0 { // unused slots at the end of the last array
				return offs, nil
			}
			offs = append(offs, o)
		}
		a = next
	}
	return offs, nil
}

// Entry reads the entry object at off.
func (f *File) Entry(off uint64) (Entry, error) {
	buf, _, err := f.object(off, objEntry, maxObjectSize)
	if err != nil {
		return Entry{}, err
	}
	if len(buf) < 64 {
		return Entry{}, fmt.Errorf("%w: entry at %d too small", ErrFormat, off)
	}
	le := binary.LittleEndian
	e := Entry{Offset: off, Seqnum: le.Uint64(buf[16:]), RealtimeUsec: le.Uint64(buf[24:]),
		MonotonicUsec: le.Uint64(buf[32:]), XorHash: le.Uint64(buf[56:])}
	copy(e.BootID[:], buf[40:56])
	item := 16
	if f.H.Compact() {
		item = 4
	}
	for p := 64; p+item <= len(buf); p += item {
		if item == 4 {
			e.Items = append(e.Items, uint64(le.Uint32(buf[p:])))
		} else {
			e.Items = append(e.Items, le.Uint64(buf[p:]))
		}
	}
	return e, nil
}

// DataHead returns the first bytes of the payload of the data object at off
// without decompressing it, and whether it is compressed: enough to see a
// field's name ("_COMM=...") cheaply before deciding to decode the entry.
func (f *File) DataHead(off uint64, n int) (head []byte, compressed bool, err error) {
	start := f.payloadStart()
	buf, _, err := f.object(off, objData, start+uint64(n))
	if err != nil {
		return nil, false, err
	}
	if uint64(len(buf)) < start {
		return nil, false, fmt.Errorf("%w: data object at %d too small", ErrFormat, off)
	}
	return buf[start:], buf[1]&(objCompressedXZ|objCompressedLZ4|objCompressedZSTD) != 0, nil
}

func (f *File) payloadStart() uint64 {
	if f.H.Compact() {
		return 72
	}
	return 64
}

// Data returns the payload ("FIELD=value") of the data object at off,
// decompressed; truncated is set when it was longer than MaxPayload.
func (f *File) Data(off uint64) (payload []byte, truncated bool, err error) {
	buf, _, err := f.object(off, objData, maxObjectSize)
	if err != nil {
		return nil, false, err
	}
	start := f.payloadStart()
	if uint64(len(buf)) < start {
		return nil, false, fmt.Errorf("%w: data object at %d too small", ErrFormat, off)
	}
	payload, err = f.decompress(buf[1], buf[start:])
	if err != nil {
		return nil, false, fmt.Errorf("data object at %d: %w", off, err)
	}
	if len(payload) > f.MaxPayload {
		return payload[:f.MaxPayload], true, nil
	}
	return payload, false, nil
}

// decompress undoes an object's compression (flags from its header); the
// result is bounded by maxObjectSize (XZ: MaxPayload+1, enough to flag it).
func (f *File) decompress(flags uint8, raw []byte) ([]byte, error) {
	switch {
	case flags&objCompressedZSTD != 0:
		p, err := f.zstd.DecodeAll(raw, nil)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return p, nil
	case flags&objCompressedXZ != 0:
		r, err := xz.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("xz: %w", err)
		}
		p, err := io.ReadAll(io.LimitReader(r, int64(f.MaxPayload)+1))
		if err != nil {
			return nil, fmt.Errorf("xz: %w", err)
		}
		return p, nil
	case flags&objCompressedLZ4 != 0:
		// systemd's LZ4 payload: le64 decompressed size, then one LZ4 block.
		if len(raw) < 8 {
			return nil, fmt.Errorf("%w: lz4 payload of %d bytes", ErrFormat, len(raw))
		}
		n := binary.LittleEndian.Uint64(raw)
		if n > maxObjectSize {
			return nil, fmt.Errorf("%w: lz4 payload claims %d bytes", ErrFormat, n)
		}
		p := make([]byte, n)
		m, err := lz4.UncompressBlock(raw[8:], p)
		if err != nil {
			return nil, fmt.Errorf("lz4: %w", err)
		}
		return p[:m], nil
	}
	return raw, nil
}

// Cursor is the entry's cursor as journalctl prints it
// (s=seqnum_id;i=seqnum;b=boot_id;m=monotonic;t=realtime;x=xor_hash).
func (f *File) Cursor(e Entry) string {
	return fmt.Sprintf("s=%s;i=%x;b=%s;m=%x;t=%x;x=%x", hex.EncodeToString(f.H.SeqnumID[:]), e.Seqnum,
		hex.EncodeToString(e.BootID[:]), e.MonotonicUsec, e.RealtimeUsec, e.XorHash)
}

// BootID is an entry's boot id as journalctl prints _BOOT_ID.
func BootID(e Entry) string { return hex.EncodeToString(e.BootID[:]) }
