package collect

import (
	"testing"
	"time"
)

func TestSourceTimeoutScalesWithTheNode(t *testing.T) {
	for _, c := range []struct {
		containers int
		run        time.Duration
		want       time.Duration
	}{
		{0, DefaultTimeout, DefaultSourceTimeout},
		{1000, DefaultTimeout, DefaultSourceTimeout},
		{1001, DefaultTimeout, 2 * DefaultSourceTimeout},
		{2000, DefaultTimeout, 2 * DefaultSourceTimeout},
		// Never past the run's own bound, less the time kept to write.
		{100000, DefaultTimeout, DefaultTimeout - commitReserve},
		{500, 10 * time.Second, 10*time.Second - commitReserve},
	} {
		if got := scaledSourceTimeout(c.containers, c.run); got != c.want {
			t.Errorf("%d containers, --timeout %s: %s, want %s", c.containers, c.run, got, c.want)
		}
	}
}
