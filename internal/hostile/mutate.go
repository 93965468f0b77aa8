package hostile

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/catalog"
	"github.com/rtsnap/rtsnap/bundle"
)

// Scale sizes the mutations that attack by volume. Full is the issue's
// figures; Light keeps -short runs to seconds.
type Scale struct {
	Depth     int   // JSON and TOML nesting
	Keys      int   // keys in one JSON object
	LineBytes int64 // one line without a newline
	Entries   int   // journal entries in one file
	SameID    int   // containers sharing one id
}

// Full is the brief's volume: 1e6 deep, 1e7 keys, a 1 GiB line (over the
// reader's per-file limit: refused; GiantLine also writes one just under
// it), 1e7 journal entries, 1e6 containers with one id.
var Full = Scale{Depth: 1_000_000, Keys: 10_000_000, LineBytes: 1 << 30, Entries: 10_000_000, SameID: 1_000_000}

// Light is Full scaled down for in-process sweeps over every member.
var Light = Scale{Depth: 100_000, Keys: 100_000, LineBytes: 4 << 20, Entries: 100_000, SameID: 10_000}

// Mutation is one hostile change. Member mutations are applied to one
// member at a time (Apply(s, p, sc)); whole-bundle ones once (p == "").
type Mutation struct {
	Name   string
	Attack string
	// Refused: the reader must refuse the result (exit 3, the member named
	// when there is one); otherwise it verifies and must be analyzed.
	Refused bool
	// Member: Apply takes a member path; else the whole source.
	Member bool
	// Applies, for member mutations, says which members it fits (nil: all).
	Applies func(p string, d []byte) bool
	// Content, for content mutations: the new bytes of a member. Such a
	// mutation can also be applied to every member at once (ApplyAll).
	Content func(p string, d []byte, sc Scale) []byte
	// Apply builds the archive (container mutations).
	Apply func(s *Source, p string, sc Scale) (Archive, error)
	// Breaks: the mutated member cannot be parsed as before, so the
	// analysis must name it (a parse error or a cut) rather than ignore it.
	Breaks bool
	// Volume: at Full figures applied to one member per bundle, never to
	// every member at once (that would be gigabytes).
	Volume bool
	// FullOnly: built only at Full figures (a gigabyte per member).
	FullOnly bool
}

// Build returns the archive for the mutation on member p ("" for a
// whole-bundle mutation).
func (mu Mutation) Build(s *Source, p string, sc Scale) (Archive, error) {
	if mu.Content != nil {
		return mu.ApplyAll(s, []string{p}, sc), nil
	}
	return mu.Apply(s, p, sc)
}

// ApplyAll applies a content mutation to every member of targets it
// fits, in one bundle that still verifies.
func (mu Mutation) ApplyAll(s *Source, targets []string, sc Scale) Archive {
	want := map[string]bool{}
	for _, t := range targets {
		want[t] = true
	}
	members := make([]Member, len(s.Members))
	copy(members, s.Members)
	m := s.Manifest
	for i, mem := range members {
		if want[mem.Path] && (mu.Applies == nil || mu.Applies(mem.Path, mem.Data)) {
			members[i].Data = mu.Content(mem.Path, mem.Data, sc)
		}
	}
	if want[bundle.ManifestPath] {
		raw := mu.Content(bundle.ManifestPath, mustJSON(manifestFor(s, members)), sc)
		a := archiveOf(&Source{Members: members}, m)
		a.Manifest = raw
		return a
	}
	return archiveOf(&Source{Members: members}, manifestFor(s, members))
}

func isJSON(p string, _ []byte) bool  { return strings.HasSuffix(p, ".json") }
func isLines(p string, _ []byte) bool { return !strings.HasSuffix(p, ".json") }
func isJSONL(p string, _ []byte) bool { return strings.HasSuffix(p, ".jsonl") }
func isConfig(p string, _ []byte) bool {
	switch path.Ext(p) {
	case ".toml", ".yaml", ".yml", ".conf":
		return true
	}
	return false
}

// Mutations is every mutation of the brief, container layer first.
func Mutations() []Mutation {
	return append(containerMutations(), contentMutations()...)
}

