package redact

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Colour codes as loggers write them: logrus' TextFormatter on a TTY
// colours the level and every key (`fmt.Fprintf(b, " \x1b[%dm%s\x1b[0m=",
// levelColor, k)`, sirupsen/logrus text_formatter.go printColored; blue 36,
// yellow 33, red 31, grey 37), others bold or 256-colour.
var colourCodes = []string{"36", "33", "31", "37", "1;31", "38;5;196", "0;1;32"}

func paint(code, s string) string { return "\x1b[" + code + "m" + s + "\x1b[0m" }

// A secret behind a coloured key is caught in every carrier a container
// log reaches the bundle through, for every colour code and key shape.
func TestColouredKeysAreRedacted(t *testing.T) {
	r := newR(t, Config{})
	const secret = "Xq7Vb2Lm9Rt4Kp8Wz"
	keys := []string{"password", "db_password", "api_key", "token", "client_secret", "DB_PASSWORD", "passwd", "auth_token"}
	for _, code := range colourCodes {
		for _, k := range keys {
			// logrus: level coloured, then " key=value" pairs with the key coloured.
			line := paint(code, "INFO") + "[0042] connecting to the database " + paint(code, "host") + "=db.internal " + paint(code, k) + "=" + secret
			docker, _ := json.Marshal(map[string]string{"log": line + "\n", "stream": "stderr", "time": "2026-11-24T09:30:01.5Z"})
			journal, _ := json.Marshal(map[string]string{"MESSAGE": line, "_SYSTEMD_UNIT": "docker.service"})
			for _, c := range []struct {
				file string
				kind Kind
				data string
			}{
				{"logs/pods/ns/p/c/0.log", Auto, "2026-11-24T09:30:01.5Z stderr F " + line + "\n"},
				{"containers/x-json.log", JSONLines, string(docker) + "\n"},
				{"journal/docker.jsonl", JSONLines, string(journal) + "\n"},
				{"files/app.log", Text, line + "\n"},
			} {
				out, _ := r.Bytes(c.file, c.kind, []byte(c.data))
				if strings.Contains(string(out), secret[:8]) {
					t.Errorf("%s (colour %s, key %s): secret survived: %q", c.file, code, k, out)
				}
				if !strings.Contains(string(out), "db.internal") {
					t.Errorf("%s (colour %s, key %s): the host was lost: %q", c.file, code, k, out)
				}
			}
		}
	}
}

// Other coloured shapes: a flag, a header, a colon pair, a URL password,
// a PEM armour line in bold.
func TestColouredShapesAreRedacted(t *testing.T) {
	r := newR(t, Config{})
	for _, c := range []struct{ line, secret string }{
		{paint("32", "--password") + " Xq7Vb2Lm9Rt4", "Xq7Vb2Lm9Rt4"},
		{paint("36", "Authorization") + ": Bearer eyQ7Vb2Lm9Rt4Kp8Wz0aB1cD2eF3", "eyQ7Vb2Lm9Rt4Kp8"},
		{paint("33", "DB_PASSWORD") + ": Xq7Vb2Lm9Rt4", "Xq7Vb2Lm9Rt4"},
		{"dial " + paint("1", "postgres://app:Xq7Vb2Lm9Rt4@db:5432/app") + " failed", "Xq7Vb2Lm9Rt4"},
		{"password=" + paint("1", "Xq7Vb2Lm9Rt4"), "Xq7Vb2Lm9Rt4"},
	} {
		out, _ := r.Bytes("files/app.log", Text, []byte(c.line))
		if strings.Contains(string(out), c.secret) {
			t.Errorf("secret survived: %q -> %q", c.line, out)
		}
	}
	pem := paint("1", "-----BEGIN RSA PRIVATE KEY-----") + "\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n" + paint("1", "-----END RSA PRIVATE KEY-----") + "\nnext line\n"
	out, _ := r.Bytes("files/app.log", Text, []byte(pem))
	if strings.Contains(string(out), "MIIEpAIBAAKCAQEAu1SU") || !strings.Contains(string(out), "next line") {
		t.Errorf("coloured PEM block: %q", out)
	}
}

// A coloured line without a secret is kept byte for byte, colours and all.
func TestColouredLineWithoutSecretKeepsItsColours(t *testing.T) {
	r := newR(t, Config{})
	for _, code := range colourCodes {
		line := paint(code, "WARN") + "[0005] retrying " + paint(code, "attempt") + "=3 " + paint(code, "password_min_length") + "=12 " + paint(code, "secretName") + "=db-creds"
		out, n := r.Bytes("files/app.log", Text, []byte(line+"\n"))
		if string(out) != line+"\n" || n != 0 {
			t.Errorf("colour %s: %q -> %q (%d redactions)", code, line, out, n)
		}
	}
}

func ExampleRedactor_Bytes_coloured() {
	r, _ := New(Config{})
	out, _ := r.Bytes("app.log", Text, []byte(fmt.Sprintf("\x1b[36mINFO\x1b[0m[0000] login \x1b[36mtoken\x1b[0m=%s", "s3cr3tTokenValue42")))
	fmt.Printf("%q\n", out)
	// Output: "INFO[0000] login token=[REDACTED:secret-key]"
}
