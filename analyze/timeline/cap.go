package timeline

import (
	"container/heap"
	"sort"
	"unicode/utf8"
)

// earliest keeps the k earliest events of a stream in O(n log k) time and
// O(k) memory: a max-heap whose top is the latest event kept, replaced when
// an earlier one arrives. Sorting everything first and cutting after took
// memory for every record of a hostile bundle (issue #15).
//
// It also keeps the kept events' output within maxBytes (outputBytes): the
// events of 28,000 journal records of 4 KB each were 125 MB of timeline
// JSON and 864 MiB of RSS (session 9's signature-flood), past both the
// output and the memory bounds of the hostile suite.
type earliest struct {
	k        int
	maxBytes int64
	items    []seqEvent
	bytes    int64
	seq      int
	dropped  int
}

// seqEvent remembers arrival order, so full ties stay in extraction order
// (what sort.SliceStable gave) and the output is deterministic.
type seqEvent struct {
	Event
	seq  int
	cost int64
}

func eventBefore(a, b seqEvent) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Message != b.Message {
		return a.Message < b.Message
	}
	return a.seq < b.seq
}

// heap.Interface, latest on top.
func (h *earliest) Len() int           { return len(h.items) }
func (h *earliest) Less(i, j int) bool { return eventBefore(h.items[j], h.items[i]) }
func (h *earliest) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *earliest) Push(x any)         { h.items = append(h.items, x.(seqEvent)) }
func (h *earliest) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

func (h *earliest) add(e Event) {
	se := seqEvent{Event: e, seq: h.seq, cost: outputBytes(e)}
	h.seq++
	if h.k == 0 {
		h.dropped++
		return
	}
	// Past either bound the latest events go, the new one included when
	// it is the latest.
	heap.Push(h, se)
	h.bytes += se.cost
	for len(h.items) > h.k || (h.maxBytes > 0 && h.bytes > h.maxBytes && len(h.items) > 0) {
		h.bytes -= heap.Pop(h).(seqEvent).cost
		h.dropped++
	}
}

// eventOverhead is what an event costs in timeline JSON besides its text:
// keys, times, indentation (354 bytes on the 2,000-container bundle's
// 45,730 events).
const eventOverhead = 360

// outputBytes bounds what an event takes in the timeline's JSON: its
// strings as encoding/json and internal/safetext escape them (at most six
// bytes for each byte or rune they escape) and eventOverhead.
func outputBytes(e Event) int64 {
	n := int64(eventOverhead)
	for _, s := range []string{e.Source, e.Clock, e.Kind, e.Message, e.Subject.Node, e.Subject.Endpoint, e.Subject.Namespace, e.Subject.Pod,
		e.Subject.Container, e.Subject.Source, e.Subject.File, e.Evidence.Path, e.Evidence.Pointer, e.Evidence.Excerpt} {
		n += escapedLen(s)
	}
	return n
}

// escapedLen is an upper bound of s's length once escaped in JSON: ASCII
// controls, quotes, backslashes and <, >, & take up to six bytes, and so
// does any rune that is not plain printable text (C1 controls, bidi and
// line separators, invalid UTF-8).
func escapedLen(s string) int64 {
	n := int64(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				n += 5
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r < 0xa0 || (r >= 0x2000 && r <= 0x206f) || r == 0x061c || r == 0xfeff {
			n += int64(6 - size) // \uXXXX
		}
		i += size
	}
	return n
}

// sorted returns the kept events in order; the collector is spent.
func (h *earliest) sorted() []Event {
	sort.Slice(h.items, func(i, j int) bool { return eventBefore(h.items[i], h.items[j]) })
	out := make([]Event, len(h.items))
	for i, se := range h.items {
		out[i] = se.Event
	}
	h.items = nil
	return out
}
