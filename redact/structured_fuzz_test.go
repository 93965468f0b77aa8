package redact

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"gopkg.in/yaml.v3"
)

// The fuzz property (issue #13): valid YAML/TOML stays valid after
// redaction and keeps every key (a key that itself held a secret may read
// as a marker), and a value under a secret key never survives.

func structSeeds(f *testing.F, kind Kind) {
	for _, c := range structCases {
		if c.kind == kind {
			f.Add([]byte(c.in))
		}
	}
	files, _ := filepath.Glob("testdata/structured/*")
	for _, p := range files {
		k := KindOf(p)
		if strings.HasSuffix(p, ".conf") {
			k = TOML
		}
		if k == kind {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// maxFuzzInput: longer inputs are skipped (the limits have their own tests).
const maxFuzzInput = 64 << 10

// structFuzzSetup seeds a structured fuzz target and gives it a redactor.
func structFuzzSetup(f *testing.F, kind Kind) *Redactor {
	structSeeds(f, kind)
	r, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	return r
}

func FuzzRedactYAML(f *testing.F) {
	r := structFuzzSetup(f, YAML)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		before, err := yamlDocs(in)
		if err != nil || len(before) == 0 {
			return
		}
		out, _ := r.Bytes("f.yaml", YAML, in)
		after, err := yamlDocs(out)
		if err != nil {
			t.Fatalf("valid YAML became invalid: %v\nin:  %q\nout: %q", err, in, out)
		}
		bk, _ := yamlKeyPaths(in)
		ak, _ := yamlKeyPaths(out)
		if d := diffKeys(bk, ak); d != "" {
			t.Fatalf("keys changed (-in +out):\n%s\nin:  %q\nout: %q", d, in, out)
		}
		if len(before) != len(after) {
			t.Fatalf("%d documents became %d", len(before), len(after))
		}
		for i := range before {
			if leak := yamlSecretSurvives(r, before[i], after[i], 0); leak != "" {
				t.Fatalf("secret %q survived\nin:  %q\nout: %q", leak, in, out)
			}
		}
	})
}

func FuzzRedactTOML(f *testing.F) {
	r := structFuzzSetup(f, TOML)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		var before, after map[string]any
		if toml.Unmarshal(in, &before) != nil {
			return
		}
		// tomlNesting (hand-written) must not under-count: it guards
		// go-toml's recursion.
		if d := tomlASTDepth(in); tomlNesting(in) < d {
			t.Fatalf("tomlNesting %d < AST depth %d: %q", tomlNesting(in), d, in)
		}
		rr, _ := New(Config{})
		out, _ := rr.Bytes("f.toml", TOML, in)
		if rep := rr.Report(); len(rep.Files) > 0 && strings.Contains(strings.Join(rep.Files[0].Notes, " "), errStructKey.Error()) {
			return // a token read as a dotted key: replaced by the line path, keys change on purpose
		}
		if err := toml.Unmarshal(out, &after); err != nil {
			t.Fatalf("valid TOML became invalid: %v\nin:  %q\nout: %q", err, in, out)
		}
		if d := diffKeys(tomlKeyPaths(before, ""), tomlKeyPaths(after, "")); d != "" {
			t.Fatalf("keys changed (-in +out):\n%s\nin:  %q\nout: %q", d, in, out)
		}
		if leak := tomlSecretSurvives(r, before, after, false, 0); leak != "" {
			t.Fatalf("secret %q survived\nin:  %q\nout: %q", leak, in, out)
		}
	})
}

func yamlDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// yamlKeyPaths lists every mapping key's path, in document order (aliases
// are not followed).
func yamlKeyPaths(data []byte) ([]string, error) {
	docs, err := yamlDocs(data)
	if err != nil {
		return nil, err
	}
	var out []string
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		if depth > 1000 {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := path + "/" + n.Content[i].Value
				out = append(out, p)
				walk(n.Content[i+1], p, depth+1)
			}
		case yaml.SequenceNode, yaml.DocumentNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]", depth+1)
			}
		}
	}
	for i, d := range docs {
		walk(d, "doc"+strconv.Itoa(i), 0)
	}
	return out, nil
}

// tomlKeyPaths lists every key path of a decoded TOML document, sorted.
func tomlKeyPaths(v any, path string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			p := path + "/" + k
			out = append(out, p)
			out = append(out, tomlKeyPaths(c, p)...)
		}
	case []any:
		for i, c := range t {
			out = append(out, tomlKeyPaths(c, path+"["+strconv.Itoa(i)+"]")...)
		}
	}
	sort.Strings(out)
	return out
}

// diffKeys compares key lists; a key now holding a marker stands for the
// key it replaced.
func diffKeys(before, after []string) string {
	if len(before) == len(after) {
		before = append([]string(nil), before...)
		for i := range before {
			if strings.Contains(after[i], "[REDACTED:") || strings.Contains(after[i], "[PSEUDO:") {
				before[i] = after[i]
			}
		}
	}
	return cmp.Diff(before, after)
}

// mustGo: a string value under a secret key that the redactor must replace
// (what keepUnderSecretKey keeps, and short values, may stay).
func mustGo(v string) bool { return len(v) >= 8 && !keepUnderSecretKey(v) }

// yamlSecretSurvives walks the trees side by side and returns a string
// value under a secret key that came out unchanged.
func yamlSecretSurvives(r *Redactor, a, b *yaml.Node, depth int) string {
	if depth > 1000 || a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return ""
	}
	if a.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(a.Content); i += 2 {
			k, v, w := a.Content[i], a.Content[i+1], b.Content[i+1]
			if k.Kind == yaml.ScalarNode && r.keys.isSecret(k.Value) && !isAuthorizationKey(k.Value) &&
				v.Kind == yaml.ScalarNode && isYAMLString(v) && mustGo(v.Value) && w.Value == v.Value {
				return v.Value
			}
		}
	}
	for i := range a.Content {
		if s := yamlSecretSurvives(r, a.Content[i], b.Content[i], depth+1); s != "" {
			return s
		}
	}
	return ""
}

func tomlSecretSurvives(r *Redactor, a, b any, secret bool, depth int) string {
	if depth > 1000 {
		return ""
	}
	switch t := a.(type) {
	case string:
		if secret && mustGo(t) && b == t {
			return t
		}
	case map[string]any:
		bm, _ := b.(map[string]any)
		for k, v := range t {
			if bv, ok := bm[k]; ok {
				// A setting about the secret inside its table (host, method,
				// issuer: describesKey) is walked as any other value, not
				// blanked: only its own key makes it secret.
				inSecret := secret && !r.describesKey(k)
				if s := tomlSecretSurvives(r, v, bv, inSecret || r.keys.isSecret(k) && !isAuthorizationKey(k), depth+1); s != "" {
					return s
				}
			}
		}
	case []any:
		bs, _ := b.([]any)
		for i := range t {
			if i < len(bs) {
				if s := tomlSecretSurvives(r, t[i], bs[i], secret, depth+1); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

// tomlASTDepth is the deepest nesting of arrays and inline tables go-toml
// parses in data.
func tomlASTDepth(data []byte) int {
	deepest := 0
	var visit func(n *unstable.Node, depth int)
	visit = func(n *unstable.Node, depth int) {
		if n.Kind == unstable.Array || n.Kind == unstable.InlineTable {
			depth++
			deepest = max(deepest, depth)
		}
		for c := n.Child(); c.Valid(); c = c.Next() {
			visit(c, depth)
		}
	}
	p := unstable.Parser{}
	p.Reset(data)
	for p.NextExpression() {
		visit(p.Expression(), 0)
	}
	return deepest
}
