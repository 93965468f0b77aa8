// Package version holds the build's version, commit and date, set by the
// linker (-ldflags "-X github.com/rtsnap/rtsnap/internal/version.Version=..."),
// so both binaries and every manifest name the exact code that produced them.
package version

import (
	"runtime"
	"runtime/debug"
)

// Version, Commit and BuildDate are overridden at link time by the Makefile.
var (
	Version   = "dev"
	Commit    = ""
	BuildDate = ""
)

// Info returns the version and the commit, falling back to the VCS data the
// Go toolchain embeds when the linker flags were not given (go install, go run).
func Info() (version, commit string) {
	version, commit = Version, Commit
	if commit != "" {
		return version, commit
	}
	return version, buildSetting("vcs.revision")
}

// Date is when the binary was built (RFC 3339), else the commit's time
// the toolchain embeds, else "unknown".
func Date() string {
	if BuildDate != "" {
		return BuildDate
	}
	return buildSetting("vcs.time")
}

func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key && s.Value != "" {
				return s.Value
			}
		}
	}
	return "unknown"
}

// String is the one-line form: program, version and commit.
func String(program string) string {
	v, c := Info()
	return program + " " + v + " (commit " + c + ")"
}

// Details is what --version prints: the version, then the commit, the Go
// version and platform, and the build date, one per line.
func Details(program string) string {
	v, c := Info()
	return program + " " + v + "\n" +
		"  commit  " + c + "\n" +
		"  go      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n" +
		"  built   " + Date()
}
