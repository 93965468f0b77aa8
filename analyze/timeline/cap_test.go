package timeline

import (
	"math/rand"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// TestEarliestMatchesSortThenCut is a differential test of the streaming
// cap against what Build did before: sort everything stably, keep the first k.
func TestEarliestMatchesSortThenCut(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	base := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for round := 0; round < 50; round++ {
		n, k := rng.Intn(400), rng.Intn(60)
		var all []Event
		for i := 0; i < n; i++ {
			// Few distinct values, so ties on every key happen.
			all = append(all, Event{Time: base.Add(time.Duration(rng.Intn(20)) * time.Second),
				Source: []string{"a", "b"}[rng.Intn(2)], Kind: "log", Message: []string{"x", "y", "z"}[rng.Intn(3)],
				Subject: finding.Subject{Pod: strconv.Itoa(i)}})
		}
		ex := func(*facts.Node) []Event { return all }
		got := build(&facts.Node{}, []Extractor{ex}, Filter{}, k)

		want := append([]Event(nil), all...)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i], want[j]
			if !a.Time.Equal(b.Time) {
				return a.Time.Before(b.Time)
			}
			if a.Source != b.Source {
				return a.Source < b.Source
			}
			if a.Kind != b.Kind {
				return a.Kind < b.Kind
			}
			return a.Message < b.Message
		})
		trunc := len(want) > k
		if trunc {
			want = want[:k]
		}
		if len(got.Events) != len(want) || got.Truncated != trunc || got.Dropped != max(0, n-k) {
			t.Fatalf("round %d: %d events (truncated %v, dropped %d), want %d (%v, %d)", round, len(got.Events), got.Truncated, got.Dropped, len(want), trunc, max(0, n-k))
		}
		for i := range want {
			if got.Events[i].Subject.Pod != want[i].Subject.Pod {
				t.Fatalf("round %d: event %d is %+v, want %+v", round, i, got.Events[i], want[i])
			}
		}
	}
}

// TestSelectKeepsTheCut: a selection of a capped timeline still says how
// many events the cap dropped (the hostile log-flood bundle lost it once).
func TestSelectKeepsTheCut(t *testing.T) {
	base := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	var all []Event
	for i := 0; i < 10; i++ {
		all = append(all, Event{Time: base.Add(time.Duration(i) * time.Second), Source: "logs", Kind: "log", Message: strconv.Itoa(i)})
	}
	tl := build(&facts.Node{}, []Extractor{func(*facts.Node) []Event { return all }}, Filter{}, 4)
	got, _ := Select{}.Apply(tl)
	if !got.Truncated || got.Dropped != 6 || len(got.Events) != 4 {
		t.Fatalf("selected: truncated %v, dropped %d, %d events", got.Truncated, got.Dropped, len(got.Events))
	}
	if got, _ := (Select{}).Apply(build(&facts.Node{}, []Extractor{func(*facts.Node) []Event { return all }}, Filter{}, 100)); got.Truncated || got.Dropped != 0 {
		t.Fatalf("uncapped: %+v", got)
	}
}
