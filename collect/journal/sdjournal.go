//go:build cgo && sdjournal

package journal

import (
	"context"
	"fmt"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// sdjournalBuilt: this build reads journals through libsystemd as well
// (go build -tags sdjournal, cgo); the default build is pure Go.
const sdjournalBuilt = true

// readSDJournal reads every stream of one journal with libsystemd, newest
// entry first, until an entry is older than since or the stream's byte bound
// is reached, so a busy journal costs no more than what is kept.
func readSDJournal(ctx context.Context, t journalTarget, since time.Time) (map[string]*streamResult, error) {
	var j *sdjournal.Journal
	var err error
	if t.dir == "" {
		j, err = sdjournal.NewJournal()
	} else {
		j, err = sdjournal.NewJournalFromDir(t.dir)
	}
	if err != nil {
		// go-systemd dlopens libsystemd on first use; without it the error
		// is dlopen's ("unable to open a handle to the library").
		return nil, fmt.Errorf("%w %s: %w", errOpen, t.label, err)
	}
	defer j.Close()
	into := map[string]*streamResult{}
	for _, u := range Units {
		r, err := readStream(ctx, j, u, t.label, since)
		into[u.Name] = r
		if err != nil {
			return into, err
		}
	}
	return into, nil
}

// readStream walks one stream backwards from the tail.
func readStream(ctx context.Context, j *sdjournal.Journal, u Unit, label string, since time.Time) (*streamResult, error) {
	j.FlushMatches()
	for i, m := range u.Matches {
		if i > 0 {
			if err := j.AddDisjunction(); err != nil {
				return &streamResult{}, fmt.Errorf("journal match: %w", err)
			}
		}
		if err := j.AddMatch(m); err != nil {
			return &streamResult{}, fmt.Errorf("journal match %s: %w", m, err)
		}
	}
	if err := j.SeekTail(); err != nil {
		return &streamResult{}, fmt.Errorf("journal seek: %w", err)
	}
	var b streamBound
	var newestFirst []Entry
	sinceUsec := uint64(since.UnixMicro())
	for !b.full() {
		// The engine abandons the source at its deadline: check between entries.
		if err := ctx.Err(); err != nil {
			return &streamResult{reverse(newestFirst), true}, err
		}
		n, err := j.Previous()
		if err != nil {
			return &streamResult{reverse(newestFirst), true}, fmt.Errorf("journal previous: %w", err)
		}
		if n == 0 {
			break
		}
		e, err := j.GetEntry()
		if err != nil {
			continue
		}
		if e.RealtimeTimestamp < sinceUsec {
			break
		}
		f := e.Fields
		f["__REALTIME_TIMESTAMP"] = itoa(e.RealtimeTimestamp)
		f["__MONOTONIC_TIMESTAMP"] = itoa(e.MonotonicTimestamp)
		f["__CURSOR"] = e.Cursor
		if u.Filter != nil && !u.Filter(f["MESSAGE"]) {
			b.scanned++
			continue
		}
		entry := fromFields(f, label)
		b.add(entry)
		newestFirst = append(newestFirst, entry)
	}
	return &streamResult{reverse(newestFirst), b.full()}, nil
}
