package catalog

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rtsnap/rtsnap/analyze/logrec"
)

// Floors the catalog must keep (issue #14): classes, real example lines, and
// examples per class. Lowering one needs a reason in review.
const (
	minClasses         = 45
	minExamples        = 150
	minExamplesPerCase = 2
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestExamplesLandInTheirClass: every real line lands in its own class and
// in no other (Classify returns one class, so "no other" is that class being it).
func TestExamplesLandInTheirClass(t *testing.T) {
	c := load(t)
	total := 0
	for _, cl := range c.Classes {
		if len(cl.Examples) < minExamplesPerCase {
			t.Errorf("%s has %d examples, want >= %d", cl.ID, len(cl.Examples), minExamplesPerCase)
		}
		for _, ex := range cl.Examples {
			total++
			m := c.ClassifyLine(ex.Line)
			switch {
			case m == nil:
				t.Errorf("%s example lands nowhere: %s", cl.ID, ex.Line)
			case m.Class.ID != cl.ID:
				t.Errorf("%s example lands in %s (matched %q): %s", cl.ID, m.Class.ID, m.Cause, ex.Line)
			}
		}
	}
	if len(c.Classes) < minClasses || total < minExamples {
		t.Errorf("catalog has %d classes and %d example lines, want >= %d and >= %d", len(c.Classes), total, minClasses, minExamples)
	}
	t.Logf("%d classes, %d example lines, %d benign lines", len(c.Classes), total, len(c.Benign))
}

// TestBenignLinesLandNowhere: real lines of healthy nodes and of causes
// the catalog does not claim match no class.
func TestBenignLinesLandNowhere(t *testing.T) {
	c := load(t)
	if len(c.Benign) < 20 {
		t.Errorf("%d benign lines, want >= 20", len(c.Benign))
	}
	for _, ex := range c.Benign {
		if m := c.ClassifyLine(ex.Line); m != nil {
			t.Errorf("benign line lands in %s (matched %q): %s", m.Class.ID, m.Cause, ex.Line)
		}
	}
}

// TestExamplesAreCited: every example names a public issue thread.
func TestExamplesAreCited(t *testing.T) {
	c := load(t)
	seen := map[string]string{}
	check := func(id string, ex Example) {
		u, err := url.Parse(ex.Source)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("%s: example without a usable source URL %q", id, ex.Source)
		}
		if strings.TrimSpace(ex.Line) == "" {
			t.Errorf("%s: empty example line", id)
		}
		if prev, dup := seen[ex.Line]; dup {
			t.Errorf("%s: example line also listed under %s", id, prev)
		}
		seen[ex.Line] = id
	}
	for _, cl := range c.Classes {
		for _, ex := range cl.Examples {
			check(cl.ID, ex)
		}
		if len(cl.References) == 0 {
			t.Errorf("%s has no references", cl.ID)
		}
	}
	for _, ex := range c.Benign {
		check("benign", ex)
	}
}

