package redact

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// commentedKeyBody is a fresh throwaway EC key's PEM body lines (the
// label is RSA's, as in the world cases: the redactor reads armour, not DER).
func commentedKeyBody(t *testing.T) []string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	p := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
	lines := strings.Split(strings.TrimSpace(p), "\n")
	return lines[1 : len(lines)-1]
}

// keyLines renders a key: each line with prefix, body lines with bodyPrefix,
// line ends eol, trailing blanks after each line when trail.
func keyLines(body []string, prefix, bodyPrefix, eol string, trail bool) string {
	sp := ""
	if trail {
		sp = "  "
	}
	var b strings.Builder
	b.WriteString(prefix + "-----BEGIN RSA PRIVATE KEY-----" + sp + eol)
	for _, l := range body {
		b.WriteString(bodyPrefix + l + sp + eol)
	}
	b.WriteString(prefix + "-----END RSA PRIVATE KEY-----" + sp + eol)
	return b.String()
}

func assertNoBody(t *testing.T, what string, body []string, out []byte) {
	t.Helper()
	for _, l := range body {
		if len(l) >= 12 && bytes.Contains(out, []byte(l[:12])) {
			t.Errorf("%s: body line %q survives:\n%s", what, l[:12], out)
			return
		}
	}
}

// TestPrivateKeyInAComment: a PEM private key commented out of a
// configuration file (FuzzRedact found the structured YAML path letting
// one through: the BEGIN line in a comment, the body lines folded into a
// plain scalar). The world cases first, then the general shape: every
// comment prefix, indented, trailing blanks, CRLF, body commented or not,
// in every kind a configuration file is read as.
func TestPrivateKeyInAComment(t *testing.T) {
	r := newR(t, Config{})
	body := commentedKeyBody(t)
	// https://github.com/riptano/ripcord/blob/master/spock/afts/q/qapi/resources/linen/templates/ssh-connector.yaml
	// (quoted in the repository's README): a connector's key commented out
	// under options, the live settings after it.
	linen := "OPSC.node.connector:\n  name: linen-ssh-connector.core\n  options:\n    #ssh-user: linen\n    #ip-address: 10.166.115.157\n    #private-key: |-\n" +
		keyLines(body, "    #  ", "    #  ", "\n", false) +
		"\n    ssh-user: &ssh-user ~$ whoami\n    private-key-file: ~{HOME}/.ssh/id_rsa\n\nOPSC.node.users.0:\n  username: *ssh-user\nOPSC.pcap.enabled: false\n"
	// https://github.com/nmatare/kolotoc/blob/master/README.md (values.yaml):
	// a host key in a block scalar whose lines start with "#  ".
	kolotoc := "ssh:\n  port: 3222\n  hostKey: |-\n" + keyLines(body, "    #  ", "    #  ", "\n", false) +
		"  hostKeyPub: |-\n    #  ssh-rsa YourPublicKey\nuseHostNetwork: true\n"
	// FuzzRedact's input (testdata/fuzz/FuzzRedactYAML): the BEGIN line in a
	// comment, the body lines not.
	fuzz := keyLines(body, "#0000000 ", "", "\n", false)
	// A Helm values.yaml whose TLS key was commented out, uncommented body.
	helm := "ingress:\n  tls:\n    # key: |\n    # -----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(body, "\n") + "\n    # -----END RSA PRIVATE KEY-----\n  enabled: true\n"
	for _, c := range []struct {
		name string
		kind Kind
		in   string
		keys bool // valid YAML: the copy keeps its keys
	}{
		{"linen connector", YAML, linen, true},
		{"kolotoc values", YAML, kolotoc, true},
		{"fuzz", YAML, fuzz, true},
		{"helm commented tls key", YAML, helm, false},
		{"linen as text", Text, linen, false},
		// FuzzRedact (testdata/fuzz/FuzzRedact/65611cc69c64e972): the armour
		// as an anchor's name, and the shapes next to it: a tag, a complex
		// key, a sequence entry's anchor.
		{"anchor", YAML, "&" + keyLines(body, "", "", "\n", false), false},
		{"tag", YAML, "!" + keyLines(body, "", "", "\n", false), false},
		{"complex key", YAML, "? " + keyLines(body, "", "  ", "\n", false), false},
		{"sequence anchor", YAML, "- &" + keyLines(body, "", "  ", "\n", false), false},
		{"toml comment", TOML, "[server]\nport = 8443\n" + keyLines(body, "# ", "# ", "\n", false) + "name = \"web\"\n", false},
	} {
		out, _ := r.Bytes("values.yaml", c.kind, []byte(c.in))
		assertNoBody(t, c.name, body, out)
		if c.keys {
			assertSameKeys(t, YAML, []byte(c.in), out)
		}
		if c.kind == TOML {
			assertSameKeys(t, TOML, []byte(c.in), out)
		}
	}
	for _, prefix := range []string{"#", "# ", "  # ", "//", "// ", ";", "; ", "--", "-- ", "\t## "} {
		for _, eol := range []string{"\n", "\r\n"} {
			for _, trail := range []bool{false, true} {
				for _, commentedBody := range []bool{true, false} {
					bp := ""
					if commentedBody {
						bp = prefix
					}
					doc := "a: 1\n" + keyLines(body, prefix, bp, eol, trail) + "b: 2\n"
					for _, k := range []Kind{Text, YAML, TOML, Env} {
						out, _ := r.Bytes("f", k, []byte(doc))
						assertNoBody(t, k.String()+" "+strings.TrimSpace(prefix)+" "+strings.ReplaceAll(eol, "\r", "CR"), body, out)
						if !bytes.Contains(out, []byte("b: 2")) {
							t.Errorf("%v %q: the line after the key is gone:\n%s", k, prefix, out)
						}
					}
				}
			}
		}
	}
}

