// Package capped keeps the start of a stream and drops the rest: for a
// child process's or a remote command's stderr, which an error message
// quotes but which must never grow without bound or block the child.
package capped

import "io"

// StderrBytes is how much of a child's stderr an error message keeps.
const StderrBytes = 4096

// Writer passes at most Left bytes to W and drops the rest. Every Write
// reports the whole of p as written and never fails, so the process that
// writes is neither blocked nor told its output was cut.
type Writer struct {
	W    io.Writer
	Left int
}

// Write implements io.Writer.
func (c *Writer) Write(p []byte) (int, error) {
	if c.Left > 0 {
		n := min(len(p), c.Left)
		// An error of W is dropped on purpose: what is kept is a quote for
		// an error message, and the writer must not fail the producer.
		_, _ = c.W.Write(p[:n])
		c.Left -= n
	}
	return len(p), nil
}