func TestParseRejectsBadCatalogs(t *testing.T) {
	cases := map[string]string{
		"schema":   "schema: other/v1\nclasses: []\n",
		"bad id":   "schema: " + Schema + "\nclasses:\n- {id: X1, title: t, explanation: e, fix: [f], match: [a]}\n",
		"dup id":   "schema: " + Schema + "\nclasses:\n- {id: RT1399-a, title: t, explanation: e, fix: [f], match: [a]}\n- {id: RT1399-a, title: t, explanation: e, fix: [f], match: [a]}\n",
		"bad re":   "schema: " + Schema + "\nclasses:\n- {id: RT1399-a, title: t, explanation: e, fix: [f], match: ['(']}\n",
		"no fix":   "schema: " + Schema + "\nclasses:\n- {id: RT1399-a, title: t, explanation: e, match: [a]}\n",
		"unknown":  "schema: " + Schema + "\nclasses:\n- {id: RT1399-a, title: t, explanation: e, fix: [f], match: [a], typo: 1}\n",
		"severity": "schema: " + Schema + "\nclasses:\n- {id: RT1399-a, title: t, explanation: e, fix: [f], match: [a], severity: huge}\n",
	}
	for name, doc := range cases {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestInnermostCauseWins: with two classes in one chain, the one nearer the
// end (the cause) wins unless the other has a higher priority.
func TestInnermostCauseWins(t *testing.T) {
	doc := "schema: " + Schema + `
classes:
- {id: RT1398-outer, title: o, explanation: e, fix: [f], match: ['failed to pull']}
- {id: RT1399-inner, title: i, explanation: e, fix: [f], match: ['no space left']}
- {id: RT1397-context, title: c, explanation: e, fix: [f], match: ['sandbox image'], priority: 1}
`
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m := c.ClassifyLine(`failed to pull "x": write /var/lib: no space left on device`); m == nil || m.Class.ID != "RT1399-inner" {
		t.Fatalf("got %+v", m)
	}
	if m := c.ClassifyLine(`failed to get sandbox image "p": failed to pull: no space left on device`); m == nil || m.Class.ID != "RT1397-context" {
		t.Fatalf("got %+v", m)
	}
	if m := c.ClassifyLine(`all good`); m != nil {
		t.Fatalf("got %+v", m)
	}
}

// TestClassifyBounded: a huge hostile line classifies in bounded time.
func TestClassifyBounded(t *testing.T) {
	c := load(t)
	line := strings.Repeat(`failed to pull image "a": `, 1<<15) + strings.Repeat(`\\\"`, 1<<15)
	start := time.Now()
	c.ClassifyLine(line)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("classify took %v", d)
	}
}

// BenchmarkClassifyBenign is the common case: a healthy node's line that
// no class matches.
func BenchmarkClassifyBenign(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	r := logrec.Parse(`Mar 12 14:32:51 VM-0-4-centos containerd[1900]: time="2024-03-12T14:32:51.062657805+08:00" level=info msg="starting signal loop" namespace=moby path=/run/containerd/io.containerd.runtime.v2.task/moby/22fd6cedcf87252ef2585db60da56d1692f7aa64d4d3f7d77df51f1342931833 pid=5807 runtime=io.containerd.runc.v2`)
	for i := 0; i < b.N; i++ {
		c.Classify(r)
	}
}

func BenchmarkParseAndClassifyFailure(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	line := c.Classes[0].Examples[0].Line
	for i := 0; i < b.N; i++ {
		c.ClassifyLine(line)
	}
}

// TestIgnoreEntriesAreExercised: each ignore pattern silences at least one
// real benign line, and no class example (a real cause) is silenced.
func TestIgnoreEntriesAreExercised(t *testing.T) {
	c := load(t)
	for _, ig := range c.Ignore {
		used := false
		for _, ex := range c.Benign {
			if ig.pattern.re.MatchString(logrec.Parse(ex.Line).Text) {
				used = true
			}
		}
		if !used {
			t.Errorf("ignore %q silences no benign line", ig.Match)
		}
		for _, cl := range c.Classes {
			for _, ex := range cl.Examples {
				if ig.pattern.re.MatchString(logrec.Parse(ex.Line).Text) {
					t.Errorf("ignore %q silences a %s example: %s", ig.Match, cl.ID, ex.Line)
				}
			}
		}
	}
}

// FuzzClassifyLine: any line classifies without panicking, into at most one
// known class whose match lies inside the record's text.
func FuzzClassifyLine(f *testing.F) {
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	for _, cl := range c.Classes {
		f.Add(cl.Examples[0].Line)
	}
	f.Add(`E0101 00:00:00.000000 1 a.go:1] "x" err="\\\"` + "\xff")
	ids := map[string]bool{}
	for _, cl := range c.Classes {
		ids[cl.ID] = true
	}
	f.Fuzz(func(t *testing.T, line string) {
		r := logrec.Parse(line)
		m := c.Classify(r)
		if m == nil {
			return
		}
		if !ids[m.Class.ID] || m.Pos < 0 || m.Pos+len(m.Cause) > len(r.Text) || r.Text[m.Pos:m.Pos+len(m.Cause)] != m.Cause {
			t.Fatalf("bad match %+v for %q", m, line)
		}
	})
}

// TestLoadFSMergesFiles: a directory of catalog files is one catalog, in
// file-name order; an id listed in two files, a file of another schema and
// an empty directory are errors naming the cause.
func TestLoadFSMergesFiles(t *testing.T) {
	a := "schema: " + Schema + "\nclasses:\n- {id: RT1398-a, title: t, explanation: e, fix: [f], match: ['alpha']}\nbenign:\n- {line: quiet, source: 'https://example.org/1'}\n"
	b := "schema: " + Schema + "\nclasses:\n- {id: RT1399-b, title: t, explanation: e, fix: [f], match: ['beta']}\nignore:\n- {match: 'beta ok', reason: r}\n"
	fsys := fstest.MapFS{"cat/b.yaml": {Data: []byte(b)}, "cat/a.yaml": {Data: []byte(a)}, "cat/notes.txt": {Data: []byte("x")}}
	c, err := LoadFS(fsys, "cat")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Classes) != 2 || c.Classes[0].ID != "RT1398-a" || c.Classes[1].ID != "RT1399-b" || len(c.Benign) != 1 || len(c.Ignore) != 1 {
		t.Fatalf("merged catalog: %+v", c)
	}
	if m := c.ClassifyLine("beta failed"); m == nil || m.Class.ID != "RT1399-b" {
		t.Fatalf("second file's class not used: %+v", m)
	}
	if m := c.ClassifyLine("beta ok"); m != nil {
		t.Fatalf("second file's ignore not used: %+v", m)
	}
	bad := map[string]fstest.MapFS{
		"listed twice": {"cat/a.yaml": {Data: []byte(a)}, "cat/c.yaml": {Data: []byte(a)}},
		"c.yaml":       {"cat/a.yaml": {Data: []byte(a)}, "cat/c.yaml": {Data: []byte("schema: other/v1\n")}},
		"no *.yaml":    {"cat/notes.txt": {Data: []byte("x")}},
	}
	for want, fsys := range bad {
		if _, err := LoadFS(fsys, "cat"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error naming %q, got %v", want, err)
		}
	}
}

// TestParseTextClassifiesAsParse: the analyzer classifies records from
// logrec.ParseText (no chain, no context fields) and completes only those
// that land in a class; every example and benign line gets the same class
// that way, and the same record once completed.
func TestParseTextClassifiesAsParse(t *testing.T) {
	c := load(t)
	lines := append([]Example{}, c.Benign...)
	for _, cl := range c.Classes {
		lines = append(lines, cl.Examples...)
	}
	for _, ex := range lines {
		full := logrec.Parse(ex.Line)
		lazy := logrec.ParseText(ex.Line)
		a, b := c.Classify(full), c.Classify(lazy)
		if (a == nil) != (b == nil) || (a != nil && (a.Class.ID != b.Class.ID || a.Cause != b.Cause)) {
			t.Errorf("Parse gives %v, ParseText %v: %s", a, b, ex.Line)
		}
		lazy.Complete()
		if !reflect.DeepEqual(lazy, full) {
			t.Errorf("ParseText+Complete differs from Parse: %s", ex.Line)
		}
	}
}
