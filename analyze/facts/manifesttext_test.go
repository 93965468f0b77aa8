package facts

import (
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/bundle"
)

// A note of 60 MB (under the reader's 64 MiB manifest bound) is kept as
// its first MaxManifestText bytes and named as a cut; a normal manifest is
// left as it is.
func TestManifestTextIsBounded(t *testing.T) {
	long := strings.Repeat("é", 30<<20) // 60 MB, two bytes a rune
	m := &bundle.Manifest{Note: long, CaseID: "SR-1", CommandLine: make([]string, 5000),
		Sources: []bundle.SourceStatus{{Name: "cri", Status: "error", Reason: long}}}
	n := New("b", m, func(string) ([]byte, bool) { return nil, false }, nil)
	if len(n.Manifest.Note) > MaxManifestText+len("…") || !strings.HasSuffix(n.Manifest.Note, "é…") {
		t.Errorf("note kept as %d bytes", len(n.Manifest.Note))
	}
	if len(n.Manifest.Sources[0].Reason) > MaxManifestText+len("…") || len(n.Manifest.CommandLine) != MaxManifestList {
		t.Errorf("reason %d bytes, command line %d", len(n.Manifest.Sources[0].Reason), len(n.Manifest.CommandLine))
	}
	if len(n.Cuts) != 3 || n.Cuts[0].Path != bundle.ManifestPath {
		t.Errorf("cuts %+v", n.Cuts)
	}

	quiet := &bundle.Manifest{Note: strings.Repeat("n", MaxManifestText), CaseID: "SR-1", CommandLine: []string{"rtsnap", "collect"}}
	if n := New("b", quiet, func(string) ([]byte, bool) { return nil, false }, nil); len(n.Cuts) != 0 || n.Manifest.Note != quiet.Note {
		t.Errorf("a manifest within the bounds was cut: %+v", n.Cuts)
	}
}
