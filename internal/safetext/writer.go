package safetext

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// Writer passes a stream to w with every dangerous rune except newline and
// tab written as \uXXXX and invalid UTF-8 as \xNN. One wrapper covers a
// whole output: stderr (load errors naming entries), terminal text, and
// JSON, where encoding/json leaves C1 and bidi controls raw but \uXXXX is
// the JSON escape for the same character, so the document stays valid and
// means the same. A rune split across Write calls is held until complete.
type Writer struct {
	w       io.Writer
	pending []byte // an incomplete UTF-8 sequence from the last Write
	buf     []byte
}

// NewWriter wraps w. Call Flush at the end for a dangling partial rune.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Unwrap is the writer underneath: for the few outputs that must stay
// byte-exact (show --raw to a pipe) and for asking whether it is a terminal.
func (s *Writer) Unwrap() io.Writer { return s.w }

// Write sanitizes p; it reports len(p) when everything was written.
func (s *Writer) Write(p []byte) (int, error) {
	data := p
	if len(s.pending) > 0 {
		data = append(s.pending, p...)
		s.pending = nil
	}
	s.buf = s.buf[:0]
	for i := 0; i < len(data); {
		c := data[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			s.buf = append(s.buf, c)
			i++
			continue
		}
		if !utf8.FullRune(data[i:]) {
			s.pending = append([]byte(nil), data[i:]...)
			break
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			s.buf = fmt.Appendf(s.buf, "\\x%02x", c)
		case Dangerous(r):
			s.buf = fmt.Appendf(s.buf, "\\u%04x", r)
		default:
			s.buf = append(s.buf, data[i:i+size]...)
		}
		i += size
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a partial rune left at the end of the stream, escaped.
func (s *Writer) Flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	var out []byte
	for _, c := range s.pending {
		out = fmt.Appendf(out, "\\x%02x", c)
	}
	s.pending = nil
	_, err := s.w.Write(out)
	return err
}

// Bytes is the Writer's transformation of a whole buffer.
func Bytes(p []byte) []byte {
	var out sliceWriter
	sw := NewWriter(&out)
	sw.Write(p)
	sw.Flush()
	return out
}

type sliceWriter []byte

func (b *sliceWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }
