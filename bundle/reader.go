package bundle

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
)

// Error kinds, for errors.Is: the analyzer picks its exit code from them.
var (
	// ErrTampered: the archive is readable but does not match its manifest or
	// sidecar, or holds entries a bundle never has (links, traversal...).
	ErrTampered = errors.New("bundle does not match its manifest")
	// ErrCorrupt: the stream cannot be read (bad zstd, truncated tar, bad manifest).
	ErrCorrupt = errors.New("bundle is corrupt")
	// ErrLimit: the bundle is larger than the reader's limits allow.
	ErrLimit = errors.New("bundle exceeds the reader's limits")
)

// Limits bound what a reader accepts; a bundle is untrusted input.
type Limits struct {
	MaxEntries       int
	MaxFileBytes     int64
	MaxTotalBytes    int64
	MaxManifestBytes int64
	// MaxWindowBytes bounds the zstd window, i.e. the decoder's memory.
	MaxWindowBytes uint64
	// MaxHeldBytes bounds the file data Read keeps in memory (0: up to
	// MaxTotalBytes). Files past it are still verified but not kept, and
	// Bundle.NotHeld names them; which ones is decided from the manifest
	// (see hold.go), so the choice does not depend on the archive's order.
	MaxHeldBytes int64
	// Hold, when set, makes Read keep only the files it accepts (show
	// needs the one it prints, ls none); every other file is still
	// streamed and verified, and not listed in NotHeld. Without it, ls
	// held all 2 GiB a bundle may have (595 MiB RSS for one 256 MiB file).
	Hold func(path string) bool
}

// DefaultLimits fit the largest bundle the collector makes (64 MiB compressed)
// with a wide margin, while keeping a hostile one from exhausting a laptop.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 200_000, MaxFileBytes: 256 << 20, MaxTotalBytes: 2 << 30,
		MaxManifestBytes: 64 << 20, MaxWindowBytes: 64 << 20}
}

