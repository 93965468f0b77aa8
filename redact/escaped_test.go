package redact

import (
	"strings"
	"testing"
)

// TestEscapedStringsShapes: keys and values quoted with \" (a JSON document
// printed inside a quoted string of a text line: %q, klog's and logfmt's
// quoted values, a JSON logger's message), where the redaction fires and
// where it stays quiet. Before, the key rules read `"password":"x"` and not
// `\"password\":\"x\"`, and took the backslash alone for the value of
// `password=\"x\"`. secret "" means nothing may change.
func TestEscapedStringsShapes(t *testing.T) {
	r := newR(t, Config{})
	checkSecretCases(t, r, []secretCase{
		// openshift/builder#200: a pull secret printed with %q by a
		// builder's log line (a truncated blob, so no JSON parser reads it).
		{"%q of a dockerconfigjson", `I0108 16:04:05.123456       1 cfg.go:135] error trying to parse blob "{\"auths\":{\"quay.io\":{\"auth\":\"b3BlbnNoaWZ0OnNlY3JldHBhc3M=\",\"email\":\"\"}}": unexpected end of JSON input`, "b3BlbnNoaWZ0OnNlY3JldHBhc3M="},
		// klog's structured values quote their strings the same way.
		{"klog value holding JSON", `E1201 10:00:00.000000    4711 client.go:88] "Request failed" body="{\"username\":\"ci\",\"password\":\"Kl0g-Esc-Pw\"}" status=401`, "Kl0g-Esc-Pw"},
		// A program logging JSON, its message holding JSON, as the CRI log
		// file holds the line (containerd's and CRI-O's format).
		{"CRI log line of a JSON logger", `2026-12-04T05:00:00.123456789Z stderr F {"level":"error","msg":"token request {\"client_id\":\"app\",\"client_secret\":\"Cri-Esc-S3cret\"}"}`, "Cri-Esc-S3cret"},
		{"logfmt msg", `time="2026-12-04T05:00:00Z" level=debug msg="{\"token\":\"Logfmt-Esc-T0k\"}"`, "Logfmt-Esc-T0k"},
		// Two levels: docker's json-file log of such a line, read as text
		// (a copy of the file, a paste into a ticket).
		{"two levels", `{"log":"{\"level\":\"info\",\"msg\":\"config {\\\"password\\\":\\\"Tw0-Level-Pw\\\"}\"}\n","stream":"stdout"}`, "Tw0-Level-Pw"},
		{"escaped newline between key and secret lines", `msg="-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0\n-----END RSA PRIVATE KEY-----\n" note="{\"a\":1}"`, "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOE"},
		{"unknown escape in the secret", `msg="{\"password\":\"Unkn0wn\qEsc\"}"`, "Unkn0wn"},
		// kubernetes/kubernetes#59296: escaped quotes, no secret.
		{"quiet: empty escaped strings", `failed to get container status {\"\" \"\"}: rpc error: code = OutOfRange desc = EOF`, ""},
		{"quiet: klog error quoting a URL", `E1201 12:00:00.000000 1 reflector.go:1] "Failed to watch" err="Get \"https://10.0.0.1:6443/api/v1/secrets?limit=500&resourceVersion=0\": dial tcp 10.0.0.1:6443: i/o timeout" logger="token-cleaner"`, ""},
		{"quiet: escaped JSON without a secret", `2026-12-04T05:00:00Z stdout F {"msg":"{\"password_changed\":false,\"token_ttl\":\"24h\",\"note\":\"caf\u00e9 \ud83d\ude00 \u0026\"}"}`, ""},
		{"unclosed: a line cut short", `msg="{\"password\":\"Cut-Sh0rt-Pw`, "Cut-Sh0rt-Pw"},
		// The key rules read an escaped quote as a quote at any depth,
		// inside a string or not (a line whose opening quote was cut).
		{"escaped value, no enclosing string", `config password:\"Bare-Esc-Pw\" ok`, "Bare-Esc-Pw"},
		{"three levels, no enclosing string", `{\\\\\\\"password\\\\\\\":\\\\\\\"Deep-Esc-Pw\\\\\\\",\\\\\\\"a\\\\\\\":1}`, "Deep-Esc-Pw"},
		// Kubernetes env entries and headers in a JSON document printed
		// with %q (a pod spec, a request dump).
		{"name and value pair", `msg="env [{\"name\":\"API_TOKEN\",\"value\":\"Pair-Esc-T0k\"}]"`, "Pair-Esc-T0k"},
		{"authorization header", `body="{\"headers\":{\"Authorization\":[\"Basic dXNlcjpwYXNzd29yZA==\"]}}"`, "dXNlcjpwYXNzd29yZA"},
	})
}

// What is around a replaced secret is written back as it was escaped: the
// rest of the line still reads as the same string.
func TestEscapedStringsKeepTheRest(t *testing.T) {
	r := newR(t, Config{})
	for in, want := range map[string]string{
		`msg="[\"DB_PASSWORD=Env-Esc-Pw\",\"A=b\"]"`:                    `msg="[\"DB_PASSWORD=[REDACTED:secret-key]\",\"A=b\"]"`,
		`\"Authorization\":\"Bearer abcdefghijklmnopqrstuvwxyz012345\"`: `\"Authorization\":\"Bearer [REDACTED:authorization-header]\"`,
		`{\\\"password\\\":\\\"Lvl2-Pw\\\",\\\"a\\\":1}`:                `{\\\"password\\\":\\\"[REDACTED:secret-key]\\\",\\\"a\\\":1}`,
	} {
		if out := r.String(in); out != want {
			t.Errorf("got  %s\nwant %s", out, want)
		}
	}
	in := `E1201 1 x.go:1] "Request" body="{\"user\":\"bob\",\"password\":\"S3cret-Kept-Out\",\"path\":\"C:\\\\tmp\",\"tab\":\"a\tb\"}" code=401`
	want := `E1201 1 x.go:1] "Request" body="{\"user\":\"bob\",\"password\":\"[REDACTED:secret-key]\",\"path\":\"C:\\\\tmp\",\"tab\":\"a\tb\"}" code=401`
	if out := r.String(in); out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

// Escaped quotes at any depth: a key and its value are found however many
// times the document was escaped (each level doubles the backslashes and
// adds one), and a line of a million of them is read once (the cost is
// TestAdversarialLinesAreLinear's: "deep escaped json", "backslash runs").
func TestEscapedQuotesAtAnyDepth(t *testing.T) {
	r := newR(t, Config{})
	doc := `{"user":"bob","password":"S3cret-D33p"}`
	for level := 1; level <= 8; level++ {
		doc = strings.ReplaceAll(strings.ReplaceAll(doc, `\`, `\\`), `"`, `\"`)
		out := r.String(`msg="` + doc + `"`)
		if strings.Contains(out, "S3cret-D33p") {
			t.Errorf("%d levels deep, the secret survives: %.200s", level, out)
		}
		if !strings.Contains(out, "bob") {
			t.Errorf("%d levels deep, the user name went too: %.200s", level, out)
		}
	}
	flat := `msg="` + strings.Repeat(`\"password\":\"x1\",`, 1<<16) + `"`
	if out := r.String(flat); strings.Contains(out, `x1`) {
		t.Errorf("a long line of escaped pairs kept a secret: %.80q", out)
	}
}
