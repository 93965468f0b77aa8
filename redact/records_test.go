package redact

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// A key printed one line per record (docker json-file, journal) and a log
// tail that lost the BEGIN line: the body goes; a certificate printed the
// same way stays (analysis needs certificates).
func TestKeysSplitAcrossRecords(t *testing.T) {
	r := newR(t, Config{})
	body := []string{"MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oyIVDNdbcuIboAoGCCqGSM49", "AwEHoUQDQgAEFnHNyUEhgR9N27mTQ8RYjV2B0vzRBMaB6Nd7Jm4ELpL8cGu0rXJ5", "GjV2d8Ef1mYnOQ=="}
	lines := append(append([]string{"-----BEGIN EC PRIVATE KEY-----"}, body...), "-----END EC PRIVATE KEY-----")
	cert := []string{"-----BEGIN CERTIFICATE-----", "MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw", "-----END CERTIFICATE-----"}
	docker := func(ls []string) string {
		var b strings.Builder
		for _, l := range ls {
			j, _ := json.Marshal(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2026-11-24T21:05:07.123456789Z"})
			b.Write(j)
			b.WriteByte('\n')
		}
		return b.String()
	}
	journal := func(ls []string) string {
		var b strings.Builder
		for _, l := range ls {
			j, _ := json.Marshal(map[string]string{"MESSAGE": l, "__REALTIME_TIMESTAMP": "1732482307123456"})
			b.Write(j)
			b.WriteByte('\n')
		}
		return b.String()
	}
	cri := func(ls []string) string {
		var b strings.Builder
		for _, l := range ls {
			b.WriteString("2026-11-24T21:05:07.000000000Z stdout F " + l + "\n")
		}
		return b.String()
	}
	for _, c := range []struct {
		name string
		kind Kind
		in   string
	}{
		{"docker json-file", JSONLines, docker(lines)},
		{"journal", JSONLines, journal(lines)},
		{"docker tail without BEGIN", JSONLines, docker(lines[2:])},
		{"journal tail without BEGIN", JSONLines, journal(lines[1:])},
		{"cri tail without BEGIN", Text, cri(lines[1:])},
	} {
		out, _ := r.Bytes("f", c.kind, []byte(c.in))
		for _, b := range body {
			if bytes.Contains(out, []byte(b[:12])) && !(c.name == "docker tail without BEGIN" && b == body[0]) {
				t.Errorf("%s: body line %q survives: %s", c.name, b[:12], out)
			}
		}
		if !bytes.Contains(out, []byte("-----END EC PRIVATE KEY-----")) ||
			!bytes.Contains(out, []byte("2026-11-24T21:05:07")) && !bytes.Contains(out, []byte("1732482307123456")) {
			t.Errorf("%s: END line or timestamps lost: %s", c.name, out)
		}
		// The same through the streaming writer, when it saw the BEGIN line.
		if strings.Contains(c.in, "BEGIN") {
			var w bytes.Buffer
			lw := r.NewWriter("f", c.kind, &w)
			lw.Write([]byte(c.in))
			lw.Close()
			for _, b := range body {
				if strings.Contains(w.String(), b[:12]) {
					t.Errorf("%s (stream): body line survives: %s", c.name, w.String())
				}
			}
		}
	}
	for _, in := range []string{docker(cert), journal(cert), cri(cert[1:]), docker(cert[1:])} {
		for _, k := range []Kind{JSONLines, Text} {
			out, _ := r.Bytes("f", k, []byte(in))
			if !bytes.Contains(out, []byte(cert[1][:40])) {
				t.Errorf("certificate body lost (%v): %s", k, out)
			}
		}
	}
	// Base64 lines before an END that is not a key's stay too.
	plain := cri([]string{"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", "done"})
	if out, _ := r.Bytes("f", Text, []byte(plain)); string(out) != plain {
		t.Errorf("plain base64 changed: %s", out)
	}
}
