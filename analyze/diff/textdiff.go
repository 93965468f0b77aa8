package diff

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rtsnap/rtsnap/analyze/facts"
)

// Bounds on line diffs: the LCS table costs 4 bytes per cell, and output is
// cut so a hostile pair of files cannot produce gigabytes. Two 46 KB
// bundles with long config lines made diff take 65 s and print 262 MB
// before these (issue #15); the budgets for a whole comparison are in
// bounds.go.
const (
	maxDiffCells = 4_000_000
	maxDiffLines = 2_000
	// maxDiffLineBytes cuts one output line; maxDiffBytes one file's diff.
	maxDiffLineBytes = 1 << 10
	maxDiffBytes     = 256 << 10
	contextLines     = 3
)

// Configs diffs every text file under configs/ present in both bundles with
// a different hash, line by line, within the comparison's budgets.
func Configs(a, b *facts.Node, _ Options, r *Result) {
	for _, p := range a.Paths() {
		if !strings.HasPrefix(p, "configs/") {
			continue
		}
		fb, ok := b.Files[p]
		if !ok || fb.SHA256 == a.Files[p].SHA256 {
			continue
		}
		if r.textBytes >= maxTextDiffBytes || r.cells >= maxTotalCells {
			r.TextDiffs = append(r.TextDiffs, TextDiff{Path: p, Note: "files differ; not diffed: the comparison's line-diff budget is spent"})
			r.summarize("text_diffs", "line-diff budget spent (%d MiB of output or %d million line comparisons); the remaining files are only named", maxTextDiffBytes>>20, maxTotalCells/1_000_000)
			continue
		}
		da, _ := a.File(p)
		db, _ := b.File(p)
		td, cells := text(p, da, db)
		r.cells += cells
		r.textBytes += int64(len(td.Unified))
		r.TextDiffs = append(r.TextDiffs, td)
	}
}

// Text is a unified diff of two versions of one file.
func Text(path string, a, b []byte) TextDiff {
	td, _ := text(path, a, b)
	return td
}

// text also returns the LCS cells it spent (the comparison's time budget).
func text(path string, a, b []byte) (TextDiff, int64) {
	if !utf8.Valid(a) || !utf8.Valid(b) || bytes.IndexByte(a, 0) >= 0 || bytes.IndexByte(b, 0) >= 0 {
		return TextDiff{Path: path, Note: "binary content differs"}, 0
	}
	la, lb := splitLines(a), splitLines(b)
	// Lines as small integers: the LCS compares ids, not (long) strings.
	ia, ib := internLines(la, lb)
	ops, cells, ok := lineOps(ia, ib)
	if !ok {
		return TextDiff{Path: path, Note: fmt.Sprintf("files differ; too large for a line diff (%d and %d lines)", len(la), len(lb))}, 0
	}
	u, cut := unified(path, la, lb, ops)
	td := TextDiff{Path: path, Unified: u}
	if cut != "" {
		td.Note = "diff cut at " + cut
	}
	return td, cells
}

// internLines numbers distinct lines; equal lines get equal ids. O(bytes).
func internLines(a, b []string) ([]int32, []int32) {
	ids := make(map[string]int32, len(a))
	conv := func(ls []string) []int32 {
		out := make([]int32, len(ls))
		for i, l := range ls {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return conv(a), conv(b)
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
func lineOps(a, b []int32) ([]op, int64, bool) {
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
	cells := int64(n+1) * int64(m+1)
	if n > 0 && m > 0 && cells > maxDiffCells {
		return nil, 0, false
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
	return ops, cells, true
}

// unified renders ops as hunks with context, cut at maxDiffLines lines or
// maxDiffBytes bytes (the returned string says which), each line at
// maxDiffLineBytes.
func unified(path string, a, b []string, ops []op) (string, string) {
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
				return out.String(), fmt.Sprintf("%d lines", maxDiffLines)
			}
			if out.Len() >= maxDiffBytes {
				return out.String(), fmt.Sprintf("%d KiB", maxDiffBytes>>10)
			}
			lines++
			var text string
			if o.kind == '+' {
				text = b[o.b]
			} else {
				text = a[o.a]
			}
			out.WriteByte(o.kind)
			out.WriteString(cutLine(text))
			out.WriteByte('\n')
		}
		k = end
	}
	return out.String(), ""
}

// cutLine bounds one diff line, on a rune boundary, saying how much was cut.
func cutLine(s string) string {
	if len(s) <= maxDiffLineBytes {
		return s
	}
	i := maxDiffLineBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return fmt.Sprintf("%s… [%d more bytes]", s[:i], len(s)-i)
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
