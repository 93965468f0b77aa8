// Package catalog is the failure catalog: root-cause classes of container
// runtime and kubelet failures as data (catalog.yaml), each with the
// patterns that recognise it in a parsed log record, its severity, what it
// means, how to fix it, references and real example lines from public issue
// threads. Classify maps one record to at most one class.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logrec"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// catalogFiles is the catalog: every *.yaml file of this directory, read in
// name order (catalog.yaml, then others such as crio.yaml), so that a
// runtime's classes can live in a file of their own.
//
//go:embed *.yaml
var catalogFiles embed.FS

// Schema is the catalog file's schema name.
const Schema = "rtsnap-analyze/catalog/v1"

// Catalog is the parsed file.
type Catalog struct {
	Schema  string   `json:"schema"`
	Classes []*Class `json:"classes"`
	// Ignore is normal narration that looks like a failure: a record that
	// matches is never classified.
	Ignore []Ignore  `json:"ignore"`
	Benign []Example `json:"benign"`

	// lits is every pattern's prefilter literals, found in one pass.
	lits literalSet
	// byLit lists, per literal id, the classes one of whose match
	// patterns has that literal in the first clause of a branch: a class
	// can match only a text holding such a literal (or, in always, one
	// of its patterns has no prefilter). Classify then runs the prefilter
	// of a handful of classes per record instead of every pattern's.
	byLit  [][]int
	always []int
}

// Ignore is one pattern of harmless narration and why it is harmless.
type Ignore struct {
	Match  string `json:"match"`
	Reason string `json:"reason"`

	pattern pattern
}

// Class is one root cause.
type Class struct {
	// ID is a rule id ("RT13nn-slug"): findings of this class carry it.
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Area     string           `json:"area"`
	Severity finding.Severity `json:"severity"`
	// Match: the class fires when any pattern matches the record's text.
	Match []string `json:"match"`
	// Unless: no pattern here may match (a more specific class owns it).
	Unless []string `json:"unless,omitempty"`
	// Priority lifts a class over a cause nearer the end of the chain: a
	// context class ("the sandbox image could not be pulled") outranks the
	// transport error inside it.
	Priority    int       `json:"priority,omitempty"`
	Explanation string    `json:"explanation"`
	Fix         []string  `json:"fix"`
	References  []string  `json:"references"`
	Examples    []Example `json:"examples"`

	match, unless []pattern
}

// Example is a real log line and where it was copied from.
type Example struct {
	Line   string `json:"line"`
	Source string `json:"source"`
}

// Load returns the embedded catalog, parsed and compiled on the first call
// only: parsing its YAML and compiling some 600 patterns was half of a small
// bundle's analysis (issue #19), and the embedded files cannot change while
// the process runs. Every caller gets the same catalog, which nothing may
// modify (Classify only reads it; LoadFS gives a catalog of one's own).
func Load() (*Catalog, error) { return loadEmbedded() }

var loadEmbedded = sync.OnceValues(func() (*Catalog, error) { return LoadFS(catalogFiles, ".") })

// LoadFS reads every *.yaml file directly in dir of fsys, in name order, as
// one catalog: classes, ignore and benign entries of all files in that order
// (catalog order breaks ties in Classify), ids unique across the files.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("catalog: no *.yaml file in %s", dir)
	}
	sort.Strings(names)
	docs := make([]Doc, 0, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		docs = append(docs, Doc{Name: name, Data: b})
	}
	return ParseDocs(docs...)
}

// Doc is one catalog file: its name (for errors) and content.
type Doc struct {
	Name string
	Data []byte
}

// Parse reads and checks one catalog document.
func Parse(doc []byte) (*Catalog, error) { return ParseDocs(Doc{Name: "catalog", Data: doc}) }

// ParseDocs reads catalog documents as one catalog and checks it: each
// document has the schema, ids are unique and well formed across all of
// them, patterns compile, every class is explained with a fix.
func ParseDocs(docs ...Doc) (*Catalog, error) {
	c := Catalog{Schema: Schema}
	for _, d := range docs {
		var part Catalog
		if err := yaml.UnmarshalStrict(d.Data, &part); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", d.Name, err)
		}
		if part.Schema != Schema {
			return nil, fmt.Errorf("catalog %s: schema %q, want %q", d.Name, part.Schema, Schema)
		}
		c.Classes = append(c.Classes, part.Classes...)
		c.Ignore = append(c.Ignore, part.Ignore...)
		c.Benign = append(c.Benign, part.Benign...)
	}
	return c.compile()
}

