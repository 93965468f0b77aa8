package export

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"

	"github.com/rtsnap/rtsnap/bundle"
)

// sshKey is an SSH key pair made for a test: the authorized_keys line (the
// recipient) and the private key file (the identity).
type sshKey struct {
	authorized  string
	fingerprint string
	privateFile string
}

func writeSSHKey(t *testing.T, priv crypto.Signer, passphrase string) sshKey {
	t.Helper()
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test@rtsnap")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test@rtsnap", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "id_"+strings.TrimPrefix(pub.Type(), "ssh-"))
	if err := os.WriteFile(f, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return sshKey{
		authorized:  strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " test@rtsnap",
		fingerprint: pub.Type() + " " + ssh.FingerprintSHA256(pub),
		privateFile: f,
	}
}

func newEd25519Key(t *testing.T, passphrase string) sshKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return writeSSHKey(t, priv, passphrase)
}

// TestSSHRecipients encrypts one bundle to an ssh-ed25519 key, an ssh-rsa key
// and an age X25519 recipient, and opens it with each private key alone.
func TestSSHRecipients(t *testing.T) {
	ed := newEd25519Key(t, "")
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey := writeSSHKey(t, rsaPriv, "")
	x := newIdentity(t)

	// The SSH keys come as a line and from a file with a comment.
	recFile := filepath.Join(t.TempDir(), "recipients.txt")
	os.WriteFile(recFile, []byte("# vendor's RSA key\n"+rsaKey.authorized+"\n"), 0o600)
	rs, err := ParseRecipients([]string{ed.authorized, recFile, x.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ed.fingerprint, rsaKey.fingerprint, x.Recipient().String()}
	if strings.Join(rs.Fingerprints, "|") != strings.Join(want, "|") {
		t.Fatalf("fingerprints %q, want %q", rs.Fingerprints, want)
	}
	if !strings.HasPrefix(rs.Fingerprints[0], "ssh-ed25519 SHA256:") {
		t.Fatalf("fingerprint %q is not in ssh-keygen -l form", rs.Fingerprints[0])
	}
	p := makeBundle(t, t.TempDir(), "rtsnap-node-1-20260101T000000Z.tar.zst.age", rs.Wrap(), &bundle.ExportInfo{Encryption: "age", Recipients: rs.Fingerprints})

	xFile := filepath.Join(t.TempDir(), "x.key")
	os.WriteFile(xFile, []byte(x.String()+"\n"), 0o600)
	for _, f := range []string{ed.privateFile, rsaKey.privateFile, xFile} {
		ids, err := LoadIdentities(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		b, err := ReadFile(p, ids, bundle.DefaultLimits())
		if err != nil {
			t.Fatalf("decrypting with %s: %v", filepath.Base(f), err)
		}
		if d, _ := b.File("cri/data.txt"); !bytes.Contains(d, []byte(secretMarker)) {
			t.Fatalf("%s: decrypted content missing", filepath.Base(f))
		}
	}

	// Another SSH key is not a recipient: the same error as for age keys.
	other := newEd25519Key(t, "")
	ids, err := LoadIdentities(other.privateFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p, ids, bundle.DefaultLimits()); !errors.Is(err, ErrWrongIdentity) {
		t.Fatalf("another SSH key: %v", err)
	}
}

func TestSSHKeysAgeCannotUse(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey := writeSSHKey(t, ec, "")
	_, err = ParseRecipients([]string{ecKey.authorized})
	if !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(err.Error(), ecKey.fingerprint) {
		t.Fatalf("ECDSA recipient: %v", err)
	}
	if _, err := LoadIdentities(ecKey.privateFile); !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(err.Error(), "ssh-ed25519 and ssh-rsa") {
		t.Fatalf("ECDSA identity: %v", err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRecipients([]string{writeSSHKey(t, small, "").authorized}); err == nil || !strings.Contains(err.Error(), "too small") {
		t.Fatalf("1024-bit RSA recipient: %v", err)
	}
	locked := newEd25519Key(t, "hunter2")
	if _, err := LoadIdentities(locked.privateFile); !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(err.Error(), "passphrase-protected") {
		t.Fatalf("passphrase-protected identity: %v", err)
	}
	// Its public half is still a fine recipient.
	if _, err := ParseRecipients([]string{locked.authorized}); err != nil {
		t.Fatal(err)
	}
}

// TestAgeIdentityNotConfusedWithSSH: an age identity file still parses as one
// after SSH support (the PEM check must not catch it).
func TestAgeIdentityNotConfusedWithSSH(t *testing.T) {
	x := newIdentity(t)
	f := filepath.Join(t.TempDir(), "k")
	os.WriteFile(f, []byte("# created: now\n# public key: "+x.Recipient().String()+"\n"+x.String()+"\n"), 0o600)
	ids, err := LoadIdentities(f)
	if err != nil || len(ids) != 1 {
		t.Fatalf("%v %d", err, len(ids))
	}
	if _, ok := ids[0].(*age.X25519Identity); !ok {
		t.Fatalf("identity of type %T", ids[0])
	}
}
