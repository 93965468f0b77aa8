package fleet

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func bundleDir(t *testing.T, body string, sidecar string) string {
	t.Helper()
	dir := t.TempDir()
	name := "rtsnap-node1-20261201T000000Z.tar.zst"
	os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	if sidecar == "" {
		s := sha256.Sum256([]byte(body))
		sidecar = hex.EncodeToString(s[:])
	}
	os.WriteFile(filepath.Join(dir, name+".sha256"), []byte(sidecar+"  "+name+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "unrelated.txt"), []byte("not sent"), 0o600)
	return dir
}

func TestSendReceiveVerify(t *testing.T) {
	var buf bytes.Buffer
	if err := SendDir(bundleDir(t, "archive bytes", ""), &buf); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	got, err := receive(bytes.NewReader(buf.Bytes()), out, "rtsnap-node-a--")
	if err != nil || len(got) != 2 {
		t.Fatalf("%v %+v", err, got)
	}
	s := sha256.Sum256([]byte("archive bytes"))
	arch, err := verify(got, hex.EncodeToString(s[:]))
	if err != nil || !strings.HasPrefix(filepath.Base(arch.Path), "rtsnap-node-a--rtsnap-node1-") {
		t.Fatalf("%v %+v", err, arch)
	}
	// The announced hash must match too.
	if _, err := verify(got, strings.Repeat("0", 64)); err == nil {
		t.Fatal("announced hash ignored")
	}
	// Nothing is overwritten: the same stream again fails and leaves the first copy.
	if _, err := receive(bytes.NewReader(buf.Bytes()), out, "rtsnap-node-a--"); err == nil {
		t.Fatal("overwrote a received bundle")
	}
	if data, _ := os.ReadFile(arch.Path); string(data) != "archive bytes" {
		t.Fatal("first copy changed")
	}
}

func TestVerifyRejectsSidecarMismatch(t *testing.T) {
	var buf bytes.Buffer
	if err := SendDir(bundleDir(t, "archive bytes", strings.Repeat("a", 64)), &buf); err != nil {
		t.Fatal(err)
	}
	got, err := receive(bytes.NewReader(buf.Bytes()), t.TempDir(), "p-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(got, ""); err == nil {
		t.Fatal("sidecar mismatch accepted")
	}
}

func hostileTar(t *testing.T, name string, size int64, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg})
	tw.Write(body)
	tw.Flush()
	return buf.Bytes()
}

// A compromised node (or pod) sends what it likes: paths out of the output
// directory, other files, more than the bound, a cut stream.
func TestReceiveRejectsHostileStreams(t *testing.T) {
	for name, data := range map[string][]byte{
		"traversal":  hostileTar(t, "../../etc/x.tar.zst", 1, []byte("x")),
		"subdir":     hostileTar(t, "a/b.tar.zst", 1, []byte("x")),
		"not bundle": hostileTar(t, "authorized_keys", 1, []byte("x")),
		"huge":       hostileTar(t, "rtsnap-x.tar.zst", maxTransfer+1, nil),
		"cut":        hostileTar(t, "rtsnap-x.tar.zst", 100, []byte("short"))[:600],
		"garbage":    []byte("not a tar at all, but long enough to look like a header block................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"),
	} {
		out := t.TempDir()
		if _, err := receive(bytes.NewReader(data), out, "p-"); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Errorf("%s: left %d files", name, len(ents))
		}
	}
}

func TestSafeNames(t *testing.T) {
	for in, want := range map[string]string{"ip-10-0-1-5.ec2.internal": "ip-10-0-1-5.ec2.internal", "Node_A": "node-a", "../..": "node", strings.Repeat("x", 60): strings.Repeat("x", 40)} {
		if got := safe(in); got != want {
			t.Errorf("safe(%q) = %q, want %q", in, got, want)
		}
	}
	if _, _, ok := ParseReady("noise\n" + ReadyPrefix + " rtsnap-a.tar.zst " + strings.Repeat("ab", 32) + "\n"); !ok {
		t.Error("ready line not parsed")
	}
	if _, _, ok := ParseReady(ReadyPrefix + " x nothex"); ok {
		t.Error("bad ready line parsed")
	}
}
