package collect

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// ioprio_set(2) constants: the idle class gets disk time only when no one else wants it.
const (
	ioprioWhoProcess = 1
	ioprioClassIdle  = 3
	ioprioClassShift = 13
)

// LowerPriority renices every thread of this process (Linux nice and I/O
// priority are per thread; threads created later inherit from their creator,
// so doing it once early covers the run) so the collector never competes with
// kubelet or the runtime it is inspecting. Failures are returned for the
// caller to report; they are not fatal.
func LowerPriority(nice int, idleIO bool) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("listing threads: %w", err)
	}
	var firstErr error
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if nice != 0 {
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil && firstErr == nil {
				firstErr = fmt.Errorf("setpriority %d: %w", nice, err)
			}
		}
		if idleIO {
			prio := ioprioClassIdle << ioprioClassShift
			if _, _, e := syscall.Syscall(syscall.SYS_IOPRIO_SET, ioprioWhoProcess, uintptr(tid), uintptr(prio)); e != 0 && firstErr == nil {
				firstErr = fmt.Errorf("ioprio_set idle: %w", e)
			}
		}
	}
	return firstErr
}