func (c *Catalog) compile() (*Catalog, error) {
	for i := range c.Ignore {
		ig := &c.Ignore[i]
		pt, err := compilePattern(ig.Match)
		if err != nil || ig.Reason == "" {
			return nil, fmt.Errorf("catalog: ignore %q: needs a valid pattern and a reason (%v)", ig.Match, err)
		}
		c.lits.add(&pt)
		ig.pattern = pt
	}
	seen := map[string]bool{}
	for _, cl := range c.Classes {
		if !idPattern.MatchString(cl.ID) {
			return nil, fmt.Errorf("catalog: class id %q: want RT<4 digits>-<slug>", cl.ID)
		}
		// The number alone names a class in findings and docs, so two
		// slugs on one number (two files numbered apart) are a clash too.
		num := cl.ID[:len("RT0000")]
		if seen[num] {
			return nil, fmt.Errorf("catalog: class %s: number %s listed twice", cl.ID, num)
		}
		seen[num] = true
		if cl.Title == "" || cl.Explanation == "" || len(cl.Fix) == 0 || len(cl.Match) == 0 {
			return nil, fmt.Errorf("catalog: class %s needs title, explanation, fix and match", cl.ID)
		}
		for _, p := range cl.Match {
			pt, err := compilePattern(p)
			if err != nil {
				return nil, fmt.Errorf("catalog: class %s: %w", cl.ID, err)
			}
			c.lits.add(&pt)
			cl.match = append(cl.match, pt)
		}
		for _, p := range cl.Unless {
			pt, err := compilePattern(p)
			if err != nil {
				return nil, fmt.Errorf("catalog: class %s: %w", cl.ID, err)
			}
			c.lits.add(&pt)
			cl.unless = append(cl.unless, pt)
		}
	}
	c.lits.build()
	c.indexClasses()
	return c, nil
}

// indexClasses fills byLit and always (see Catalog).
func (c *Catalog) indexClasses() {
	c.byLit = make([][]int, len(c.lits.list))
	for ci, cl := range c.Classes {
		listed := map[int]bool{}
		always := false
		for _, p := range cl.match {
			if p.pre == nil {
				always = true
				continue
			}
			for _, b := range p.pre {
				for _, id := range b[0] {
					if !listed[id] {
						listed[id] = true
						c.byLit[id] = append(c.byLit[id], ci)
					}
				}
			}
		}
		if always {
			c.always = append(c.always, ci)
		}
	}
}

// candidatesOf marks the classes that may match a text in which the
// literals with these ids were found: a necessary condition, never a
// sufficient one.
func (c *Catalog) candidatesOf(ids []int) []bool {
	cand := make([]bool, len(c.Classes))
	for _, ci := range c.always {
		cand[ci] = true
	}
	for _, id := range ids {
		for _, ci := range c.byLit[id] {
			cand[ci] = true
		}
	}
	return cand
}

var idPattern = regexp.MustCompile(`^RT[0-9]{4}-[a-z0-9]+(-[a-z0-9]+)*$`)

// Match is a record's class and where in its text the cause matched.
type Match struct {
	Class *Class
	// Cause is the matched text; Pos its offset in the record's text.
	Cause string
	Pos   int
}

// Classify returns the class of a record, or nil. Among classes whose
// patterns match, the highest Priority wins, then the match nearest the end
// of the text (the innermost cause of an error chain: "failed to pull: ...:
// 401 Unauthorized" is an auth failure, not a generic pull failure), then
// catalog order. Cost: one pass of the literal automaton over the lowered
// text, the prefilters of the classes one of whose literals it holds, then
// each pattern whose prefilter holds once over it (RE2, linear).
func (c *Catalog) Classify(r logrec.Record) *Match {
	m, _ := c.ClassifyWithin(r, nil)
	return m
}

