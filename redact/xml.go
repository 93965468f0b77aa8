package redact

import "strings"

// XML carries secrets where key=value rules do not look: as an element's
// text (<password>x</password>, Maven settings.xml), as the value attribute
// of an element named by its name or key attribute (<add key="ApiKey"
// value="x"/>, .NET appSettings; <entry name="password" value="x"/>), as the
// value attribute of an element named by a secret word (<db_password
// value="x"/>), and as the text of an element whose opening tag ends its line
// (<apiToken>, the value on the next line, then </apiToken>). Attributes
// named by a secret word (<server password="x"/>) are key=value pairs, found
// by scanKeyValues. One pass from each '<'; an element's scan stops at its
// '>' or after maxXMLTag bytes, so a line costs time linear in its length.
// (Cases: detect-secrets' keyword_xml_test.py, gitleaks' XML samples.)

// maxXMLTag bounds how far an element's attributes are read.
const maxXMLTag = 4096

// xmlAttr is an attribute's name and its quoted value's bounds (without
// the quotes).
type xmlAttr struct {
	name   string
	vs, ve int
}

// xmlValues redacts the values of one line's elements.
func (r *Redactor) xmlValues(ln string, n int, o textOpts, st *lineState, h *hits) string {
	var b strings.Builder
	last := 0
	var attrs [8]xmlAttr
	for p := strings.IndexByte(ln, '<'); p >= 0 && p < len(ln); {
		next := p + 1
		name, as, end, closed, ok := xmlTag(ln, p, attrs[:0])
		if end > next {
			next = end // also past a tag that did not parse: each byte is read once
		}
		if ok {
			next = end
			secret := r.keys.isSecret(name) && !isSourceFile(strings.ToLower(name))
			for _, a := range as {
				if !secret && isXMLNameAttr(a.name) && r.keys.isSecret(ln[a.vs:a.ve]) {
					secret = true
				}
			}
			if secret {
				for _, a := range as {
					if strings.EqualFold(a.name, "value") && a.vs >= last {
						if v := ln[a.vs:a.ve]; v != "" && !boringValue(v) && !isMarker(v) {
							b.WriteString(ln[last:a.vs])
							b.WriteString(r.replacement(RuleSecretKey, v))
							last = a.ve
							r.place(h, RuleSecretKey, n, o)
						}
					}
				}
				if !closed {
					ts, te := xmlText(ln, end)
					switch {
					case ts == te && strings.TrimSpace(ln[end:]) == "":
						st.xmlOpen = true // the value is on the next line
					case ts < te && ts >= last:
						if v := ln[ts:te]; !boringValue(v) && !isMarker(v) {
							b.WriteString(ln[last:ts])
							b.WriteString(r.replacement(RuleSecretKey, v))
							last = te
							r.place(h, RuleSecretKey, n, o)
						}
					}
				}
			}
		}
		i := strings.IndexByte(ln[next:], '<')
		if i < 0 {
			break
		}
		p = next + i
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

// xmlValueLine redacts the line after an opening tag that ended its line
// (st.xmlOpen): its text up to the next '<'. ok is false when the line is
// markup (the element held other elements).
func (r *Redactor) xmlValueLine(ln string, n int, o textOpts, st *lineState, h *hits) (string, bool) {
	st.xmlOpen = false
	ts, te := xmlText(ln, 0)
	if ts >= te || ln[ts] == '<' {
		return "", false
	}
	v := ln[ts:te]
	if boringValue(v) || isMarker(v) {
		return "", false
	}
	r.place(h, RuleSecretKey, n, o)
	return ln[:ts] + r.replacement(RuleSecretKey, v) + ln[te:], true
}

// xmlText is the text from i up to the next '<' (or the line's end),
// without the spaces around it.
func xmlText(ln string, i int) (int, int) {
	e := strings.IndexByte(ln[i:], '<')
	if e < 0 {
		e = len(ln)
	} else {
		e += i
	}
	for i < e && isXMLSpace(ln[i]) {
		i++
	}
	for e > i && isXMLSpace(ln[e-1]) {
		e--
	}
	return i, e
}

// xmlTag reads the element starting at ln[p] == '<': its name, its quoted
// attributes, where it ends (after '>'), and whether it closes itself
// ("/>"). ok is false for closing tags, comments, declarations and what is
// not a tag; end is then how far the scan read (the caller goes on from
// there, so each byte of a line is read once).
func xmlTag(ln string, p int, attrs []xmlAttr) (name string, as []xmlAttr, end int, closed, ok bool) {
	i := p + 1
	for i < len(ln) && ln[i] == ' ' {
		i++
	}
	ns := i
	for i < len(ln) && isXMLNameByte(ln[i]) {
		i++
	}
	if i == ns || i-ns > maxKeyLen {
		return "", nil, 0, false, false
	}
	name = ln[ns:i]
	limit := min(len(ln), p+maxXMLTag)
	for i < limit {
		c := ln[i]
		switch {
		case c == '>':
			return name, attrs, i + 1, i > p && ln[i-1] == '/', true
		case c == '<':
			return "", nil, i, false, false // not a tag: go on from this '<'
		case isXMLNameByte(c):
			an := i
			for i < limit && isXMLNameByte(ln[i]) {
				i++
			}
			aname := ln[an:i]
			for i < limit && ln[i] == ' ' {
				i++
			}
			if i >= limit || ln[i] != '=' {
				continue
			}
			i++
			for i < limit && ln[i] == ' ' {
				i++
			}
			if i >= limit || (ln[i] != '"' && ln[i] != '\'') {
				continue
			}
			q := ln[i]
			e := strings.IndexByte(ln[i+1:limit], q)
			if e < 0 {
				return "", nil, limit, false, false
			}
			if len(attrs) < cap(attrs) {
				attrs = append(attrs, xmlAttr{aname, i + 1, i + 1 + e})
			}
			i += e + 2
		default:
			i++
		}
	}
	return "", nil, limit, false, false
}

// isXMLNameAttr: attributes that name the element's value (key="ApiKey").
func isXMLNameAttr(a string) bool {
	switch strings.ToLower(a) {
	case "name", "key", "id", "property", "param":
		return true
	}
	return false
}

func isXMLNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }
