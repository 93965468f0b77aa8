package collect

import (
	"bytes"
	"encoding/json"

	"github.com/rtsnap/rtsnap/redact"
)

// StreamedJSON is what the streamed paths write for v, as streamValue
// tries them but with every threshold at its lowest: its parts when it
// splits (a list of any length; path "parts"), else its compact form
// record by record ("compact"); redact.ErrNotStreamed when neither
// applies. For the lab's differential test (package collect_test).
func StreamedJSON(red *redact.Redactor, file string, v any) (out []byte, path string, err error) {
	var buf bytes.Buffer
	if parts, ok := splitJSON(v, 1); ok {
		if _, err := parts.redact(&buf, red, file); err == nil {
			return buf.Bytes(), "parts", nil
		}
		buf.Reset()
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	_, err = red.WriteJSON(&buf, file, data)
	return buf.Bytes(), "compact", err
}
