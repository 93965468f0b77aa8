// Package version holds the build's version and commit, set by the linker
// (-ldflags "-X github.com/rtsnap/rtsnap/internal/version.Version=..."), so
// both binaries and every manifest name the exact code that produced them.
package version

import "runtime/debug"

// Version and Commit are overridden at link time by the Makefile.
var (
	Version = "dev"
	Commit  = ""
)

// Info returns the version and the commit, falling back to the VCS data the
// Go toolchain embeds when the linker flags were not given (go install, go run).
func Info() (version, commit string) {
	version, commit = Version, Commit
	if commit != "" {
		return version, commit
	}
	commit = "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	return version, commit
}

// String is the one-line form both binaries print for --version.
func String(program string) string {
	v, c := Info()
	return program + " " + v + " (commit " + c + ")"
}
