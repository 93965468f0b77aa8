package configs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func collectWith(t *testing.T, s *Source) (*collect.Capture, []Entry) {
	t.Helper()
	out := collect.NewCapture()
	if err := s.Collect(context.Background(), collect.NewTestEnv(), out); err != nil {
		t.Fatal(err)
	}
	var idx []Entry
	if err := json.Unmarshal(out.Files["index.json"], &idx); err != nil {
		t.Fatal(err)
	}
	return out, idx
}

func TestCertsDescribedNeverCopied(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/containerd/certs.d/registry.example:5000")
	os.MkdirAll(dir, 0o755)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "rtsnap-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	os.WriteFile(filepath.Join(dir, "client.cert"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(filepath.Join(dir, "client.key"), keyPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "hosts.toml"), []byte("server = \"https://registry.example:5000\"\n"), 0o644)
	out, _ := collectWith(t, &Source{Root: root})
	var certs []Cert
	json.Unmarshal(out.Files["certs.json"], &certs)
	kinds := map[string]Cert{}
	for _, c := range certs {
		kinds[c.Kind] = c
	}
	if c := kinds["certificate"]; c.Subject != "CN=rtsnap-test" || len(c.SHA256) != 64 || c.Expired || c.NotAfter.IsZero() {
		t.Fatalf("certificate: %+v", c)
	}
	if c := kinds["key"]; c.Size == 0 || c.SHA256 != "" {
		t.Fatalf("key: %+v", c)
	}
	keyBody := strings.Split(string(keyPEM), "\n")[1]
	for name, data := range out.Files {
		if strings.Contains(string(data), keyBody) || strings.Contains(string(data), "BEGIN EC PRIVATE KEY") {
			t.Fatalf("key material in %s", name)
		}
	}
	if _, ok := out.Files["etc/containerd/certs.d/registry.example:5000/hosts.toml"]; !ok {
		t.Fatal("hosts.toml not stored")
	}
}

func TestLabContainerdConfigs(t *testing.T) {
	lab.Require(t)
	out, idx := collectWith(t, &Source{})
	stored := map[string]bool{}
	for _, e := range idx {
		if e.Found && e.Stored != "" {
			stored[e.Path] = true
		}
	}
	for _, d := range []string{"cd16", "cd17", "cd2"} {
		if !stored["/var/lib/rtsnap-lab/"+d+"/config.toml"] {
			t.Errorf("%s config not collected: %v", d, stored)
		}
	}
	var daemons []Daemon
	json.Unmarshal(out.Files["containerd.json"], &daemons)
	// Each lab daemon's dump, by its socket: 1.6 and 1.7 dump config
	// version 2, 2.x version 3.
	wantVersion := map[string]string{"cd16": "version = 2", "cd17": "version = 2", "cd2": "version = 3"}
	for _, d := range daemons {
		for name, v := range wantVersion {
			if d.Address != "/run/rtsnap-lab/"+name+"/containerd.sock" {
				continue
			}
			if dump := string(out.Files[d.Dump]); d.Dump != "containerd-dump/"+d.Slug+".toml" || !strings.Contains(dump, v) {
				t.Errorf("%s dump %q (%s): lacks %q", name, d.Dump, d.DumpError, v)
			}
			delete(wantVersion, name)
		}
	}
	if len(wantVersion) > 0 {
		t.Errorf("lab daemons without a config record: %v in %+v", wantVersion, daemons)
	}
	if !stored["/var/lib/rtsnap-lab/cni/net.d/10-rtsnap-lab.conflist"] {
		t.Error("the lab's CNI conflist (conf_dir from the containerd configs) was not collected")
	}
	if !stored["/var/lib/rtsnap-lab/certs.d/registry.lab.example/hosts.toml"] {
		t.Error("hosts.toml under cd17's registry config_path was not collected")
	}
	var certs []Cert
	json.Unmarshal(out.Files["certs.json"], &certs)
	kinds := map[string]string{}
	for _, c := range certs {
		kinds[c.Path] = c.Kind
	}
	if kinds["/var/lib/rtsnap-lab/certs.d/registry.lab.example/client.key"] != "key" {
		t.Errorf("lab client key not described: %+v", certs)
	}
	key, _ := os.ReadFile("/var/lib/rtsnap-lab/certs.d/registry.lab.example/client.key")
	if lines := strings.Split(string(key), "\n"); len(lines) > 2 {
		for name, data := range out.Files {
			if strings.Contains(string(data), lines[1]) {
				t.Errorf("lab key material in %s", name)
			}
		}
	}
	if !stored["/etc/resolv.conf"] {
		t.Error("resolv.conf missing")
	}
	var plugins []Plugin
	json.Unmarshal(out.Files["cni-plugins.json"], &plugins)
	bridge := false
	for _, p := range plugins {
		bridge = bridge || p.Name == "bridge"
	}
	if !bridge {
		t.Fatalf("CNI bridge plugin not listed: %d plugins", len(plugins))
	}
}
