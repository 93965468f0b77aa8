package redact

import (
	"bytes"
	"strings"
)

// Private keys in comments. A key commented out of a Helm values file or a
// ConfigMap ("# -----BEGIN RSA PRIVATE KEY-----", then its body lines,
// commented too or not) is a key all the same (FuzzRedact found one
// passing the structured YAML path, which reads comments line by line and
// folds uncommented body lines into a plain scalar that holds no BEGIN).

// commentPrefixes start a comment in the formats the collector reads:
// YAML, TOML, shell and INI ('#', ';'), C-like ('//'), SQL and Lua ('--').
var commentPrefixes = []string{"#", "//", ";", "--"}

// stripComment removes leading blanks and one run of a comment prefix and
// the blanks after it: "  # MIIE" and "//MIIE" are both "MIIE".
func stripComment(s string) string {
	s = strings.TrimLeft(s, " \t")
	for _, p := range commentPrefixes {
		if strings.HasPrefix(s, p) {
			for strings.HasPrefix(s, p) {
				s = s[len(p):]
			}
			return strings.TrimLeft(s, " \t")
		}
	}
	return s
}

// pemInComment: a line of data holds a private key's BEGIN armour after a
// '#', where YAML and TOML put comments. The structured path then leaves
// the file to the line path, which carries the key's state across lines.
func pemInComment(data []byte) bool {
	if !mayHoldArmour(data) {
		return false
	}
	for len(data) > 0 {
		ln := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if loc := pemBeginRE.FindIndex(ln); loc != nil && bytes.IndexByte(ln[:loc[0]], '#') >= 0 {
			return true
		}
	}
	return false
}

// pemArmourSurvives: a private key's BEGIN armour is still in the
// structured path's output. Every key the path sees is replaced from its
// BEGIN on, so one left is a key it did not see.
func pemArmourSurvives(out []byte) bool {
	return mayHoldArmour(out) && pemBeginRE.Match(out)
}

// pemBodyLine: ln can be a line of the key whose BEGIN line st saw, once
// the BEGIN line's own prefix or a comment prefix and blanks are taken off:
// blank, base64 (isBase64Body: the body and a PGP checksum "=abcd"), or before the body
// an RFC 1421 header (Proc-Type: 4,ENCRYPTED, DEK-Info: ...; PGP's
// Version: and Comment:). A TOML or YAML line is none of these ("foo:
// bar" has a blank, "key = x" too), so a key that lost its END line stops
// there instead of taking the rest of the file with it.
func pemBodyLine(ln string, st *lineState) bool {
	t := strings.TrimSpace(ln)
	if st.pemPrefix != "" && strings.HasPrefix(t, st.pemPrefix) {
		t = strings.TrimSpace(t[len(st.pemPrefix):])
	} else {
		t = strings.TrimSpace(stripComment(t))
	}
	t = strings.TrimRight(t, `\"'`) // a quoted multi-line value's end
	if t == "" {
		return true
	}
	if isBase64Body(t) {
		st.pemBody = true
		return true
	}
	return !st.pemBody && isPEMHeader(t)
}

// isPEMHeader: "Name: value" with a header name of RFC 1421 (capitalized,
// hyphenated: Proc-Type, DEK-Info) or PGP's armor (Version, Comment).
func isPEMHeader(s string) bool {
	name, _, ok := strings.Cut(s, ":")
	if !ok || name == "" || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	if name == "Version" || name == "Comment" || name == "Hash" || name == "Charset" {
		return true
	}
	for i := 0; i < len(name); i++ {
		if !isKeyByte(name[i]) || name[i] == '_' || name[i] == '.' {
			return false
		}
	}
	return strings.Contains(name, "-")
}
