package export

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/rtsnap/rtsnap/bundle"
)

func TestPruneRemovesOnlyOwnExpiredBundles(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old, fresh := now.Add(-25*time.Hour), now.Add(-time.Hour)
	files := map[string]time.Time{
		// expired, rtsnap's own: removed
		"rtsnap-node-1-20260101T000000Z.tar.zst":         old,
		"rtsnap-node-1-20260101T000000Z.tar.zst.sha256":  old,
		"rtsnap-node-1-20260101T000000Z.tar.zst.minisig": old,
		// a second bundle of the same second (bundle.NumberedName): removed
		"rtsnap-node-1-20260101T000000Z-2.tar.zst":              old,
		"rtsnap-node-1-20260101T000000Z-2.tar.zst.sha256":       old,
		"rtsnap-node_2.lab-20260102T000000Z.tar.zst.age":        old,
		"rtsnap-node_2.lab-20260102T000000Z.tar.zst.age.sha256": old,
		// a sidecar touched recently still goes with its expired archive
		"rtsnap-node_2.lab-20260102T000000Z.tar.zst.age.minisig": fresh,
		// an orphan expired sidecar: removed
		"rtsnap-gone-20260103T000000Z.tar.zst.sha256": old,
		// fresh bundle: kept
		"rtsnap-node-1-20260105T000000Z.tar.zst":        fresh,
		"rtsnap-node-1-20260105T000000Z.tar.zst.sha256": fresh,
		// decoys, all old: kept
		"rtsnap-notes.txt":                           old,
		"other-node-20260101T000000Z.tar.zst":        old,
		"rtsnap-node-1-20260101T000000Z.tar.zst.bak": old,
		"rtsnap-node-1-20260101T000000Z.tar":         old,
		"rtsnap-node-1-20260101T000000Z-x.tar.zst":   old,
		".rtsnap-123.tmp":                            old,
		"rtsnap-node-1.tar.zst":                      old,
		"case42.tar.zst.age":                         old,
	}
	for name, mt := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mt, mt)
	}
	// A directory and a symlink named like bundles: kept, and the link's target too.
	sub := filepath.Join(dir, "rtsnap-dir-20260101T000000Z.tar.zst")
	os.Mkdir(sub, 0o700)
	os.Chtimes(sub, old, old)
	target := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(target, []byte("keep"), 0o600)
	os.Chtimes(target, old, old)
	link := filepath.Join(dir, "rtsnap-link-20260101T000000Z.tar.zst")
	os.Symlink(target, link)

	want := []string{
		"rtsnap-gone-20260103T000000Z.tar.zst.sha256",
		"rtsnap-node-1-20260101T000000Z-2.tar.zst", "rtsnap-node-1-20260101T000000Z-2.tar.zst.sha256",
		"rtsnap-node-1-20260101T000000Z.tar.zst", "rtsnap-node-1-20260101T000000Z.tar.zst.minisig", "rtsnap-node-1-20260101T000000Z.tar.zst.sha256",
		"rtsnap-node_2.lab-20260102T000000Z.tar.zst.age", "rtsnap-node_2.lab-20260102T000000Z.tar.zst.age.minisig", "rtsnap-node_2.lab-20260102T000000Z.tar.zst.age.sha256",
	}
	names := func(rs []Removed) []string {
		var out []string
		for _, r := range rs {
			out = append(out, filepath.Base(r.Path))
		}
		sort.Strings(out)
		return out
	}
	dry, err := Prune(dir, DefaultRetain, now, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(dry); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("dry run would remove %v, want %v", got, want)
	}
	for name := range files {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("dry run removed %s", name)
		}
	}
	got, err := Prune(dir, DefaultRetain, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names(got), ",") != strings.Join(want, ",") {
		t.Fatalf("removed %v, want %v", names(got), want)
	}
	removed := map[string]bool{}
	for _, n := range want {
		removed[n] = true
	}
	for name := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if removed[name] != errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s: removed=%v, stat %v", name, removed[name], err)
		}
	}
	for _, p := range []string{sub, link, target} {
		if _, err := os.Lstat(p); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	// Retention off: nothing goes, not even very old bundles.
	if rs, err := Prune(dir, 0, now.Add(1000*time.Hour), false); err != nil || len(rs) != 0 {
		t.Fatalf("retain 0 removed %v (%v)", rs, err)
	}
}

