package redact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// corpusCase is one line of testdata/corpus.jsonl (its README says where
// each input comes from).
type corpusCase struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Input   string   `json:"input"`
	Secrets []string `json:"secrets"`
}

func corpusCases(t testing.TB) []corpusCase {
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c corpusCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// streamDocs are list documents shaped as the collector writes them (a
// list under a key next to scalar fields; a top-level list), their records
// being the corpus' JSON inputs and objects around its other inputs.
func streamDocs(t testing.TB) map[string][]byte {
	var records []json.RawMessage
	for _, c := range corpusCases(t) {
		if c.Kind == "json" && json.Valid([]byte(c.Input)) {
			in := strings.TrimSpace(c.Input)
			if !strings.HasPrefix(in, "{") {
				in = `{"inspect": ` + in + `}` // docker inspect's answer is a list
			}
			records = append(records, json.RawMessage(in))
			continue
		}
		// A string field holding the input, and a CRI env pair.
		b, _ := json.Marshal(map[string]any{"id": c.ID, "log": c.Input,
			"envs": []map[string]string{{"key": "DB_PASSWORD", "value": c.Input}}})
		records = append(records, b)
	}
	if len(records) < 200 {
		t.Fatalf("only %d records from the corpus", len(records))
	}
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[string][]byte{
		"list under a key":  marshal(map[string]any{"containers": records, "error": "dial unix /run/x.sock: token=abc123def456ghi789", "truncated": true}),
		"top-level list":    marshal(records),
		"two lists":         marshal(map[string]any{"a": records[:50], "b": []string{"--password", "hunter2hunter2"}, "c": records[50:], "n": 1.5e300}),
		"indented, newline": append(bytes.ReplaceAll(marshal(map[string]any{"x": records[:20]}), []byte(`,"`), []byte(",\n  \"")), '\n'),
		"empty":             []byte(`{"containers":[],"pods":{}}`),
		"empty list":        []byte(`[]`),
		"empty object":      []byte(` {} `),
	}
}

// TestWriteJSONMatchesBytes: the record-by-record path writes the bytes
// the whole-document path returns, counts the same replacements and keeps
// the same report, and no planted corpus secret survives either.
func TestWriteJSONMatchesBytes(t *testing.T) {
	for name, doc := range streamDocs(t) {
		t.Run(name, func(t *testing.T) {
			whole, stream := newR(t, Config{}), newR(t, Config{})
			want, wantN := whole.Bytes("cri/x/containers.json", JSON, doc)
			var got bytes.Buffer
			n, err := stream.WriteJSON(&got, "cri/x/containers.json", doc)
			if err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("outputs differ at byte %d:\nstream %.300q\nwhole  %.300q", firstDiff(got.Bytes(), want), tailAt(got.Bytes(), want), tailAt(want, got.Bytes()))
			}
			if n != wantN || !reflect.DeepEqual(stream.Report(), whole.Report()) {
				t.Fatalf("reports differ: %d vs %d replacements", n, wantN)
			}
		})
	}
	// The planted secrets: gone from the streamed list document.
	r := newR(t, Config{})
	var out bytes.Buffer
	if _, err := r.WriteJSON(&out, "f.json", streamDocs(t)["list under a key"]); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range corpusCases(t) {
		if c.Kind != "json" {
			continue // inside a "log" string, a YAML or argv input is text to the JSON walk
		}
		for _, s := range c.Secrets {
			esc, _ := json.Marshal(s)
			if bytes.Contains(out.Bytes(), esc[1:len(esc)-1]) {
				t.Errorf("%s: secret %q survived", c.ID, s)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d planted secrets checked", checked)
	}
}

// TestWriteJSONRefusesWhatItCannotStream: shapes whose walk reads more than
// one record or key at a time, and what is not one JSON document, are
// refused with nothing recorded; Bytes stays the path for them.
func TestWriteJSONRefusesWhatItCannotStream(t *testing.T) {
	for _, doc := range []string{
		`{"password": "hunter2hunter2", "x": []}`,               // a secret key: its value is the secret whole
		`{"key": "DB_PASSWORD", "value": [{"a": "b"}]}`,         // a pair: the value's redaction depends on "key"
		`{"Path": "mysql", "Args": [{"a": 1}]}`,                 // argv0 comes from a sibling
		`{"auth": "x", "username": [{}]}`,                       // a user name next to a credential
		`{"Authorization": [{"a": "Bearer abcdefghijklmnop"}]}`, // a header value
		`{"x": [{"a": 1}, "--password", "hunter2hunter2"]}`,     // an argv list after records
		`[{"a": 1}, "--password", "hunter2hunter2"]`,            // the same at the top
		`{"x": [{"a": 1}]}{"y": 2}`,                             // two documents
		`{"x": [{"a": 1}, {"b": }]}`,                            // not JSON
		`"just a string"`,                                       // not a list document
		`{"x": [{"a": 1}`,                                       // cut short
	} {
		r := newR(t, Config{})
		var out bytes.Buffer
		if _, err := r.WriteJSON(&out, "f.json", []byte(doc)); !errors.Is(err, ErrNotStreamed) {
			t.Errorf("%s: err %v, want ErrNotStreamed", doc, err)
		}
		if r.Total() != 0 || len(r.Report().Files) != 0 {
			t.Errorf("%s: hits recorded for a refused document", doc)
		}
	}
	// Quiet side: the same records under a plain key stream.
	r := newR(t, Config{})
	if _, err := r.WriteJSON(&bytes.Buffer{}, "f.json", []byte(`{"x": [{"a": 1}, null, [2], {"password": "hunter2hunter2"}]}`)); err != nil || r.Total() != 1 {
		t.Errorf("plain list: err %v, %d replacements, want nil and 1", err, r.Total())
	}
}

// TestWriteJSONWriterError: a writer's error (the archive budget) ends the
// run with that error and nothing recorded.
func TestWriteJSONWriterError(t *testing.T) {
	r := newR(t, Config{})
	boom := errors.New("budget")
	doc := streamDocs(t)["list under a key"]
	if _, err := r.WriteJSON(failingWriter{boom}, "f.json", doc); !errors.Is(err, boom) {
		t.Fatalf("err %v, want the writer's", err)
	}
	if r.Total() != 0 {
		t.Fatalf("%d replacements recorded after a failed write", r.Total())
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// FuzzWriteJSON: whenever WriteJSON streams a document, its bytes are
// Bytes' bytes.
func FuzzWriteJSON(f *testing.F) {
	for _, doc := range streamDocs(f) {
		if len(doc) < 4096 {
			f.Add(doc)
		}
	}
	f.Add([]byte(`{"containers":[{"env":[{"key":"TOKEN","value":"x1y2z3w4v5u6"}]},{"args":["-p","secretsecret"]}]}`))
	f.Add([]byte(`[{"a":"\u00e9\ud800"},{"b":[1,2,{"c":null}]}]` + "\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		whole, stream := newR(t, Config{}), newR(t, Config{})
		var got bytes.Buffer
		n, err := stream.WriteJSON(&got, "f.json", doc)
		if err != nil {
			return
		}
		want, wantN := whole.Bytes("f.json", JSON, doc)
		if !bytes.Equal(got.Bytes(), want) || n != wantN {
			t.Fatalf("%q: stream %q (%d), whole %q (%d)", doc, got.Bytes(), n, want, wantN)
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func tailAt(a, b []byte) string {
	i := firstDiff(a, b)
	return string(a[max(0, i-40):min(len(a), i+200)])
}

// writeParts hands doc to a JSONDoc in parts, as the collector does: each
// top-level member, a list of objects record by record.
func writeParts(t *testing.T, r *Redactor, w *bytes.Buffer, doc []byte) (int, error) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	tok, err := dec.Token()
	if err != nil {
		t.Fatal(err)
	}
	records := func(d *JSONDoc, raw json.RawMessage) error {
		rd := json.NewDecoder(bytes.NewReader(raw))
		if _, err := rd.Token(); err != nil {
			t.Fatal(err)
		}
		for rd.More() {
			var rec json.RawMessage
			if err := rd.Decode(&rec); err != nil {
				t.Fatal(err)
			}
			if err := d.Record(rec); err != nil {
				return err
			}
		}
		return nil
	}
	newline := bytes.HasSuffix(doc, []byte("\n"))
	if tok == json.Delim('[') {
		d := r.NewJSONDoc(w, "f.json", true)
		if err := records(d, doc); err != nil {
			return 0, err
		}
		return d.Close(newline)
	}
	d := r.NewJSONDoc(w, "f.json", false)
	for dec.More() {
		k, _ := dec.Token()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if startsList := bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) && startsObject(bytes.TrimSpace(raw)[1:]); startsList {
			if err := d.BeginList(k.(string)); err != nil {
				return 0, err
			}
			if err := records(d, raw); err != nil {
				return 0, err
			}
			if err := d.EndList(); err != nil {
				return 0, err
			}
		} else if err := d.Member(k.(string), raw); err != nil {
			return 0, err
		}
	}
	return d.Close(newline)
}

// TestJSONDocMatchesBytes: a document handed over in parts is written as
// Bytes writes it whole, with the same report.
func TestJSONDocMatchesBytes(t *testing.T) {
	docs := streamDocs(t)
	docs["list of empty records"] = []byte(`{"a":[{},{}],"b":[],"c":null}`)
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			whole, parts := newR(t, Config{}), newR(t, Config{})
			want, wantN := whole.Bytes("f.json", JSON, doc)
			var got bytes.Buffer
			n, err := writeParts(t, parts, &got, doc)
			if err != nil {
				t.Fatalf("parts: %v", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("outputs differ at byte %d:\nparts %.300q\nwhole %.300q", firstDiff(got.Bytes(), want), tailAt(got.Bytes(), want), tailAt(want, got.Bytes()))
			}
			if n != wantN || !reflect.DeepEqual(parts.Report(), whole.Report()) {
				t.Fatalf("reports differ: %d vs %d replacements", n, wantN)
			}
		})
	}
	// Refused: a secret key as a member, a record that is not an object,
	// a member while a list is open; nothing recorded.
	for _, drive := range []func(d *JSONDoc) error{
		func(d *JSONDoc) error { return d.Member("password", []byte(`"hunter2hunter2"`)) },
		func(d *JSONDoc) error { _ = d.BeginList("x"); return d.Record([]byte(`"--password"`)) },
		func(d *JSONDoc) error { _ = d.BeginList("x"); return d.Member("y", []byte(`1`)) },
		func(d *JSONDoc) error { _ = d.BeginList("x"); return d.Record([]byte(`{"a": 1} {"b": 2}`)) },
	} {
		r := newR(t, Config{})
		d := r.NewJSONDoc(&bytes.Buffer{}, "f.json", false)
		if err := drive(d); !errors.Is(err, ErrNotStreamed) {
			t.Errorf("err %v, want ErrNotStreamed", err)
		}
		if _, err := d.Close(false); !errors.Is(err, ErrNotStreamed) || r.Total() != 0 {
			t.Errorf("Close after a refusal: %v, %d replacements recorded", err, r.Total())
		}
	}
}
