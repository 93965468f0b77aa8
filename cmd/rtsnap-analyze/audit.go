package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
)

// SchemaExport is the schema of `export --json`.
const SchemaExport = "rtsnap-analyze/export/v1"

// verifyDoc is `verify --json`: render's document (bundle, ok, files, bytes,
// problems) plus what export checks on top of the content. The added fields
// only extend rtsnap-analyze/verify/v1: existing readers are unaffected.
type verifyDoc struct {
	render.VerifyDoc
	Encrypted bool   `json:"encrypted"`
	SHA256    string `json:"sha256,omitempty"`
	// Sidecar is "ok", "mismatch", "absent" or "not-checked" (the archive
	// could not be read as far as its end).
	Sidecar   string                 `json:"sidecar"`
	Signature export.SignatureResult `json:"signature"`
	// signaturePresent: a .minisig lies next to the bundle (for the text
	// hint when no --pubkey was given).
	signaturePresent bool
}

func newVerifyDoc(path string, v *export.Verification) verifyDoc {
	// Report puts a bad or absent signature first, then the content and
	// sidecar problems: one list, so "ok" and the exit code cover all.
	d := verifyDoc{VerifyDoc: render.NewVerifyDoc(path, v.Report()), Encrypted: v.Encrypted, SHA256: v.SHA256, Sidecar: v.Sidecar, Signature: v.Signature}
	d.OK = d.OK && v.OK
	if _, err := os.Stat(path + export.SignatureSuffix); err == nil {
		d.signaturePresent = true
	}
	return d
}

// verifyText is render.VerifyText plus the encryption and signature lines.
func verifyText(w io.Writer, d verifyDoc) {
	render.VerifyText(w, d.VerifyDoc)
	if d.Encrypted {
		fmt.Fprintf(w, "  encrypted   age (opened with the given identity, in memory)\n")
	}
	s := d.Signature
	switch s.Status {
	case "ok":
		fmt.Fprintf(w, "  signature   ok, minisign key %s", termLine(s.KeyID))
		if s.ManifestKeyID != "" {
			fmt.Fprintf(w, " (the key the manifest names)")
		}
		fmt.Fprintln(w)
		if c := s.Custody; c != nil {
			// The signed trusted comment: authenticated by the same key.
			fmt.Fprintf(w, "  custody     %s\n", termLine(custodyLine(c)))
		}
	case "not-checked":
		if d.signaturePresent {
			fmt.Fprintf(w, "  signature   present, not checked: pass --pubkey FILE (the signer's minisign public key)\n")
		} else {
			fmt.Fprintf(w, "  signature   none: the bundle is unsigned, its origin cannot be established\n")
		}
	}
	// "bad" and "absent" are in the problem list already.
}

func custodyLine(c *export.Custody) string {
	parts := []string{"archive " + c.Archive, "host " + c.Host}
	if c.CaseID != "" {
		parts = append(parts, "case "+c.CaseID)
	}
	if c.Operator != "" {
		parts = append(parts, "operator "+c.Operator)
	}
	parts = append(parts, "collected "+c.StartedAt.UTC().Format("2006-01-02 15:04:05Z")+" by "+c.Collector)
	if n := max(c.RecipientsCount, len(c.Recipients)); n > 0 {
		parts = append(parts, fmt.Sprintf("%d recipient(s)", n))
	}
	return strings.Join(parts, ", ")
}

// termLine makes untrusted text safe on one terminal line (the custody
// record is signed, but by whoever held the key, and the key may be the
// wrong one): control characters and bidi overrides shown as \uXXXX, as
// render does for everything else it prints.
func termLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString("  ")
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// exportDoc is `export --audit --json`.
type exportDoc struct {
	Schema   string `json:"schema"`
	Bundle   string `json:"bundle"`
	AuditDir string `json:"audit_dir"`
	OK       bool   `json:"ok"`
	// Files are the names in the audit package, sorted.
	Files        []string             `json:"files"`
	Verification *export.Verification `json:"verification"`
	ExitCode     int                  `json:"exit_code"`
}

func newExportCmd() *cobra.Command {
	fs := newFlags("export --audit DIR BUNDLE", "write an audit package: the bundle, its signature, the verification and a summary", "Build an audit package in DIR (created; must not exist or be empty): the bundle exactly as received (ciphertext stays ciphertext) with its .sha256 and .minisig, the signer's public key (signer.minisign.pub), verification.json (the signature, the sidecar and every file's sha256, checked on the copies) and summary.md (verdict, chain of custody, what was collected, what was redacted by rule, what failed). A bundle that fails verification still gets a package, which records the failure, and the command exits 3. DIR must not exist or be empty (else exit 64, nothing written).", cli.ExactArgs("BUNDLE"), cli.OK, cli.Input, cli.Failed)
	auditDir := fs.String("audit", "", "write the audit package into this `DIR` (required)")
	pubkey := fs.String("pubkey", "", "check the signature BUNDLE.minisig with this minisign public key `FILE` and put a copy in the package; without it the package says the bundle's origin is not established")
	if err := fs.cmd.MarkFlagRequired("audit"); err != nil {
		panic(err)
	}
	return fs.command(func(stdout, stderr io.Writer) int { return cmdExport(fs, *auditDir, *pubkey, stdout, stderr) })
}

func cmdExport(fs *cmdFlags, auditDir, pubkey string, stdout, stderr io.Writer) int {
	ids, ok := fs.identities(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	path := fs.Arg(0)
	v, err := export.WriteAudit(auditDir, path, ids, pubkey, bundle.DefaultLimits())
	switch {
	case errors.Is(err, export.ErrAuditDir):
		// Nothing was written: the caller picks another directory.
		return cli.UsageError(stderr, "rtsnap-analyze export", err)
	case err != nil && v == nil:
		// The bundle (or a key) could not be opened; nothing is left behind.
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return analyze.ExitUnreadable
	case err != nil:
		// Verified, but the package could not be completed.
		return outputErr(stderr, err)
	}
	d := exportDoc{Schema: SchemaExport, Bundle: path, AuditDir: auditDir, OK: v.OK, Files: []string{}, Verification: v, ExitCode: analyze.ExitOK}
	if !v.OK {
		d.ExitCode = analyze.ExitUnreadable
	}
	ents, err := os.ReadDir(auditDir)
	if err != nil {
		return outputErr(stderr, err)
	}
	for _, e := range ents {
		d.Files = append(d.Files, e.Name())
	}
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
		return d.ExitCode
	}
	verdict := "VERIFIED"
	if !v.OK {
		verdict = "FAILED verification; the package records the failure"
	}
	fmt.Fprintf(stdout, "audit package %s: %s\n", termLine(auditDir), verdict)
	for _, f := range d.Files {
		fmt.Fprintf(stdout, "  %s\n", termLine(f))
	}
	verifyText(stdout, newVerifyDoc(path, v))
	return d.ExitCode
}
