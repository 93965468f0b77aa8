package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"aead.dev/minisign"
	"filippo.io/age"
	"golang.org/x/crypto/ssh"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
)

// writeBundle is bundletest.Write through an encryption hook, as
// rtsnap collect --encrypt-to commits: the archive is encrypted as it is
// written and the .sha256 sidecar covers the ciphertext.
func writeBundle(t *testing.T, dir, name string, s bundletest.Spec, rs *export.Recipients) string {
	t.Helper()
	var opts bundle.CommitOptions
	if rs != nil {
		opts.Wrap = rs.Wrap()
		name += ".age"
	}
	return bundletest.WriteWith(t, dir, name, s, opts)
}

// keys are a test's key files: two recipients' identities (an age X25519 key
// and an SSH ed25519 key), a stranger's, and a minisign signing key pair.
type keys struct {
	ageKey, sshKey, strangerKey string
	recipients                  *export.Recipients
	sign                        minisign.PrivateKey
	signPub                     string
}

func newKeys(t *testing.T) *keys {
	t.Helper()
	dir := t.TempDir()
	k := &keys{}
	writeAge := func(name string) (string, string) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f, id.Recipient().String()
	}
	var ageRecipient string
	k.ageKey, ageRecipient = writeAge("rtsnap-age.key")
	k.strangerKey, _ = writeAge("stranger.key")

	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "vendor@example")
	if err != nil {
		t.Fatal(err)
	}
	k.sshKey = filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(k.sshKey, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	// The recipient exactly as an id_ed25519.pub file holds it.
	sshRecipient := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " vendor@example"
	if k.recipients, err = export.ParseRecipients([]string{ageRecipient, sshRecipient}); err != nil {
		t.Fatal(err)
	}

	mpub, mpriv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k.sign = mpriv
	text, _ := mpub.MarshalText()
	k.signPub = filepath.Join(dir, "rtsnap-minisign.pub")
	if err := os.WriteFile(k.signPub, text, 0o644); err != nil {
		t.Fatal(err)
	}
	return k
}

// signedSpec records the export in the manifest, as the collector does.
func (k *keys) signedSpec(s bundletest.Spec, encrypted bool) bundletest.Spec {
	s.Manifest.Export = &bundle.ExportInfo{Signature: "minisign", SignatureKeyID: export.KeyID(k.sign.ID())}
	if encrypted {
		s.Manifest.Export.Encryption, s.Manifest.Export.Recipients = "age", k.recipients.Fingerprints
	}
	return s
}

// signBundle writes BUNDLE.minisig with the custody record, as the collector does.
func (k *keys) signBundle(t *testing.T, p string, s bundletest.Spec) {
	t.Helper()
	c := export.NewCustody(filepath.Base(p), &s.Manifest, export.KeyID(k.sign.ID()))
	if _, err := export.SignFile(p, k.sign, c.TrustedComment()); err != nil {
		t.Fatal(err)
	}
}

// encryptedFixtures writes the healthy and timed-out bundles, encrypted to
// both recipients and signed, into one directory.
func encryptedFixtures(t *testing.T, k *keys) (dir, healthy, timedOut string) {
	t.Helper()
	dir = t.TempDir()
	hs, ts := k.signedSpec(bundletest.Healthy(), true), k.signedSpec(bundletest.TimedOut(), true)
	healthy = writeBundle(t, dir, "a-healthy.tar.zst", hs, k.recipients)
	timedOut = writeBundle(t, dir, "b-timed-out.tar.zst", ts, k.recipients)
	k.signBundle(t, healthy, hs)
	k.signBundle(t, timedOut, ts)
	return dir, healthy, timedOut
}

// TestEncryptedBundlesWithEitherIdentity runs every command on bundles
// encrypted to two recipients, with each recipient's key alone.
func TestEncryptedBundlesWithEitherIdentity(t *testing.T) {
	k := newKeys(t)
	dir, healthy, timedOut := encryptedFixtures(t, k)
	for _, id := range []string{k.ageKey, k.sshKey} {
		name := filepath.Base(id)
		if code, out, errOut := runCmd("verify", "--identity", id, healthy); code != 0 || !strings.Contains(out, "OK (5 files") || !strings.Contains(out, "encrypted   age (opened") {
			t.Fatalf("%s verify: exit %d\n%s%s", name, code, out, errOut)
		}
		if code, out, errOut := runCmd("inspect", "-i", id, healthy); code != 0 || !strings.Contains(out, "node-a") || !strings.Contains(out, "findings   none") {
			t.Fatalf("%s inspect: exit %d\n%s%s", name, code, out, errOut)
		}
		if code, out, _ := runCmd("findings", "--identity", id, timedOut); code != 1 || !strings.Contains(out, "RT1501-source-timed-out") {
			t.Fatalf("%s findings: exit %d\n%s", name, code, out)
		}
		// A directory of encrypted bundles: both picked, both read.
		code, out, _ := runCmd("findings", "--identity", id, "--json", dir)
		var fdoc struct {
			Bundles []struct {
				Bundle, Node, Error string
			}
			Exit int `json:"exit_code"`
		}
		if err := json.Unmarshal([]byte(out), &fdoc); err != nil || code != 1 || fdoc.Exit != 1 || len(fdoc.Bundles) != 2 {
			t.Fatalf("%s findings dir: exit %d %v\n%s", name, code, err, out)
		}
		for _, b := range fdoc.Bundles {
			if b.Error != "" || b.Node != "node-a" || !strings.HasSuffix(b.Bundle, ".tar.zst.age") {
				t.Fatalf("%s findings dir: %+v", name, b)
			}
		}
		if code, out, _ := runCmd("timeline", "--identity", id, "--pod", "web-cd16", healthy); code != 0 || !strings.Contains(out, "RunPodSandbox") {
			t.Fatalf("%s timeline: exit %d\n%s", name, code, out)
		}
		if code, out, _ := runCmd("diff", "--identity", id, healthy, timedOut); code != 1 || !strings.Contains(out, "sources[cri].status: ok -> timeout") {
			t.Fatalf("%s diff: exit %d\n%s", name, code, out)
		}
		html := filepath.Join(t.TempDir(), "r.html")
		if code, _, errOut := runCmd("report", "--identity", id, "--against", healthy, "-o", html, timedOut); code != 0 {
			t.Fatalf("%s report: exit %d %s", name, code, errOut)
		}
		if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), `id="diff"`) {
			t.Fatalf("%s report html: %v", name, err)
		}
		if code, out, _ := runCmd("report", "--identity", id, "--markdown", timedOut); code != 0 || !strings.Contains(out, "## rtsnap report") {
			t.Fatalf("%s markdown: exit %d\n%s", name, code, out)
		}
		audit := filepath.Join(t.TempDir(), "audit")
		if code, out, errOut := runCmd("export", "--audit", audit, "--identity", id, "--pubkey", k.signPub, healthy); code != 0 || !strings.Contains(out, "VERIFIED") {
			t.Fatalf("%s export: exit %d\n%s%s", name, code, out, errOut)
		}
	}
	// Several identities: the one that is a recipient is found.
	if code, _, errOut := runCmd("inspect", "-i", k.strangerKey, "-i", k.sshKey, healthy); code != 0 {
		t.Fatalf("stranger then recipient: exit %d %s", code, errOut)
	}
	// An identity with a plain bundle is harmless.
	plain := bundletest.Write(t, t.TempDir(), "plain.tar.zst", bundletest.Healthy())
	if code, _, errOut := runCmd("inspect", "-i", k.ageKey, plain); code != 0 {
		t.Fatalf("identity with a plain bundle: exit %d %s", code, errOut)
	}
}