// TestPrivateKeyInACommentQuiet: a comment naming the armour without a key
// after it (documentation, a .env example) costs the file nothing but the
// armour: the lines after it stay, in the structured path too when no
// private key is in a comment.
func TestPrivateKeyInACommentQuiet(t *testing.T) {
	r := newR(t, Config{})
	// The shape of a README's `head -1 certs/internal-ca.key     #
	// -----BEGIN PRIVATE KEY-----   → offline`, and of a .env example's
	// TELLER_PRIVATE_KEY=       # -----BEGIN PRIVATE KEY-----...
	doc := "# head -1 server.key   # -----BEGIN PRIVATE KEY-----\nport: 8443\nhost: web.lab\n"
	for _, k := range []Kind{YAML, TOML, Env} {
		in := doc
		if k == TOML {
			in = "# head -1 server.key   # -----BEGIN PRIVATE KEY-----\nport = 8443\nhost = \"web.lab\"\n"
		}
		out, _ := r.Bytes("f", k, []byte(in))
		for _, keep := range []string{"8443", "web.lab", "head -1 server.key"} {
			if !bytes.Contains(out, []byte(keep)) {
				t.Errorf("%v: %q is gone:\n%s", k, keep, out)
			}
		}
	}
	// A certificate in a comment is no key: the structured path keeps the
	// file, byte for byte.
	cert := "# -----BEGIN CERTIFICATE-----\n# MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw\n# -----END CERTIFICATE-----\nport: 8443\n"
	var h hits
	if out := r.structured(YAML, []byte(cert), &h); string(out) != cert || len(h.notes) != 0 {
		t.Errorf("certificate comment: notes %v\n%s", h.notes, out)
	}
	if pemInComment([]byte(cert)) || !pemInComment([]byte("a: 1\n  # -----BEGIN EC PRIVATE KEY-----\n")) || pemInComment([]byte("key: |\n  -----BEGIN EC PRIVATE KEY-----\n")) {
		t.Error("pemInComment: a certificate, an indented comment or a block scalar read wrong")
	}
}
