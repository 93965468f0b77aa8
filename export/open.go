package export

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"github.com/rtsnap/rtsnap/bundle"
)

// ageMagic starts every (binary, unarmored) age file.
const ageMagic = "age-encryption.org/v1\n"

var (
	// ErrEncrypted: the bundle is encrypted and no identity was given.
	ErrEncrypted = errors.New("the bundle is encrypted: pass --identity FILE (an age identity or SSH private key of one of its recipients)")
	// ErrWrongIdentity: none of the given identities is a recipient.
	ErrWrongIdentity = errors.New("none of the given identities can decrypt this bundle: it was encrypted to other recipients")
)

// LoadIdentities reads identity files: age identities (age-keygen format,
// as written by rtsnap keygen, several per file allowed) or an SSH private key
// (ssh-ed25519 or ssh-rsa, unencrypted, OpenSSH or PEM format) whose public
// key was given to rtsnap collect --encrypt-to.
func LoadIdentities(files ...string) ([]age.Identity, error) {
	var ids []age.Identity
	for _, file := range files {
		data, err := readBounded(file)
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", file, err)
		}
		if bytes.Contains(data, []byte("-----BEGIN")) {
			id, err := parseSSHIdentity(data)
			if err != nil {
				return nil, fmt.Errorf("identity %s: %w", file, err)
			}
			ids = append(ids, id)
			continue
		}
		got, err := age.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("identity %s: not an age identity file or SSH private key: %w", file, err)
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

// parseSSHIdentity is agessh.ParseIdentity with errors a person can act on.
func parseSSHIdentity(pemBytes []byte) (age.Identity, error) {
	k, err := ssh.ParseRawPrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		// The analyzer runs unattended too (scripts, CI) and does not prompt;
		// the age tool does: age -d -i KEY -o x.tar.zst x.tar.zst.age.
		return nil, fmt.Errorf("%w: the SSH private key is passphrase-protected, which is not supported; decrypt the bundle with 'age -d -i KEY -o OUT.tar.zst BUNDLE' (it asks for the passphrase) and analyze OUT.tar.zst", ErrUnsupportedKey)
	}
	if err != nil {
		return nil, fmt.Errorf("not an SSH private key: %w", err)
	}
	// ParseRawPrivateKey returns ed25519 keys as a pointer or a value
	// depending on the format (age issue 429).
	switch k := k.(type) {
	case *ed25519.PrivateKey:
		return agessh.NewEd25519Identity(*k)
	case ed25519.PrivateKey:
		return agessh.NewEd25519Identity(k)
	case *rsa.PrivateKey:
		return agessh.NewRSAIdentity(k)
	}
	return nil, fmt.Errorf("%w: SSH private key of type %T: age decrypts only with ssh-ed25519 and ssh-rsa keys", ErrUnsupportedKey, k)
}

// IsEncrypted reports whether the file at path is an age file.
func IsEncrypted(path string) (bool, error) {
	f, err := bundle.OpenRegular(path, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(ageMagic))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == ageMagic, nil
}

// stream reads a bundle file as plaintext, decrypting when it is an age file,
// while hashing the bytes on disk for the .sha256 sidecar.
type stream struct {
	file      *os.File
	path      string
	hash      hash.Hash
	plain     io.Reader
	encrypted bool
}

func openStream(path string, ids []age.Identity, lim bundle.Limits) (*stream, error) {
	f, err := bundle.OpenRegular(path, lim.MaxArchiveBytes())
	if err != nil {
		return nil, err
	}
	s := &stream{file: f, path: path, hash: sha256.New()}
	br := bufio.NewReaderSize(io.TeeReader(f, s.hash), 1<<20)
	head, _ := br.Peek(len(ageMagic))
	s.plain = br
	if string(head) == ageMagic {
		s.encrypted = true
		if len(ids) == 0 {
			f.Close()
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), ErrEncrypted)
		}
		plain, err := age.Decrypt(br, ids...)
		if err != nil {
			f.Close()
			var nomatch *age.NoIdentityMatchError
			if errors.As(err, &nomatch) {
				tried := fmt.Sprintf("%d identities tried", len(ids))
				if len(ids) == 1 {
					tried = "1 identity tried"
				}
				return nil, fmt.Errorf("%s: %w (%s)", filepath.Base(path), ErrWrongIdentity, tried)
			}
			// A damaged header (flipped byte, truncation) fails its MAC.
			return nil, fmt.Errorf("%w: %s: age header: %w", bundle.ErrTampered, filepath.Base(path), err)
		}
		s.plain = bufio.NewReaderSize(plain, 1<<20)
	}
	return s, nil
}

// finish reads what the consumer left of the file and compares the file's
// sha256 with the sidecar, when one exists. It reports "absent", "ok" or a
// mismatch problem.
func (s *stream) finish() (string, string, *bundle.Problem) {
	if _, err := io.Copy(s.hash, s.file); err != nil {
		return "", "", &bundle.Problem{Kind: "corrupt", Detail: "reading " + filepath.Base(s.path) + ": " + err.Error()}
	}
	sum := hex.EncodeToString(s.hash.Sum(nil))
	want, present, err := bundle.SidecarSum(s.path)
	if err != nil {
		return sum, "mismatch", &bundle.Problem{Path: filepath.Base(s.path) + bundle.SidecarSuffix, Kind: "sidecar-mismatch", Detail: err.Error()}
	}
	if !present {
		return sum, "absent", nil
	}
	if want != sum {
		return sum, "mismatch", &bundle.Problem{Path: filepath.Base(s.path), Kind: "sidecar-mismatch",
			Detail: "the archive's sha256 differs from " + filepath.Base(s.path) + ".sha256"}
	}
	return sum, "ok", nil
}

func (s *stream) Close() error { return s.file.Close() }

// OpenBundle opens a bundle for reading, plain or age-encrypted, and returns
// the plaintext tar.zst stream for bundle.Walk/Read/Verify. When the stream
// is read to its end the .sha256 sidecar (which covers the bytes on disk,
// ciphertext when encrypted) is checked and a mismatch is returned instead of
// io.EOF, wrapping bundle.ErrTampered. An encrypted bundle without identities
// gives ErrEncrypted; identities that are not recipients give ErrWrongIdentity.
func OpenBundle(path string, identities []age.Identity) (io.ReadCloser, error) {
	s, err := openStream(path, identities, bundle.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return &checkedReader{s: s}, nil
}

type checkedReader struct {
	s    *stream
	done bool
	err  error
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, c.err
	}
	n, err := c.s.plain.Read(p)
	if err == io.EOF {
		c.done, c.err = true, io.EOF
		if _, _, pr := c.s.finish(); pr != nil {
			c.err = fmt.Errorf("%w: %s", bundle.ErrTampered, pr.Error())
		}
		return n, c.err
	}
	return n, err
}

func (c *checkedReader) Close() error { return c.s.Close() }

// ReadFile is bundle.OpenFile for plain and encrypted bundles: it reads and
// verifies the bundle into memory, sidecar included.
func ReadFile(path string, identities []age.Identity, lim bundle.Limits) (*bundle.Bundle, error) {
	s, err := openStream(path, identities, lim)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	b, err := bundle.Read(s.plain, lim)
	if err != nil {
		return nil, err
	}
	if _, _, pr := s.finish(); pr != nil {
		return nil, fmt.Errorf("%w: %s", bundle.ErrTampered, pr.Error())
	}
	return b, nil
}
