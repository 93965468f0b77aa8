package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/safetext"
)

// Audit package file names, besides the copied bundle and its sidecars.
const (
	AuditVerificationFile = "verification.json"
	AuditSummaryFile      = "summary.md"
	AuditPubkeyFile       = "signer.minisign.pub"
)

// ErrAuditDir: the audit package's directory cannot be used (it exists and
// is not an empty directory, or cannot be created). Nothing was written.
var ErrAuditDir = errors.New("audit package directory")

// WriteAudit builds an audit package in outDir (created; it must not exist
// or be empty): a copy of the bundle as stored (ciphertext stays
// ciphertext), its .sha256 and .minisig, the signer's public key,
// verification.json (VerifyBundle's result) and summary.md, a human-readable
// digest of the manifest: what was collected per source, what was redacted by
// rule, what failed. The manifest's metadata (paths, statuses, reasons, never
// file contents) is therefore in clear in summary.md.
//
// The copies are what is verified, so verification.json describes exactly the
// files in the package, even if the original changes meanwhile. The returned
// Verification says whether the bundle checked out; a failed check still
// produces the package, which is then the record of the failure. When the
// bundle cannot be opened at all (VerifyBundle's error: no or wrong identity,
// an unreadable public key) the copies are removed again and the error
// returned: a package without a verification would only mislead.
func WriteAudit(outDir, bundlePath string, identities []age.Identity, pubkeyFile string, lim bundle.Limits) (*Verification, error) {
	if pubkeyFile != "" {
		// Checked before anything is copied, like the directory.
		if _, err := PublicKeyID(pubkeyFile); err != nil {
			return nil, err
		}
	}
	created, err := prepareEmptyDir(outDir)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(bundlePath)
	type copyOf struct {
		src, name string
		max       int64
	}
	copies := []copyOf{{bundlePath, base, lim.MaxArchiveBytes()}, {bundlePath + bundle.SidecarSuffix, base + bundle.SidecarSuffix, bundle.MaxSidecarBytes},
		{bundlePath + SignatureSuffix, base + SignatureSuffix, maxKeyFile}}
	if pubkeyFile != "" {
		copies = append(copies, copyOf{pubkeyFile, AuditPubkeyFile, maxKeyFile})
	}
	var written []string
	undo := func() {
		for _, f := range written {
			os.Remove(f)
		}
		if created {
			os.Remove(outDir)
		}
	}
	for _, c := range copies {
		dst := filepath.Join(outDir, c.name)
		if err := copyFile(c.src, dst, c.max); err != nil {
			if errors.Is(err, os.ErrNotExist) && c.src != bundlePath {
				continue // an absent sidecar is recorded in verification.json
			}
			undo()
			return nil, fmt.Errorf("audit package: %w", err)
		}
		written = append(written, dst)
	}
	var pubCopy string
	if pubkeyFile != "" {
		pubCopy = filepath.Join(outDir, AuditPubkeyFile)
	}
	v, err := VerifyBundle(filepath.Join(outDir, base), identities, pubCopy, lim)
	if err != nil {
		undo()
		return nil, err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return v, fmt.Errorf("encoding the verification: %w", err)
	}
	// C1 and bidi controls in names from the bundle as \u escapes.
	data = safetext.Bytes(data)
	if err := os.WriteFile(filepath.Join(outDir, AuditVerificationFile), append(data, '\n'), 0o600); err != nil {
		return v, fmt.Errorf("audit package: %w", err)
	}
	var b strings.Builder
	WriteSummary(&b, v)
	if err := os.WriteFile(filepath.Join(outDir, AuditSummaryFile), []byte(b.String()), 0o600); err != nil {
		return v, fmt.Errorf("audit package: %w", err)
	}
	return v, nil
}

// prepareEmptyDir makes sure dir is an empty directory, creating it (0700:
// the package names hosts and operators) when missing, and says whether it
// did, so a failed run can leave things as they were.
func prepareEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, fmt.Errorf("%w %s: %w", ErrAuditDir, dir, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("%w %s: %w", ErrAuditDir, dir, err)
	case len(entries) > 0:
		return false, fmt.Errorf("%w %s: not empty (an audit package is written into a new or empty directory)", ErrAuditDir, dir)
	}
	return false, nil
}

// copyFile copies a regular file of at most max bytes: the bundle, its
// sidecar and signature are untrusted (a sidecar linked to /dev/zero made
// the package 1.1 GB, issue #15).
func copyFile(src, dst string, max int64) error {
	in, err := bundle.OpenRegular(src, max)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(in, max)); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", filepath.Base(src), err)
	}
	return out.Close()
}