// replace returns s's archive with member p's entry changed by f (the
// manifest still lists the member as it was).
func replace(s *Source, p string, f func(e Entry) []Entry) Archive {
	a := archiveOf(s, manifestFor(s, s.Members))
	var out []Entry
	for _, e := range a.Entries {
		if e.Hdr.Name == p {
			out = append(out, f(e)...)
			continue
		}
		out = append(out, e)
	}
	a.Entries = out
	return a
}

func entryMutation(name, attack string, f func(s *Source, e Entry) []Entry) Mutation {
	return Mutation{Name: name, Attack: attack, Refused: true, Member: true,
		Apply: func(s *Source, p string, _ Scale) (Archive, error) {
			return replace(s, p, func(e Entry) []Entry { return f(s, e) }), nil
		}}
}

func link(e Entry, typ byte, target string) Entry {
	return Entry{Hdr: tar.Header{Name: e.Hdr.Name, Typeflag: typ, Linkname: target, Mode: 0o777, ModTime: T0, Format: tar.FormatPAX}}
}

// other is a member other than p (the first), for links between members.
func other(s *Source, p string) string {
	for _, m := range s.Members {
		if m.Path != p {
			return m.Path
		}
	}
	return p
}

func containerMutations() []Mutation {
	ms := []Mutation{
		entryMutation("giant-header-size", "the member's tar header says 2^62 bytes", func(_ *Source, e Entry) []Entry {
			e.Hdr.Size = 1 << 62
			return []Entry{e}
		}),
		entryMutation("size-lie-short", "the tar header says one byte more than the body holds, so the next header is read from the body", func(_ *Source, e Entry) []Entry {
			e.Hdr.Size = int64(len(e.Data)) + 1
			return []Entry{e}
		}),
		entryMutation("pax-huge-record", "a 2 MiB PAX record before the member (archive/tar's bound is 1 MiB)", func(_ *Source, e Entry) []Entry {
			return []Entry{paxHeader("comment=" + strings.Repeat("A", 2<<20)), ustar(e)}
		}),
		entryMutation("pax-many-records", "60,000 PAX records before the member, under archive/tar's 1 MiB, and a PAX path over 1024 bytes", func(_ *Source, e Entry) []Entry {
			var b strings.Builder
			for i := 0; i < 60_000; i++ {
				fmt.Fprintf(&b, "RTSNAP.%d=x\n", i)
			}
			return []Entry{paxHeader(b.String() + "path=" + strings.Repeat("p/", 600) + e.Hdr.Name), ustar(e)}
		}),
		entryMutation("long-name", "the member renamed to 64 KiB (a PAX path; names over 1024 bytes are unsafe)", func(_ *Source, e Entry) []Entry {
			e.Hdr.Name = strings.Repeat("a/", 32<<10) + path.Base(e.Hdr.Name)
			return []Entry{e}
		}),
		entryMutation("traversal", "the member's name climbs out: ../../etc/cron.d/<name>", func(_ *Source, e Entry) []Entry {
			e.Hdr.Name = "../../etc/cron.d/" + path.Base(e.Hdr.Name)
			return []Entry{e}
		}),
		entryMutation("absolute", "the member's name is absolute: /etc/<name>", func(_ *Source, e Entry) []Entry {
			e.Hdr.Name = "/etc/" + e.Hdr.Name
			return []Entry{e}
		}),
		entryMutation("unclean", "the member's name has ./ and // in it", func(_ *Source, e Entry) []Entry {
			e.Hdr.Name = "./" + strings.Replace(e.Hdr.Name, "/", "//", 1)
			return []Entry{e}
		}),
		entryMutation("symlink-passwd", "the member is a symlink to /etc/passwd", func(_ *Source, e Entry) []Entry {
			return []Entry{link(e, tar.TypeSymlink, "/etc/passwd")}
		}),
		entryMutation("symlink-member", "the member is a symlink to another member", func(s *Source, e Entry) []Entry {
			return []Entry{link(e, tar.TypeSymlink, other(s, e.Hdr.Name))}
		}),
		entryMutation("symlink-loop", "the member is a symlink to itself", func(_ *Source, e Entry) []Entry {
			return []Entry{link(e, tar.TypeSymlink, path.Base(e.Hdr.Name))}
		}),
		entryMutation("hardlink-passwd", "the member is a hard link to /etc/passwd", func(_ *Source, e Entry) []Entry {
			return []Entry{link(e, tar.TypeLink, "/etc/passwd")}
		}),
		entryMutation("hardlink-member", "the member is a hard link to another member", func(s *Source, e Entry) []Entry {
			return []Entry{link(e, tar.TypeLink, other(s, e.Hdr.Name))}
		}),
		entryMutation("duplicate-same", "the member appears twice, same bytes (no copy wins: the bundle is refused)", func(_ *Source, e Entry) []Entry {
			return []Entry{e, e}
		}),
		entryMutation("duplicate-other", "the member appears twice, the second with other bytes (no copy wins: refused)", func(_ *Source, e Entry) []Entry {
			e2 := regular(e.Hdr.Name, []byte(`{"evil":true}`))
			return []Entry{e, e2}
		}),
		entryMutation("chardev", "the member is a character device (1,3 is /dev/null)", func(_ *Source, e Entry) []Entry {
			return []Entry{{Hdr: tar.Header{Name: e.Hdr.Name, Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, Mode: 0o666, ModTime: T0}}}
		}),
		entryMutation("blockdev", "the member is a block device (8,0 is /dev/sda)", func(_ *Source, e Entry) []Entry {
			return []Entry{{Hdr: tar.Header{Name: e.Hdr.Name, Typeflag: tar.TypeBlock, Devmajor: 8, Mode: 0o666, ModTime: T0}}}
		}),
		entryMutation("fifo", "the member is a FIFO", func(_ *Source, e Entry) []Entry {
			return []Entry{{Hdr: tar.Header{Name: e.Hdr.Name, Typeflag: tar.TypeFifo, Mode: 0o666, ModTime: T0}}}
		}),
		entryMutation("directory", "the member is a directory", func(_ *Source, e Entry) []Entry {
			return []Entry{{Hdr: tar.Header{Name: e.Hdr.Name, Typeflag: tar.TypeDir, Mode: 0o777, ModTime: T0}}}
		}),
		entryMutation("missing", "the manifest lists the member, the archive lacks it", func(_ *Source, _ Entry) []Entry { return nil }),
		{Name: "unlisted", Attack: "the archive holds the member, the manifest does not list it", Refused: true, Member: true,
			Apply: func(s *Source, p string, _ Scale) (Archive, error) {
				var keep []Member
				for _, m := range s.Members {
					if m.Path != p {
						keep = append(keep, m)
					}
				}
				a := archiveOf(s, manifestFor(s, keep))
				return a, nil
			}},
		manifestLie("manifest-size-lie", "the manifest says the member is one byte longer", func(f *bundle.FileEntry) { f.Size++ }),
		manifestLie("manifest-hash-lie", "the manifest's sha256 of the member is another file's", func(f *bundle.FileEntry) {
			f.SHA256 = strings.Repeat("0", 64)
		}),
		manifestLie("manifest-hash-short", "the manifest's sha256 of the member is 8 digits", func(f *bundle.FileEntry) { f.SHA256 = f.SHA256[:8] }),
		manifestLie("manifest-size-negative", "the manifest's size of the member is -1", func(f *bundle.FileEntry) { f.Size = -1 }),
		{Name: "manifest-missing", Attack: "no manifest.json: the first entry is a data file", Refused: true,
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				a := archiveOf(s, manifestFor(s, s.Members))
				a.Manifest = nil
				return a, nil
			}},
		{Name: "manifest-not-first", Attack: "manifest.json after the first data file", Refused: true,
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				a := archiveOf(s, manifestFor(s, s.Members))
				raw := a.Manifest
				a.Manifest = nil
				a.Entries = append([]Entry{a.Entries[0], regular(bundle.ManifestPath, raw)}, a.Entries[1:]...)
				return a, nil
			}},
		{Name: "manifest-100mb", Attack: "a 100 MB manifest (a note that long; the reader's bound is 64 MiB)", Refused: true,
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				m := manifestFor(s, s.Members)
				m.Note = strings.Repeat("N", 100<<20)
				return archiveOf(s, m), nil
			}},
		{Name: "manifest-60mb-note", Attack: "a 60 MB note under the manifest bound: a bundle that verifies and must be shown bounded",
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				m := manifestFor(s, s.Members)
				m.Note = strings.Repeat("N", 60<<20) + Injection
				return archiveOf(s, m), nil
			}},
		{Name: "manifest-count-lie", Attack: "the manifest lists 1,000 files more than the archive holds", Refused: true,
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				m := manifestFor(s, s.Members)
				for i := 0; i < 1000; i++ {
					m.Files = append(m.Files, fileEntry(fmt.Sprintf("ghost/%d.json", i), nil))
				}
				return archiveOf(s, m), nil
			}},
		{Name: "manifest-sources-lie", Attack: "sources claim 10^9 files and bytes, a negative duration and an unknown status",
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				m := manifestFor(s, s.Members)
				m.Sources = append([]bundle.SourceStatus(nil), m.Sources...)
				for i := range m.Sources {
					m.Sources[i].Files, m.Sources[i].Bytes, m.Sources[i].DurationMS = 1e9, 1e18, -1e12
					m.Sources[i].Status = "exploded" + Escape
				}
				return archiveOf(s, m), nil
			}},
		{Name: "zstd-bomb", Attack: "a member of 3 GiB of zeros in a few hundred KB (tiny archive, huge output)", Refused: true, Member: true,
			Apply: func(s *Source, p string, _ Scale) (Archive, error) {
				const size = 3 << 30
				a := replace(s, p, func(e Entry) []Entry {
					e.Hdr.Size = size
					e.Stream = zeros(size)
					return []Entry{e}
				})
				m := manifestFor(s, s.Members)
				for i := range m.Files {
					if m.Files[i].Path == p {
						m.Files[i].Size = size
					}
				}
				a.Manifest = mustJSON(m)
				return a, nil
			}},
		{Name: "zstd-bad-checksum", Attack: "the zstd frame holding the member has a wrong content checksum", Refused: true, Member: true,
			Apply: func(s *Source, p string, _ Scale) (Archive, error) {
				a := archiveOf(s, manifestFor(s, s.Members))
				a.BadChecksum = p
				return a, nil
			}},
		{Name: "giant-line-1g", Attack: "the member is one 1 GiB line: over the reader's per-file bound, refused before it is read", Refused: true, Member: true, FullOnly: true,
			Apply: func(s *Source, p string, _ Scale) (Archive, error) {
				const size = 1 << 30
				line := func(w io.Writer) error {
					buf := bytes.Repeat([]byte("a"), 1<<20)
					for i := 0; i < size>>20; i++ {
						if _, err := w.Write(buf); err != nil {
							return err
						}
					}
					return nil
				}
				h := sha256.New()
				line(h)
				a := replace(s, p, func(e Entry) []Entry {
					e.Hdr.Size, e.Stream = size, line
					return []Entry{e}
				})
				m := manifestFor(s, s.Members)
				for i := range m.Files {
					if m.Files[i].Path == p {
						m.Files[i].Size, m.Files[i].SHA256 = size, hex.EncodeToString(h.Sum(nil))
					}
				}
				a.Manifest = mustJSON(m)
				return a, nil
			}},
		{Name: "trailing-garbage", Attack: "data after the end-of-archive trailer", Refused: true,
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				a := archiveOf(s, manifestFor(s, s.Members))
				a.NoTrailer = true
				a.Entries = append(a.Entries, Entry{Hdr: tar.Header{Typeflag: 0}})
				return a, nil
			}},
		{Name: "no-trailer", Attack: "the tar stream stops at an entry boundary, without its end-of-archive trailer", Refused: true,
			Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
				a := archiveOf(s, manifestFor(s, s.Members))
				a.NoTrailer = true
				return a, nil
			}},
	}
	return ms
}

