package lab

import (
	"os"
	"sync"
	"syscall"
	"testing"
)

// Go runs test packages in parallel, and a fault (cd17 stopped, the hang
// socket, a frozen task) is shared lab state: a test in one package staging
// "down" would break another package's test of cd17. So every lab test holds
// a shared lock for its duration, and a test staging a fault trades it for
// the exclusive lock: faults wait until no other test uses the lab, and no
// test starts while a fault is staged.
const lockPath = "/run/rtsnap-lab-tests.lock"

// held maps a test to its lock file. A test helper's own bookkeeping: each
// test binary is one process, and tests release their entry on cleanup.
var (
	heldMu sync.Mutex
	held   = map[testing.TB]*os.File{}
	// exclusive: tests holding the exclusive lock. A second fault in the
	// same test must not trade it down and up again: in between, a test in
	// another package would find the first fault staged.
	exclusive = map[testing.TB]bool{}
)

// lockShared takes the shared lab lock for t's duration (once per test).
func lockShared(t testing.TB) {
	t.Helper()
	heldMu.Lock()
	_, have := held[t]
	heldMu.Unlock()
	if have {
		return
	}
	f := openLock(t)
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatalf("lab lock: %v", err)
	}
	heldMu.Lock()
	held[t] = f
	heldMu.Unlock()
	t.Cleanup(func() {
		heldMu.Lock()
		if f := held[t]; f != nil {
			f.Close()
			delete(held, t)
			delete(exclusive, t)
		}
		heldMu.Unlock()
	})
}

// lockExclusive trades t's shared lock (if any) for the exclusive one. The
// shared lock is released first: two fault tests waiting to upgrade would
// otherwise wait for each other forever.
func lockExclusive(t testing.TB) {
	t.Helper()
	heldMu.Lock()
	f, already := held[t], exclusive[t]
	heldMu.Unlock()
	if already {
		return
	}
	if f == nil {
		lockShared(t)
		heldMu.Lock()
		f = held[t]
		heldMu.Unlock()
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatalf("lab lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lab lock: %v", err)
	}
	heldMu.Lock()
	exclusive[t] = true
	heldMu.Unlock()
}

func openLock(t testing.TB) *os.File {
	t.Helper()
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("lab lock: %v", err)
	}
	return f
}
