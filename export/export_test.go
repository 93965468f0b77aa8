package export

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
	"filippo.io/age"
	"github.com/klauspost/compress/zstd"

	"github.com/rtsnap/rtsnap/bundle"
)

const secretMarker = "PLAINTEXT-MARKER-7f3a9c"

// makeBundle commits a small bundle into dir through wrap (nil: plain).
func makeBundle(t *testing.T, dir, name string, wrap func(io.Writer) (io.WriteCloser, error), export *bundle.ExportInfo) string {
	t.Helper()
	w, err := bundle.NewWriter(bundle.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, src := range []string{"cri", "host", "logs"} {
		data := []byte(strings.Repeat(secretMarker+" line of "+src+"\n", 20+i))
		if _, err := w.Add(src+"/data.txt", src, "text", data); err != nil {
			t.Fatal(err)
		}
	}
	m := &bundle.Manifest{
		Collector: bundle.CollectorInfo{Name: "rtsnap", Version: "test", Commit: "abc"},
		Host:      bundle.HostInfo{Hostname: "node-1", BootID: "boot-1"},
		StartedAt: time.Now().UTC(), FinishedAt: time.Now().UTC(), CaseID: "SR-1", Operator: "alice",
		Sources: []bundle.SourceStatus{{Name: "cri", Status: "ok", Files: 1}, {Name: "host", Status: "ok", Files: 1},
			{Name: "logs", Status: "partial", Reason: "budget | reached\x1b[31m", Files: 1}},
		Redaction: bundle.RedactionInfo{RuleSetVersion: "1", Total: 3, ByRule: map[string]int{"bearer-token": 2, "password-key": 1}},
		Export:    export,
	}
	p, _, err := w.Commit(context.Background(), dir, name, m, bundle.CommitOptions{Wrap: wrap})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func recipientsFor(t *testing.T, ids ...*age.X25519Identity) *Recipients {
	t.Helper()
	var vals []string
	for _, id := range ids {
		vals = append(vals, id.Recipient().String())
	}
	rs, err := ParseRecipients(vals)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestEncryptToTwoRecipientsDecryptWithEither(t *testing.T) {
	dir := t.TempDir()
	a, b, stranger := newIdentity(t), newIdentity(t), newIdentity(t)
	rs := recipientsFor(t, a, b)
	if len(rs.Fingerprints) != 2 || rs.Fingerprints[0] != a.Recipient().String() {
		t.Fatalf("fingerprints %v", rs.Fingerprints)
	}
	p := makeBundle(t, dir, "rtsnap-node-1-20260101T000000Z.tar.zst.age", rs.Wrap(), nil)

	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte(ageMagic)) || bytes.Contains(raw, []byte(secretMarker)) || bytes.Contains(raw, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatal("the archive on disk is not opaque age ciphertext")
	}
	for _, id := range []age.Identity{a, b} {
		bn, err := ReadFile(p, []age.Identity{id}, bundle.DefaultLimits())
		if err != nil {
			t.Fatalf("decrypting with one recipient: %v", err)
		}
		if d, _ := bn.File("cri/data.txt"); !bytes.Contains(d, []byte(secretMarker)) {
			t.Fatal("decrypted content missing")
		}
	}
	// Several identities, only the last one matching, also work.
	if _, err := ReadFile(p, []age.Identity{stranger, b}, bundle.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(p, []age.Identity{stranger}, bundle.DefaultLimits())
	if !errors.Is(err, ErrWrongIdentity) || !strings.Contains(err.Error(), "encrypted to other recipients") {
		t.Fatalf("wrong identity: got %v", err)
	}
	_, err = OpenBundle(p, nil)
	if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), "--identity") {
		t.Fatalf("no identity: got %v", err)
	}
	// A plain bundle opens with or without identities.
	plain := makeBundle(t, dir, "rtsnap-node-1-20260101T000001Z.tar.zst", nil, nil)
	for _, ids := range [][]age.Identity{nil, {a}} {
		rc, err := OpenBundle(plain, ids)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.Walk(rc, bundle.DefaultLimits(), nil); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
}

func TestOpenBundleChecksTheSidecarAtEOF(t *testing.T) {
	dir := t.TempDir()
	id := newIdentity(t)
	p := makeBundle(t, dir, "rtsnap-node-1-20260101T000000Z.tar.zst.age", recipientsFor(t, id).Wrap(), nil)
	for _, tamper := range []bool{false, true} {
		if tamper {
			os.WriteFile(p+".sha256", []byte(strings.Repeat("0", 64)+"  x\n"), 0o600)
		}
		rc, err := OpenBundle(p, []age.Identity{id})
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(rc)
		rc.Close()
		if tamper != errors.Is(err, bundle.ErrTampered) {
			t.Fatalf("tampered sidecar=%v: read error %v", tamper, err)
		}
	}
}

func TestMalformedRecipientsAreRefused(t *testing.T) {
	if _, err := ParseRecipients([]string{"age1notavalidrecipient"}); err == nil {
		t.Fatal("a malformed recipient was accepted")
	}
	if _, err := ParseRecipients([]string{"ssh-ed25519 AAAAnotbase64!"}); err == nil {
		t.Fatal("a malformed SSH recipient was accepted")
	}
	if _, err := ParseRecipients([]string{filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Fatal("a missing recipients file was accepted")
	}
}

func TestRecipientsFile(t *testing.T) {
	a, b := newIdentity(t), newIdentity(t)
	f := filepath.Join(t.TempDir(), "recipients.txt")
	os.WriteFile(f, []byte("# vendor\n"+a.Recipient().String()+"\n\n"+b.Recipient().String()+"\n"), 0o600)
	rs, err := ParseRecipients([]string{f, a.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.List) != 2 {
		t.Fatalf("want 2 distinct recipients, got %v", rs.Fingerprints)
	}
}

func genSignKey(t *testing.T) (minisign.PrivateKey, string) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := pub.MarshalText()
	f := filepath.Join(t.TempDir(), "k.pub")
	os.WriteFile(f, text, 0o644)
	return priv, f
}

// TestFlippedByteIsDetected flips every byte of a signed bundle, plain and
// encrypted, in turn: the signature and the sidecar fail every time. The
// content check alone (no sidecar) fails too for an encrypted bundle (age
// authenticates every chunk); for a plain one it fails unless the flip hit a
// bit zstd never reads (a padding bit, an unused header bit) and the content
// decompresses byte for byte the same, which the test then checks.
func TestFlippedByteIsDetected(t *testing.T) {
	id := newIdentity(t)
	key, pubFile := genSignKey(t)
	for _, encrypted := range []bool{false, true} {
		dir := t.TempDir()
		var wrap func(io.Writer) (io.WriteCloser, error)
		name := "rtsnap-node-1-20260101T000000Z.tar.zst"
		if encrypted {
			wrap, name = recipientsFor(t, id).Wrap(), name+".age"
		}
		p := makeBundle(t, dir, name, wrap, &bundle.ExportInfo{SignatureKeyID: KeyID(key.ID())})
		if _, err := SignFile(p, key, "t"); err != nil {
			t.Fatal(err)
		}
		v, err := VerifyBundle(p, []age.Identity{id}, pubFile, bundle.DefaultLimits())
		if err != nil || !v.OK || v.Signature.Status != "ok" || v.Sidecar != "ok" || v.Hashes.Files != 3 {
			t.Fatalf("intact bundle: %v %+v", err, v)
		}
		orig, _ := os.ReadFile(p)
		sidecar, _ := os.ReadFile(p + ".sha256")
		nullFlips := 0
		for i := range orig {
			bad := bytes.Clone(orig)
			bad[i] ^= 0x01
			os.WriteFile(p, bad, 0o600)
			os.WriteFile(p+".sha256", sidecar, 0o600)
			v, err := VerifyBundle(p, []age.Identity{id}, pubFile, bundle.DefaultLimits())
			if err == nil && (v.OK || v.Signature.Status != "bad" || v.Sidecar == "ok") {
				t.Fatalf("encrypted=%v byte %d: %+v", encrypted, i, v)
			}
			os.Remove(p + ".sha256")
			v, err = VerifyBundle(p, []age.Identity{id}, "", bundle.DefaultLimits())
			if err != nil || !v.OK {
				continue
			}
			if encrypted || !bytes.Equal(decompress(t, bad), decompress(t, orig)) {
				t.Fatalf("encrypted=%v byte %d of %d flipped: content check passed", encrypted, i, len(orig))
			}
			nullFlips++
		}
		t.Logf("encrypted=%v: %d of %d flips changed nothing zstd decodes", encrypted, nullFlips, len(orig))
	}
}

func decompress(t *testing.T, data []byte) []byte {
	t.Helper()
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out, err := dec.DecodeAll(data, nil)
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	return out
}

func TestSignatureWrongKeyAndMissing(t *testing.T) {
	dir := t.TempDir()
	key, _ := genSignKey(t)
	_, otherPub := genSignKey(t)
	p := makeBundle(t, dir, "rtsnap-node-1-20260101T000000Z.tar.zst", nil, nil)
	if _, err := VerifySignature(p, otherPub); !errors.Is(err, ErrNoSignature) {
		t.Fatalf("no signature: %v", err)
	}
	if _, err := SignFile(p, key, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifySignature(p, otherPub); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
}

func TestCustodyInTrustedComment(t *testing.T) {
	dir := t.TempDir()
	key, pubFile := genSignKey(t)
	exp := &bundle.ExportInfo{Encryption: "age", Recipients: []string{"age1xyz"}, Signature: "minisign", SignatureKeyID: KeyID(key.ID())}
	p := makeBundle(t, dir, "rtsnap-node-1-20260101T000000Z.tar.zst", nil, exp)
	m := &bundle.Manifest{CaseID: "SR-1\nforged: yes", Operator: "alice", Host: bundle.HostInfo{Hostname: "node-1"}, Export: exp}
	c := NewCustody(filepath.Base(p), m, KeyID(key.ID()))
	if _, err := SignFile(p, key, c.TrustedComment()); err != nil {
		t.Fatal(err)
	}
	info, err := VerifySignatureInfo(p, pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if info.Custody == nil || info.Custody.CaseID != "SR-1 forged: yes" || info.Custody.Recipients[0] != "age1xyz" || info.KeyID != KeyID(key.ID()) {
		t.Fatalf("custody %+v", info)
	}
	// Many recipients do not push the comment past minisign's limit.
	for i := 0; i < 40; i++ {
		m.Export.Recipients = append(m.Export.Recipients, strings.Repeat("age1x", 12))
	}
	tc := NewCustody("a", m, "K").TrustedComment()
	if len(tc) > maxTrustedComment || !strings.Contains(tc, `"recipients_count":41`) {
		t.Fatalf("long comment (%d): %s", len(tc), tc)
	}
	if _, ok := ParseCustody("timestamp:123"); ok {
		t.Fatal("a foreign comment parsed as custody")
	}
}
