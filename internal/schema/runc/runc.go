// Package runc holds the types of the files the "runc" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package runc

import (
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// States is runc/states.json: the runtime roots found and, per container,
// the subset of its state file with the liveness of its init process
// (runcstate.State documents each field).
type States struct {
	Roots     []runcstate.Root  `json:"roots"`
	States    []runcstate.State `json:"states"`
	Truncated bool              `json:"truncated,omitempty"`
}

// State is one container's entry.
type State = runcstate.State
