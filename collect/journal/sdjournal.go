package journal

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// readSDJournal reads every unit from every target with libsystemd.
func readSDJournal(ctx context.Context, targets []journalTarget, since time.Time, into map[string][]Entry) error {
	for _, t := range targets {
		var j *sdjournal.Journal
		var err error
		if t.dir == "" {
			j, err = sdjournal.NewJournal()
		} else {
			j, err = sdjournal.NewJournalFromDir(t.dir)
		}
		if err != nil {
			if strings.Contains(err.Error(), "libsystemd") || strings.Contains(err.Error(), "dlopen") {
				return wrapf("%w: %v", errNoLibsystemd, err)
			}
			return wrapf("opening journal %s: %w", dirLabel(t), err)
		}
		err = readUnits(ctx, j, dirLabel(t), since, into)
		j.Close()
		if err != nil {
			return err
		}
	}
	for u := range into {
		es := into[u]
		sort.SliceStable(es, func(a, b int) bool { return es[a].RealtimeUsec < es[b].RealtimeUsec })
	}
	return nil
}

func readUnits(ctx context.Context, j *sdjournal.Journal, label string, since time.Time, into map[string][]Entry) error {
	for _, u := range Units {
		j.FlushMatches()
		for i, m := range u.Matches {
			if i > 0 {
				if err := j.AddDisjunction(); err != nil {
					return wrapf("journal match: %w", err)
				}
			}
			if err := j.AddMatch(m); err != nil {
				return wrapf("journal match %s: %w", m, err)
			}
		}
		if err := j.SeekRealtimeUsec(uint64(since.UnixMicro())); err != nil {
			return wrapf("journal seek: %w", err)
		}
		n := 0
		for n < maxEntriesPerUnit {
			if err := ctx.Err(); err != nil {
				return err
			}
			adv, err := j.Next()
			if err != nil {
				return wrapf("journal next: %w", err)
			}
			if adv == 0 {
				break
			}
			e, err := j.GetEntry()
			if err != nil {
				continue
			}
			f := e.Fields
			f["__REALTIME_TIMESTAMP"] = itoa(e.RealtimeTimestamp)
			f["__MONOTONIC_TIMESTAMP"] = itoa(e.MonotonicTimestamp)
			f["__CURSOR"] = e.Cursor
			if u.Filter != nil && !u.Filter(f["MESSAGE"]) {
				continue
			}
			into[u.Name] = append(into[u.Name], fromFields(f, label))
			n++
		}
	}
	return nil
}
