// Command gen writes redact/vendor_table.go from gitleaks' default rules:
//
//	go run ./redact/internal/gitleakstable/gen > redact/vendor_table.go
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/rtsnap/rtsnap/redact/internal/gitleakstable"
)

func main() {
	src, err := gitleakstable.Source(version())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	os.Stdout.Write(src)
}

// version is the gitleaks module version this build links.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == gitleakstable.Module {
				return d.Version
			}
		}
	}
	return "unknown"
}
