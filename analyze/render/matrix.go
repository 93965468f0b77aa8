package render

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Matrix is the node-by-finding view of many bundles. It keeps only one
// cell per node and rule id, so memory grows with nodes, not with findings.
type Matrix struct {
	Rules []MatrixRule `json:"rules"`
	Nodes []MatrixNode `json:"nodes"`
	rules map[string]int
}

// MatrixRule is one column.
type MatrixRule struct {
	ID    string           `json:"id"`
	Worst finding.Severity `json:"worst"`
	Nodes int              `json:"nodes"`
}

// MatrixNode is one row.
type MatrixNode struct {
	Bundle   string                `json:"bundle"`
	Node     string                `json:"node,omitempty"`
	Error    string                `json:"error,omitempty"`
	ExitCode int                   `json:"exit_code"`
	Cells    map[string]MatrixCell `json:"cells"`
}

// MatrixCell is how often and how badly one rule fired on one node.
type MatrixCell struct {
	Worst finding.Severity `json:"worst"`
	Count int              `json:"count"`
}

// Add records one bundle's findings.
func (m *Matrix) Add(bf BundleFindings) {
	if m.rules == nil {
		m.rules = map[string]int{}
	}
	row := MatrixNode{Bundle: bf.Bundle, Node: bf.Node, Error: bf.Error, ExitCode: bf.ExitCode, Cells: map[string]MatrixCell{}}
	for _, f := range bf.Findings {
		c, seen := row.Cells[f.ID]
		c.Count++
		if !seen || f.Severity > c.Worst {
			c.Worst = f.Severity
		}
		row.Cells[f.ID] = c
	}
	for id, c := range row.Cells {
		i, ok := m.rules[id]
		if !ok {
			i = len(m.Rules)
			m.rules[id] = i
			m.Rules = append(m.Rules, MatrixRule{ID: id, Worst: c.Worst})
		}
		r := &m.Rules[i]
		r.Nodes++
		if c.Worst > r.Worst {
			r.Worst = c.Worst
		}
	}
	m.Nodes = append(m.Nodes, row)
}

// sorted returns the columns worst first, then by id.
func (m *Matrix) sorted() []MatrixRule {
	rs := append([]MatrixRule(nil), m.Rules...)
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Worst != rs[j].Worst {
			return rs[i].Worst > rs[j].Worst
		}
		return rs[i].ID < rs[j].ID
	})
	return rs
}

// MatrixText prints rows of nodes and columns of rule ids (their RTnnnn
// prefix); a cell is the worst severity's initial and the count.
func MatrixText(w io.Writer, m *Matrix) {
	rules := m.sorted()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	hdr := []string{"NODE", "BUNDLE"}
	for _, r := range rules {
		id, _, _ := strings.Cut(r.ID, "-")
		hdr = append(hdr, id)
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for _, n := range m.Nodes {
		cols := []string{line(orDash(n.Node)), line(n.Bundle)}
		if n.Error != "" {
			cols[0] = "UNREADABLE"
		}
		for _, r := range rules {
			c, ok := n.Cells[r.ID]
			if !ok {
				cols = append(cols, ".")
				continue
			}
			cols = append(cols, fmt.Sprintf("%s%d", strings.ToUpper(c.Worst.String()[:1]), c.Count))
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, r := range rules {
		fmt.Fprintf(w, "%-40s worst %-8s on %d of %d node(s)\n", r.ID, r.Worst, r.Nodes, len(m.Nodes))
	}
	for _, n := range m.Nodes {
		if n.Error != "" {
			fmt.Fprintf(w, "unreadable: %s\n", line(n.Error))
		}
	}
}

// FindingsStream writes `findings --json` one bundle at a time, so many
// bundles never sit in memory together; Close adds the matrix.
type FindingsStream struct {
	w     io.Writer
	n     int
	exit  int
	m     Matrix
	multi bool
	err   error
}

// NewFindingsStream starts the document.
func NewFindingsStream(w io.Writer, multi bool) *FindingsStream {
	s := &FindingsStream{w: w, multi: multi}
	_, s.err = fmt.Fprintf(w, "{\n  \"schema\": %q,\n  \"bundles\": [", SchemaFindings)
	return s
}

// Add writes one bundle's entry.
func (s *FindingsStream) Add(bf BundleFindings) {
	if s.err != nil {
		return
	}
	b, err := json.MarshalIndent(bf, "    ", "  ")
	if err != nil {
		s.err = err
		return
	}
	sep := "\n    "
	if s.n > 0 {
		sep = ",\n    "
	}
	s.n++
	s.exit = max(s.exit, bf.ExitCode)
	if s.multi {
		s.m.Add(bf)
	}
	_, s.err = fmt.Fprintf(s.w, "%s%s", sep, b)
}

// Close ends the document with the matrix (several bundles) and the exit code.
func (s *FindingsStream) Close() error {
	if s.err != nil {
		return s.err
	}
	tail := "\n  ]"
	if s.n == 0 {
		tail = "]"
	}
	if _, err := io.WriteString(s.w, tail); err != nil {
		return err
	}
	if s.multi {
		m := s.m
		m.Rules = m.sorted()
		if m.Rules == nil {
			m.Rules = []MatrixRule{}
		}
		b, err := json.MarshalIndent(m, "  ", "  ")
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(s.w, ",\n  \"matrix\": %s", b); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(s.w, ",\n  \"exit_code\": %d\n}\n", s.exit)
	return err
}
