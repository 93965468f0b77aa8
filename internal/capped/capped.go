// Package capped keeps the start of a stream and drops the rest: for a
// child process's or a remote command's stderr, which an error message
// quotes but which must never grow without bound or block the child.
package capped

import "io"

// StderrBytes is how much of a child's stderr an error message keeps.
const StderrBytes = 4096

// Writer passes at most Left bytes to W and drops the rest. Every Write
// reports the whole of p as written and never fails, so the process that
// writes is neither blocked nor told its output was cut. Cut says whether
// anything was dropped, for a caller that must not store a partial output.
type Writer struct {
	W    io.Writer
	Left int
	Cut  bool
}

// Write implements io.Writer.
func (c *Writer) Write(p []byte) (int, error) {
	n := min(len(p), max(c.Left, 0))
	if n > 0 {
		// An error of W is dropped on purpose: what is kept is a quote for
		// an error message, and the writer must not fail the producer.
		_, _ = c.W.Write(p[:n])
		c.Left -= n
	}
	if n < len(p) {
		c.Cut = true
	}
	return len(p), nil
}
