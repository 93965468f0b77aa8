package cli

import (
	"fmt"
	"strings"
	"time"
)

// Since is a start time flag: a duration back from now ("30m", "2h"), an
// absolute time ("2026-12-01T10:00:00Z", "2026-12-01 10:00", local time
// without a zone) or "boot". A zero or negative duration is refused, never
// replaced by a default: it would collect a window nobody asked for.
type Since struct {
	Ago  time.Duration // > 0 when a duration was given
	At   time.Time     // non-zero when an absolute time was given
	Boot bool          // "boot": since the node's last boot
	text string
}

// NewSince is a Since set to a duration (a flag's default).
func NewSince(d time.Duration) *Since { return &Since{Ago: d, text: FormatDuration(d)} }

// String implements pflag.Value.
func (s *Since) String() string { return s.text }

// Type implements pflag.Value.
func (s *Since) Type() string { return "since" }

// Set implements pflag.Value.
func (s *Since) Set(v string) error {
	t := strings.TrimSpace(v)
	next := Since{text: t}
	switch {
	case strings.EqualFold(t, "boot"):
		next.Boot = true
	case t == "":
		return fmt.Errorf("empty value: want a duration (30m, 2h), a time (2026-12-01 10:00, RFC 3339) or boot")
	default:
		if d, err := time.ParseDuration(t); err == nil {
			if d <= 0 {
				return fmt.Errorf("the window must be positive, e.g. 30m")
			}
			next.Ago = d
			break
		}
		at, err := parseTime(t)
		if err != nil {
			return fmt.Errorf("want a duration (30m, 2h), a time (2026-12-01 10:00, RFC 3339) or boot")
		}
		next.At = at
	}
	*s = next
	return nil
}

// parseTime reads RFC 3339, or the forms journalctl --since takes
// (without a zone: the local time).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, l := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

// Window resolves the flag into a duration back from now. boot is when the
// node booted; it is asked for only when "boot" was given (reading it may fail).
func (s *Since) Window(now time.Time, boot func() (time.Time, error)) (time.Duration, error) {
	switch {
	case s.Ago > 0:
		return s.Ago, nil
	case s.Boot:
		b, err := boot()
		if err != nil {
			return 0, fmt.Errorf("--since boot: reading the boot time: %w", err)
		}
		return windowTo(now, b, "boot time "+b.UTC().Format(time.RFC3339))
	case !s.At.IsZero():
		return windowTo(now, s.At, s.At.Format(time.RFC3339))
	}
	return 0, fmt.Errorf("--since: no value")
}

func windowTo(now, start time.Time, what string) (time.Duration, error) {
	d := now.Sub(start)
	if d <= 0 {
		return 0, fmt.Errorf("--since %s is not in the past", what)
	}
	return d, nil
}
