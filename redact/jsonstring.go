package redact

import "strings"

// JSON inside a JSON string: kubectl's last-applied-configuration
// annotation, a JSON log line in docker's "log" field or a journal
// MESSAGE. Its keys are escaped once more ("{\"password\":\"x\"}") and its
// own escapes twice (a URL's '&' as \u0026), so the text rules miss what
// the JSON rules find: such a string is parsed and redacted as a document
// and written back compact. Each level is shorter than the one holding
// it, so the recursion ends; maxNestedJSON bounds the work.
const maxNestedJSON = 1 << 20

// nestedJSON redacts v (a string node) as a JSON object when it holds one;
// ok is false when it does not (the caller redacts it as text).
func (r *Redactor) nestedJSON(v *node, ptr string, h *hits) bool {
	s := v.str
	t := strings.TrimSpace(s)
	// Only a string holding a trigger is parsed: one without any cannot
	// change, and quietRecord, which keeps such records as written, relies
	// on that. bitArgv is left out: its words are quoted ("mysql"), and a
	// nested document's quotes are escapes in the raw record, which
	// quietRecord does not read as the quote (an argv list inside a JSON
	// string stays as the text rules leave it, as before).
	if len(t) < 2 || len(t) > maxNestedJSON || t[0] != '{' || t[len(t)-1] != '}' || r.trig.scan(t)&^(1<<bitArgv) == 0 {
		return false
	}
	var lh hits
	p := jsonParser{}
	out, ok := r.redactJSONDocCompact(&p, []byte(t), nil, &lh)
	if !ok {
		return false
	}
	if len(lh.list) > 0 {
		lead := s[:strings.Index(s, t)]
		v.str, v.changed = lead+string(out)+s[len(lead)+len(t):], true
		for _, x := range lh.list {
			h.addN(x.rule, 0, ptr, x.n)
		}
	}
	return true
}

// entropyFlag: an argv "--license" followed by a generated-looking value.
func (r *Redactor) entropyFlag(flag, v *node) bool {
	if flag.kind != 's' || v.kind != 's' || !strings.HasPrefix(flag.str, "-") || strings.ContainsAny(flag.str, "= ") {
		return false
	}
	return r.keys.entropyKey(strings.TrimLeft(flag.str, "-")) && highEntropy(v.str)
}
