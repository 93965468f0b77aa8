package redact

import (
	"strings"
	"testing"
)

// TestYAMLAnchorNamesAreText: an anchor's name is text the walk did not
// read (FuzzRedact: "&ghp_<token>" on an empty scalar,
// testdata/fuzz/FuzzRedact/c9e2d86beea2786d); one the text rules would
// change sends the file to the line path. An anchor named by a plain word
// leaves the file to the structured path.
func TestYAMLAnchorNamesAreText(t *testing.T) {
	r := newR(t, Config{})
	for _, in := range []string{
		"&ghp_Fz4Secret0123456789abcdefghijklmnopqr \n",
		"a: &ghp_Fz4Secret0123456789abcdefghijklmnopqr x\nb: *ghp_Fz4Secret0123456789abcdefghijklmnopqr\n",
		"- &--client-secret Fz11Secret\n",
		// testdata/fuzz/FuzzRedact/6f87e0c54c9a46d6: the anchor "app" glued
		// to the scalar ":Fz4Secret@tcp(db:3306)/x", a DSN together.
		"&app:Fz4Secret@tcp(db:3306)/x \n", "!app:Fz4Secret@tcp(db:3306)/x \n",
		// testdata/fuzz/FuzzRedact/1ecb589b4777b725: a global tag, and a
		// verbatim one.
		"!!http://u:Fz4Secret@h \n", "a: !<http://u:Fz4Secret@h> x\n",
	} {
		out, _ := r.Bytes("f.yaml", YAML, []byte(in))
		if strings.Contains(string(out), "Fz4Secret") || strings.Contains(string(out), "Fz11Secret") {
			t.Errorf("%q: %q", in, out)
		}
	}
	in := "base: &defaults\n  image: app:1.2.3\nweb:\n  <<: *defaults\n  password: &pw s3cr3tValue\nworker:\n  password: *pw\n"
	var h hits
	out := r.structured(YAML, []byte(in), &h)
	if strings.Contains(string(out), "s3cr3tValue") || !strings.Contains(string(out), "&defaults") {
		t.Errorf("plain anchors: %q", out)
	}
	for _, n := range h.notes {
		if strings.Contains(n, "anchor holds") {
			t.Errorf("plain anchors took the line path: %v", h.notes)
		}
	}
}

// TestJSONInACommentIsRedacted: a comment holding a JSON object (a CRI
// pair pasted into a values file) is redacted as JSON and stays one line
// (FuzzRedact, testdata/fuzz/FuzzRedact/c2ff24654bac5b61: the JSON path's
// indented copy had line breaks, and the comment was left whole); a JSON
// comment with nothing secret stays byte for byte.
func TestJSONInACommentIsRedacted(t *testing.T) {
	r := newR(t, Config{})
	for _, c := range []struct {
		kind Kind
		in   string
	}{
		{YAML, "# {\"key\":\"DB_PASSWORD\",\"value\":\"Zq8vS3cretV\"}\nmode: fast\n"},
		{TOML, "# {\"key\":\"DB_PASSWORD\",\"value\":\"Zq8vS3cretV\"}\nmode = \"fast\"\n"},
	} {
		out, _ := r.Bytes("f", c.kind, []byte(c.in))
		if strings.Contains(string(out), "Zq8vS3cretV") || strings.Count(string(out), "\n") != 2 {
			t.Errorf("%v: %q", c.kind, out)
		}
		assertSameKeys(t, c.kind, []byte(c.in), out)
		quiet := strings.ReplaceAll(strings.ReplaceAll(c.in, "DB_PASSWORD", "MODE"), "Zq8vS3cretV", "fast")
		if out, _ := r.Bytes("f", c.kind, []byte(quiet)); string(out) != quiet {
			t.Errorf("%v quiet: %q", c.kind, out)
		}
	}
}
