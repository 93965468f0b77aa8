package corpus_test

import (
	"strings"
	"testing"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/cmd/generate/secrets"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/rtsnap/rtsnap/redact"
	"github.com/rtsnap/rtsnap/redact/internal/gitleakstable"
)

// TestVendorRulesAgreeWithGitleaks is a differential test of the vendor
// table against gitleaks itself: for every rule, strings generated from
// the rule's own regexp (gitleaks' generator), in a log line; whatever
// gitleaks' detector finds in them, rtsnap's redactor must remove.
func TestVendorRulesAgreeWithGitleaks(t *testing.T) {
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		t.Fatal(err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		t.Fatal(err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		t.Fatal(err)
	}
	d := detect.NewDetector(cfg)
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	found, missed, skipped := 0, 0, 0
	for _, id := range cfg.OrderedRules {
		rule := cfg.Rules[id]
		if _, skip := gitleakstable.Skipped[id]; skip || rule.Regex == nil || rule.Path != nil {
			continue
		}
		for i := 0; i < 20; i++ {
			sample := secrets.NewSecret(rule.Regex.String())
			if strings.ContainsAny(sample, "\n\r\f\v") {
				// The generator puts line breaks where a rule allows
				// whitespace; the redactor reads logs line by line, and
				// gitleaks' finding would span two records.
				skipped++
				continue
			}
			line := "time=2026-11-24T21:05:07Z level=info msg=loaded value=" + sample + " done"
			for _, f := range d.DetectString(line) {
				if f.RuleID != id || len(f.Secret) < 8 {
					continue
				}
				found++
				if out := r.String(line); strings.Contains(out, f.Secret) {
					missed++
					t.Errorf("%s: gitleaks finds %q in %q, rtsnap leaves it: %q", id, f.Secret, line, out)
				}
			}
		}
	}
	t.Logf("%d gitleaks findings on generated samples, %d missed by rtsnap (%d multi-line samples skipped)", found, missed, skipped)
	if found < 1500 {
		t.Errorf("only %d findings: the generator or detector changed", found)
	}
}
