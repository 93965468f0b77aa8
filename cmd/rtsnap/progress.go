package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// progress draws one status line on a terminal and stays silent otherwise
// (a pipe or a file gets only the final summary).
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	active bool
	drawn  bool
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && !quiet {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.active = true
		}
	}
	return p
}

func (p *progress) update(running []string, done, total int, bytes int64) {
	if !p.active {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K[%d/%d] %s · %s", done, total, strings.Join(running, ", "), humanBytes(bytes))
	p.drawn = true
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
