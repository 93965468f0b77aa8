package analyze

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a size flag: plain bytes or a number with a KiB, MiB, GiB
// (or KB, MB, GB, K, M, G: the same powers of two) suffix. It implements
// pflag.Value, so a bad --memory-limit is a usage error.
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"kib", 10}, {"mib", 20}, {"gib", 30}, {"kb", 10}, {"mb", 20}, {"gb", 30}, {"k", 10}, {"m", 20}, {"g", 30}, {"b", 0}}

// minMemoryLimit: below it even a healthy bundle's facts would not fit.
const minMemoryLimit = 64 << 20

// Set parses s.
func (b *ByteSize) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	shift := uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, shift = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return fmt.Errorf("%q is not a size (examples: 512MiB, 2GiB, 1073741824)", s)
	}
	if n<<shift < minMemoryLimit {
		return fmt.Errorf("%q is below the smallest memory limit, %d MiB", s, minMemoryLimit>>20)
	}
	*b = ByteSize(n << shift)
	return nil
}

func (b *ByteSize) String() string {
	if *b%(1<<30) == 0 && *b > 0 {
		return fmt.Sprintf("%dGiB", int64(*b)>>30)
	}
	return fmt.Sprintf("%dMiB", int64(*b)>>20)
}

// Type names the flag's value in help output.
func (b *ByteSize) Type() string { return "size" }