// WriteSummary renders the verification and the manifest as markdown. Every
// value from the bundle is untrusted: control characters and markdown table
// syntax are neutralised and long values cut.
func WriteSummary(w io.Writer, v *Verification) {
	verdict := "VERIFIED"
	if !v.OK {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "# Audit summary: %s\n\n", md(v.Bundle))
	fmt.Fprintf(w, "**Verification: %s** (checked %s)\n\n", verdict, v.CheckedAt.Format("2006-01-02 15:04:05Z"))
	fmt.Fprintf(w, "- archive sha256: `%s` (sidecar: %s)\n", v.SHA256, v.Sidecar)
	fmt.Fprintf(w, "- encrypted: %v\n", v.Encrypted)
	fmt.Fprintf(w, "- signature: %s", v.Signature.Status)
	if v.Signature.KeyID != "" {
		fmt.Fprintf(w, ", key id %s", v.Signature.KeyID)
	}
	if v.Signature.Error != "" {
		fmt.Fprintf(w, " — %s", md(v.Signature.Error))
	}
	if v.Signature.Status == "not-checked" {
		// Say so plainly: a reader of the summary may take "VERIFIED" to
		// cover the origin of the bundle too.
		fmt.Fprintf(w, " (no public key was given: the origin of the bundle is not established)")
	}
	fmt.Fprintf(w, "\n- files checked against the manifest's sha256: %d (%d bytes), problems: %d\n", v.Hashes.Files, v.Hashes.Bytes, len(v.Hashes.Problems))
	for i, p := range v.Hashes.Problems {
		if i == 50 {
			fmt.Fprintf(w, "  - … %d more in verification.json\n", len(v.Hashes.Problems)-50)
			break
		}
		fmt.Fprintf(w, "  - %s\n", md(p.Error()))
	}
	m := v.Manifest
	if m == nil {
		fmt.Fprintf(w, "\nThe manifest could not be read; nothing more can be said about the contents.\n")
		return
	}
	fmt.Fprintf(w, "\n## Chain of custody\n\n")
	row := func(k, val string) {
		if val != "" {
			fmt.Fprintf(w, "- %s: %s\n", k, md(val))
		}
	}
	row("case id", m.CaseID)
	row("operator", m.Operator)
	row("collector", strings.TrimSpace(m.Collector.Name+" "+m.Collector.Version+" "+m.Collector.Commit+" "+m.Collector.GoVersion))
	row("host", m.Host.Hostname)
	row("boot id", m.Host.BootID)
	row("machine id (sha256)", m.Host.MachineIDSHA256)
	row("kernel", m.Host.Kernel)
	row("started (UTC)", m.StartedAt.UTC().Format("2006-01-02 15:04:05Z"))
	row("finished (UTC)", m.FinishedAt.UTC().Format("2006-01-02 15:04:05Z"))
	row("command line", strings.Join(m.CommandLine, " "))
	row("note", m.Note)
	if m.Export != nil {
		row("encrypted to", strings.Join(m.Export.Recipients, ", "))
		row("signing key id (manifest)", m.Export.SignatureKeyID)
	}
	if len(m.ActiveActions) > 0 {
		row("non-read-only actions", strings.Join(m.ActiveActions, "; "))
	}

	fmt.Fprintf(w, "\n## What was collected\n\n| source | status | files | bytes | reason |\n|---|---|---|---|---|\n")
	for _, s := range m.Sources {
		fmt.Fprintf(w, "| %s | %s | %d | %d | %s |\n", md(s.Name), md(s.Status), s.Files, s.Bytes, md(s.Reason))
	}
	if m.Truncated {
		fmt.Fprintf(w, "\nThe collection was **truncated**: %s\n", md(m.TruncatedReason))
	}

	fmt.Fprintf(w, "\n## What was redacted\n\n")
	if m.Unredacted {
		fmt.Fprintf(w, "**The default redaction rules were turned off: this bundle is unredacted.**\n\n")
	}
	fmt.Fprintf(w, "- rule set version: %s\n- redactions: %d\n- pseudonymised: %v", md(m.Redaction.RuleSetVersion), m.Redaction.Total, m.Redaction.Pseudonymized)
	if m.Redaction.PseudonymKeyFingerprint != "" {
		fmt.Fprintf(w, " (key %s)", md(m.Redaction.PseudonymKeyFingerprint))
	}
	fmt.Fprintln(w)
	if len(m.Redaction.ByRule) > 0 {
		rules := make([]string, 0, len(m.Redaction.ByRule))
		for r := range m.Redaction.ByRule {
			rules = append(rules, r)
		}
		sort.Strings(rules)
		fmt.Fprintf(w, "\n| rule | redactions |\n|---|---|\n")
		for _, r := range rules {
			fmt.Fprintf(w, "| %s | %d |\n", md(r), m.Redaction.ByRule[r])
		}
	}

	fmt.Fprintf(w, "\n## What failed\n\n")
	failed := 0
	for _, s := range m.Sources {
		if s.Status != bundle.StatusOK && s.Status != bundle.StatusSkipped {
			failed++
			fmt.Fprintf(w, "- %s: %s — %s\n", md(s.Name), md(s.Status), md(s.Reason))
		}
	}
	var truncated int
	for _, f := range m.Files {
		if f.Truncated {
			truncated++
		}
	}
	if truncated > 0 {
		fmt.Fprintf(w, "- %d files were cut to their budget (marked truncated in the manifest)\n", truncated)
	}
	if failed == 0 && truncated == 0 && !m.Truncated {
		fmt.Fprintf(w, "Nothing: every source that ran finished ok.\n")
	}
}

// md makes an untrusted value inert in a markdown line or table cell
// (internal/safetext: links, images, autolinks, emphasis, headings, bidi
// and control characters), cut at 300 bytes on a rune boundary.
func md(s string) string {
	if len(s) > 300 {
		i := 300
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return safetext.Markdown(s)
}