// Problem is one thing wrong with a bundle.
type Problem struct {
	Path   string `json:"path,omitempty"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (p Problem) Error() string {
	if p.Path == "" {
		return p.Kind + ": " + p.Detail
	}
	return p.Kind + ": " + p.Path + ": " + p.Detail
}

// class maps a problem kind to its error kind.
func (p Problem) class() error {
	switch p.Kind {
	case "corrupt", "manifest":
		return ErrCorrupt
	case "limit":
		return ErrLimit
	}
	return ErrTampered
}

func (p Problem) err() error { return fmt.Errorf("%w: %s", p.class(), p.Error()) }

// walker streams an archive and reports problems. In strict mode the first
// problem stops it; in verify mode it goes on where the stream allows.
type walker struct {
	lim      Limits
	strict   bool
	problems []Problem
	// onManifest, when set, sees the parsed manifest before any file.
	onManifest func(*Manifest)
}

// report records a problem; it returns the error to stop with in strict mode.
func (wk *walker) report(p Problem) error {
	wk.problems = append(wk.problems, p)
	if wk.strict || len(wk.problems) > 1000 {
		return p.err()
	}
	return nil
}

// limitedReader fails (rather than silently stopping) past n bytes: a zstd
// bomb is stopped at the limit with bounded memory.
type limitedReader struct {
	r io.Reader
	n int64
}

var errTotalLimit = errors.New("decompressed size limit")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTotalLimit
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func (wk *walker) walk(r io.Reader, fn func(FileEntry, io.Reader) error) (*Manifest, error) {
	if wk.lim.MaxWindowBytes == 0 {
		wk.lim.MaxWindowBytes = DefaultLimits().MaxWindowBytes
	}
	dec, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(wk.lim.MaxTotalBytes)+(1<<20)),
		zstd.WithDecoderMaxWindow(wk.lim.MaxWindowBytes))
	if err != nil {
		return nil, wk.fatal(Problem{Kind: "corrupt", Detail: "zstd: " + err.Error()})
	}
	defer dec.Close()
	// The tar stream is at most the files, their headers and padding, plus the trailer.
	lr := &limitedReader{r: dec, n: wk.lim.MaxTotalBytes + wk.lim.MaxManifestBytes + int64(wk.lim.MaxEntries+2)*1536 + 10240}
	tw := &trailerWatch{r: lr}
	tr := tar.NewReader(tw)

	streamErr := func(err error, where string) error {
		if errors.Is(err, errTotalLimit) || errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return wk.fatal(Problem{Kind: "limit", Detail: "decompressed data exceeds the limit"})
		}
		return wk.fatal(Problem{Kind: "corrupt", Detail: where + ": " + err.Error()})
	}

	hdr, err := tr.Next()
	if err != nil {
		return nil, streamErr(err, "reading the first entry")
	}
	if hdr.Name != ManifestPath || hdr.Typeflag != tar.TypeReg {
		return nil, wk.fatal(Problem{Path: hdr.Name, Kind: "manifest", Detail: "the first entry must be manifest.json"})
	}
	if hdr.Size > wk.lim.MaxManifestBytes {
		return nil, wk.fatal(Problem{Path: ManifestPath, Kind: "limit", Detail: fmt.Sprintf("manifest of %d bytes exceeds %d", hdr.Size, wk.lim.MaxManifestBytes)})
	}
	// Read into one buffer of the header's size (bounded just above):
	// io.ReadAll's doubling would hold up to twice a large manifest.
	raw := make([]byte, hdr.Size)
	if _, err := io.ReadFull(tr, raw); err != nil {
		return nil, streamErr(err, "reading the manifest")
	}
	m, listed, err := wk.parseManifest(raw)
	if err != nil {
		return nil, err
	}
	if wk.onManifest != nil {
		wk.onManifest(m)
	}

	seen := map[string]bool{}
	var total int64
	entries := 1
	// prev is the last entry read: a zstd checksum or a truncation shows
	// only when the next header is read, and the problem is the frame that
	// held prev.
	prev := ManifestPath
	for {
		tw.mark()
		hdr, err := tr.Next()
		if err == io.EOF {
			// archive/tar also says io.EOF when the stream simply stops
			// after an entry: only two zero blocks are the end of the archive.
			if !tw.sawTrailer() {
				return m, wk.fatal(Problem{Kind: "corrupt", Detail: "truncated tar stream: no end-of-archive trailer"})
			}
			break
		}
		if err != nil {
			return m, streamErr(err, "reading the entry after "+quoteShort(prev))
		}
		entries++
		if entries > wk.lim.MaxEntries {
			return m, wk.fatal(Problem{Kind: "limit", Detail: fmt.Sprintf("more than %d entries", wk.lim.MaxEntries)})
		}
		name := hdr.Name
		prev = name
		if err := checkPath(name); err != nil {
			if e := wk.report(Problem{Path: cutName(name), Kind: "unsafe-path", Detail: err.Error()}); e != nil {
				return m, e
			}
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			if e := wk.report(Problem{Path: name, Kind: "link", Detail: fmt.Sprintf("entry type %q: only regular files belong in a bundle", hdr.Typeflag)}); e != nil {
				return m, e
			}
			continue
		}
		if seen[name] || name == ManifestPath {
			if e := wk.report(Problem{Path: name, Kind: "duplicate", Detail: "entry appears more than once"}); e != nil {
				return m, e
			}
			continue
		}
		seen[name] = true
		fe, ok := listed[name]
		if !ok {
			if e := wk.report(Problem{Path: name, Kind: "unlisted", Detail: "entry not in the manifest"}); e != nil {
				return m, e
			}
			continue
		}
		if hdr.Size > wk.lim.MaxFileBytes {
			return m, wk.fatal(Problem{Path: name, Kind: "limit", Detail: fmt.Sprintf("%d bytes exceeds the per-file limit %d", hdr.Size, wk.lim.MaxFileBytes)})
		}
		if total += hdr.Size; total > wk.lim.MaxTotalBytes {
			return m, wk.fatal(Problem{Kind: "limit", Detail: fmt.Sprintf("files exceed the total limit of %d bytes", wk.lim.MaxTotalBytes)})
		}
		if hdr.Size != fe.Size {
			if e := wk.report(Problem{Path: name, Kind: "size-mismatch", Detail: fmt.Sprintf("%d bytes, manifest says %d", hdr.Size, fe.Size)}); e != nil {
				return m, e
			}
			continue
		}
		h := sha256.New()
		body := io.TeeReader(tr, h)
		if fn != nil {
			if err := fn(fe, body); err != nil {
				return m, err
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return m, streamErr(err, "reading "+name)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != fe.SHA256 {
			if e := wk.report(Problem{Path: name, Kind: "hash-mismatch", Detail: fmt.Sprintf("sha256 %s, manifest says %s", got, fe.SHA256)}); e != nil {
				return m, e
			}
		}
	}
	// After the tar trailer only zero padding may follow.
	if n, err := countNonZero(lr); err != nil {
		return m, streamErr(err, "reading past the tar trailer")
	} else if n > 0 {
		if e := wk.report(Problem{Kind: "corrupt", Detail: fmt.Sprintf("%d bytes of data after the end of the archive", n)}); e != nil {
			return m, e
		}
	}
	var missing []string
	for p := range listed {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		if e := wk.report(Problem{Path: p, Kind: "missing", Detail: "listed in the manifest but not in the archive"}); e != nil {
			return m, e
		}
	}
	return m, nil
}

// fatal records a problem that stops the walk in every mode.
func (wk *walker) fatal(p Problem) error {
	wk.problems = append(wk.problems, p)
	return p.err()
}

func (wk *walker) parseManifest(raw []byte) (*Manifest, map[string]FileEntry, error) {
	var m Manifest
	// Unmarshal decodes from raw itself (a Decoder would copy it whole into
	// its own buffer first: 64 MiB more for the largest manifest).
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, wk.fatal(Problem{Path: ManifestPath, Kind: "manifest", Detail: "not valid JSON: " + err.Error()})
	}
	if m.FormatVersion < 1 || m.FormatVersion > FormatVersion {
		return nil, nil, wk.fatal(Problem{Path: ManifestPath, Kind: "manifest", Detail: fmt.Sprintf("format version %d; this reader knows 1..%d", m.FormatVersion, FormatVersion)})
	}
	if len(m.Files) > wk.lim.MaxEntries {
		return nil, nil, wk.fatal(Problem{Path: ManifestPath, Kind: "limit", Detail: fmt.Sprintf("manifest lists %d files, limit %d", len(m.Files), wk.lim.MaxEntries)})
	}
	listed := make(map[string]FileEntry, len(m.Files))
	// The problem is the manifest's (the path it names may be anything, up
	// to a megabyte of escapes): Path says manifest.json, Detail quotes the
	// entry, cut short.
	bad := func(i int, f FileEntry, what string) error {
		return wk.fatal(Problem{Path: ManifestPath, Kind: "manifest", Detail: fmt.Sprintf("files[%d] (%s): %s", i, quoteShort(f.Path), what)})
	}
	for i, f := range m.Files {
		if err := checkPath(f.Path); err != nil || f.Path == ManifestPath {
			return nil, nil, bad(i, f, "an unsafe path")
		}
		if _, dup := listed[f.Path]; dup {
			return nil, nil, bad(i, f, "a path listed twice")
		}
		if f.Size < 0 || len(f.SHA256) != 64 {
			return nil, nil, bad(i, f, "no valid size and sha256")
		}
		listed[f.Path] = f
	}
	return &m, listed, nil
}

// maxQuoted bounds an entry name quoted in a problem: names come from the
// bundle and may be a megabyte long (a PAX path).
const maxQuoted = 256

// quoteShort is p quoted (Go syntax: controls escaped), long names cut
// as cutName cuts them.
func quoteShort(p string) string { return strconv.Quote(cutName(p)) }

// cutName is an unsafe entry name as a problem's Path: its first and last
// maxQuoted/2 bytes (on rune boundaries; the end is the file's own name),
// so a thousand megabyte-long names are not a gigabyte of verify output.
func cutName(p string) string {
	if len(p) <= maxQuoted {
		return p
	}
	i, j := maxQuoted/2, len(p)-maxQuoted/2
	for i > 0 && !utf8.RuneStart(p[i]) {
		i--
	}
	for j < len(p) && !utf8.RuneStart(p[j]) {
		j++
	}
	return p[:i] + fmt.Sprintf("...(%d bytes)...", len(p)) + p[j:]
}

// trailerWatch counts the bytes archive/tar reads since mark and remembers
// whether the last 1024 of them were zero. tar.Reader reads a non-seekable
// stream exactly (the previous entry's padding, then 512-byte blocks), so
// an io.EOF from Next is a real trailer only when it consumed two whole
// zero blocks.
type trailerWatch struct {
	r     io.Reader
	since int64
	zeros int64 // trailing zero bytes since mark
}

func (t *trailerWatch) mark() { t.since, t.zeros = 0, 0 }

func (t *trailerWatch) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.since += int64(n)
	// Only the run of zeros at the end counts: scanned from the end, it
	// stops at the first data byte (a per-byte loop over every read was a
	// tenth of the analyzer's CPU on a large bundle).
	k := n
	for k > 0 && p[k-1] == 0 {
		k--
	}
	if k == 0 {
		t.zeros += int64(n)
	} else {
		t.zeros = int64(n - k)
	}
	return n, err
}

// sawTrailer: at least the two zero blocks, after less than one block of padding.
func (t *trailerWatch) sawTrailer() bool {
	return t.zeros >= 1024 && t.since >= 1024 && t.since-1024 < 512
}

func countNonZero(r io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		for _, b := range buf[:k] {
			if b != 0 {
				n++
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// checkPath accepts only clean, relative, slash-separated paths inside the bundle.
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case strings.HasPrefix(p, "/"):
		return errors.New("absolute path")
	case strings.Contains(p, "\\"), strings.ContainsRune(p, 0):
		return errors.New("backslash or NUL in path")
	case path.Clean(p) != p:
		return errors.New("path is not clean")
	case p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../"):
		return errors.New("path leaves the bundle")
	case len(p) > 1024:
		return errors.New("path longer than 1024 bytes")
	}
	return nil
}

// Walk streams a bundle: the manifest first, then each file, which fn may read
// (the hash is checked once it is consumed). It stops at the first problem.
func Walk(r io.Reader, lim Limits, fn func(FileEntry, io.Reader) error) (*Manifest, error) {
	wk := &walker{lim: lim, strict: true}
	return wk.walk(r, fn)
}

// Bundle is a verified bundle held in memory.
type Bundle struct {
	Manifest *Manifest
	files    map[string][]byte
	// NotHeld lists, sorted, the files verified but not kept because they
	// did not fit Limits.MaxHeldBytes.
	NotHeld []string
}

// Read verifies a whole bundle into memory, bounded by lim.
func Read(r io.Reader, lim Limits) (*Bundle, error) {
	b := &Bundle{files: map[string][]byte{}}
	var held map[string]bool
	wk := &walker{lim: lim, strict: true, onManifest: func(m *Manifest) {
		if lim.Hold != nil {
			held = map[string]bool{}
			for _, f := range m.Files {
				if lim.Hold(f.Path) {
					held[f.Path] = true
				}
			}
		} else if lim.MaxHeldBytes > 0 {
			held, b.NotHeld = chooseHeld(m.Files, lim.MaxHeldBytes)
		}
	}}
	m, err := wk.walk(r, func(fe FileEntry, body io.Reader) error {
		if held != nil && !held[fe.Path] {
			return nil // walk drains and hashes it
		}
		data, err := readEntry(body, fe.Size)
		if err != nil {
			return fmt.Errorf("%w: reading %s: %w", ErrCorrupt, fe.Path, err)
		}
		b.files[fe.Path] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.Manifest = m
	return b, nil
}

// readEntry reads an entry's size bytes (walk checked them against the tar
// header and the file limit) into one buffer of that size, instead of
// io.ReadAll's doubling and copying (which allocated 2.3 times a large
// bundle's data, and 604 MiB to show one 256 MiB file). A header that
// claims a large file and stops short costs one buffer within the file
// limit, as a real file of that size would, and then an error.
func readEntry(body io.Reader, size int64) ([]byte, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(body, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Release drops a file's contents from memory once the caller has what it
// needs from it (the analyzer keeps parsed facts, not the bytes); File then
// reports it absent.
func (b *Bundle) Release(p string) { delete(b.files, p) }

// File returns a file's contents.
func (b *Bundle) File(p string) ([]byte, bool) {
	d, ok := b.files[p]
	return d, ok
}

// Paths lists the files in manifest order.
func (b *Bundle) Paths() []string {
	out := make([]string, 0, len(b.Manifest.Files))
	for _, f := range b.Manifest.Files {
		out = append(out, f.Path)
	}
	return out
}

// OpenFile reads and verifies a bundle file, including its .sha256 sidecar when present.
func OpenFile(p string, lim Limits) (*Bundle, error) {
	f, err := OpenRegular(p, lim.MaxArchiveBytes())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	b, err := Read(bufio.NewReaderSize(io.TeeReader(f, h), 1<<20), lim)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if pr := checkSidecar(p, h.Sum(nil)); pr != nil {
		return nil, pr.err()
	}
	return b, nil
}

// checkSidecar compares the file's sha256 with NAME.sha256 when it exists.
func checkSidecar(p string, sum []byte) *Problem {
	want, present, err := SidecarSum(p)
	if err != nil {
		return &Problem{Path: filepath.Base(p) + SidecarSuffix, Kind: "sidecar-mismatch", Detail: err.Error()}
	}
	if !present {
		return nil
	}
	if want != hex.EncodeToString(sum) {
		return &Problem{Path: filepath.Base(p), Kind: "sidecar-mismatch", Detail: "the archive's sha256 differs from " + filepath.Base(p) + ".sha256"}
	}
	return nil
}

// VerifyReport is everything found wrong with a bundle.
type VerifyReport struct {
	Manifest *Manifest `json:"-"`
	Files    int       `json:"files"`
	Bytes    int64     `json:"bytes"`
	Problems []Problem `json:"problems"`
}

// OK reports whether the bundle verified cleanly.
func (v *VerifyReport) OK() bool { return len(v.Problems) == 0 }

// Err is nil for a clean bundle, else the first problem as a classified error.
func (v *VerifyReport) Err() error {
	if v.OK() {
		return nil
	}
	return v.Problems[0].err()
}

// Verify checks a bundle stream and reports every problem it can find.
func Verify(r io.Reader, lim Limits) *VerifyReport {
	wk := &walker{lim: lim}
	rep := &VerifyReport{}
	m, _ := wk.walk(r, func(fe FileEntry, body io.Reader) error {
		rep.Files++
		rep.Bytes += fe.Size
		return nil
	})
	rep.Manifest = m
	rep.Problems = wk.problems
	return rep
}

// VerifyFile verifies a bundle file and its sidecar. The error is only for a
// file that cannot be opened at all.
func VerifyFile(p string, lim Limits) (*VerifyReport, error) {
	f, err := OpenRegular(p, lim.MaxArchiveBytes())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	rep := Verify(bufio.NewReaderSize(io.TeeReader(f, h), 1<<20), lim)
	if _, err := io.Copy(h, f); err == nil {
		if pr := checkSidecar(p, h.Sum(nil)); pr != nil {
			rep.Problems = append(rep.Problems, *pr)
		}
	}
	return rep, nil
}
