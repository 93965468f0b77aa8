// Command gen writes the hostile bundles of internal/hostile into a
// directory: go run ./internal/hostile/gen DIR.
package main

import (
	"fmt"
	"os"

	"github.com/rtsnap/rtsnap/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/hostile/gen DIR")
		os.Exit(64)
	}
	if err := os.MkdirAll(os.Args[1], 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cases, err := hostile.WriteAll(os.Args[1])
	for _, c := range cases {
		fmt.Printf("%-22s %s\n  %s\n", c.Name, c.Path, c.Attack)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
