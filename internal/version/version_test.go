package version

import (
	"strings"
	"testing"
)

func TestStringNamesProgramVersionAndCommit(t *testing.T) {
	got := String("rtsnap")
	if !strings.HasPrefix(got, "rtsnap "+Version+" (commit ") {
		t.Fatalf("String() = %q", got)
	}
	if strings.Contains(got, "(commit )") {
		t.Fatalf("empty commit in %q", got)
	}
}
