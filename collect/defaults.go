package collect

import "time"

// Defaults of a collection run: Options' zero values mean these, and
// `rtsnap collect`'s flags show them. One definition for both.
const (
	DefaultTimeout         = 60 * time.Second
	DefaultSourceTimeout   = 15 * time.Second
	DefaultCallTimeout     = 5 * time.Second
	DefaultMaxSize         = 64 << 20
	DefaultParallel        = 4
	DefaultPerRuntimeCalls = 4
	DefaultSince           = time.Hour
	// MinTimeout is the shortest whole-run bound: the archive is written
	// in the last commitReserve of it, and sources need the rest.
	MinTimeout = 2 * commitReserve
)