// TestEncryptedBundleWithoutTheKey: no identity, a wrong one, or an
// unusable key file give one clear line on stderr and exit 3 in every
// command, never a panic and never analysis output.
func TestEncryptedBundleWithoutTheKey(t *testing.T) {
	k := newKeys(t)
	dir, healthy, timedOut := encryptedFixtures(t, k)
	junk := filepath.Join(t.TempDir(), "junk.key")
	os.WriteFile(junk, []byte("AGE-SECRET-KEY-1NOTAKEY\n"), 0o600)
	missing := filepath.Join(t.TempDir(), "missing.key")
	cases := []struct {
		name  string
		flags []string
		want  string
	}{
		{"no identity", nil, "the bundle is encrypted: pass --identity FILE"},
		{"wrong identity", []string{"--identity", k.strangerKey}, "none of the given identities can decrypt this bundle"},
		{"junk identity", []string{"--identity", junk}, "--identity: identity " + junk},
		{"missing identity", []string{"-i", missing}, "--identity: identity " + missing},
	}
	audit := filepath.Join(t.TempDir(), "audit")
	commands := [][]string{
		{"verify", healthy},
		{"verify", "--pubkey", k.signPub, healthy},
		{"inspect", healthy},
		{"findings", timedOut},
		{"timeline", healthy},
		{"diff", healthy, timedOut},
		{"report", "--against", healthy, timedOut},
		{"export", "--audit", audit, "--pubkey", k.signPub, healthy},
	}
	for _, c := range cases {
		for _, cmd := range commands {
			args := append(append([]string{cmd[0]}, c.flags...), cmd[1:]...)
			code, out, errOut := runCmd(args...)
			// findings prints an unreadable bundle as its result (stdout),
			// the others as an error (stderr): either way one line.
			all := out + errOut
			if code != 3 || !strings.Contains(all, c.want) || strings.Count(all, "\n") != 1 || strings.Contains(all, "panic") {
				t.Errorf("%s, %v: exit %d, stdout %q, stderr %q", c.name, args, code, out, errOut)
			}
		}
		if _, err := os.Stat(audit); !os.IsNotExist(err) {
			t.Fatalf("%s: export left %s behind (%v)", c.name, audit, err)
		}
	}
	// A directory: every row unreadable with the reason, exit 3.
	code, out, _ := runCmd("findings", "--identity", k.strangerKey, dir)
	if code != 3 || strings.Count(out, "UNREADABLE") != 2 {
		t.Fatalf("findings dir, wrong identity: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("findings", "--json", dir)
	var fdoc struct {
		Bundles []struct{ Error string }
	}
	if err := json.Unmarshal([]byte(out), &fdoc); err != nil || code != 3 || len(fdoc.Bundles) != 2 || !strings.Contains(fdoc.Bundles[0].Error, "pass --identity") {
		t.Fatalf("findings dir --json, no identity: exit %d %v\n%s", code, err, out)
	}
}

// flipAt flips one byte of the file at offset off (negative: from the end)
// and returns a function that restores the original.
func flipAt(t *testing.T, path string, off int) func() {
	t.Helper()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), orig...)
	if off < 0 {
		off += len(bad)
	}
	bad[off] ^= 0x01
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

type verifyJSON struct {
	Schema    string `json:"schema"`
	OK        bool   `json:"ok"`
	Encrypted bool   `json:"encrypted"`
	Sidecar   string `json:"sidecar"`
	Problems  []struct{ Kind, Detail string }
	Signature struct {
		Status        string `json:"status"`
		KeyID         string `json:"key_id"`
		ManifestKeyID string `json:"manifest_key_id"`
		Custody       *struct {
			CaseID string `json:"case_id"`
			Host   string `json:"host"`
		} `json:"custody"`
	} `json:"signature"`
}

func verifyDocOf(t *testing.T, args ...string) (int, verifyJSON) {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"verify", "--json"}, args...)...)
	var d verifyJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("verify %v: exit %d, %v\n%s%s", args, code, err, out, errOut)
	}
	return code, d
}

// TestVerifyPubkeyCatchesAFlippedByte flips a byte in the middle and the last
// byte of a signed bundle, plain and encrypted: verify --pubkey fails with a
// signature problem first, with the sidecar present and without it.
func TestVerifyPubkeyCatchesAFlippedByte(t *testing.T) {
	k := newKeys(t)
	for _, encrypted := range []bool{false, true} {
		s := k.signedSpec(bundletest.Healthy(), encrypted)
		var rs *export.Recipients
		var flags []string
		if encrypted {
			rs, flags = k.recipients, []string{"--identity", k.ageKey}
		}
		p := writeBundle(t, t.TempDir(), "rtsnap-node-a-20261124T093000Z.tar.zst", s, rs)
		k.signBundle(t, p, s)
		args := append(append(flags, "--pubkey", k.signPub), p)

		code, out, errOut := runCmd(append([]string{"verify"}, args...)...)
		if code != 0 || !strings.Contains(out, "signature   ok, minisign key "+export.KeyID(k.sign.ID())) || !strings.Contains(out, "case CASE-4711") {
			t.Fatalf("encrypted=%v intact: exit %d\n%s%s", encrypted, code, out, errOut)
		}
		code, d := verifyDocOf(t, args...)
		if code != 0 || !d.OK || d.Schema != "rtsnap-analyze/verify/v1" || d.Signature.Status != "ok" || d.Signature.KeyID != d.Signature.ManifestKeyID ||
			d.Signature.Custody == nil || d.Signature.Custody.Host != "node-a" || d.Encrypted != encrypted || d.Sidecar != "ok" {
			t.Fatalf("encrypted=%v intact --json: exit %d %+v", encrypted, code, d)
		}

		sidecar, err := os.ReadFile(p + ".sha256")
		if err != nil {
			t.Fatal(err)
		}
		size := fileSize(t, p)
		for _, off := range []int{size / 2, -1} {
			for _, withSidecar := range []bool{true, false} {
				restore := flipAt(t, p, off)
				if !withSidecar {
					os.Remove(p + ".sha256")
				}
				code, d := verifyDocOf(t, args...)
				if code != 3 || d.OK || d.Signature.Status != "bad" || len(d.Problems) == 0 || d.Problems[0].Kind != "signature" {
					t.Errorf("encrypted=%v flip at %d of %d, sidecar %v: exit %d %+v", encrypted, off, size, withSidecar, code, d)
				}
				if withSidecar && d.Sidecar != "mismatch" {
					t.Errorf("encrypted=%v flip at %d: sidecar %q", encrypted, off, d.Sidecar)
				}
				code, out, _ := runCmd(append([]string{"verify"}, args...)...)
				if code != 3 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "was modified after signing") {
					t.Errorf("encrypted=%v flip at %d text: exit %d\n%s", encrypted, off, code, out)
				}
				restore()
				os.WriteFile(p+".sha256", sidecar, 0o600)
			}
		}
		if code, _ := verifyDocOf(t, args...); code != 0 {
			t.Fatalf("encrypted=%v: restored bundle does not verify", encrypted)
		}

		// Without --pubkey the signature is not judged, and the text says so.
		code, out, _ = runCmd(append(append([]string{"verify"}, flags...), p)...)
		if code != 0 || !strings.Contains(out, "signature   present, not checked: pass --pubkey FILE") {
			t.Fatalf("encrypted=%v no --pubkey: exit %d\n%s", encrypted, code, out)
		}
	}
}