// ClassifyWithin is Classify paying each pattern run from b (nil: no
// bound). ok is false when b ran out before the record was judged: the
// record is not classified (m is nil), and the caller stops, since every
// later record would be refused too.
func (c *Catalog) ClassifyWithin(r logrec.Record, b *logwork.Budget) (m *Match, ok bool) {
	if b.Exhausted() {
		return nil, false
	}
	found, ids := c.lits.findIDs(foldLower(r.Text))
	for _, ig := range c.Ignore {
		if ig.pattern.mayMatch(found) {
			if !b.Pay(logwork.Read(len(r.Text))) {
				return nil, false
			}
			if ig.pattern.re.MatchString(r.Text) {
				return nil, true
			}
		}
	}
	var best *Match
	bestPrio := 0
	cand := c.candidatesOf(ids)
	for ci, cl := range c.Classes {
		if !cand[ci] {
			continue
		}
		pos, cause := -1, ""
		for _, p := range cl.match {
			if !p.mayMatch(found) {
				continue
			}
			if !b.Pay(logwork.Read(len(r.Text))) {
				return nil, false
			}
			if loc := lastMatch(p.re, r.Text); loc != nil && loc[0] > pos {
				pos, cause = loc[0], r.Text[loc[0]:loc[1]]
			}
		}
		if pos < 0 {
			continue
		}
		unless, ok := anyMatchWithin(cl.unless, r.Text, found, b)
		if !ok {
			return nil, false
		}
		if unless {
			continue
		}
		if best == nil || cl.Priority > bestPrio || (cl.Priority == bestPrio && pos > best.Pos) {
			best, bestPrio = &Match{Class: cl, Cause: cause, Pos: pos}, cl.Priority
		}
	}
	return best, true
}

// lastMatch is the last non-overlapping match of re in s: one linear scan.
func lastMatch(re *regexp.Regexp, s string) []int {
	all := re.FindAllStringIndex(s, -1)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

func anyMatch(ps []pattern, s string, found []bool) bool {
	m, _ := anyMatchWithin(ps, s, found, nil)
	return m
}

// anyMatchWithin is anyMatch paying each run from b; ok is false when b ran out.
func anyMatchWithin(ps []pattern, s string, found []bool, b *logwork.Budget) (match, ok bool) {
	for _, p := range ps {
		if p.mayMatch(found) {
			if !b.Pay(logwork.Read(len(s))) {
				return false, false
			}
			if p.re.MatchString(s) {
				return true, true
			}
		}
	}
	return false, true
}

// ClassifyLine parses and classifies one line.
func (c *Catalog) ClassifyLine(line string) *Match { return c.Classify(logrec.Parse(line)) }

// Areas lists the classes' areas in first-seen order, for docs.
func (c *Catalog) Areas() []string {
	var out []string
	seen := map[string]bool{}
	for _, cl := range c.Classes {
		if !seen[cl.Area] {
			seen[cl.Area] = true
			out = append(out, cl.Area)
		}
	}
	return out
}

// Markdown renders the catalog for docs/rules.md.
func (c *Catalog) Markdown() string {
	var b strings.Builder
	b.WriteString("\n## Failure catalog (family 13: log records)\n\n")
	b.WriteString("Generated from `analyze/catalog/*.yaml`. Every daemon, kubelet and kernel log record (journal and daemon log files; not container output) is parsed (`analyze/logrec`: klog, logrus, JSON, syslog, kernel, kubectl event rows; quoting undone, error chain split) and given at most one class: the highest priority, then the match nearest the innermost cause. ")
	b.WriteString("A finding says whether the cause is current (backed by state in the bundle), recent (inside the window before collection) or history, with first and last time and count; a log-only finding that current state contradicts is info \"resolved history\".\n")
	for _, area := range c.Areas() {
		fmt.Fprintf(&b, "\n### %s\n\n| id | title | severity | matches | what to do | examples |\n|---|---|---|---|---|---|\n", area)
		for _, cl := range c.Classes {
			if cl.Area != area {
				continue
			}
			var pats []string
			for _, p := range cl.Match {
				pats = append(pats, "`"+mdCell(p)+"`")
			}
			var srcs []string
			for i, e := range cl.Examples {
				srcs = append(srcs, fmt.Sprintf("[%d](%s)", i+1, e.Source))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cl.ID, mdCell(cl.Title), cl.Severity, strings.Join(pats, "<br>"),
				mdCell(strings.Join(cl.Fix, " ")), strings.Join(srcs, " "))
		}
	}
	return b.String()
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
