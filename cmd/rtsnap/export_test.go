package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// keygen runs `rtsnap keygen` into a fresh directory.
func keygen(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	if out, err := exec.Command(rtsnapBin, "keygen", "--out", dir).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	return dir
}

// dirWatcher polls a directory every 10 ms and records every name seen and
// every file whose bytes ever started with the zstd magic or held the tar
// name of the manifest: either would be plaintext on the tmpfs.
type dirWatcher struct {
	stopc     chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	seen      map[string]bool
	plaintext map[string]bool
	polls     int
}

func watchDir(dir string) *dirWatcher {
	w := &dirWatcher{stopc: make(chan struct{}), seen: map[string]bool{}, plaintext: map[string]bool{}}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				w.mu.Lock()
				w.seen[e.Name()] = true
				if err == nil && (bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) || bytes.Contains(data, []byte("manifest.json"))) {
					w.plaintext[e.Name()] = true
				}
				w.mu.Unlock()
			}
			w.mu.Lock()
			w.polls++
			w.mu.Unlock()
			select {
			case <-w.stopc:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// stop ends the watch; its results may be read afterwards.
func (w *dirWatcher) stop() {
	close(w.stopc)
	w.wg.Wait()
}

func TestEncryptedSignedCollectionNeverShowsPlaintext(t *testing.T) {
	le := lab.Require(t)
	keys := keygen(t)
	out := tmpfsDir(t)
	w := watchDir(out)
	args := append(labArgs(le, out), "--case-id", "SR-77",
		"--encrypt-to", filepath.Join(keys, export.AgeRecipientFile),
		"--sign-key", filepath.Join(keys, export.SignSecretFile))
	s, _, err := collectJSON(t, args...)
	w.stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.plaintext) > 0 {
		t.Fatalf("plaintext appeared in the output dir during the run: %v", w.plaintext)
	}
	if w.polls < 10 {
		t.Fatalf("the watcher polled only %d times", w.polls)
	}
	if !strings.HasSuffix(s.Path, ".tar.zst.age") {
		t.Fatalf("archive %s is not named .tar.zst.age", s.Path)
	}
	names := make([]string, 0, len(w.seen))
	for n := range w.seen {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d polls; names seen while collecting: %v", w.polls, names)
	// Afterwards: exactly the archive, its sidecar and its signature.
	entries, _ := os.ReadDir(out)
	if len(entries) != 3 {
		t.Fatalf("output dir holds %d entries, want archive, .sha256, .minisig", len(entries))
	}

	ids, err := export.LoadIdentities(filepath.Join(keys, export.AgeIdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	v, err := export.VerifyBundle(s.Path, ids, filepath.Join(keys, export.SignPublicKeyFile), bundle.DefaultLimits())
	if err != nil || !v.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
	recipient, _ := os.ReadFile(filepath.Join(keys, export.AgeRecipientFile))
	m := v.Manifest
	if m.Export == nil || m.Export.Encryption != "age" || len(m.Export.Recipients) != 1 || m.Export.Recipients[0] != strings.TrimSpace(string(recipient)) ||
		m.Export.SignatureKeyID != v.Signature.KeyID || v.Signature.Custody == nil || v.Signature.Custody.CaseID != "SR-77" ||
		v.Signature.Custody.BootID != m.Host.BootID {
		t.Fatalf("chain of custody incomplete: export %+v signature %+v", m.Export, v.Signature)
	}
	// The watcher can fire: on a plain collection it sees the zstd magic.
	plainOut := tmpfsDir(t)
	pw := watchDir(plainOut)
	_, _, err = collectJSON(t, append(labArgs(le, plainOut), "--only", "host")...)
	time.Sleep(30 * time.Millisecond)
	pw.stop()
	if err != nil || len(pw.plaintext) == 0 {
		t.Fatalf("the watcher missed a plain archive (%v): seen %v", err, pw.seen)
	}
	// The bundle without an identity, or with someone else's, is refused clearly.
	if _, err := export.OpenBundle(s.Path, nil); !errors.Is(err, export.ErrEncrypted) {
		t.Fatalf("no identity: %v", err)
	}
	other, _ := export.LoadIdentities(filepath.Join(keygen(t), export.AgeIdentityFile))
	if _, err := export.OpenBundle(s.Path, other); !errors.Is(err, export.ErrWrongIdentity) {
		t.Fatalf("wrong identity: %v", err)
	}
}

// plantRetention fills dir with expired and fresh rtsnap bundles and decoys;
// it returns the names retention must remove.
func plantRetention(t *testing.T, dir string) (expired, kept []string) {
	t.Helper()
	old, fresh := time.Now().Add(-48*time.Hour), time.Now().Add(-10*time.Minute)
	plant := func(name string, mt time.Time) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("old bundle"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mt, mt)
	}
	expired = []string{"rtsnap-n1-20240101T000000Z.tar.zst", "rtsnap-n1-20240101T000000Z.tar.zst.sha256",
		"rtsnap-n1-20240102T000000Z.tar.zst.age", "rtsnap-n1-20240102T000000Z.tar.zst.age.sha256", "rtsnap-n1-20240102T000000Z.tar.zst.age.minisig"}
	kept = []string{"rtsnap-n1-20990101T000000Z.tar.zst", "rtsnap-n1-20990101T000000Z.tar.zst.sha256", // fresh
		"notes.txt", "rtsnap-n1-20240101T000000Z.tar.zst.bak", "other-20240101T000000Z.tar.zst", "rtsnap.log", ".rtsnap-9.tmp"}
	for _, n := range expired {
		plant(n, old)
	}
	for i, n := range kept {
		if i < 2 {
			plant(n, fresh)
		} else {
			plant(n, old)
		}
	}
	return expired, kept
}

func TestCollectRemovesOnlyOwnExpiredBundles(t *testing.T) {
	le := lab.Require(t)
	out := tmpfsDir(t)
	expired, kept := plantRetention(t, out)
	cmd := exec.Command(rtsnapBin, append(labArgs(le, out), "--only", "host", "--json")...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct {
		Path   string           `json:"path"`
		Pruned []export.Removed `json:"pruned"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Pruned {
		got = append(got, filepath.Base(r.Path))
	}
	sort.Strings(got)
	sort.Strings(expired)
	if strings.Join(got, ",") != strings.Join(expired, ",") {
		t.Fatalf("pruned %v, want %v", got, expired)
	}
	for _, n := range append(kept, filepath.Base(res.Path), filepath.Base(res.Path)+".sha256") {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
	for _, n := range expired {
		if _, err := os.Stat(filepath.Join(out, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was kept: %v", n, err)
		}
	}
	// The terminal summary says what retention removed.
	plantRetention(t, out)
	cmd = exec.Command(rtsnapBin, append(labArgs(le, out)[:3], "--only", "host")...)
	summary, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(summary), "retention: removed 5 file(s)") {
		t.Fatalf("summary: %v\n%s", err, summary)
	}
}

func TestPruneCommand(t *testing.T) {
	dir := t.TempDir()
	expired, kept := plantRetention(t, dir)
	out, err := exec.Command(rtsnapBin, "prune", "--output", dir, "--dry-run").CombinedOutput()
	if err != nil || strings.Count(string(out), "would remove") != len(expired)+1 {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, n := range expired {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Fatalf("dry run removed %s", n)
		}
	}
	// A long --retain keeps everything.
	if out, err := exec.Command(rtsnapBin, "prune", "--output", dir, "--retain", "72h").CombinedOutput(); err != nil || !strings.Contains(string(out), "nothing older") {
		t.Fatalf("retain 72h: %v\n%s", err, out)
	}
	if out, err := exec.Command(rtsnapBin, "prune", "--output", dir).CombinedOutput(); err != nil {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	for _, n := range expired {
		if _, err := os.Stat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s kept", n)
		}
	}
	for _, n := range kept {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
}

func TestBadExportFlagsAreUsageErrors(t *testing.T) {
	out := t.TempDir()
	for _, args := range [][]string{
		{"--encrypt-to", "age1garbage"},
		{"--encrypt-to", filepath.Join(out, "no-such-file")},
		{"--sign-key", filepath.Join(out, "no-such-key")},
	} {
		cmd := exec.Command(rtsnapBin, append([]string{"collect", "--output", out, "--allow-disk", "--only", "host"}, args...)...)
		msg, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != cli.Usage {
			t.Fatalf("%v: exit %v\n%s", args, err, msg)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Fatalf("%v: something was written", args)
		}
	}
	// A passphrase-protected key without the passphrase is refused, with the variable named.
	dir := filepath.Join(t.TempDir(), "keys")
	cmd := exec.Command(rtsnapBin, "keygen", "--out", dir)
	cmd.Env = append(os.Environ(), export.PasswordEnv+"=s3cret")
	if msg, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(msg), "passphrase-protected") {
		t.Fatalf("keygen: %v\n%s", err, msg)
	}
	cmd = exec.Command(rtsnapBin, "collect", "--output", out, "--allow-disk", "--sign-key", filepath.Join(dir, export.SignSecretFile))
	cmd.Env = append(os.Environ(), export.PasswordEnv+"=")
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), export.PasswordEnv) {
		t.Fatalf("encrypted key without passphrase: %v\n%s", err, msg)
	}
	// keygen never overwrites.
	if msg, err := exec.Command(rtsnapBin, "keygen", "--out", dir).CombinedOutput(); err == nil || !strings.Contains(string(msg), "refusing to overwrite") {
		t.Fatalf("keygen over existing keys: %v\n%s", err, msg)
	}
}
