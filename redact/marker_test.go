package redact

import (
	"math/rand"
	"strings"
	"testing"
)

// insideMarkerByDefinition is insideMarker as it was written first: the
// last '[' within maxMarkerLen bytes before i, its first ']', a
// well-formed marker between them (the cutset form of wellFormedMarker).
func insideMarkerByDefinition(ln string, i int) bool {
	lo := max(0, i-maxMarkerLen)
	open := strings.LastIndexByte(ln[lo:i], '[')
	if open < 0 {
		return false
	}
	open += lo
	end := strings.IndexByte(ln[open:], ']')
	if end < 0 || open+end < i {
		return false
	}
	m := ln[open+1 : open+end]
	rest, pseudo := strings.CutPrefix(m, "PSEUDO:")
	if !pseudo {
		var ok bool
		if rest, ok = strings.CutPrefix(m, "REDACTED:"); !ok {
			return false
		}
	}
	rule, tok, hasTok := strings.Cut(rest, ":")
	if rule == "" || strings.Trim(rule, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || hasTok != pseudo {
		return false
	}
	return !pseudo || len(tok) == 12 && strings.Trim(tok, "0123456789abcdef") == ""
}

// TestInsideMarkerAgrees: insideMarker (back over marker bytes only) and
// wellFormedMarker (byte loops) against the first definition at every
// position of random lines of markers, their pieces and neighbours:
// pseudonyms, a rule name with a capital or a non-ASCII byte, brackets
// inside, markers longer than maxMarkerLen.
func TestInsideMarkerAgrees(t *testing.T) {
	pieces := []string{"[REDACTED:secret-key]", "[PSEUDO:jwt:0a1b2c3d4e5f]", "[PSEUDO:jwt:0a1b2c3d4e5]", "[PSEUDO:jwt:0a1b2c3d4e5G]", "[REDACTED:Secret]",
		"[REDACTED:sécret]", "[REDACTED:]", "[REDACTED:a:b]", "[", "]", "REDACTED:", "PSEUDO:", "secret-key", ":", "-", "x", " ", "=", "\"", "é",
		"[REDACTED:" + strings.Repeat("a", 100) + "]", "password=", "0a1b2c"}
	rng := rand.New(rand.NewSource(13))
	inside := 0
	for n := 0; n < 50000; n++ {
		var b strings.Builder
		for k := rng.Intn(10); k >= 0; k-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		ln := b.String()
		for i := 0; i <= len(ln); i++ {
			got, want := insideMarker(ln, i), insideMarkerByDefinition(ln, i)
			if got != want {
				t.Fatalf("insideMarker(%q, %d) = %v, the definition %v", ln, i, got, want)
			}
			if want {
				inside++
			}
		}
	}
	if inside < 10000 {
		t.Fatalf("only %d places inside markers", inside)
	}
}
