package export

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"aead.dev/minisign"
	"filippo.io/age"
)

// Key file names written by GenerateKeys.
const (
	AgeIdentityFile   = "rtsnap-age.key"      // secret: decrypts bundles (age-keygen format)
	AgeRecipientFile  = "rtsnap-age.pub"      // public: --encrypt-to FILE
	SignSecretFile    = "rtsnap-minisign.key" // secret: --sign-key FILE
	SignPublicKeyFile = "rtsnap-minisign.pub" // public: rtsnap-analyze verify --pubkey FILE
)

// Keys says what GenerateKeys wrote.
type Keys struct {
	Dir, Recipient, SignKeyID string
	SignKeyEncrypted          bool
	Files                     []string
}

// GenerateKeys writes an age identity and a minisign key pair into dir
// (created 0700 if missing). Secrets are 0600. Existing files are never
// overwritten. A non-empty password encrypts the minisign secret key
// (scrypt, minisign's format); without one the key is stored in clear, so
// that an unattended collector can sign — its protection is then the file's
// mode and where it lives.
func GenerateKeys(dir, password string, now time.Time) (*Keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	names := []string{AgeIdentityFile, AgeRecipientFile, SignSecretFile, SignPublicKeyFile}
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			return nil, fmt.Errorf("%s already exists: refusing to overwrite a key", filepath.Join(dir, n))
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generating the age identity: %w", err)
	}
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the minisign key: %w", err)
	}
	var secret []byte
	if password != "" {
		secret, err = minisign.EncryptKey(password, priv)
	} else {
		secret, err = priv.MarshalText()
	}
	if err != nil {
		return nil, fmt.Errorf("encoding the minisign key: %w", err)
	}
	pubText, err := pub.MarshalText()
	if err != nil {
		return nil, fmt.Errorf("encoding the minisign public key: %w", err)
	}
	recipient := id.Recipient().String()
	ageSecret := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", now.UTC().Format(time.RFC3339), recipient, id.String())
	contents := map[string][]byte{
		AgeIdentityFile:   []byte(ageSecret),
		AgeRecipientFile:  []byte(recipient + "\n"),
		SignSecretFile:    append(secret, '\n'),
		SignPublicKeyFile: append(pubText, '\n'),
	}
	k := &Keys{Dir: dir, Recipient: recipient, SignKeyID: KeyID(pub.ID()), SignKeyEncrypted: password != ""}
	for _, n := range names {
		mode := os.FileMode(0o644)
		if n == AgeIdentityFile || n == SignSecretFile {
			mode = 0o600
		}
		p := filepath.Join(dir, n)
		// O_EXCL: a file that appeared since the check is not overwritten either.
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return k, fmt.Errorf("writing %s: %w", p, err)
		}
		if _, err := f.Write(contents[n]); err != nil {
			f.Close()
			return k, fmt.Errorf("writing %s: %w", p, err)
		}
		if err := f.Close(); err != nil {
			return k, fmt.Errorf("writing %s: %w", p, err)
		}
		k.Files = append(k.Files, p)
	}
	return k, nil
}