func manifestLie(name, attack string, f func(*bundle.FileEntry)) Mutation {
	return Mutation{Name: name, Attack: attack, Refused: true, Member: true,
		Apply: func(s *Source, p string, _ Scale) (Archive, error) {
			m := manifestFor(s, s.Members)
			for i := range m.Files {
				if m.Files[i].Path == p {
					f(&m.Files[i])
				}
			}
			return archiveOf(s, m), nil
		}}
}

// paxHeader is a raw PAX extended header entry holding records (each
// "key=value" line gets its length prefix). archive/tar refuses to write
// one by hand, so it is a regular entry with its type byte patched.
func paxHeader(records string) Entry {
	var b strings.Builder
	for _, r := range strings.Split(strings.TrimSuffix(records, "\n"), "\n") {
		rec := " " + r + "\n"
		n := len(rec)
		for len(fmt.Sprint(n+len(fmt.Sprint(n)))) != len(fmt.Sprint(n)) {
			n++
		}
		n += len(fmt.Sprint(n))
		fmt.Fprintf(&b, "%d%s", n, rec)
	}
	e := regular("PaxHeaders/x", []byte(b.String()))
	e.Hdr.Format = tar.FormatUSTAR
	e.patchType = tar.TypeXHeader
	return e
}

// ustar is e written as a plain USTAR header (no PAX header of its own).
func ustar(e Entry) Entry {
	e.Hdr.Format = tar.FormatUSTAR
	e.Hdr.ModTime = e.Hdr.ModTime.Truncate(time.Second)
	return e
}

