package redact

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// maxLine caps a line the streaming writer holds. A longer line is redacted
// in pieces cut after a separator (space, comma, quote...) near the cap, so a
// secret is normally whole in one piece. A token longer than the search
// window is cut where it is; when the piece's redaction ends in a marker, the
// token's continuation in the next piece is replaced too (a huge base64 key
// must not leak its tail).
const (
	maxLine   = 1 << 20
	cutWindow = 64 << 10
)

// NewWriter returns a writer that redacts line by line (Text, Env, YAML,
// TOML, JSONLines; JSON documents need Bytes) and writes to w. Close flushes
// the last line. Memory is bounded by maxLine whatever the input.
func (r *Redactor) NewWriter(file string, kind Kind, w io.Writer) io.WriteCloser {
	if kind == Auto {
		kind = KindOf(file)
	}
	// TOML and YAML are redacted whole (structured.go) up to
	// maxStructBytes, so they are held until Close; past that, line by line.
	return &lineWriter{r: r, file: file, kind: kind, w: w, lineMax: maxLine, window: cutWindow, whole: kind == TOML || kind == YAML}
}

type lineWriter struct {
	r    *Redactor
	file string
	kind Kind
	w    io.Writer
	buf  []byte
	line int
	// midLine: the last piece emitted ended without a newline.
	midLine bool
	// cont names the rule whose secret the previous piece was cut inside.
	cont            string
	st              lineState
	err             error
	lineMax, window int
	// whole: the document is held in doc, to be redacted at Close.
	whole bool
	doc   []byte
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	if lw.err != nil {
		return 0, lw.err
	}
	if lw.whole {
		if len(lw.doc)+len(p) <= maxStructBytes {
			lw.doc = append(lw.doc, p...)
			return len(p), nil
		}
		held := lw.doc
		lw.whole, lw.doc = false, nil
		lw.r.record(lw.file, &hits{notes: []string{structuredFallbackNote(lw.kind, errStructTooLarge)}})
		if _, err := lw.writeLines(held); err != nil {
			return 0, err
		}
	}
	return lw.writeLines(p)
}

func (lw *lineWriter) writeLines(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			lw.buf = append(lw.buf, p...)
			for len(lw.buf) >= lw.lineMax {
				cut, forced := lw.cutPoint()
				lw.emit(lw.buf[:cut], false, forced)
				lw.buf = append(lw.buf[:0], lw.buf[cut:]...)
			}
			break
		}
		lw.buf = append(lw.buf, p[:i]...)
		lw.emit(lw.buf, true, false)
		lw.buf = lw.buf[:0]
		p = p[i+1:]
	}
	return n, lw.err
}

// cutPoint is just after the last separator in the window before the cap,
// or the cap itself (forced) when the window holds none.
func (lw *lineWriter) cutPoint() (int, bool) {
	for i := lw.lineMax - 1; i >= lw.lineMax-lw.window && i > 0; i-- {
		if stopsValue(lw.buf[i]) {
			return i + 1, false
		}
	}
	return lw.lineMax, true
}

func (lw *lineWriter) emit(ln []byte, newline, forced bool) {
	if lw.err != nil {
		return
	}
	if !lw.midLine {
		lw.line++
	}
	var h hits
	prefix := ""
	if lw.cont != "" {
		// The rest of a secret cut at the previous piece's end.
		end := 0
		for end < len(ln) && !stopsValue(ln[end]) {
			end++
		}
		if end > 0 {
			prefix = lw.r.replacement(lw.cont, string(ln[:end]))
			h.add(lw.cont, lw.line, "")
			ln = ln[end:]
		}
		if len(ln) > 0 || newline {
			lw.cont = ""
		}
	}
	var out string
	switch lw.kind {
	case JSONLines:
		out = lw.r.jsonLine(string(ln), lw.line, &lw.st, &h)
	default:
		o := textOpts{env: lw.kind == Env, toml: lw.kind == TOML, yaml: lw.kind == YAML, secret: secretFileOf(lw.file), shapes: lw.kind == Env || lw.kind == Text}
		out = lw.r.line(string(ln), lw.line, o, &lw.st, &h)
	}
	if forced && lw.cont == "" {
		lw.cont = trailingMarkerRule(out)
	}
	out = prefix + out
	lw.r.record(lw.file, &h)
	lw.midLine = !newline
	if newline {
		out += "\n"
	}
	_, lw.err = io.WriteString(lw.w, out)
}

// trailingMarkerRule is the rule of a marker ending s (a closing quote
// allowed), or "".
func trailingMarkerRule(s string) string {
	s = strings.TrimRight(s, `"'`)
	if !strings.HasSuffix(s, "]") {
		return ""
	}
	i := strings.LastIndexByte(s, '[')
	if i < 0 {
		return ""
	}
	m := s[i+1 : len(s)-1]
	for _, p := range []string{"REDACTED:", "PSEUDO:"} {
		if rest, ok := strings.CutPrefix(m, p); ok {
			rule, _, _ := strings.Cut(rest, ":")
			return rule
		}
	}
	return ""
}

func (lw *lineWriter) Close() error {
	if lw.whole {
		var h hits
		out := lw.r.structured(lw.kind, lw.doc, &h)
		lw.r.record(lw.file, &h)
		lw.whole, lw.doc = false, nil
		if _, err := lw.w.Write(out); err != nil && lw.err == nil {
			lw.err = err
		}
		return lw.err
	}
	if len(lw.buf) > 0 {
		lw.emit(lw.buf, false, false)
		lw.buf = nil
	}
	return lw.err
}

// rulesFile is the --redact-rules format (YAML or JSON).
type rulesFile struct {
	Keys     []string `json:"keys"`
	Patterns []string `json:"patterns"`
}

// LoadRulesFile reads extra keys and patterns:
//
//	keys: [license_key, x-api-secret]
//	patterns: ['acme-[0-9a-f]{32}']
func LoadRulesFile(p string) (keys, patterns []string, err error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, err
	}
	var rf rulesFile
	if err := yaml.UnmarshalStrict(raw, &rf); err != nil {
		return nil, nil, fmt.Errorf("%s: %w (want keys: [...] and patterns: [...])", p, err)
	}
	for _, k := range rf.Keys {
		if strings.TrimSpace(k) == "" {
			return nil, nil, fmt.Errorf("%s: empty key", p)
		}
	}
	// Compile here so a bad pattern names the file.
	if _, err := New(Config{DisableDefaults: true, ExtraPatterns: rf.Patterns}); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	return rf.Keys, rf.Patterns, nil
}
