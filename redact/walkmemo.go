package redact

// walkMemo is what one JSON document's walk remembers about strings that
// recur in it, as they do from record to record of a node's container
// specs (capability names, mount options, the service-account token's path,
// the same image's environment; every object's keys): the string values
// the text rules left as they were, and each key's verdict as a secret's
// name. A string is then looked at once per document instead of once per
// record. It is sound because both are functions of the string alone (and
// of the Redactor's configuration, fixed at New): jsonWalker.walk calls
// r.text on a string value with options it derives from the string
// itself, and keyMatcher.isSecret reads only its key. A value that came
// out unchanged once comes out unchanged every time; one with a hit is
// not remembered, so it is redacted, and counted, wherever it appears.
type walkMemo struct {
	clean      stringMemo[struct{}]
	secretKeys stringMemo[bool]
}

// stringMemo maps strings to what was found about them. The walk's strings
// are views of the parser's input, which the streamed paths reuse record
// after record, so a key is a copy, kept in chunks of an arena rather than
// one allocation each. It is bounded: when its keys reach maxMemoBytes it
// is emptied and starts again, so a document of unique strings costs at
// most that much memory and a copy of each short one.
type stringMemo[V any] struct {
	seen  map[string]V
	chunk []byte // the arena's current chunk: keys are views of it
	bytes int    // bytes of keys since the memo was last emptied
}

const (
	// maxMemoLen is the longest string remembered: longer ones are mostly
	// unique (a command line, a message) and costly to copy.
	maxMemoLen = 256
	// maxMemoBytes bounds the bytes of a memo's keys.
	maxMemoBytes = 1 << 20
	// memoChunk is the arena's chunk size.
	memoChunk = 64 << 10
)

// get is what was put for s, if anything.
func (c *stringMemo[V]) get(s string) (V, bool) {
	v, ok := c.seen[s]
	return v, ok
}

// put remembers v for s.
func (c *stringMemo[V]) put(s string, v V) {
	if len(s) > maxMemoLen || s == "" {
		return
	}
	switch {
	case c.seen == nil:
		c.seen = make(map[string]V, 256)
	case c.bytes+len(s) > maxMemoBytes:
		// Emptied rather than kept full: what recurs now is what the
		// rest of the document repeats. The map keeps its room (growing
		// it again was a tenth of the memo's cost); the old chunks go.
		clear(c.seen)
		c.bytes, c.chunk = 0, nil
	}
	if cap(c.chunk)-len(c.chunk) < len(s) {
		c.chunk = make([]byte, 0, memoChunk)
	}
	start := len(c.chunk)
	c.chunk = append(c.chunk, s...)
	c.seen[view(c.chunk[start:])] = v
	c.bytes += len(s)
}

// knownClean: s, a string value, was left as it was by the text rules
// earlier in the document.
func (w *jsonWalker) knownClean(s string) bool {
	if w.memo == nil {
		return false
	}
	_, ok := w.memo.clean.get(s)
	return ok
}

// rememberClean notes that the text rules left s as it was.
func (w *jsonWalker) rememberClean(s string) {
	if w.memo != nil {
		w.memo.clean.put(s, struct{}{})
	}
}

// secretKey is r.keys.isSecret(k), remembered.
func (w *jsonWalker) secretKey(k string) bool {
	if w.memo == nil {
		return w.r.keys.isSecret(k)
	}
	if v, ok := w.memo.secretKeys.get(k); ok {
		return v
	}
	v := w.r.keys.isSecret(k)
	w.memo.secretKeys.put(k, v)
	return v
}