// zeros streams n zero bytes.
func zeros(n int64) func(io.Writer) error {
	return func(w io.Writer) error {
		buf := make([]byte, 1<<20)
		for n > 0 {
			k := min(n, int64(len(buf)))
			if _, err := w.Write(buf[:k]); err != nil {
				return err
			}
			n -= k
		}
		return nil
	}
}

// Injection is what the text mutations put into every string and line:
// HTML and script for the report, terminal escapes for the terminal,
// Markdown for summary.md.
const Injection = `<script>alert(1)</script><img src=x onerror=alert(2)>` + Escape + "](javascript:alert(3))"

func content(name, attack string, applies func(string, []byte) bool, breaks bool, f func(p string, d []byte, sc Scale) []byte) Mutation {
	return Mutation{Name: name, Attack: attack, Member: true, Applies: applies, Content: f, Breaks: breaks}
}

// mapJSON decodes a .json member (or each line of a .jsonl one), rewrites
// every value with f and encodes it again; data that is not JSON is left
// as it is.
func mapJSON(d []byte, f func(v any, depth int) any) []byte {
	walk := func(raw []byte) ([]byte, bool) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return raw, false
		}
		var rec func(v any, depth int) any
		rec = func(v any, depth int) any {
			switch t := v.(type) {
			case map[string]any:
				for k, x := range t {
					t[k] = rec(x, depth+1)
				}
			case []any:
				for i, x := range t {
					t[i] = rec(x, depth+1)
				}
			}
			return f(v, depth)
		}
		out, err := marshalRaw(rec(v, 0))
		return out, err == nil
	}
	if out, ok := walk(d); ok {
		return out
	}
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(d, []byte("\n")) {
		trimmed := bytes.TrimRight(line, "\n")
		if len(trimmed) == 0 {
			b.Write(line)
			continue
		}
		out, _ := walk(trimmed)
		b.Write(out)
		if len(trimmed) < len(line) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// rawNumber is a number written as given, even where JSON has none (1e999).
type rawNumber string

func (r rawNumber) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// rawString is a string written without escaping: invalid UTF-8 and NUL
// reach the file as bytes.
type rawString string

func (r rawString) MarshalJSON() ([]byte, error) {
	return append(append([]byte{'"'}, r...), '"'), nil
}

func marshalRaw(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// mapLines rewrites every line of a text member.
func mapLines(d []byte, f func(line []byte) []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(d, []byte("\n")) {
		nl := bytes.HasSuffix(line, []byte("\n"))
		b.Write(f(bytes.TrimSuffix(line, []byte("\n"))))
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

var (
	rfc3339  = regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?`)
	hexID    = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	absPath  = regexp.MustCompile(`(^|[" =:])/[a-z]`)
	deepPath = strings.Repeat("/kubepods.slice/kubepods-burstable.slice", 1600)
)

// everyString rewrites every string (JSON) or line (text) of a member.
func everyString(d []byte, p string, f func(s string) any) []byte {
	if isLines(p, d) && !isJSONL(p, d) {
		return mapLines(d, func(l []byte) []byte {
			switch v := f(string(l)).(type) {
			case rawString:
				return []byte(v)
			case string:
				return []byte(v)
			}
			return l
		})
	}
	return mapJSON(d, func(v any, _ int) any {
		if s, ok := v.(string); ok {
			return f(s)
		}
		return v
	})
}

func contentMutations() []Mutation {
	return []Mutation{
		content("empty", "the member is empty", nil, false, func(string, []byte, Scale) []byte { return nil }),
		content("cut-in-half", "the member ends half way (invalid JSON, a partial line)", nil, false, func(_ string, d []byte, _ Scale) []byte { return d[:len(d)/2] }),
		volume(content("json-deep-array", "JSON nested Depth deep: [[[[...", nil, true, func(_ string, _ []byte, sc Scale) []byte {
			return append(bytes.Repeat([]byte("["), sc.Depth), bytes.Repeat([]byte("]"), sc.Depth)...)
		})),
		volume(content("json-deep-object", `JSON objects nested Depth deep: {"a":{"a":...`, nil, true, func(_ string, _ []byte, sc Scale) []byte {
			return append(bytes.Repeat([]byte(`{"a":`), sc.Depth), append([]byte("1"), bytes.Repeat([]byte("}"), sc.Depth)...)...)
		})),
		volume(content("json-many-keys", "one JSON object with Keys keys", nil, false, func(_ string, _ []byte, sc Scale) []byte {
			var b bytes.Buffer
			b.Grow(sc.Keys * 12)
			b.WriteByte('{')
			for i := 0; i < sc.Keys; i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"%x":0`, i)
			}
			b.WriteByte('}')
			return b.Bytes()
		})),
		volume(content("giant-line", "one line of LineBytes without a newline (over the per-file limit at Full: refused; see giant-line-under)", nil, false, func(_ string, _ []byte, sc Scale) []byte {
			return bytes.Repeat([]byte("a"), int(min(sc.LineBytes, 256<<20-1)))
		})),
		content("numbers", "every number becomes 1e999, -0, 1e308 or -9223372036854775809", isJSONish, false, func(_ string, d []byte, _ Scale) []byte {
			i := 0
			odd := []string{"1e999", "-0", "1e308", "-9223372036854775809", "18446744073709551616", "-1e-999"}
			return mapJSON(d, func(v any, _ int) any {
				if _, ok := v.(json.Number); ok {
					i++
					return rawNumber(odd[i%len(odd)])
				}
				return v
			})
		}),
		content("invalid-utf8", "invalid UTF-8 in every string and line", nil, false, func(p string, d []byte, _ Scale) []byte {
			return everyString(d, p, func(s string) any { return rawString("\xff\xfe" + s + "\xc3") })
		}),
		content("nul-bytes", "NUL bytes in every string and line", nil, false, func(p string, d []byte, _ Scale) []byte {
			return everyString(d, p, func(s string) any { return rawString("\x00" + s + "\x00") })
		}),
		content("bom", "a UTF-8 byte order mark before the member (and before every JSON line)", nil, false, func(p string, d []byte, _ Scale) []byte {
			if isJSONL(p, d) {
				return mapLines(d, func(l []byte) []byte { return append([]byte("\xef\xbb\xbf"), l...) })
			}
			return append([]byte("\xef\xbb\xbf"), d...)
		}),
		content("utf16-bom", "the member as UTF-16LE with a BOM", nil, false, func(_ string, d []byte, _ Scale) []byte {
			out := []byte{0xff, 0xfe}
			for _, c := range d {
				out = append(out, c, 0)
			}
			return out
		}),
		wrongTypes(0), wrongTypes(1), wrongTypes(2), wrongTypes(3), wrongTypes(4), wrongTypes(5),
		content("time-far-future", "every timestamp is 9999-12-31 (strings) or 2^63-1 (numbers)", nil, false, func(p string, d []byte, _ Scale) []byte {
			return timeShift(p, d, "9999-12-31T23:59:59.999999999Z", "9223372036854775807")
		}),
		content("time-far-past", "every timestamp is 0001-01-01 (strings) or -2^63 (numbers)", nil, false, func(p string, d []byte, _ Scale) []byte {
			return timeShift(p, d, "0001-01-01T00:00:00Z", "-9223372036854775808")
		}),
		content("time-garbage", "every timestamp is not a time (\"yesterday\", 1e999)", nil, false, func(p string, d []byte, _ Scale) []byte {
			return timeShift(p, d, "yesterday"+Escape, "1e999")
		}),
		content("non-monotonic", "the member's lines (and arrays) in reverse order", nil, false, func(p string, d []byte, _ Scale) []byte {
			if isLines(p, d) {
				lines := bytes.Split(bytes.TrimSuffix(d, []byte("\n")), []byte("\n"))
				for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
					lines[i], lines[j] = lines[j], lines[i]
				}
				return append(bytes.Join(lines, []byte("\n")), '\n')
			}
			return mapJSON(d, func(v any, _ int) any {
				if a, ok := v.([]any); ok {
					for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
						a[i], a[j] = a[j], a[i]
					}
				}
				return v
			})
		}),
		volume(content("same-id", "every array of objects becomes SameID copies of its first element (1e6 containers with one id)", isJSON, false, func(_ string, d []byte, sc Scale) []byte {
			return mapJSON(d, func(v any, _ int) any {
				if a, ok := v.([]any); ok && len(a) > 0 {
					if _, obj := a[0].(map[string]any); obj {
						el, _ := marshalRaw(a[0])
						// at most 128 MiB of copies, under the reader's per-file bound.
						n := min(sc.SameID, 128<<20/max(1, len(el)))
						return repeated{el: el, n: n}
					}
				}
				return v
			})
		})),
		volume(content("deep-paths", "every absolute path gets 64 KiB of cgroup parents", nil, false, func(p string, d []byte, _ Scale) []byte {
			return everyString(d, p, func(s string) any {
				return absPath.ReplaceAllStringFunc(s, func(m string) string { return m[:len(m)-2] + deepPath + m[len(m)-2:] })
			})
		})),
		content("injection", "HTML, script, Markdown and terminal escapes in every string and line", nil, false, func(p string, d []byte, _ Scale) []byte {
			return everyString(d, p, func(s string) any { return s + Injection })
		}),
		volume(content("journal-flood", "Entries journal records in the member (1e7 at Full)", isJSONL, false, func(_ string, _ []byte, sc Scale) []byte {
			var b bytes.Buffer
			b.Grow(sc.Entries * 16)
			for i := 0; i < sc.Entries; i++ {
				b.WriteString(`{"MESSAGE":"m"}` + "\n")
			}
			return b.Bytes()
		})),
		volume(content("signature-flood", "Entries/2000 journal records (at Full as many as the analyzer holds at its default memory limit, about 28,000), each 4 KB packed with every failure-catalog class's example lines: every class a candidate for every record, every log rule's costly step run on every record", isJSONL, false, func(_ string, _ []byte, sc Scale) []byte {
			return signatureFlood(min(sc.Entries/2000, floodRecords()))
		})),
		content("yaml-bomb", "billion laughs: YAML aliases nine deep", isConfig, false, func(_ string, _ []byte, _ Scale) []byte {
			// https://en.wikipedia.org/wiki/Billion_laughs_attack (YAML form)
			return []byte(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`)
		}),
		volume(content("toml-deep", "TOML arrays and inline tables nested Depth deep", isConfig, false, func(_ string, _ []byte, sc Scale) []byte {
			n := sc.Depth / 2
			return []byte("a = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\nb = " + strings.Repeat("{x=", n) + "1" + strings.Repeat("}", n) + "\n")
		})),
		volume(content("toml-many-tables", "Keys TOML tables", isConfig, false, func(_ string, _ []byte, sc Scale) []byte {
			var b bytes.Buffer
			for i := 0; i < sc.Keys/10; i++ {
				fmt.Fprintf(&b, "[t%d]\nk = %d\n", i, i)
			}
			return b.Bytes()
		})),
	}
}

// floodRecordBytes is the text of one signature-flood record.
const floodRecordBytes = 4000

// floodRecords is how many signature-flood records fit in what the
// analyzer holds of a bundle at its default memory limit (a quarter of it:
// bundle.Limits.MaxHeldBytes), less an eighth for the source's other
// members: a larger journal is not held at all (RT1511) and costs nothing
// to analyze. Session 9: about 28,000 (the brief's 60,000 is what the
// decode budget would admit, but the held bytes bound first).
func floodRecords() int {
	return int(analyze.DefaultMemoryLimit/4*7/8) / (floodRecordBytes + 120)
}

// signatureFlood is n journal records of 4,000 bytes of the catalog's own
// example lines, each starting at another offset: text that holds every
// class's literals, so the prefilter passes every pattern and each record
// costs the catalog every regexp (25 minutes for 200,000 records before
// classification had a budget), and the other log rules' costly steps
// (a full parse per pull failure, the kubelet sync-error regexps) run on
// every record (before the shared log work budget, logwork: 16.6 s of CPU
// at load 12 for 60,000 records, which the memory limit now refuses).
func signatureFlood(n int) []byte {
	cat, err := catalog.Load()
	if err != nil {
		panic(err) // the embedded catalog is checked by its tests
	}
	all := floodText(cat)
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		rec, _ := json.Marshal(map[string]string{"__REALTIME_TIMESTAMP": fmt.Sprint(T0.Add(-time.Duration(n-i) * time.Second).UnixMicro()),
			"_SYSTEMD_UNIT": "containerd.service", "MESSAGE": floodRecord(all, i)})
		b.Write(rec)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// floodText is the catalog's example lines one after the other, at least
// two records long.
func floodText(cat *catalog.Catalog) string {
	var text strings.Builder
	for _, cl := range cat.Classes {
		for _, e := range cl.Examples {
			text.WriteString(e.Line)
			text.WriteByte(' ')
		}
	}
	all := text.String()
	for len(all) < 2*floodRecordBytes {
		all += all
	}
	return all
}

// floodRecord is the text of signature-flood's record i, from floodText.
func floodRecord(all string, i int) string {
	off := (i * 977) % (len(all) - floodRecordBytes)
	return all[off : off+floodRecordBytes]
}

// volume marks a content mutation as Volume.
func volume(mu Mutation) Mutation { mu.Volume = true; return mu }

func isJSONish(p string, d []byte) bool { return isJSON(p, d) || isJSONL(p, d) }

// repeated marshals as n copies of one element: a million containers
// without a million decoded maps in the generator.
type repeated struct {
	el []byte
	n  int
}

func (r repeated) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(r.n * (len(r.el) + 1))
	b.WriteByte('[')
	for i := 0; i < r.n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r.el)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// wrongTypes replaces every value at depth d by one of another type: an
// object or array by a string, a string by an object, a number by a
// string, a bool or null by an array.
func wrongTypes(d int) Mutation {
	return content(fmt.Sprintf("wrong-types-depth-%d", d), fmt.Sprintf("every value at depth %d has the wrong type (string where object, object where string, ...)", d),
		isJSONish, d == 0, func(_ string, data []byte, _ Scale) []byte {
			return mapJSON(data, func(v any, depth int) any {
				if depth != d {
					return v
				}
				switch v.(type) {
				case map[string]any, []any:
					return "x"
				case string:
					return map[string]any{"s": []any{1}}
				case json.Number:
					return "1"
				}
				return []any{}
			})
		})
}

// timeShift replaces every RFC 3339 time by str, and every number that
// could be a Unix time (s, ms, µs or ns since 2001) by num.
func timeShift(p string, d []byte, str, num string) []byte {
	return mapJSONOrLines(p, d, func(v any) any {
		switch t := v.(type) {
		case string:
			return rfc3339.ReplaceAllString(t, str)
		case json.Number:
			if f, err := t.Float64(); err == nil && f >= 978307200 {
				return rawNumber(num)
			}
		}
		return v
	}, func(l []byte) []byte { return rfc3339.ReplaceAll(l, []byte(str)) })
}

func mapJSONOrLines(p string, d []byte, fj func(any) any, fl func([]byte) []byte) []byte {
	if isLines(p, d) && !isJSONL(p, d) {
		return mapLines(d, fl)
	}
	return mapJSON(d, func(v any, _ int) any { return fj(v) })
}

// CollideIDs is a whole-bundle mutation: every 64-hex id in every member
// becomes the same id, across runtimes.
var CollideIDs = Mutation{Name: "ids-collide", Attack: "every container, pod and image id of every runtime is one id",
	Apply: func(s *Source, _ string, _ Scale) (Archive, error) {
		one := []byte(strings.Repeat("e", 64))
		members := make([]Member, len(s.Members))
		for i, m := range s.Members {
			members[i] = Member{Path: m.Path, Data: hexID.ReplaceAll(m.Data, one)}
		}
		return archiveOf(&Source{Members: members}, manifestFor(s, members)), nil
	}}

// sum is a sha256 in hex (for tests).
func sum(d []byte) string {
	h := sha256.Sum256(d)
	return hex.EncodeToString(h[:])
}
