package timeline

import (
	"time"
)

// klogLayout is the header of a klog line (kubelet, crictl and most
// Kubernetes components): "Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg",
// where L is I, W, E or F. It carries no year and no zone.
const klogLayout = "0102 15:04:05.999999"

// klogTime reads the time of a klog line. The year is the collection's
// (ref), or the one before when that would put the line more than a day
// after the collection (a log from late December read in January). klog
// writes the node's local time; the collector runs in UTC (as systemd
// units do unless told otherwise), so the time is taken as UTC.
func klogTime(line string, ref time.Time) (time.Time, bool) {
	const n = len("I0102 15:04:05.000000")
	if len(line) < n+1 || ref.IsZero() || (line[0] != 'I' && line[0] != 'W' && line[0] != 'E' && line[0] != 'F') || line[n] != ' ' {
		return time.Time{}, false
	}
	t, err := time.Parse(klogLayout, line[1:n])
	if err != nil {
		return time.Time{}, false
	}
	ref = ref.UTC()
	t = t.AddDate(ref.Year(), 0, 0)
	if t.After(ref.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, true
}
