package hostile

import (
	"os/exec"
	"testing"
	"time"
)

// The launcher's hang check kills a child that sleeps (no CPU) and spares
// one that computes, however long it is starved of wall time.
func TestKillWhenIdle(t *testing.T) {
	for _, c := range []struct {
		name   string
		argv   []string
		killed bool
	}{
		{"blocked", []string{"sleep", "60"}, true},
		{"computing", []string{"sh", "-c", "while :; do :; done"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			cancelled := make(chan struct{})
			done := make(chan struct{})
			defer close(done)
			go killWhenIdle(cmd.Process.Pid, func() { close(cancelled) }, done, time.Second, 2*time.Second)
			select {
			case <-cancelled:
				if !c.killed {
					t.Fatal("a computing child was taken for hung")
				}
			case <-time.After(8 * time.Second):
				if c.killed {
					t.Fatal("a sleeping child was not taken for hung within 8 s")
				}
			}
		})
	}
}
