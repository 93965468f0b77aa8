package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"aead.dev/minisign"

	"github.com/rtsnap/rtsnap/bundle"
)

// PasswordEnv holds the passphrase of an encrypted minisign secret key, for
// rtsnap keygen (encrypts when set) and rtsnap collect --sign-key.
const PasswordEnv = "RTSNAP_SIGN_PASSWORD"

// SignatureSuffix is appended to the archive's name for its detached signature.
const SignatureSuffix = ".minisig"

var (
	// ErrBadSignature: the signature does not match the archive or the key.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrNoSignature: the archive has no .minisig next to it.
	ErrNoSignature = errors.New("no signature")
)

// KeyID formats a minisign key id as minisign prints it: 16 upper-case hex digits.
func KeyID(id uint64) string { return fmt.Sprintf("%016X", id) }

// LoadSigningKey reads a minisign secret key. A passphrase-protected key
// (minisign's default, or rtsnap keygen with RTSNAP_SIGN_PASSWORD set) is
// decrypted with password; a passphrase-less key is read as is.
func LoadSigningKey(path, password string) (minisign.PrivateKey, error) {
	data, err := readBounded(path)
	if err != nil {
		return minisign.PrivateKey{}, fmt.Errorf("signing key %s: %w", path, err)
	}
	if minisign.IsEncrypted(data) {
		if password == "" {
			return minisign.PrivateKey{}, fmt.Errorf("signing key %s is passphrase-protected: set %s", path, PasswordEnv)
		}
		k, err := minisign.DecryptKey(password, data)
		if err != nil {
			return minisign.PrivateKey{}, fmt.Errorf("signing key %s: wrong passphrase or damaged key: %w", path, err)
		}
		return k, nil
	}
	var k minisign.PrivateKey
	if err := k.UnmarshalText(data); err != nil {
		return minisign.PrivateKey{}, fmt.Errorf("signing key %s: not a minisign secret key: %w", path, err)
	}
	return k, nil
}

// SignFile writes path+".minisig", a prehashed minisign signature over the
// file's bytes as they are on disk (ciphertext when encrypted). The trusted
// comment is signed too; rtsnap puts the custody record there.
func SignFile(path string, key minisign.PrivateKey, trustedComment string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r := minisign.NewReader(bufio.NewReaderSize(f, 1<<20))
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", fmt.Errorf("reading %s to sign it: %w", filepath.Base(path), err)
	}
	untrusted := "rtsnap signature of " + filepath.Base(path) + " by key " + KeyID(key.ID())
	// A trailing newline, as minisign itself writes.
	sig := append(r.SignWithComments(key, trustedComment, untrusted), '\n')
	out := path + SignatureSuffix
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, sig, 0o600); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing %s: %w", filepath.Base(out), err)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing %s: %w", filepath.Base(out), err)
	}
	return out, nil
}

// SignatureInfo is what a verified signature says.
type SignatureInfo struct {
	KeyID          string   `json:"key_id"`
	TrustedComment string   `json:"trusted_comment"`
	Custody        *Custody `json:"custody,omitempty"`
}

// VerifySignature checks bundlePath+".minisig" against the archive's bytes
// with the minisign public key in pubkeyFile and returns the key id.
func VerifySignature(bundlePath, pubkeyFile string) (string, error) {
	info, err := VerifySignatureInfo(bundlePath, pubkeyFile)
	if err != nil {
		return "", err
	}
	return info.KeyID, nil
}

// VerifySignatureInfo is VerifySignature returning the signed custody record too.
func VerifySignatureInfo(bundlePath, pubkeyFile string) (*SignatureInfo, error) {
	pub, err := loadPublicKey(pubkeyFile)
	if err != nil {
		return nil, err
	}
	sigData, err := readBounded(bundlePath + SignatureSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s%s: %w", filepath.Base(bundlePath), SignatureSuffix, ErrNoSignature)
	}
	if err != nil {
		return nil, err
	}
	var sig minisign.Signature
	if err := sig.UnmarshalText(sigData); err != nil {
		return nil, fmt.Errorf("%s%s: %w: %w", filepath.Base(bundlePath), SignatureSuffix, ErrBadSignature, err)
	}
	if sig.KeyID != pub.ID() {
		return nil, fmt.Errorf("%w: signed by key %s, the public key given is %s", ErrBadSignature, KeyID(sig.KeyID), KeyID(pub.ID()))
	}
	f, err := bundle.OpenRegular(bundlePath, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := minisign.NewReader(bufio.NewReaderSize(f, 1<<20))
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Base(bundlePath), err)
	}
	if !r.Verify(pub, sigData) {
		return nil, fmt.Errorf("%w: %s was modified after signing, or its signature was", ErrBadSignature, filepath.Base(bundlePath))
	}
	info := &SignatureInfo{KeyID: KeyID(sig.KeyID), TrustedComment: sig.TrustedComment}
	if c, ok := ParseCustody(sig.TrustedComment); ok {
		info.Custody = c
	}
	return info, nil
}

// PublicKeyID returns the key id of a minisign public key file.
func PublicKeyID(pubkeyFile string) (string, error) {
	pub, err := loadPublicKey(pubkeyFile)
	if err != nil {
		return "", err
	}
	return KeyID(pub.ID()), nil
}

// loadPublicKey reads a minisign public key file (bounded: the path comes
// from the command line and could name anything).
func loadPublicKey(pubkeyFile string) (minisign.PublicKey, error) {
	var pub minisign.PublicKey
	data, err := readBounded(pubkeyFile)
	if err != nil {
		return pub, fmt.Errorf("public key %s: %w", pubkeyFile, err)
	}
	if err := pub.UnmarshalText(data); err != nil {
		return pub, fmt.Errorf("public key %s: not a minisign public key: %w", pubkeyFile, err)
	}
	return pub, nil
}

// oneLine keeps a value safe inside the one-line trusted comment.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max]
	}
	return s
}
