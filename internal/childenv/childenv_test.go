package childenv

import (
	"slices"
	"testing"
)

func TestShortReplacesTheCollectorsOwnSettings(t *testing.T) {
	base := []string{"PATH=/usr/bin", "GOMAXPROCS=8", "HOME=/root", "GOGC=50", "GOMEMLIMIT=1GiB", "GOGCX=kept", "=odd"}
	got := Short(base)
	want := []string{"PATH=/usr/bin", "HOME=/root", "GOGCX=kept", "=odd", "GOMAXPROCS=1", "GOGC=off", "GOMEMLIMIT=256MiB"}
	if !slices.Equal(got, want) {
		t.Errorf("Short(%q)\n = %q\nwant %q", base, got, want)
	}
	if base[1] != "GOMAXPROCS=8" {
		t.Errorf("Short modified its argument: %q", base)
	}
}
