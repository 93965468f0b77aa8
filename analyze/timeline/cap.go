package timeline

import (
	"container/heap"
	"sort"
)

// earliest keeps the k earliest events of a stream in O(n log k) time and
// O(k) memory: a max-heap whose top is the latest event kept, replaced when
// an earlier one arrives. Sorting everything first and cutting after took
// memory for every record of a hostile bundle (issue #15).
type earliest struct {
	k       int
	items   []seqEvent
	seq     int
	dropped int
}

// seqEvent remembers arrival order, so full ties stay in extraction order
// (what sort.SliceStable gave) and the output is deterministic.
type seqEvent struct {
	Event
	seq int
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
	se := seqEvent{Event: e, seq: h.seq}
	h.seq++
	if len(h.items) < h.k {
		heap.Push(h, se)
		return
	}
	h.dropped++
	if h.k == 0 || !eventBefore(se, h.items[0]) {
		return
	}
	h.items[0] = se
	heap.Fix(h, 0)
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
