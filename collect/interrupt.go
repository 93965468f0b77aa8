package collect

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// NotifyInterrupt turns SIGINT and SIGTERM into the collector's two-step
// stop. The first signal is delivered on finish (Options.Finish): the run
// stops its sources and writes the bundle with what they collected, marked
// interrupted, so an operator who presses Ctrl-C because a run seems slow
// loses nothing. The second cancels ctx: the run aborts and writes nothing.
// notify, when set, is called once per signal with the step taken, for the
// terminal. stop releases the signals; call it when the run is over.
func NotifyInterrupt(parent context.Context, notify func(sig os.Signal, aborting bool)) (ctx context.Context, finish <-chan os.Signal, stop func()) {
	ctx, abort := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	fin := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case sig := <-sigs:
				if notify != nil {
					notify(sig, !first)
				}
				if first {
					first = false
					fin <- sig
					continue
				}
				abort()
				return
			case <-done:
				return
			}
		}
	}()
	stopped := false
	return ctx, fin, func() {
		if stopped {
			return
		}
		stopped = true
		signal.Stop(sigs)
		close(done)
		abort()
	}
}
