package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"aead.dev/minisign"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/export"
)

// exportPlan is what --encrypt-to and --sign-key resolve to, checked before
// any source runs so a bad key is a usage error, not a lost collection.
type exportPlan struct {
	recipients *export.Recipients
	signKey    *minisign.PrivateKey
	keyID      string
}

func newExportPlan(f *collectFlags) (*exportPlan, error) {
	p := &exportPlan{}
	if len(f.encryptTo) > 0 {
		rs, err := export.ParseRecipients(f.encryptTo)
		if err != nil {
			return nil, err
		}
		p.recipients = rs
	}
	if f.signKey != "" {
		k, err := export.LoadSigningKey(f.signKey, os.Getenv(export.PasswordEnv))
		if err != nil {
			return nil, fmt.Errorf("--sign-key: %w", err)
		}
		p.signKey, p.keyID = &k, export.KeyID(k.ID())
	}
	return p, nil
}

// apply sets the archive name, the encryption hook and the manifest's export
// record. hostname is the manifest's (redacted) hostname.
func (p *exportPlan) apply(opts *collect.Options, hostname string) {
	if p.recipients == nil && p.signKey == nil {
		return
	}
	info := &bundle.ExportInfo{}
	if p.recipients != nil {
		info.Encryption, info.Recipients = "age", p.recipients.Fingerprints
		opts.Name = collect.ArchiveName(hostname, time.Now()) + ".age"
		opts.Commit.Wrap = p.recipients.Wrap()
	}
	if p.signKey != nil {
		info.Signature, info.SignatureKeyID = "minisign", p.keyID
	}
	opts.Manifest.Export = info
}

// sign writes the detached signature with the custody record. On failure the
// archive is removed: exit status 1 means nothing was written.
func (p *exportPlan) sign(res *collect.Result) (string, error) {
	if p.signKey == nil {
		return "", nil
	}
	custody := export.NewCustody(filepath.Base(res.Path), res.Manifest, p.keyID)
	sig, err := export.SignFile(res.Path, *p.signKey, custody.TrustedComment())
	if err != nil {
		os.Remove(res.Path)
		os.Remove(res.Path + ".sha256")
		return "", fmt.Errorf("signing the archive (removed): %w", err)
	}
	return sig, nil
}

// collectOutput is the --json summary: the engine's result plus what export did.
type collectOutput struct {
	*collect.Result
	Encrypted  bool             `json:"encrypted"`
	Recipients []string         `json:"recipients,omitempty"`
	Signature  string           `json:"signature,omitempty"`
	KeyID      string           `json:"signature_key_id,omitempty"`
	Pruned     []export.Removed `json:"pruned"`
}

func printExportSummary(w io.Writer, out *collectOutput, pruneErr error) {
	if out.Encrypted {
		fmt.Fprintf(w, "encrypted (age) to %d recipient(s): the archive is readable only with one of their identities\n", len(out.Recipients))
		for _, r := range out.Recipients {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
	if out.Signature != "" {
		fmt.Fprintf(w, "signed: %s (minisign key %s)\n", out.Signature, out.KeyID)
	}
	printPruned(w, out.Pruned, false)
	if pruneErr != nil {
		fmt.Fprintf(w, "retention: %v\n", pruneErr)
	}
}

func printPruned(w io.Writer, removed []export.Removed, dryRun bool) {
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	var total int64
	for _, r := range removed {
		total += r.Size
		fmt.Fprintf(w, "retention: %s %s (%s old, %s)\n", verb, r.Path, r.Age.Round(time.Minute), humanBytes(r.Size))
	}
	if len(removed) > 0 {
		fmt.Fprintf(w, "retention: %s %d file(s), %s freed\n", verb, len(removed), humanBytes(total))
	}
}
