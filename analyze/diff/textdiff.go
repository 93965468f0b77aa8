package diff

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rtsnap/rtsnap/analyze/facts"
)

// Bounds on line diffs: the LCS table costs 4 bytes per cell, and output is
// cut so a hostile pair of files cannot produce gigabytes.
const (
	maxDiffCells = 4_000_000
	maxDiffLines = 2_000
	contextLines = 3
)

// Configs diffs every text file under configs/ present in both bundles with
// a different hash, line by line.
func Configs(a, b *facts.Node, _ Options, r *Result) {
	for _, p := range a.Paths() {
		if !strings.HasPrefix(p, "configs/") {
			continue
		}
		fb, ok := b.Files[p]
		if !ok || fb.SHA256 == a.Files[p].SHA256 {
			continue
		}
		da, _ := a.File(p)
		db, _ := b.File(p)
		r.TextDiffs = append(r.TextDiffs, Text(p, da, db))
	}
}

// Text is a unified diff of two versions of one file.
func Text(path string, a, b []byte) TextDiff {
	if !utf8.Valid(a) || !utf8.Valid(b) || bytes.IndexByte(a, 0) >= 0 || bytes.IndexByte(b, 0) >= 0 {
		return TextDiff{Path: path, Note: "binary content differs"}
	}
	la, lb := splitLines(a), splitLines(b)
	ops, ok := lineOps(la, lb)
	if !ok {
		return TextDiff{Path: path, Note: fmt.Sprintf("files differ; too large for a line diff (%d and %d lines)", len(la), len(lb))}
	}
	u, cut := unified(path, la, lb, ops)
	td := TextDiff{Path: path, Unified: u}
	if cut {
		td.Note = fmt.Sprintf("diff cut at %d lines", maxDiffLines)
	}
	return td
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// op is one line of an edit script; a and b are the positions in each file
// at which it applies.
type op struct {
	kind byte // ' ', '-', '+'
	a, b int
}

// lineOps is a longest-common-subsequence edit script after trimming the
// common prefix and suffix (configs usually differ in a few lines).
func lineOps(a, b []string) ([]op, bool) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	am, bm := a[p:len(a)-s], b[p:len(b)-s]
	n, m := len(am), len(bm)
	if n > 0 && m > 0 && (n+1)*(m+1) > maxDiffCells {
		return nil, false
	}
	var ops []op
	for i := 0; i < p; i++ {
		ops = append(ops, op{' ', i, i})
	}
	w := m + 1
	dp := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if am[i] == bm[j] {
				dp[i*w+j] = dp[(i+1)*w+j+1] + 1
			} else {
				dp[i*w+j] = max(dp[(i+1)*w+j], dp[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && am[i] == bm[j]:
			ops = append(ops, op{' ', p + i, p + j})
			i, j = i+1, j+1
		case j == m || (i < n && dp[(i+1)*w+j] >= dp[i*w+j+1]):
			ops = append(ops, op{'-', p + i, p + j})
			i++
		default:
			ops = append(ops, op{'+', p + i, p + j})
			j++
		}
	}
	for k := 0; k < s; k++ {
		ops = append(ops, op{' ', p + n + k, p + m + k})
	}
	return ops, true
}

// unified renders ops as hunks with context, cut at maxDiffLines.
func unified(path string, a, b []string, ops []op) (string, bool) {
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", path, path)
	lines := 0
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(0, k-contextLines)
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// a run of equal lines: end the hunk if it is longer than twice the context
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*contextLines {
				end = min(end+contextLines, len(ops))
				break
			}
			end = run
		}
		na, nb := 0, 0
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(ops[start].a, na), hunkRange(ops[start].b, nb))
		for _, o := range ops[start:end] {
			if lines == maxDiffLines {
				return out.String(), true
			}
			lines++
			switch o.kind {
			case '+':
				out.WriteString("+" + b[o.b] + "\n")
			default:
				out.WriteString(string(o.kind) + a[o.a] + "\n")
			}
		}
		k = end
	}
	return out.String(), false
}

func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if count == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}
