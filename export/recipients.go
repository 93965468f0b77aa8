package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"github.com/rtsnap/rtsnap/bundle"
)

// ErrUnsupportedKey: an SSH key of a type age cannot encrypt to or decrypt
// with (only ssh-ed25519 and ssh-rsa are defined by age), or a
// passphrase-protected SSH private key.
var ErrUnsupportedKey = errors.New("unsupported key")

// maxKeyFile bounds what is read from a key or recipients file.
const maxKeyFile = 1 << 20

// Recipients are the parsed --encrypt-to values and their fingerprints, in
// the same order. A fingerprint is public and safe for the manifest: an age
// X25519 recipient is its own public key (age1...); an SSH key is recorded as
// "<type> SHA256:<base64>", as ssh-keygen -l prints it.
type Recipients struct {
	List         []age.Recipient
	Fingerprints []string
}

// ParseRecipients reads --encrypt-to values: each is an age X25519 recipient
// (age1...), an SSH public key line (ssh-ed25519/ssh-rsa), or the path of a
// file holding such lines (blank lines and # comments ignored).
func ParseRecipients(values []string) (*Recipients, error) {
	rs := &Recipients{}
	seen := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		lines := []string{v}
		if !looksLikeRecipient(v) {
			data, err := readBounded(v)
			if err != nil {
				return nil, fmt.Errorf("--encrypt-to %q: neither a recipient (age1..., ssh-ed25519, ssh-rsa) nor a readable file: %w", v, err)
			}
			lines = nil
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(make([]byte, 64<<10), maxKeyFile)
			for sc.Scan() {
				if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
					lines = append(lines, l)
				}
			}
			if len(lines) == 0 {
				return nil, fmt.Errorf("--encrypt-to %s: no recipients in the file", v)
			}
		}
		for _, l := range lines {
			r, fp, err := parseRecipient(l)
			if err != nil {
				return nil, fmt.Errorf("--encrypt-to: %w", err)
			}
			if seen[fp] {
				continue
			}
			seen[fp] = true
			rs.List = append(rs.List, r)
			rs.Fingerprints = append(rs.Fingerprints, fp)
		}
	}
	return rs, nil
}

// looksLikeRecipient tells a key from a file name. SSH key types age does not
// support (ECDSA, security keys) are recognised too, so they are refused as
// keys rather than reported as missing files.
func looksLikeRecipient(s string) bool {
	for _, p := range []string{"age1", "ssh-", "ecdsa-sha2-", "sk-"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func parseRecipient(s string) (age.Recipient, string, error) {
	if strings.HasPrefix(s, "age1") {
		// Only X25519: hybrid post-quantum and plugin recipients are not
		// what vendors exchange today, and a plugin would run a program.
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, "", fmt.Errorf("recipient %.80q: only X25519 (age1...) and SSH recipients are supported: %w", s, err)
		}
		return r, r.String(), nil
	}
	if !looksLikeRecipient(s) {
		return nil, "", fmt.Errorf("recipient %.40q: not an age1... or SSH public key", s)
	}
	// An SSH public key line (authorized_keys format, comment allowed).
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return nil, "", fmt.Errorf("SSH recipient %.80q: %w", s, err)
	}
	// The fingerprint, as ssh-keygen -l prints it, goes into the manifest and
	// the custody record: shorter than the key, and what people compare.
	fp := pk.Type() + " " + ssh.FingerprintSHA256(pk)
	if t := pk.Type(); t != ssh.KeyAlgoED25519 && t != ssh.KeyAlgoRSA {
		return nil, "", fmt.Errorf("SSH recipient %s: %w: age encrypts only to ssh-ed25519 and ssh-rsa keys", fp, ErrUnsupportedKey)
	}
	r, err := agessh.ParseRecipient(s)
	if err != nil {
		// e.g. an RSA key shorter than 2048 bits
		return nil, "", fmt.Errorf("SSH recipient %s: %w", fp, err)
	}
	return r, fp, nil
}

// Wrap returns the CommitOptions.Wrap hook: the archive is encrypted as it is
// written, so only ciphertext reaches the output directory.
func (rs *Recipients) Wrap() func(io.Writer) (io.WriteCloser, error) {
	return func(w io.Writer) (io.WriteCloser, error) {
		if len(rs.List) == 0 {
			return nil, errors.New("no recipients")
		}
		return age.Encrypt(w, rs.List...)
	}
}

func readBounded(path string) ([]byte, error) {
	// Only a regular file: a key path that is a FIFO or /dev/zero must not
	// hang or exhaust the analyzer.
	return bundle.ReadRegular(path, maxKeyFile)
}
