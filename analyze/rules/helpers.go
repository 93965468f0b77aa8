package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Bounds on what one rule reports: evidence per finding and findings per rule.
const (
	maxFindings = 50
	excerptMax  = 400
)

// ev is evidence at a JSON pointer with v as the excerpt.
func ev(r facts.Ref, v any) finding.Evidence {
	return finding.Evidence{Path: r.Path, Pointer: r.Pointer, Excerpt: finding.ExcerptJSON(v, excerptMax)}
}

// evLine is evidence at a line of a log file.
func evLine(path string, line int, msg string) finding.Evidence {
	return finding.Evidence{Path: path, LineStart: line, LineEnd: line, Excerpt: finding.Cut(msg, excerptMax)}
}

// subjectOf names a container the way people look for it.
func subjectOf(c *facts.Container) finding.Subject {
	s := finding.Subject{Endpoint: c.Endpoint, Pod: c.Pod, Container: c.Name}
	s.Namespace = c.PodNamespace
	if s.Namespace == "" {
		s.Namespace = c.Namespace
	}
	if s.Container == "" && !c.Sandbox {
		s.Container = facts.ShortID(c.ID)
	}
	if c.Pod == "" && c.Sandbox {
		s.Container = facts.ShortID(c.ID)
	}
	return s
}

// containerEvidence cites every view of a container that exists, CRI first.
func containerEvidence(c *facts.Container) []finding.Evidence {
	var out []finding.Evidence
	if c.CRI != nil {
		st := any(c.CRI.Container)
		if c.CRI.Status != nil {
			st = c.CRI.Status
		}
		out = append(out, ev(c.CRIRef, st))
	} else if c.CRIPod != nil {
		out = append(out, ev(c.CRIRef, c.CRIPod.Pod))
	}
	if c.Task != nil {
		out = append(out, ev(c.TaskRef, c.Task))
	}
	if c.NoTask != nil {
		out = append(out, ev(c.NoTaskRef, c.NoTask))
	}
	if c.Runc != nil {
		out = append(out, ev(c.RuncRef, map[string]any{"id": c.Runc.ID, "init_process_pid": c.Runc.InitPID, "init_process_start": c.Runc.InitStart, "liveness": c.Runc.Liveness}))
	}
	if c.Cgroup != nil {
		out = append(out, ev(c.CgroupRef, map[string]any{"path": c.Cgroup.Path, "freeze": c.Cgroup.Freeze, "memory": c.Cgroup.Memory}))
	}
	return out
}

// logHit is one log line a rule matched.
type logHit struct {
	Path string
	Rec  facts.LogRecord
}

// hitsEvidence cites up to maxEvidence hits.
func hitsEvidence(hits []logHit) []finding.Evidence {
	var out []finding.Evidence
	for i, h := range hits {
		if i == maxEvidence {
			break
		}
		e := evLine(h.Path, h.Rec.Line, h.Rec.Message)
		e.Time = h.Rec.Time
		out = append(out, e)
	}
	return out
}

// seenOf is the Seen of a finding resting on hits: their count and the
// earliest and latest times among them (hits are in path then line order,
// so the times are searched, not taken from the ends); times stay zero when
// no line carries one.
func seenOf(hits []logHit) *finding.Seen {
	s := &finding.Seen{Count: len(hits)}
	for _, h := range hits {
		t := h.Rec.Time
		if t.IsZero() {
			continue
		}
		if s.First.IsZero() || t.Before(s.First) {
			s.First = t
		}
		if t.After(s.Last) {
			s.Last = t
		}
	}
	return s
}

// plural renders "1 container" / "3 containers".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// containsFold is strings.Contains(strings.ToLower(s), sub) for a sub in
// lower-case ASCII, without the lowered copy when s is ASCII: the rules that
// look for a phrase in every log record made one such copy per record each
// (a twentieth of inspect at 2,000 containers, issue #19). For ASCII s the
// only bytes ToLower changes are A-Z, so comparing each byte lowered is the
// same test; other text takes ToLower's way (FuzzContainsFold).
func containsFold(s, sub string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), sub)
		}
	}
	if len(sub) == 0 {
		return true
	}
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for j < len(sub) && lowerASCII(s[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// capFindings keeps a rule's output bounded.
func capFindings(fs []finding.Finding) []finding.Finding {
	if len(fs) > maxFindings {
		return fs[:maxFindings]
	}
	return fs
}