func TestGenerateKeysRoundTrip(t *testing.T) {
	for _, password := range []string{"", "correct horse"} {
		dir := filepath.Join(t.TempDir(), "keys")
		k, err := GenerateKeys(dir, password, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{AgeIdentityFile, SignSecretFile} {
			st, err := os.Stat(filepath.Join(dir, n))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("%s: mode %v, %v", n, st.Mode(), err)
			}
		}
		if _, err := GenerateKeys(dir, password, time.Now()); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
			t.Fatalf("second keygen into the same dir: %v", err)
		}
		rs, err := ParseRecipients([]string{filepath.Join(dir, AgeRecipientFile)})
		if err != nil || rs.Fingerprints[0] != k.Recipient {
			t.Fatalf("recipient file: %v %v", rs, err)
		}
		ids, err := LoadIdentities(filepath.Join(dir, AgeIdentityFile))
		if err != nil {
			t.Fatal(err)
		}
		bdir := t.TempDir()
		p := makeBundle(t, bdir, "rtsnap-n-20260101T000000Z.tar.zst.age", rs.Wrap(), nil)
		if _, err := ReadFile(p, ids, bundle.DefaultLimits()); err != nil {
			t.Fatal(err)
		}
		keyFile := filepath.Join(dir, SignSecretFile)
		if password != "" {
			if _, err := LoadSigningKey(keyFile, ""); err == nil || !strings.Contains(err.Error(), PasswordEnv) {
				t.Fatalf("encrypted key without password: %v", err)
			}
			if _, err := LoadSigningKey(keyFile, "wrong"); err == nil {
				t.Fatal("wrong password accepted")
			}
		}
		key, err := LoadSigningKey(keyFile, password)
		if err != nil {
			t.Fatal(err)
		}
		if KeyID(key.ID()) != k.SignKeyID {
			t.Fatalf("key id %s, keygen said %s", KeyID(key.ID()), k.SignKeyID)
		}
		if _, err := SignFile(p, key, "t"); err != nil {
			t.Fatal(err)
		}
		id, err := VerifySignature(p, filepath.Join(dir, SignPublicKeyFile))
		if err != nil || id != k.SignKeyID {
			t.Fatalf("verify: %s %v", id, err)
		}
	}
}

func TestIsBundleName(t *testing.T) {
	for name, want := range map[string]bool{"a.tar.zst": true, "a.tar.zst.age": true, "a.tar.zst.sha256": false, "a.tar.zst.age.minisig": false, "a.age": false} {
		if IsBundleName(name) != want {
			t.Errorf("%s: want %v", name, want)
		}
	}
}

func TestLoadIdentitiesErrors(t *testing.T) {
	dir := t.TempDir()
	ssh := filepath.Join(dir, "id_ed25519")
	os.WriteFile(ssh, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600)
	if _, err := LoadIdentities(ssh); err == nil || !strings.Contains(err.Error(), "not an SSH private key") {
		t.Fatalf("damaged ssh key: %v", err)
	}
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("not a key\n"), 0o600)
	if _, err := LoadIdentities(junk); err == nil {
		t.Fatal("junk accepted as identity")
	}
}

func TestWriteAudit(t *testing.T) {
	dir := t.TempDir()
	id := newIdentity(t)
	key, pubFile := genSignKey(t)
	exp := &bundle.ExportInfo{Encryption: "age", Recipients: []string{id.Recipient().String()}, Signature: "minisign", SignatureKeyID: KeyID(key.ID())}
	p := makeBundle(t, dir, "rtsnap-node-1-20260101T000000Z.tar.zst.age", recipientsFor(t, id).Wrap(), exp)
	if _, err := SignFile(p, key, "t"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "audit")
	v, err := WriteAudit(out, p, []age.Identity{id}, pubFile, bundle.DefaultLimits())
	if err != nil || !v.OK {
		t.Fatalf("audit: %v %+v", err, v)
	}
	base := filepath.Base(p)
	for _, n := range []string{base, base + ".sha256", base + ".minisig", AuditPubkeyFile, AuditVerificationFile, AuditSummaryFile} {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Fatalf("audit package lacks %s", n)
		}
	}
	if rep := v.Report(); !rep.OK() || rep.Files != 3 {
		t.Fatalf("report of an intact bundle: %+v", rep)
	}
	// A public key given but no signature: the report says so.
	os.Rename(p+SignatureSuffix, p+".moved")
	nosig, err := VerifyBundle(p, []age.Identity{id}, pubFile, bundle.DefaultLimits())
	os.Rename(p+".moved", p+SignatureSuffix)
	if err != nil || nosig.OK || nosig.Signature.Status != "absent" || nosig.Report().Problems[0].Kind != "signature" {
		t.Fatalf("missing signature: %v %+v", err, nosig)
	}
	// The copy still verifies on its own.
	if _, err := VerifySignature(filepath.Join(out, base), filepath.Join(out, AuditPubkeyFile)); err != nil {
		t.Fatal(err)
	}
	var got Verification
	raw, _ := os.ReadFile(filepath.Join(out, AuditVerificationFile))
	if err := json.Unmarshal(raw, &got); err != nil || !got.OK || got.Signature.KeyID != KeyID(key.ID()) || got.Hashes.Files != 3 || !got.Encrypted {
		t.Fatalf("verification.json: %v %s", err, raw)
	}
	sum, _ := os.ReadFile(filepath.Join(out, AuditSummaryFile))
	for _, want := range []string{"VERIFIED", "| logs | partial | 1 |", `budget \| reached`, "| bearer-token | 2 |", "SR-1", "- logs: partial"} {
		if !strings.Contains(string(sum), want) {
			t.Fatalf("summary lacks %q:\n%s", want, sum)
		}
	}
	if strings.ContainsRune(string(sum), 0x1b) || strings.Contains(string(sum), secretMarker) {
		t.Fatal("summary carries an escape sequence or file contents")
	}
	// Not over an existing package.
	if _, err := WriteAudit(out, p, []age.Identity{id}, pubFile, bundle.DefaultLimits()); err == nil {
		t.Fatal("audit into a non-empty dir")
	}

	// A tampered bundle still yields a package, which records the failure.
	raw, _ = os.ReadFile(p)
	raw[len(raw)/2] ^= 0x80
	os.WriteFile(p, raw, 0o600)
	out2 := filepath.Join(t.TempDir(), "audit")
	v, err = WriteAudit(out2, p, []age.Identity{id}, pubFile, bundle.DefaultLimits())
	if err != nil || v.OK || v.Err() == nil || !errors.Is(v.Err(), bundle.ErrTampered) {
		t.Fatalf("tampered: %v %+v", err, v)
	}
	if rep := v.Report(); rep.OK() || !errors.Is(rep.Err(), bundle.ErrTampered) {
		t.Fatalf("report of a tampered bundle: %+v", rep)
	}
	sum, _ = os.ReadFile(filepath.Join(out2, AuditSummaryFile))
	if !strings.Contains(string(sum), "FAILED") {
		t.Fatalf("summary of a tampered bundle:\n%s", sum)
	}
}

