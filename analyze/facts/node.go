// Package facts turns one bundle into typed, parsed facts, once, so rules are
// pure functions over them. Every file is untrusted: a parser that fails (or
// panics) leaves a ParseError behind instead of stopping the analysis.
package facts

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/bundle"
	mdbschema "github.com/rtsnap/rtsnap/internal/schema/metadb"
)

// Node is everything known about one node from one bundle.
type Node struct {
	// BundlePath is where the bundle was read from (for messages only).
	BundlePath string
	Manifest   *bundle.Manifest
	// Files indexes the manifest's file entries by path.
	Files map[string]bundle.FileEntry
	// Sources indexes source statuses by name; SourceIndex gives each one's
	// position in the manifest, for JSON pointers in evidence.
	Sources     map[string]bundle.SourceStatus
	SourceIndex map[string]int

	// Redaction is redaction-report.json, nil when missing or unreadable.
	Redaction *RedactionReport
	// Logs holds JSON-lines files (journal/*.jsonl and any other *.jsonl), by path.
	Logs map[string]*LogFile

	// ParseErrors lists every file (or line) a parser could not read.
	ParseErrors []ParseError
	// Cuts lists what the memory limit left out (at most maxCuts;
	// CutsMore counts the rest). Empty when the bundle fit.
	Cuts     []Cut
	CutsMore int
	// LogWorkSpent is what decoding the log files cost, in log work units
	// (logwork): the rules that read the records get the rest of the
	// bundle's budget (rules.Registry.Run). Decoding itself is bounded by
	// the memory limit (a quarter of it held), so it never stops for work.
	LogWorkSpent int64

	// Per-source facts (sources.go) and the container join table (join.go).
	sourceFacts
	// Containers joins every container id across CRI, containerd, runc,
	// cgroup and /proc, sorted by id (see join.go).
	Containers []*Container

	file   func(string) ([]byte, bool)
	budget *budget
	// unmarshal decodes structured files (nil: defaultUnmarshal); the
	// differential test sets encoding/json's.
	unmarshal func([]byte, any) error
}

// ParseError is a file the analyzer could not read as expected. Count is the
// number of bad lines in a line-oriented file (only the first is described).
type ParseError struct {
	Path   string `json:"path"`
	Parser string `json:"parser"`
	Line   int    `json:"line,omitempty"`
	Err    string `json:"error"`
	Count  int    `json:"count,omitempty"`
}

// Parser reads one kind of file into a Node. Parse may be handed any bytes.
type Parser struct {
	Name  string
	Match func(path string) bool
	Parse func(n *Node, path string, data []byte) error
}

// DefaultParsers are the parsers the analyzer runs. Per-source parsers are
// appended here as their schemas become importable.
func DefaultParsers() []Parser {
	return []Parser{redactionParser(), jsonLinesParser(), structuredParser(), textLogParser()}
}

// FromBundle builds a Node from a verified bundle, without a decode budget.
func FromBundle(path string, b *bundle.Bundle, parsers []Parser) *Node {
	return FromBundleBounded(path, b, parsers, 0)
}

// FromBundleBounded builds a Node whose decoded facts and log records stay
// within about decodeBudget bytes (<= 0: unbounded). Files the bundle
// reader did not hold and whatever the budget leaves out are Node.Cuts.
//
// Files outside configs/ are released from b once parsed: rules, the
// timeline and diff use their facts, and only configs/ are read as text
// later, so the raw bytes need not stay beside what was decoded from them.
func FromBundleBounded(path string, b *bundle.Bundle, parsers []Parser, decodeBudget int64) *Node {
	return build(path, b.Manifest, b.File, parsers, decodeBudget, b.NotHeld, b.Release)
}

// New builds a Node from a manifest and a way to read files. It never panics
// on file contents: failures become ParseErrors.
func New(bundlePath string, m *bundle.Manifest, file func(string) ([]byte, bool), parsers []Parser) *Node {
	return build(bundlePath, m, file, parsers, 0, nil, nil)
}

func build(bundlePath string, m *bundle.Manifest, file func(string) ([]byte, bool), parsers []Parser, decodeBudget int64, notHeld []string, release func(string)) *Node {
	return buildWith(bundlePath, m, file, parsers, decodeBudget, notHeld, release, nil)
}

// buildWith is build with the JSON decoder given (nil: defaultUnmarshal).
func buildWith(bundlePath string, m *bundle.Manifest, file func(string) ([]byte, bool), parsers []Parser, decodeBudget int64, notHeld []string, release func(string), unmarshal func([]byte, any) error) *Node {
	if m == nil {
		m = &bundle.Manifest{}
	}
	n := &Node{BundlePath: bundlePath, Manifest: m, Files: map[string]bundle.FileEntry{},
		Sources: map[string]bundle.SourceStatus{}, SourceIndex: map[string]int{},
		Logs: map[string]*LogFile{}, file: file, budget: &budget{limit: decodeBudget}, unmarshal: unmarshal}
	n.CRI, n.Containerd, n.MetaDB = map[string]*CRIEndpoint{}, map[string]*ContainerdEndpoint{}, map[string]*mdbschema.Check{}
	n.boundManifestText()
	for _, f := range m.Files {
		n.Files[f.Path] = f
	}
	for i, s := range m.Sources {
		if _, dup := n.Sources[s.Name]; !dup {
			n.Sources[s.Name], n.SourceIndex[s.Name] = s, i
		}
	}
	for _, p := range notHeld {
		n.cut(p, "file not read", fmt.Sprintf("%d bytes: the bundle's files are over the analyzer's memory limit", n.Files[p].Size))
	}
	for _, p := range n.Paths() {
		for _, pr := range parsers {
			if !pr.Match(p) {
				continue
			}
			data, ok := n.File(p)
			if !ok {
				continue
			}
			if err := runParser(n, pr, p, data); err != nil && !errors.Is(err, errCut) {
				n.ParseErrors = append(n.ParseErrors, ParseError{Path: p, Parser: pr.Name, Err: err.Error()})
			}
		}
		if release != nil && !strings.HasPrefix(p, "configs/") {
			release(p)
		}
	}
	n.buildKubelets()
	n.join()
	sort.SliceStable(n.ParseErrors, func(i, j int) bool { return n.ParseErrors[i].Path < n.ParseErrors[j].Path })
	return n
}

// runParser turns a parser panic into an error: a hostile file must not stop
// the analysis of everything else.
func runParser(n *Node, pr Parser, path string, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panicked: %v", r)
		}
	}()
	return pr.Parse(n, path, data)
}

// File returns a file's bytes.
func (n *Node) File(path string) ([]byte, bool) {
	if n.file == nil {
		return nil, false
	}
	return n.file(path)
}

// Paths lists the bundle's files, sorted.
func (n *Node) Paths() []string {
	out := make([]string, 0, len(n.Files))
	for p := range n.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Hostname is the node's name as the manifest gives it.
func (n *Node) Hostname() string { return n.Manifest.Host.Hostname }

// SourceNames lists sources in manifest order.
func (n *Node) SourceNames() []string {
	out := make([]string, 0, len(n.Manifest.Sources))
	for _, s := range n.Manifest.Sources {
		out = append(out, s.Name)
	}
	return out
}