func fileSize(t *testing.T, p string) int {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Size())
}

// TestVerifyPubkeySignatureProblems: another signer, a re-signed bundle, no
// signature, and an unusable public key file.
func TestVerifyPubkeySignatureProblems(t *testing.T) {
	k, other := newKeys(t), newKeys(t)
	s := k.signedSpec(bundletest.Healthy(), false)
	p := writeBundle(t, t.TempDir(), "b.tar.zst", s, nil)
	k.signBundle(t, p, s)

	code, d := verifyDocOf(t, "--pubkey", other.signPub, p)
	if code != 3 || d.Signature.Status != "bad" || !strings.Contains(d.Problems[0].Detail, "signed by key "+export.KeyID(k.sign.ID())) {
		t.Fatalf("another signer's key: exit %d %+v", code, d)
	}
	// Re-signed by another key: the signature verifies with that key, but
	// the manifest (inside the signed archive) names the first one.
	other.signBundle(t, p, s)
	code, d = verifyDocOf(t, "--pubkey", other.signPub, p)
	if code != 3 || d.Signature.Status != "bad" || !strings.Contains(d.Problems[0].Detail, "manifest names key") {
		t.Fatalf("re-signed: exit %d %+v", code, d)
	}
	os.Remove(p + export.SignatureSuffix)
	code, d = verifyDocOf(t, "--pubkey", k.signPub, p)
	if code != 3 || d.Signature.Status != "absent" || d.Problems[0].Kind != "signature" {
		t.Fatalf("no signature: exit %d %+v", code, d)
	}
	if code, out, _ := runCmd("verify", p); code != 0 || !strings.Contains(out, "signature   none") {
		t.Fatalf("unsigned, no --pubkey: exit %d\n%s", code, out)
	}
	for _, bad := range []string{filepath.Join(t.TempDir(), "missing.pub"), k.ageKey} {
		code, out, errOut := runCmd("verify", "--pubkey", bad, p)
		if code != 3 || out != "" || !strings.Contains(errOut, "public key "+bad) || strings.Count(errOut, "\n") != 1 {
			t.Fatalf("pubkey %s: exit %d %q %q", bad, code, out, errOut)
		}
	}
}

type exportJSON struct {
	Schema       string   `json:"schema"`
	AuditDir     string   `json:"audit_dir"`
	OK           bool     `json:"ok"`
	Files        []string `json:"files"`
	ExitCode     int      `json:"exit_code"`
	Verification struct {
		OK        bool `json:"ok"`
		Encrypted bool `json:"encrypted"`
		Signature struct{ Status string }
		Hashes    struct {
			Files    int
			Problems []struct{ Kind string }
		}
	} `json:"verification"`
}

