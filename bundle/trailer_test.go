package bundle

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// TestTrailerWatchCountsTrailingZeros: the end-of-read scan counts the
// zeros at the end of what was read as a byte-by-byte count does, over
// reads of any size that end in data, in zeros, or are zeros only.
func TestTrailerWatchCountsTrailingZeros(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var data []byte
		for len(data) < 8000 {
			run := bytes.Repeat([]byte{byte(rng.IntN(2))}, 1+rng.IntN(1500))
			data = append(data, run...)
		}
		tw := &trailerWatch{r: &chunked{data: data, rng: rng}}
		var want int64
		buf := make([]byte, 700)
		for {
			n, err := tw.Read(buf)
			for _, b := range buf[:n] {
				if b == 0 {
					want++
				} else {
					want = 0
				}
			}
			if tw.zeros != want {
				t.Fatalf("round %d: %d trailing zeros counted, want %d", round, tw.zeros, want)
			}
			if err == io.EOF {
				break
			}
		}
	}
}

// chunked returns data in reads of random sizes.
type chunked struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(900))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}
