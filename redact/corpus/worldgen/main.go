// Command worldgen writes the world set (redact/testdata/world/*.jsonl):
//
//	go run ./redact/corpus/worldgen
//
// Nothing in it comes from rtsnap's own rules or corpus generator:
//   - gitleaks.jsonl: the true positives ("tps") of every rule in gitleaks'
//     rule sources (the module go.mod pins), evaluated from the sources
//     (gitleaks.go), with the secret each holds as gitleaks' own detector
//     reports it. gitleaks makes some of its examples with a random
//     generator, so a new run gives new values of the same shapes: the
//     committed files are the fixture.
//   - curated.jsonl: values copied from other scanners' test fixtures
//     (trufflehog detectors, detect-secrets plugins, secretlint rules),
//     GitHub's secret-scanning prefixes and vendors' documents, each with
//     its URL (curated.go).
//   - benign.jsonl: values from real manifests, kubelet flags, containerd
//     and CRI-O configs, systemd units that must survive (benign.go).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/rtsnap/rtsnap/redact/corpus"
	"github.com/rtsnap/rtsnap/redact/internal/gitleakstable"
)

const gitleaksVersion = "v8.30.1"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worldgen:", err)
		os.Exit(1)
	}
}

func run() error {
	gl, err := gitleaksCases()
	if err != nil {
		return err
	}
	for name, cs := range map[string][]corpus.Case{"gitleaks.jsonl": gl, "curated.jsonl": curated(), "benign.jsonl": benign()} {
		if err := write(filepath.Join(corpus.WorldDir, name), cs); err != nil {
			return err
		}
	}
	return nil
}

func write(path string, cs []corpus.Case) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for _, c := range cs {
		if err := enc.Encode(c); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// gitleaksCases: each rule's tps as documents (text, as the collector
// stores an unknown file or a log), and each distinct secret in them fed
// through every carrier: as a token when gitleaks finds it with no context
// around it, else under a key named after the rule (ADAFRUIT_API_KEY), as
// people name such variables.
func gitleaksCases() ([]corpus.Case, error) {
	tps, fileOf, skipped, err := gitleaksTPs()
	if err != nil {
		return nil, err
	}
	cfg, err := gitleakstable.Config()
	if err != nil {
		return nil, err
	}
	d := detect.NewDetector(cfg)
	ids := make([]string, 0, len(tps))
	for id := range tps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []corpus.Case
	docs, vals := 0, 0
	for _, id := range ids {
		src := "https://github.com/gitleaks/gitleaks/blob/" + gitleaksVersion + "/cmd/generate/config/rules/" + fileOf[id] + " (rule " + id + ", tps)"
		seen := map[string]bool{}
		nvals := 0
		for i, tp := range tps[id] {
			var secs []string
			for _, f := range d.DetectString(tp) {
				s := keyBody(f.Secret)
				if id == "curl-auth-user" || id == "sidekiq-sensitive-url" {
					// gitleaks reports user:password; the user name is no secret.
					if _, pw, ok := strings.Cut(s, ":"); ok {
						s = pw
					}
				}
				if f.RuleID == id && len(s) >= 8 && !contains(secs, s) {
					secs = append(secs, s)
				}
			}
			if len(secs) == 0 {
				continue
			}
			docs++
			out = append(out, corpus.Case{ID: fmt.Sprintf("gitleaks/%s/tp%d", id, i), Shape: "doc", Kind: "text", Path: "etc/app/settings.conf", Input: tp, Secrets: secs, Source: src})
			for _, s := range secs {
				if seen[s] || nvals >= 3 || strings.ContainsAny(s, "\n\r") {
					continue
				}
				seen[s] = true
				nvals++
				vals++
				c := corpus.Case{ID: fmt.Sprintf("gitleaks/%s/v%d", id, nvals), Value: s, Source: src}
				switch {
				case standalone(d, id, s):
					c.Shape = "token"
				case !namesCredential(id):
					continue // its tps documents carry it
				default:
					c.Shape, c.Key = "keyed", strings.ToUpper(strings.ReplaceAll(id, "-", "_"))
				}
				out = append(out, c)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "gitleaks: %d rules with tps, %d documents, %d values, %d tps expressions skipped\n", len(ids), docs, vals, skipped)
	return out, nil
}

// standalone: gitleaks' rule finds s with nothing but spaces around it.
func standalone(d *detect.Detector, id, s string) bool {
	for _, f := range d.DetectString("upstream " + s + " unreachable") {
		if f.RuleID == id && strings.Contains(s, f.Secret) {
			return true
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// keyBody is a private key block without its armor lines: the BEGIN and END
// lines name the key's type and are no secret.
func keyBody(s string) string {
	if !strings.Contains(s, "-----BEGIN") {
		return s
	}
	var body []string
	for _, ln := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(ln); t != "" && !strings.HasPrefix(t, "-----") && !strings.Contains(t, ": ") {
			body = append(body, t)
		}
	}
	return strings.Join(body, "\n")
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// namesCredential: the rule's id, as an env variable's name (ADAFRUIT_API_KEY),
// names a credential. Not client ids (RFC 6749 section 2.2: "The client
// identifier is not a secret"), public keys, header or URL names
// (CURL_AUTH_HEADER, SIDEKIQ_SENSITIVE_URL): a value under such a name is
// no secret by its name, and gitleaks' own examples of them stay as
// documents.
func namesCredential(id string) bool {
	for _, s := range []string{"-id", "-url", "-header", "-user"} {
		if strings.HasSuffix(id, s) {
			return false
		}
	}
	return !strings.Contains(id, "pub-")
}
