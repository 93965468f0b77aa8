package redact

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// maxLine caps a line the streaming writer holds; a longer line is redacted
// in pieces of this size (a secret split across a piece boundary is the one
// thing this cannot see, so pieces are large).
const maxLine = 1 << 20

// NewWriter returns a writer that redacts line by line (Text, Env, JSONLines;
// other kinds are treated as Text) and writes to w. Close flushes the last line.
func (r *Redactor) NewWriter(file string, kind Kind, w io.Writer) io.WriteCloser {
	if kind == Auto {
		kind = KindOf(file)
	}
	return &lineWriter{r: r, file: file, kind: kind, w: w}
}

type lineWriter struct {
	r    *Redactor
	file string
	kind Kind
	w    io.Writer
	buf  []byte
	line int
	st   lineState
	err  error
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	if lw.err != nil {
		return 0, lw.err
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			lw.buf = append(lw.buf, p...)
			for len(lw.buf) >= maxLine {
				lw.emit(lw.buf[:maxLine], false)
				lw.buf = append(lw.buf[:0], lw.buf[maxLine:]...)
			}
			break
		}
		lw.buf = append(lw.buf, p[:i]...)
		lw.emit(lw.buf, true)
		lw.buf = lw.buf[:0]
		p = p[i+1:]
	}
	return n, lw.err
}

func (lw *lineWriter) emit(ln []byte, newline bool) {
	if lw.err != nil {
		return
	}
	lw.line++
	var h hits
	var out string
	switch lw.kind {
	case JSONLines:
		out = lw.r.jsonLine(string(ln), lw.line, &h)
	default:
		o := textOpts{env: lw.kind == Env, toml: lw.kind == TOML, yaml: lw.kind == YAML}
		out = lw.r.line(string(ln), lw.line, o, &lw.st, &h)
	}
	lw.r.record(lw.file, &h)
	if newline {
		out += "\n"
	}
	_, lw.err = io.WriteString(lw.w, out)
}

func (lw *lineWriter) Close() error {
	if len(lw.buf) > 0 {
		lw.emit(lw.buf, false)
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