// TestWriteAuditLeavesNothingWhenItCannotOpen: no identity, a wrong one, or
// an unreadable public key are the caller's errors; no half package stays,
// and a directory that existed (empty) is kept.
func TestWriteAuditLeavesNothingWhenItCannotOpen(t *testing.T) {
	id, stranger := newIdentity(t), newIdentity(t)
	_, pubFile := genSignKey(t)
	p := makeBundle(t, t.TempDir(), "rtsnap-node-1-20260101T000000Z.tar.zst.age", recipientsFor(t, id).Wrap(), nil)
	junkKey := filepath.Join(t.TempDir(), "junk.pub")
	os.WriteFile(junkKey, []byte("untrusted comment: x\nnot base64\n"), 0o600)
	cases := []struct {
		ids  []age.Identity
		pub  string
		want error
	}{
		{nil, pubFile, ErrEncrypted},
		{[]age.Identity{stranger}, pubFile, ErrWrongIdentity},
		{[]age.Identity{id}, junkKey, nil},
	}
	for i, c := range cases {
		out := filepath.Join(t.TempDir(), "audit")
		_, err := WriteAudit(out, p, c.ids, c.pub, bundle.DefaultLimits())
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Fatalf("case %d: %v", i, err)
		}
		if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
			t.Fatalf("case %d: %s left behind (%v)", i, out, serr)
		}
		empty := t.TempDir()
		if _, err := WriteAudit(empty, p, c.ids, c.pub, bundle.DefaultLimits()); err == nil {
			t.Fatalf("case %d: no error into an empty dir", i)
		}
		if ents, err := os.ReadDir(empty); err != nil || len(ents) != 0 {
			t.Fatalf("case %d: the empty dir was changed: %v %v", i, ents, err)
		}
	}
	// A file where the directory should be, and a non-empty directory.
	notDir := filepath.Join(t.TempDir(), "f")
	os.WriteFile(notDir, nil, 0o600)
	if _, err := WriteAudit(notDir, p, []age.Identity{id}, "", bundle.DefaultLimits()); !errors.Is(err, ErrAuditDir) {
		t.Fatalf("a file as the package dir: %v", err)
	}
	if _, err := WriteAudit(filepath.Dir(p), p, []age.Identity{id}, "", bundle.DefaultLimits()); !errors.Is(err, ErrAuditDir) {
		t.Fatalf("a non-empty package dir: %v", err)
	}
	// Without a public key the package is made and says the origin is open.
	out := filepath.Join(t.TempDir(), "audit")
	v, err := WriteAudit(out, p, []age.Identity{id}, "", bundle.DefaultLimits())
	if err != nil || !v.OK || v.Signature.Status != "not-checked" {
		t.Fatalf("no pubkey: %v %+v", err, v)
	}
	sum, _ := os.ReadFile(filepath.Join(out, AuditSummaryFile))
	if !strings.Contains(string(sum), "origin of the bundle is not established") {
		t.Fatalf("summary without a public key:\n%s", sum)
	}
	if _, err := os.Stat(filepath.Join(out, AuditPubkeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a public key file in a package made without one: %v", err)
	}
}
