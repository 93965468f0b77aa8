package safetext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Hostile strings from the world:
//   - OSC 52 clipboard write and CSI 2J, xterm control sequences
//     (https://invisible-island.net/xterm/ctlseqs/ctlseqs.html, "Operating System Commands", "Erase in Display");
//   - the same CSI as the 8-bit C1 control U+009B;
//   - U+202E RIGHT-TO-LEFT OVERRIDE and U+2066..U+2069 isolates, "Trojan Source",
//     CVE-2021-42574 (https://trojansource.codes/trojan-source.pdf).
var hostile = []string{
	"pod-\x1b]52;c;ZWNobyBwd25lZA==\x07name",
	"clear\x1b[2J\x1b[Hscreen",
	"c1-\u009b2J-csi",
	"user\u202egnp.exe",
	"\u2066isolate\u2069 and \u200fmark",
	"bad utf8 \xff\xfe end",
	"nel\u0085line\u2028sep",
}

func noDangerous(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if r == utf8.RuneError || (Dangerous(r) && r != '\n' && r != '\t') {
			t.Fatalf("%s: rune %U at %d left raw in %q", what, r, i, s)
		}
	}
}

func TestLineAndText(t *testing.T) {
	for _, s := range hostile {
		noDangerous(t, "Line", Line(s))
		noDangerous(t, "Text", Text(s))
		if strings.Contains(Line(s), "\n") {
			t.Fatalf("Line kept a newline: %q", Line(s))
		}
	}
	if got := Line("user\u202egnp.exe"); got != `user\u202egnp.exe` {
		t.Errorf("Line = %q", got)
	}
	if got := Line("a\x1b[2Jb"); got != `a\u001b[2Jb` {
		t.Errorf("Line = %q", got)
	}
	// Quiet: ordinary text, including non-Latin scripts, is unchanged.
	for _, s := range []string{"containerd 1.7.35: task 3f2a exited (code 137)", "ошибка: 容器 — é", ""} {
		if Line(s) != s || Text(s) != s {
			t.Errorf("changed ordinary text %q to %q", s, Line(s))
		}
	}
	if Text("a\nb\tc") != "a\nb  c" || Line("a\nb") != `a\u000ab` {
		t.Errorf("newlines: %q %q", Text("a\nb\tc"), Line("a\nb"))
	}
}

func TestWriterSplitsAndJSON(t *testing.T) {
	for _, s := range hostile {
		// Byte by byte: runes split across writes are still recognised.
		var out bytes.Buffer
		w := NewWriter(&out)
		for i := 0; i < len(s); i++ {
			w.Write([]byte{s[i]})
		}
		w.Flush()
		noDangerous(t, "Writer", out.String())
		if got := string(Bytes([]byte(s))); got != out.String() {
			t.Errorf("byte-wise %q, whole %q", out.String(), got)
		}
	}
	// JSON: encoding/json leaves C1 and U+202E raw; through the Writer the
	// document is still valid and decodes to the same strings.
	doc := map[string][]string{"names": hostile[:5]}
	raw, _ := json.Marshal(doc)
	if !bytes.ContainsRune(raw, '\u202e') || !bytes.ContainsRune(raw, '\u009b') {
		t.Fatal("encoding/json escapes them now: this test needs another input")
	}
	safe := Bytes(raw)
	noDangerous(t, "JSON", string(safe))
	var back map[string][]string
	if err := json.Unmarshal(safe, &back); err != nil {
		t.Fatalf("not JSON any more: %v\n%s", err, safe)
	}
	for i := range doc["names"] {
		if back["names"][i] != doc["names"][i] {
			t.Errorf("changed meaning: %q -> %q", doc["names"][i], back["names"][i])
		}
	}
	if !bytes.Contains(safe, []byte(`\u202e`)) {
		t.Errorf("no \\u202e escape in %s", safe)
	}
	// Quiet: plain text and newlines pass unchanged.
	if s := "ok\n\tindented ü\n"; string(Bytes([]byte(s))) != s {
		t.Errorf("changed %q", s)
	}
}

// Markdown test inputs: the link, image and autolink forms of the CommonMark
// and GFM specs (https://spec.commonmark.org/0.31.2/#links,
// https://github.github.com/gfm/#autolinks-extension-), a tracking pixel as
// in the issue, and block starts.
var mdHostile = []string{
	"[click](https://evil.example/x)",
	"![pixel](https://evil.example/t.png)",
	"<https://evil.example/a>",
	"see https://evil.example/b now",
	"www.evil.example/c",
	"mail admin@evil.example",
	"**bold** _em_ ~~strike~~ `code`",
	"# heading",
	"- item",
	"1. ordered",
	"> quote",
	"<img src=x onerror=alert(1)>",
	"[ref]: https://evil.example/r",
	"| a | b |",
	"&lt;entity&gt; &#x202e;",
	"x\u202ey",
	"\\[escaped](https://evil.example/d)",
	"    indented code", // found by FuzzMarkdown
}

// TestMarkdownInertUnderGFM renders each escaped value with goldmark and
// GitHub Flavored Markdown (linkify on), alone and inside a list item and a
// table cell, and checks that nothing but plain text comes out.
func TestMarkdownInertUnderGFM(t *testing.T) {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	for _, s := range mdHostile {
		esc := Markdown(s)
		for _, doc := range []string{esc + "\n", "- " + esc + "\n", "| h |\n|---|\n| " + esc + " |\n", "text " + esc + "\n"} {
			var out bytes.Buffer
			if err := md.Convert([]byte(doc), &out); err != nil {
				t.Fatal(err)
			}
			html := out.String()
			for _, tag := range []string{"<a", "<img", "<em", "<strong", "<del", "<code", "<h1", "<ol", "<blockquote", "<hr"} {
				if strings.Contains(html, tag) {
					t.Errorf("%q escaped as %q renders %s:\n%s", s, esc, tag, html)
				}
			}
			if strings.ContainsRune(html, '\u202e') {
				t.Errorf("%q: raw U+202E in %s", s, html)
			}
		}
	}
	// Quiet: a plain value renders as the same text.
	var out bytes.Buffer
	md.Convert([]byte(Markdown("containerd 1.7.35 on node-a")+"\n"), &out)
	if strings.TrimSpace(out.String()) != "<p>containerd 1.7.35 on node-a</p>" {
		t.Errorf("plain text rendered as %q", out.String())
	}
}

func FuzzWriter(f *testing.F) {
	for _, s := range hostile {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out := Bytes(data)
		noDangerous(t, "Bytes", string(out))
		noDangerous(t, "Line", Line(string(data)))
		if utf8.Valid(data) && json.Valid(data) && !json.Valid(out) {
			t.Fatalf("valid JSON %q became invalid %q", data, out)
		}
	})
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range mdHostile {
		f.Add(s)
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	f.Fuzz(func(t *testing.T, s string) {
		var out bytes.Buffer
		if err := md.Convert([]byte("- "+Markdown(s)+"\n"), &out); err != nil {
			t.Fatal(err)
		}
		for _, tag := range []string{"<a ", "<img", "<em>", "<strong>", "<h1", "<h2", "<code>"} {
			if strings.Contains(out.String(), tag) {
				t.Fatalf("%q renders %s: %s", s, tag, out.String())
			}
		}
	})
}
