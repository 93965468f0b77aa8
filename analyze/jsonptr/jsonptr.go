// Package jsonptr resolves RFC 6901 JSON pointers in one streaming pass:
// members and elements before the target are skipped by the decoder's
// scanner, never decoded into maps, so a pointer into a large or hostile
// file costs time linear in the bytes up to the target and memory of the
// target only. Evidence in findings is a path plus such a pointer.
package jsonptr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNotFound is returned (wrapped) when the pointer names nothing, and
// ErrSyntax when it is not a pointer at all.
var (
	ErrNotFound = errors.New("no such value")
	ErrSyntax   = errors.New("not a JSON pointer")
)

// Parse splits a pointer into its reference tokens, unescaped: "" is the
// whole document, otherwise it starts with "/"; "~1" is "/" and "~0" is "~".
func Parse(ptr string) ([]string, error) {
	if ptr == "" {
		return nil, nil
	}
	if ptr[0] != '/' {
		return nil, fmt.Errorf("%w: %q does not start with /", ErrSyntax, ptr)
	}
	parts := strings.Split(ptr[1:], "/")
	for i, p := range parts {
		for j := 0; j < len(p); j++ {
			if p[j] == '~' && (j+1 == len(p) || (p[j+1] != '0' && p[j+1] != '1')) {
				return nil, fmt.Errorf("%w: %q: '~' must be followed by 0 or 1", ErrSyntax, ptr)
			}
		}
		// ~1 first: "~01" is "~1", not "/".
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// Extract returns the JSON text of the value ptr names in data, as it
// appears there (not re-encoded). Bytes after the value are not read: a
// file cut at its budget still shows what precedes the cut.
func Extract(data []byte, ptr string) (json.RawMessage, error) {
	tokens, err := Parse(ptr)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// at names where a walk stopped; built only for the error, since
	// building it at every step would be quadratic in the pointer's length.
	at := func(i int) string { return "/" + strings.Join(tokens[:i], "/") }
	for i, tok := range tokens {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("at %s: %w", at(i), err)
		}
		switch t {
		case json.Delim('{'):
			if err := seekMember(dec, tok); err != nil {
				return nil, fmt.Errorf("at %s: %w", at(i), err)
			}
		case json.Delim('['):
			if err := seekElement(dec, tok); err != nil {
				return nil, fmt.Errorf("at %s: %w", at(i), err)
			}
		default:
			return nil, fmt.Errorf("at %s: %w: a scalar has no member %q", at(i), ErrNotFound, tok)
		}
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("at %s: %w", ptr, err)
	}
	return raw, nil
}

// seekMember leaves dec before the value of member key (the first one, if
// a hostile file repeats it).
func seekMember(dec *json.Decoder, key string) error {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if k, _ := t.(string); k == key {
			return nil
		}
		if err := skip(dec); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: no member %q", ErrNotFound, key)
}

// seekElement leaves dec before element tok of an array.
func seekElement(dec *json.Decoder, tok string) error {
	// RFC 6901: decimal digits without leading zeros; "-" (past the end)
	// names no existing element.
	if tok == "" || (len(tok) > 1 && tok[0] == '0') || strings.TrimLeft(tok, "0123456789") != "" {
		return fmt.Errorf("%w: %q is not an array index", ErrNotFound, tok)
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		return fmt.Errorf("%w: index %q out of range", ErrNotFound, tok)
	}
	for i := 0; i < n; i++ {
		if !dec.More() {
			return fmt.Errorf("%w: index %d past the array's %d elements", ErrNotFound, n, i)
		}
		if err := skip(dec); err != nil {
			return err
		}
	}
	if !dec.More() {
		return fmt.Errorf("%w: index %d past the array's %d elements", ErrNotFound, n, n)
	}
	return nil
}

// skip consumes one value without building it.
func skip(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}
