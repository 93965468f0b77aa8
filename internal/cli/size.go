package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/dustin/go-humanize"
)

// Size is a byte count flag in human units: "64MiB", "1.5GiB", "500MB"
// (decimal, as written) or plain bytes ("67108864"). Bare "64M" is refused:
// dd and systemd read it as MiB, others as MB, and a budget should not
// depend on which the reader assumed.
type Size int64

// ParseSize parses a size as the flag does.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty size")
	}
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	unit := strings.ToLower(strings.TrimLeftFunc(t, func(r rune) bool { return unicode.IsDigit(r) || r == '.' || r == ',' || r == ' ' }))
	switch unit {
	case "k", "m", "g", "t", "p", "e":
		num, u := strings.TrimSpace(t[:len(t)-1]), strings.ToUpper(unit)
		return 0, fmt.Errorf("size %q is ambiguous: say %s%sB for powers of 1000 or %s%siB for powers of 1024", s, num, u, num, u)
	}
	n, err := humanize.ParseBytes(t)
	if err != nil {
		return 0, fmt.Errorf("size %q: want bytes or a number with a unit (KiB, MiB, GiB, KB, MB, GB): %w", s, err)
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(n), nil
}

// FormatSize writes n in the largest binary unit that divides it exactly,
// so what help prints as a default parses back to the same number.
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		v    int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.v == 0 {
			return strconv.FormatInt(n/u.v, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// String implements pflag.Value.
func (s *Size) String() string { return FormatSize(int64(*s)) }

// Set implements pflag.Value.
func (s *Size) Set(v string) error {
	n, err := ParseSize(v)
	if err != nil {
		return err
	}
	*s = Size(n)
	return nil
}

// Type implements pflag.Value; help shows it as the value's name.
func (s *Size) Type() string { return "size" }
