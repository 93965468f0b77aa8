package facts

import (
	"errors"
	"fmt"
)

// RedactionReportPath is written into every bundle by the collector.
const RedactionReportPath = "redaction-report.json"

// RedactionReport is the part of redaction-report.json the analyzer reads:
// counts and places, never values.
type RedactionReport struct {
	RuleSetVersion          string                `json:"rule_set_version"`
	DefaultsEnabled         bool                  `json:"defaults_enabled"`
	Pseudonymized           bool                  `json:"pseudonymized"`
	PseudonymKeyFingerprint string                `json:"pseudonym_key_fingerprint,omitempty"`
	Total                   int                   `json:"total"`
	ByRule                  map[string]int        `json:"by_rule"`
	Files                   []RedactionFileReport `json:"files"`
}

// RedactionFileReport is one file's redaction count.
type RedactionFileReport struct {
	Path  string `json:"path"`
	Total int    `json:"total"`
}

func redactionParser() Parser {
	return Parser{
		Name:  "redaction-report",
		Match: func(p string) bool { return p == RedactionReportPath },
		Parse: func(n *Node, p string, data []byte) error {
			var r RedactionReport
			if err := n.decode(p, data, &r); errors.Is(err, errCut) {
				return err
			} else if err != nil {
				return fmt.Errorf("redaction report: %w", err)
			}
			n.Redaction = &r
			return nil
		},
	}
}
