// Command compare prints docs/redaction.md's table: the corpus through
// rtsnap's redactor (the collector's entry points) and through gitleaks'
// default rules (its detect package, the same module version the vendor
// table comes from), secrets caught per class family and benign values
// flagged.
//
//	go run ./redact/corpus/compare   (make redact-compare)
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/rtsnap/rtsnap/redact"
	"github.com/rtsnap/rtsnap/redact/corpus"
	"github.com/rtsnap/rtsnap/redact/internal/gitleakstable"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run() error {
	recs, err := corpus.Load(corpus.File)
	if err != nil {
		return err
	}
	r, err := redact.New(redact.Config{})
	if err != nil {
		return err
	}
	cfg, err := gitleakstable.Config()
	if err != nil {
		return err
	}
	d := detect.NewDetector(cfg)

	type row struct{ n, rt, gl int }
	fam := map[string]*row{}
	var tot row
	var ben, benRT, benGL int
	var lost []string
	for _, rec := range recs {
		out, err := corpus.Run(r, rec)
		if err != nil {
			return err
		}
		findings := d.DetectString(rec.Input)
		if rec.Benign {
			for _, k := range rec.Keep {
				ben++
				if strings.Contains(out, k) {
					benRT++
				} else {
					lost = append(lost, fmt.Sprintf("%s: %q", rec.ID, k))
				}
				if !flagged(findings, k) {
					benGL++
				}
			}
			continue
		}
		f := family(rec.Class)
		if fam[f] == nil {
			fam[f] = &row{}
		}
		for _, sec := range rec.Secrets {
			fam[f].n++
			tot.n++
			if corpus.Leak(out, sec) == "" {
				fam[f].rt++
				tot.rt++
			}
			for _, fd := range findings {
				if covers(fd.Secret, sec) || covers(fd.Match, sec) {
					fam[f].gl++
					tot.gl++
					break
				}
			}
		}
	}
	names := make([]string, 0, len(fam))
	for k := range fam {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Printf("| class family | secrets | rtsnap caught | gitleaks %s default rules caught |\n|---|---:|---:|---:|\n", "v8.30.1")
	for _, k := range names {
		x := fam[k]
		fmt.Printf("| %s | %d | %d | %d |\n", k, x.n, x.rt, x.gl)
	}
	fmt.Printf("| **all** | **%d** | **%d (%.1f%%)** | **%d (%.1f%%)** |\n", tot.n, tot.rt, pct(tot.rt, tot.n), tot.gl, pct(tot.gl, tot.n))
	fmt.Printf("| benign values kept | %d | %d (%.1f%%) | %d not flagged (%.1f%%) |\n", ben, benRT, pct(benRT, ben), benGL, pct(benGL, ben))
	for _, l := range lost {
		fmt.Fprintln(os.Stderr, "benign value destroyed:", l)
	}
	return world(r, d)
}

// flagged says a gitleaks finding overlaps the benign value k (holds it
// or is held by it).
func flagged(findings []report.Finding, k string) bool {
	for _, f := range findings {
		if f.Secret != "" && (strings.Contains(k, f.Secret) || strings.Contains(f.Secret, k)) {
			return true
		}
	}
	return false
}

// world prints the same comparison on the world set (redact/testdata/world):
// each case through every carrier (corpus.Expand), a secret caught by
// rtsnap when no fragment survives (corpus.WorldLeak), by gitleaks when a
// finding on the record holds it.
func world(r *redact.Redactor, d *detect.Detector) error {
	cases, err := corpus.LoadWorld(corpus.WorldDir)
	if err != nil {
		return err
	}
	type row struct{ n, rt, gl int }
	sets := map[string]*row{}
	var tot row
	var ben, benRT, benGL int
	for _, c := range cases {
		set, _, _ := strings.Cut(c.ID, "/")
		for _, rec := range corpus.Expand(c) {
			out, err := corpus.Run(r, rec)
			if err != nil {
				return err
			}
			findings := d.DetectString(rec.Input)
			if rec.Benign {
				for _, k := range rec.Keep {
					ben++
					if strings.Contains(out, k) || strings.Contains(out, corpus.JSONEscaped(k)) {
						benRT++
					}
					if !flagged(findings, k) {
						benGL++
					}
				}
				continue
			}
			if sets[set] == nil {
				sets[set] = &row{}
			}
			for _, sec := range rec.Secrets {
				sets[set].n++
				tot.n++
				if corpus.WorldLeak(out, rec.Input, sec) == "" {
					sets[set].rt++
					tot.rt++
				}
				for _, fd := range findings {
					if covers(fd.Secret, sec) || covers(fd.Match, sec) {
						sets[set].gl++
						tot.gl++
						break
					}
				}
			}
		}
	}
	fmt.Printf("\nWorld set (%s, every case through every carrier):\n\n", corpus.WorldDir)
	fmt.Printf("| cases from | secrets | rtsnap caught | gitleaks %s default rules caught |\n|---|---:|---:|---:|\n", "v8.30.1")
	for _, k := range []string{"gitleaks", "curated"} {
		if x := sets[k]; x != nil {
			fmt.Printf("| %s | %d | %d (%.1f%%) | %d (%.1f%%) |\n", worldSetName[k], x.n, x.rt, pct(x.rt, x.n), x.gl, pct(x.gl, x.n))
		}
	}
	fmt.Printf("| **all** | **%d** | **%d (%.1f%%)** | **%d (%.1f%%)** |\n", tot.n, tot.rt, pct(tot.rt, tot.n), tot.gl, pct(tot.gl, tot.n))
	fmt.Printf("| benign values kept | %d | %d (%.1f%%) | %d not flagged (%.1f%%) |\n", ben, benRT, pct(benRT, ben), benGL, pct(benGL, ben))
	return nil
}

var worldSetName = map[string]string{
	"gitleaks": "gitleaks' own rule examples (tps)",
	"curated":  "other scanners' fixtures, vendor documents",
}

// covers: a finding holds the secret, or a fragment of it long enough to count.
func covers(found, secret string) bool {
	if found == "" {
		return false
	}
	if strings.Contains(found, secret) {
		return true
	}
	return len(found) >= corpus.MinFragment && strings.Contains(secret, found) && len(found)*2 >= len(secret)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// family groups classes for the table.
func family(class string) string {
	switch {
	case strings.HasPrefix(class, "key-"):
		return "key names (env, JSON, YAML, TOML, logs)"
	case strings.HasPrefix(class, "flag-"):
		return "command-line password flags"
	case strings.Contains(class, "url") || strings.Contains(class, "jdbc") || strings.Contains(class, "odbc") ||
		strings.Contains(class, "oracle") || strings.Contains(class, "mongodb") || strings.Contains(class, "connection") ||
		strings.Contains(class, "dsn") || strings.Contains(class, "webhook") || strings.Contains(class, "oauth"):
		return "URLs and connection strings"
	case strings.HasPrefix(class, "pem-") || strings.HasPrefix(class, "openssh-") || strings.HasPrefix(class, "base64-"):
		return "private keys (whole, split, tail-cut, base64)"
	}
	return "vendor tokens"
}
