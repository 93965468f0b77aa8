package export

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/rtsnap/rtsnap/bundle"
)

// Verification is the machine-readable result of checking a bundle: its
// bytes against the sidecar, its signature against a public key, and every
// file against the manifest's sha256 (on the decrypted stream when encrypted).
type Verification struct {
	Bundle    string    `json:"bundle"`
	CheckedAt time.Time `json:"checked_at"`
	OK        bool      `json:"ok"`
	SHA256    string    `json:"sha256"`
	Encrypted bool      `json:"encrypted"`
	// Sidecar is "ok", "mismatch" or "absent".
	Sidecar   string          `json:"sidecar"`
	Signature SignatureResult `json:"signature"`
	Hashes    HashResult      `json:"hashes"`
	// Manifest is the bundle's own manifest, when it could be read.
	Manifest *bundle.Manifest `json:"-"`
}

// SignatureResult says whether the detached signature verified.
type SignatureResult struct {
	// Status is "ok", "bad", "absent" (no .minisig) or "not-checked" (no public key given).
	Status string `json:"status"`
	KeyID  string `json:"key_id,omitempty"`
	// ManifestKeyID is the key id the collector recorded in the manifest.
	ManifestKeyID string   `json:"manifest_key_id,omitempty"`
	Custody       *Custody `json:"custody,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// HashResult is bundle.Verify's report.
type HashResult struct {
	Files    int              `json:"files"`
	Bytes    int64            `json:"bytes"`
	Problems []bundle.Problem `json:"problems"`
}

// VerifyBundle checks a bundle, plain or encrypted. pubkeyFile may be empty
// (the signature is then "not-checked"). The error is only for a bundle that
// cannot be opened or decrypted at all (missing file, ErrEncrypted,
// ErrWrongIdentity) or a public key file that cannot be read; everything
// found wrong with the bundle is in the result and OK is false.
func VerifyBundle(path string, identities []age.Identity, pubkeyFile string, lim bundle.Limits) (*Verification, error) {
	if pubkeyFile != "" {
		// A mistyped or wrong key file is the caller's problem, not the
		// bundle's: reporting it as a bad signature would accuse the bundle.
		if _, err := PublicKeyID(pubkeyFile); err != nil {
			return nil, err
		}
	}
	v := &Verification{Bundle: filepath.Base(path), CheckedAt: time.Now().UTC()}
	s, err := openStream(path, identities, lim)
	if err != nil {
		if errors.Is(err, bundle.ErrTampered) {
			// The age header is damaged: report it like any other tampering.
			v.Hashes.Problems = append(v.Hashes.Problems, bundle.Problem{Path: v.Bundle, Kind: "corrupt", Detail: err.Error()})
			v.Encrypted = true
			v.Sidecar = "not-checked"
			v.checkSignature(path, pubkeyFile)
			return v, nil
		}
		return nil, err
	}
	defer s.Close()
	v.Encrypted = s.encrypted
	rep := bundle.Verify(s.plain, lim)
	v.Manifest = rep.Manifest
	v.Hashes = HashResult{Files: rep.Files, Bytes: rep.Bytes, Problems: rep.Problems}
	sum, sidecar, pr := s.finish()
	v.SHA256, v.Sidecar = sum, sidecar
	if pr != nil {
		v.Hashes.Problems = append(v.Hashes.Problems, *pr)
	}
	if v.Hashes.Problems == nil {
		v.Hashes.Problems = []bundle.Problem{}
	}
	v.checkSignature(path, pubkeyFile)
	if v.Manifest != nil && v.Manifest.Export != nil {
		v.Signature.ManifestKeyID = v.Manifest.Export.SignatureKeyID
	}
	// Asking for a signature check (a public key) and finding none is a failure.
	sigOK := v.Signature.Status == "ok" || v.Signature.Status == "not-checked"
	v.OK = len(v.Hashes.Problems) == 0 && v.Sidecar != "mismatch" && sigOK
	if v.OK && v.Signature.ManifestKeyID != "" && v.Signature.KeyID != "" && v.Signature.ManifestKeyID != v.Signature.KeyID {
		v.OK = false
		v.Signature.Status = "bad"
		v.Signature.Error = fmt.Sprintf("signed by %s but the manifest names key %s", v.Signature.KeyID, v.Signature.ManifestKeyID)
	}
	return v, nil
}

func (v *Verification) checkSignature(path, pubkeyFile string) {
	if pubkeyFile == "" {
		v.Signature.Status = "not-checked"
		return
	}
	info, err := VerifySignatureInfo(path, pubkeyFile)
	switch {
	case errors.Is(err, ErrNoSignature):
		v.Signature.Status, v.Signature.Error = "absent", err.Error()
	case err != nil:
		v.Signature.Status, v.Signature.Error = "bad", err.Error()
	default:
		v.Signature.Status, v.Signature.KeyID, v.Signature.Custody = "ok", info.KeyID, info.Custody
	}
}

// Err is nil when the bundle verified, else an error classified like the
// bundle package's (bundle.ErrTampered for a bad signature or hash).
func (v *Verification) Err() error {
	if v.OK {
		return nil
	}
	switch v.Signature.Status {
	case "bad":
		return fmt.Errorf("%w: %w: %s", bundle.ErrTampered, ErrBadSignature, v.Signature.Error)
	case "absent":
		return fmt.Errorf("%w: %w", bundle.ErrTampered, ErrNoSignature)
	}
	rep := bundle.VerifyReport{Problems: v.Hashes.Problems}
	return rep.Err()
}

// Report folds the whole verification into a bundle.VerifyReport, so the
// analyzer's existing verify rendering shows it: a "signature" problem first
// when the signature is bad or (a public key having been given) absent, then
// the hash and sidecar problems. Err() is classified like the bundle package's.
func (v *Verification) Report() *bundle.VerifyReport {
	rep := &bundle.VerifyReport{Manifest: v.Manifest, Files: v.Hashes.Files, Bytes: v.Hashes.Bytes, Problems: []bundle.Problem{}}
	// The signature first: when it fails, the bundle is not what was signed,
	// whatever the stream errors that follow say (Err reports the first).
	switch v.Signature.Status {
	case "bad", "absent":
		rep.Problems = append(rep.Problems, bundle.Problem{Path: v.Bundle + SignatureSuffix, Kind: "signature", Detail: v.Signature.Error})
	}
	rep.Problems = append(rep.Problems, v.Hashes.Problems...)
	return rep
}

// IsBundleName reports whether a file name is a bundle the analyzer should
// pick from a directory: *.tar.zst or, encrypted, *.tar.zst.age.
func IsBundleName(name string) bool {
	return strings.HasSuffix(name, ".tar.zst") || strings.HasSuffix(name, ".tar.zst.age")
}