func TestExportAudit(t *testing.T) {
	k := newKeys(t)
	_, healthy, timedOut := encryptedFixtures(t, k)
	base := filepath.Base(timedOut)

	out := filepath.Join(t.TempDir(), "SR-12345")
	code, text, errOut := runCmd("export", "--audit", out, "--identity", k.sshKey, "--pubkey", k.signPub, timedOut)
	if code != 0 || !strings.Contains(text, "VERIFIED") || !strings.Contains(text, "signature   ok") {
		t.Fatalf("export: exit %d\n%s%s", code, text, errOut)
	}
	want := []string{base, base + ".minisig", base + ".sha256", export.AuditPubkeyFile, export.AuditSummaryFile, export.AuditVerificationFile}
	sort.Strings(want)
	got := dirNames(t, out)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("package holds %v, want %v", got, want)
	}
	// The copy is the bundle as received: still ciphertext, byte for byte.
	orig, _ := os.ReadFile(timedOut)
	cp, _ := os.ReadFile(filepath.Join(out, base))
	if string(orig) != string(cp) {
		t.Fatal("the package's copy differs from the bundle")
	}
	sum, _ := os.ReadFile(filepath.Join(out, export.AuditSummaryFile))
	for _, w := range []string{"**Verification: VERIFIED**", "signature: ok", "## What was collected", "| cri | timeout | 0 | 0 | context deadline exceeded |",
		"## What was redacted", "| env-secret | 2 |", "## What failed", "- cri: timeout", "case id: CASE-4711"} {
		if !strings.Contains(string(sum), w) {
			t.Fatalf("summary.md lacks %q:\n%s", w, sum)
		}
	}
	var v struct {
		OK     bool
		Hashes struct{ Files int }
	}
	raw, _ := os.ReadFile(filepath.Join(out, export.AuditVerificationFile))
	if err := json.Unmarshal(raw, &v); err != nil || !v.OK || v.Hashes.Files != 4 {
		t.Fatalf("verification.json: %v\n%s", err, raw)
	}
	// The package re-checks on its own, with the key it holds.
	if code, _, errOut := runCmd("verify", "-i", k.ageKey, "--pubkey", filepath.Join(out, export.AuditPubkeyFile), filepath.Join(out, base)); code != 0 {
		t.Fatalf("re-verifying the package's copy: exit %d %s", code, errOut)
	}

	// --json
	out2 := filepath.Join(t.TempDir(), "audit")
	code, text, _ = runCmd("export", "--json", "--audit", out2, "-i", k.ageKey, "--pubkey", k.signPub, healthy)
	var d exportJSON
	if err := json.Unmarshal([]byte(text), &d); err != nil || code != 0 || d.Schema != "rtsnap-analyze/export/v1" || !d.OK || d.ExitCode != 0 ||
		d.AuditDir != out2 || len(d.Files) != 6 || !d.Verification.OK || !d.Verification.Encrypted || d.Verification.Signature.Status != "ok" || d.Verification.Hashes.Files != 5 {
		t.Fatalf("export --json: exit %d %v\n%s", code, err, text)
	}

	// Not over an existing package; --audit is required.
	if code, _, errOut := runCmd("export", "--audit", out, "-i", k.ageKey, timedOut); code != 64 || !strings.Contains(errOut, "not empty") {
		t.Fatalf("non-empty dir: exit %d %s", code, errOut)
	}
	if code, _, _ := runCmd("export", "-i", k.ageKey, timedOut); code != 64 {
		t.Fatalf("no --audit: exit %d", code)
	}

	// A tampered bundle: the package is made, records the failure, exit 3.
	restore := flipAt(t, healthy, fileSize(t, healthy)/2)
	defer restore()
	out3 := filepath.Join(t.TempDir(), "audit")
	code, text, _ = runCmd("export", "--json", "--audit", out3, "-i", k.ageKey, "--pubkey", k.signPub, healthy)
	d = exportJSON{}
	if err := json.Unmarshal([]byte(text), &d); err != nil || code != 3 || d.OK || d.ExitCode != 3 || d.Verification.Signature.Status != "bad" || len(d.Verification.Hashes.Problems) == 0 {
		t.Fatalf("tampered --json: exit %d %v\n%s", code, err, text)
	}
	sum, _ = os.ReadFile(filepath.Join(out3, export.AuditSummaryFile))
	if !strings.Contains(string(sum), "**Verification: FAILED**") {
		t.Fatalf("tampered summary:\n%s", sum)
	}
	out4 := filepath.Join(t.TempDir(), "audit")
	if code, text, _ := runCmd("export", "--audit", out4, "-i", k.ageKey, "--pubkey", k.signPub, healthy); code != 3 || !strings.Contains(text, "FAILED verification") || !strings.Contains(text, "signature") {
		t.Fatalf("tampered text: exit %d\n%s", code, text)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
