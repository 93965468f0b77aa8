package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect/journal/jfile"
)

// Bounds of the pure-Go reader, per journal (a directory of files).
const (
	// maxOffsetsPerFile bounds the entry offsets held for one file (8 bytes
	// each); a 128 MiB journal file holds a few hundred thousand entries.
	maxOffsetsPerFile = 4 << 20
	// maxFilesPerJournal bounds the files of one journal read, newest first.
	maxFilesPerJournal = 256
	// maxEntriesScanned bounds the entries looked at in one journal, matched
	// or not, so a huge --since on a busy node stays bounded in time.
	maxEntriesScanned = 4 << 20
	// headBytes is how much of a data object is read to see its field name
	// and, for the short fields streams match on, its whole value.
	headBytes = 128
)

// matchFields are the fields streams match on (see Units).
var matchFields = map[string]bool{"_SYSTEMD_UNIT": true, "SYSLOG_IDENTIFIER": true, "_COMM": true, "_TRANSPORT": true}

// readNative reads one journal's files with the pure-Go reader (jfile),
// newest entry first, one pass for every stream. errOpen when the journal
// has no file it can open (the caller then tries another reader).
func readNative(ctx context.Context, t journalTarget, since time.Time) (map[string]*streamResult, error) {
	if t.dir != "" {
		if _, err := os.Stat(t.dir); err != nil {
			return nil, fmt.Errorf("%w %s: %w", errOpen, t.label, err)
		}
	}
	files := journalFiles(t)
	if len(files) == 0 {
		// journald keeps the directory but no files (e.g. Storage=volatile
		// after a reboot): an empty journal, nothing for another reader.
		return map[string]*streamResult{}, nil
	}
	type openFile struct {
		fh *os.File
		f  *jfile.File
	}
	var open []openFile
	var errs []string
	for _, p := range files {
		fh, err := os.Open(p)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		fi, err := fh.Stat()
		if err != nil {
			fh.Close()
			errs = append(errs, err.Error())
			continue
		}
		f, err := jfile.Open(fh, fi.Size())
		if err != nil {
			fh.Close()
			errs = append(errs, p+": "+err.Error())
			continue
		}
		open = append(open, openFile{fh, f})
	}
	defer func() {
		for _, o := range open {
			o.f.Close()
			o.fh.Close()
		}
	}()
	if len(open) == 0 {
		return nil, fmt.Errorf("%w %s: no journal file readable (%d found): %s", errOpen, t.label, len(files), strings.Join(errs, "; "))
	}
	// Newest file first, so the per-stream bounds keep the newest entries.
	sort.SliceStable(open, func(a, b int) bool { return open[a].f.H.TailRealtime > open[b].f.H.TailRealtime })
	s := newScan(t.label, since)
	for _, o := range open {
		if s.done() || ctx.Err() != nil {
			break
		}
		if err := s.file(ctx, o.f); err != nil {
			errs = append(errs, err.Error())
		}
	}
	res := s.results()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if len(errs) > 0 {
		// Damaged or half-written files are common (a journal being
		// written, a crash): what was read is kept, the errors reported.
		return res, errors.New(strings.Join(errs, "; "))
	}
	return res, nil
}

// journalFiles lists a journal's files: the system journal is the
// machine-id directories under the system journal dirs; an explicit
// directory is its files and those one level down.
func journalFiles(t journalTarget) []string {
	var dirs []string
	if t.dir == "" {
		dirs = t.systemDirs
	} else {
		dirs = []string{t.dir}
	}
	var files []string
	for _, d := range dirs {
		for _, pat := range []string{"*.journal", "*.journal~", "*/*.journal", "*/*.journal~"} {
			m, _ := filepath.Glob(filepath.Join(d, pat))
			files = append(files, m...)
		}
	}
	sort.Strings(files)
	if len(files) > maxFilesPerJournal {
		files = files[len(files)-maxFilesPerJournal:]
	}
	return files
}

// scan is one pass over a journal's entries for every stream.
type scan struct {
	label     string
	sinceUsec uint64
	bounds    map[string]*streamBound
	entries   map[string][]Entry // newest first
	scanned   int
}

func newScan(label string, since time.Time) *scan {
	s := &scan{label: label, sinceUsec: uint64(since.UnixMicro()), bounds: map[string]*streamBound{}, entries: map[string][]Entry{}}
	for _, u := range Units {
		s.bounds[u.Name] = &streamBound{}
	}
	return s
}

func (s *scan) done() bool {
	if s.scanned >= maxEntriesScanned {
		return true
	}
	for _, b := range s.bounds {
		if !b.full() {
			return false
		}
	}
	return true
}

// file walks one file from its newest entry back to --since.
func (s *scan) file(ctx context.Context, f *jfile.File) error {
	if f.H.TailRealtime != 0 && f.H.TailRealtime < s.sinceUsec {
		return nil // nothing in this file is recent enough
	}
	offs, err := f.EntryOffsets(maxOffsetsPerFile)
	for i := len(offs) - 1; i >= 0 && !s.done(); i-- {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		s.scanned++
		e, eerr := f.Entry(offs[i])
		if eerr != nil {
			continue // a half-written entry at the tail of a live file
		}
		if e.RealtimeUsec < s.sinceUsec {
			break
		}
		keys := s.matchKeys(f, e)
		var wanted []Unit
		for _, u := range Units {
			if !s.bounds[u.Name].full() && matchesAny(keys, u) {
				wanted = append(wanted, u)
			}
		}
		if len(wanted) == 0 {
			continue
		}
		fields := map[string]string{"__REALTIME_TIMESTAMP": itoa(e.RealtimeUsec), "__MONOTONIC_TIMESTAMP": itoa(e.MonotonicUsec),
			"__CURSOR": f.Cursor(e), "_BOOT_ID": jfile.BootID(e)}
		for _, it := range e.Items {
			p, _, derr := f.Data(it)
			if derr != nil {
				continue
			}
			if k, v, ok := bytes.Cut(p, []byte("=")); ok {
				fields[string(k)] = string(v)
			}
		}
		entry := fromFields(fields, s.label)
		for _, u := range wanted {
			b := s.bounds[u.Name]
			if u.Filter != nil && !u.Filter(entry.Message) {
				b.scanned++
				continue
			}
			b.add(entry)
			s.entries[u.Name] = append(s.entries[u.Name], entry)
		}
	}
	if err != nil {
		return fmt.Errorf("journal file: %w", err)
	}
	return nil
}

// matchKeys returns the entry's "FIELD=value" strings for the fields streams
// match on, reading only the head of each data object.
func (s *scan) matchKeys(f *jfile.File, e jfile.Entry) []string {
	var keys []string
	for _, it := range e.Items {
		head, compressed, err := f.DataHead(it, headBytes)
		if err != nil || compressed {
			continue // matched fields are short; journald compresses only large ones
		}
		if k, _, ok := bytes.Cut(head, []byte("=")); ok && matchFields[string(k)] {
			keys = append(keys, string(head))
		}
	}
	return keys
}

func matchesAny(keys []string, u Unit) bool {
	for _, k := range keys {
		for _, m := range u.Matches {
			if k == m {
				return true
			}
		}
	}
	return false
}

func (s *scan) results() map[string]*streamResult {
	into := map[string]*streamResult{}
	for _, u := range Units {
		into[u.Name] = &streamResult{entries: reverse(s.entries[u.Name]), truncated: s.bounds[u.Name].full() || s.scanned >= maxEntriesScanned}
	}
	return into
}
