// Package corpus is the redaction corpus: realistic secrets and benign
// values in the carriers the collector stores (env lists, OCI and Docker
// JSON, CRI and Kubernetes key/value pairs, YAML, TOML, log records,
// journal entries, command lines), made by ./gen with throwaway values and
// stored in redact/testdata/corpus.jsonl. Run feeds a record through the
// same Redactor entry point the collector uses for its carrier.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/rtsnap/rtsnap/redact"
)

// File is the corpus, relative to the module root.
const File = "redact/testdata/corpus.jsonl"

// MinFragment is the shortest piece of a secret that counts as a leak.
const MinFragment = 8

// Record is one document holding secrets (or, for a benign record, only
// values that must survive).
type Record struct {
	ID      string `json:"id"`
	Class   string `json:"class"`
	Carrier string `json:"carrier"`
	// Kind is the redact.Kind the collector uses for the carrier
	// ("text", "json", "jsonl", "yaml", "toml", "env"), or "string" for
	// command lines and messages (Redactor.String).
	Kind  string `json:"kind"`
	Path  string `json:"path"`
	Input string `json:"input"`
	// Secrets must not survive, not even a fragment of MinFragment bytes.
	Secrets []string `json:"secrets,omitempty"`
	// Keep must survive verbatim: benign values, and the key names and
	// hosts around a secret.
	Keep []string `json:"keep,omitempty"`
	// Benign: the record holds no secret; Keep are the benign values.
	Benign bool `json:"benign,omitempty"`
	// Source is where the format comes from (URL).
	Source string `json:"source,omitempty"`
}

// Load reads a corpus file.
func Load(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("corpus %s:%d: %w", path, n, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus %s: %w", path, err)
	}
	return out, nil
}

// Kinds maps a record's kind to the redactor's.
var Kinds = map[string]redact.Kind{"text": redact.Text, "json": redact.JSON, "jsonl": redact.JSONLines,
	"yaml": redact.YAML, "toml": redact.TOML, "env": redact.Env}

// Run redacts the record's input the way the collector stores its carrier.
func Run(r *redact.Redactor, rec Record) (string, error) {
	if rec.Kind == "string" {
		return r.String(rec.Input), nil
	}
	k, ok := Kinds[rec.Kind]
	if !ok {
		return "", fmt.Errorf("corpus record %s: unknown kind %q", rec.ID, rec.Kind)
	}
	out, _ := r.Bytes(rec.Path, k, []byte(rec.Input))
	return string(out), nil
}

// Leak is the first fragment of secret (MinFragment bytes, or the whole
// secret when shorter) found in out, or "".
func Leak(out, secret string) string {
	if len(secret) <= MinFragment {
		if strings.Contains(out, secret) || strings.Contains(out, jsonEscaped(secret)) {
			return secret
		}
		return ""
	}
	for i := 0; i+MinFragment <= len(secret); i++ {
		if f := secret[i : i+MinFragment]; strings.Contains(out, f) || strings.Contains(out, jsonEscaped(f)) {
			return f
		}
	}
	return ""
}

// jsonEscaped is s as it reads inside a JSON string.
func jsonEscaped(s string) string { return JSONEscaped(s) }

// JSONEscaped is s as encoding/json writes it inside a string.
func JSONEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Stats is one evaluation of a redactor on a corpus.
type Stats struct {
	Secrets, Benign, Context int
	Classes, Carriers        map[string]int
	// Leaks, BenignLost, ContextLost describe each failure (record id and
	// the fragment, never more of a secret than the fragment).
	Leaks, BenignLost, ContextLost []string
	// Caught counts secrets caught per class.
	Caught map[string]int
}

// Evaluate runs every record through r.
func Evaluate(r *redact.Redactor, recs []Record) Stats {
	s := Stats{Classes: map[string]int{}, Carriers: map[string]int{}, Caught: map[string]int{}}
	for _, rec := range recs {
		out, err := Run(r, rec)
		if err != nil {
			s.Leaks = append(s.Leaks, err.Error())
			continue
		}
		if rec.Benign {
			for _, k := range rec.Keep {
				s.Benign++
				if !strings.Contains(out, k) && !strings.Contains(out, jsonEscaped(k)) {
					s.BenignLost = append(s.BenignLost, fmt.Sprintf("%s: %q", rec.ID, k))
				}
			}
			continue
		}
		s.Carriers[rec.Carrier]++
		for _, sec := range rec.Secrets {
			s.Secrets++
			s.Classes[rec.Class]++
			if f := Leak(out, sec); f != "" {
				s.Leaks = append(s.Leaks, fmt.Sprintf("%s: %q survives", rec.ID, f))
			} else {
				s.Caught[rec.Class]++
			}
		}
		for _, k := range rec.Keep {
			s.Context++
			if !strings.Contains(out, k) && !strings.Contains(out, jsonEscaped(k)) {
				s.ContextLost = append(s.ContextLost, fmt.Sprintf("%s: %q", rec.ID, k))
			}
		}
	}
	return s
}
