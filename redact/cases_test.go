package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// kindCases: input of a kind, the secrets that must disappear and the benign
// strings that must stay, so each case measures both directions.
var kindCases = []struct {
	name    string
	kind    Kind
	in      string
	secrets []string
	keep    []string
}{
	{"json authorization keeps scheme", JSON, `{"headers": {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}}`,
		[]string{"dXNlcjpwYXNzd29yZA=="}, []string{`"Authorization": "Basic [REDACTED:authorization-header]"`}},
	{"json bearer header", JSON, `{"Authorization": ["Bearer abcdef0123456789"]}`, []string{"abcdef0123456789"}, []string{"Bearer"}},
	{"docker config.json", JSON, `{"auths": {"https://index.docker.io/v1/": {"auth": "YTpi", "email": "x@example.com"}, "reg.lab": {"identitytoken": "IdT0ken", "registrytoken": "RegT0ken"}}, "credsStore": "desktop"}`,
		[]string{`"YTpi"`, "IdT0ken", "RegT0ken"}, []string{"https://index.docker.io/v1/", "reg.lab", `"credsStore": "desktop"`}},
	{"gcp service account", JSON, `{"type": "service_account", "project_id": "p", "private_key_id": "a1b2c3d4e5f6", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", "client_email": "sa@p.iam.gserviceaccount.com"}`,
		[]string{"a1b2c3d4e5f6", "MIIEvgIBADANBgkqhkiG9w0BAQEFAASC"}, []string{"service_account", "sa@p.iam.gserviceaccount.com"}},
	{"oci process env", JSON, `{"process": {"env": ["PATH=/usr/local/bin:/usr/bin", "HOSTNAME=web", "AZURE_CLIENT_SECRET=Az~Secret.1"], "cwd": "/"}}`,
		[]string{"Az~Secret.1"}, []string{"PATH=/usr/local/bin:/usr/bin", "HOSTNAME=web"}},
	{"argv as a json list", JSON, `{"process": {"args": ["registry", "--password", "ArgListPw", "--user", "bob:ArgUserPw", "--user", "1000:1000", "--port", "5000", "-token", "ArgTok"]}}`,
		[]string{"ArgListPw", "ArgUserPw", "ArgTok"}, []string{`"1000:1000"`, `"5000"`, `"bob:[REDACTED:secret-key]"`}},
	{"dockerconfigjson secret data", YAML, "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: eyJhdXRocyI6eyJyZWciOnsiYXV0aCI6ImRUcHcifX19\n",
		[]string{"eyJhdXRocyI6eyJyZWciOnsiYXV0aCI6ImRUcHcifX19"}, []string{"type: kubernetes.io/dockerconfigjson"}},
	{"secretKeyRef names stay", YAML, "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db-creds\n        key: password\n",
		nil, []string{"name: db-creds", "key: password"}},
	{"image pull secret names stay", JSON, `{"imagePullSecrets": [{"name": "regcred"}], "secretName": "db-creds"}`, nil, []string{"regcred", "db-creds"}},
	{"json ids stay", JSON, `{"id": "23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608", "image": "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1", "uid": "6f1c2a0e-3d4b-4c5d-8e9f-0a1b2c3d4e5f", "createdAt": "2026-11-24T21:05:00.123456789Z", "size": 1048576}`,
		nil, []string{"23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608", "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1", "6f1c2a0e-3d4b-4c5d-8e9f-0a1b2c3d4e5f", "2026-11-24T21:05:00.123456789Z", "1048576"}},
	{"yaml block scalar", YAML, "stringData:\n  password: |\n    line-one-secret\n    line-two-secret\n  mode: fast\n",
		[]string{"line-one-secret", "line-two-secret"}, []string{"mode: fast", "password: |"}},
	{"yaml nested credentials", YAML, "credentials:\n  username: bob\n  apikey: Nested1Secret\nlevel: debug\n",
		[]string{"bob", "Nested1Secret"}, []string{"level: debug", "credentials:"}},
	{"yaml secret list", YAML, "tokens_for:\n- a\npasswords:\n- ListPass1\n- ListPass2\nother:\n- keep-me\n",
		[]string{"ListPass1", "ListPass2"}, []string{"keep-me"}},
	{"yaml kubeconfig", YAML, "users:\n- name: admin\n  user:\n    token: KubeconfigTok1\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF\n",
		[]string{"KubeconfigTok1", "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF"}, []string{"name: admin"}},
	{"toml multi-line string", TOML, "[x]\npassword = \"\"\"\nMultiLineSecret\n\"\"\"\nport = 5000\n",
		[]string{"MultiLineSecret"}, []string{"port = 5000", `"""`}},
	{"hosts.toml lowercase header", TOML, "server = \"https://registry-1.docker.io\"\n[host.\"https://mirror.lab:5000\".header]\n  authorization = \"Basic bWlycm9yOnB3\"\n",
		[]string{"bWlycm9yOnB3"}, []string{"https://mirror.lab:5000", "https://registry-1.docker.io"}},
	{"env file", Env, "PWD=/home/app\nOLDPWD=/\nhttp_proxy=http://u:LowerProxyPw@proxy:3128\nNO_PROXY=localhost,10.0.0.0/8\nHTTPS_PROXY=u2:NoSchemePw@proxy:3128\nGITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
		[]string{"LowerProxyPw", "NoSchemePw", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}, []string{"PWD=/home/app", "OLDPWD=/", "NO_PROXY=localhost,10.0.0.0/8", "proxy:3128"}},
	{"env values with spaces", Env, "DB_PASSWORD=two words here\nexport API_TOKEN='q w'\nMODE=fast and slow\n",
		[]string{"two words here", "q w"}, []string{"MODE=fast and slow", "DB_PASSWORD=", "export API_TOKEN="}},
	{"json env with spaces", JSON, `{"Env": ["DB_PASSWORD=Summer 2024 (x)", "GREETING=hello world"]}`,
		[]string{"Summer", "2024"}, []string{"GREETING=hello world"}},
	{"jsonl journal entry", JSONLines, `{"MESSAGE":"starting with --password=JournalPw1","_PID":"42"}` + "\n" + `{"MESSAGE":"ok","_PID":"43"}` + "\n",
		[]string{"JournalPw1"}, []string{`"_PID":"43"`}},
	{"jsonl trailing text is not dropped", JSONLines, "[]] password=TrailPw1 tail\n", []string{"TrailPw1"}, []string{"[]]", "tail"}},
	{"jsonl broken line falls back", JSONLines, `{"key":"DB_PASSWORD","value":"BrokenPair1"` + "\n",
		[]string{"BrokenPair1"}, []string{"DB_PASSWORD"}},
}

func TestKindsFireAndStayQuiet(t *testing.T) {
	for _, c := range kindCases {
		t.Run(c.name, func(t *testing.T) {
			r := newR(t, Config{})
			out, n := r.Bytes("f", c.kind, []byte(c.in))
			for _, s := range c.secrets {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("secret %q survived:\n%s", s, out)
				}
			}
			for _, s := range c.keep {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("benign %q lost:\n%s", s, out)
				}
			}
			if len(c.secrets) > 0 && n == 0 {
				t.Errorf("no hits recorded")
			}
			if len(c.secrets) == 0 && n != 0 {
				t.Errorf("%d hits on benign input:\n%s", n, out)
			}
		})
	}
}

// moreTextCases extend textCases with the harder forms.
var moreTextCases = []struct {
	name, in, secret, rule string
}{
	{"cri pair in a debug log", `CreateContainer config &ContainerConfig{Envs:[]*KeyValue{&KeyValue{Key:DB_PASSWORD,Value:hunter2pw,},&KeyValue{Key:MODE,Value:fast,},},}`, "hunter2pw", RuleSecretPair},
	{"protobuf text pair", `labels:{key:"DB_PASSWORD" value:"ProtoPw1"}`, "ProtoPw1", RuleSecretPair},
	{"protobuf label stays", `ImageCreate event labels:{key:"io.cri-containerd.image" value:"managed"}`, "", ""},
	{"k8s env var stays", `container="&Container{Name:app,Env:[]EnvVar{EnvVar{Name:MODE,Value:fast,ValueFrom:nil,},},}"`, "", ""},
	{"go %+v pair", `env {Name:API_TOKEN Value:GoVTok9}`, "GoVTok9", RuleSecretPair},
	{"ado password with spaces", "Server=db;User Id=sa;Password=my long pw;Database=x", "my long pw", RuleSecretKey},
	{"proxy without scheme", "HTTPS_PROXY=proxyuser:NoScheme1@proxy:3128", "NoScheme1", RuleURLUserinfo},
	{"registry auth header", "X-Registry-Auth: eyJ1c2VybmFtZSI6ImEiLCJwYXNzd29yZCI6ImIifQ==", "eyJ1c2VybmFtZSI6ImEiLCJwYXNzd29yZCI6ImIifQ==", RuleSecretKey},
	{"session id", "session_id=7d9f0e1a2b3c", "7d9f0e1a2b3c", RuleSecretKey},
	{"aws temporary key", "ASIAY34FZKBOKMUTVV7A expired", "ASIAY34FZKBOKMUTVV7A", RuleAWSKeyID},
	{"sas in connection string", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=SasKey+1/2=", "SasKey+1/2=", RuleAzure},
	{"argv password space", "/usr/bin/registry --password RegArgvPw1 --port 5000", "RegArgvPw1", RuleSecretKey},
	{"encrypted pem header line", "-----BEGIN ENCRYPTED PRIVATE KEY-----MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq", "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq", RulePEM},
	{"pgp private key block", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGPgpBody\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\nafter", "lQOYBGPgpBody", RulePEM},
	{"fake marker shelters nothing", "[REDACTED:x password=Shelter1] and [PSEUDO:secret-key:zz token=Shelter2]", "Shelter", RuleSecretKey},
	{"marker-like value is still a value", "DB_PASSWORD=[REDACTED:x]Shelter3", "Shelter3", RuleSecretKey},
	{"bracketed password", "PASSWORD=(Summer)2024! next=1", "(Summer)2024!", RuleSecretKey},
	{"password with brackets inside", "token=ab[cd]ef<gh level=info", "ab[cd]ef<gh", RuleSecretKey},
	{"mysql glued password", "mysql -uroot -pS3cretPw orders", "S3cretPw", RuleSecretKey},
	{"klog file:line stays", "E1124 21:05:00.000001 1234 auth.go:12] Unable to authenticate: Unauthorized; token.go:88] retry", "", ""},
	{"quoted message stays", `level=error msg="apply failure" error="secret: invalid"`, "", ""},
	{"anonymous token error stays", `failed to fetch anonymous token: unexpected status: 401 Unauthorized`, "", ""},
	{"invalid bearer tokens stays", `Unable to authenticate the request err="[invalid bearer tokens, service account token has expired]"`, "", ""},
	{"secret not found stays", `MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found`, "", ""},
	{"pull error stays", `PullImage "registry.lab/app:1.2.3" failed: rpc error: code = Unknown desc = failed to pull and unpack image: failed to resolve reference: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`, "", ""},
	{"ports sizes versions stay", "listening on 0.0.0.0:10250 size=4096 version=v1.31.2 containerd 1.7.35 path=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/42/fs", "", ""},
	{"token file path stays", "--token-file=/var/run/secrets/kubernetes.io/serviceaccount/token", "", ""},
}

func TestMoreTextRules(t *testing.T) {
	for _, c := range moreTextCases {
		t.Run(c.name, func(t *testing.T) {
			r := newR(t, Config{})
			out, n := r.Bytes("f.txt", Text, []byte(c.in))
			if c.secret == "" {
				if n != 0 || string(out) != c.in {
					t.Fatalf("changed benign text (%d hits):\n in: %s\nout: %s", n, c.in, out)
				}
				return
			}
			if bytes.Contains(out, []byte(c.secret)) {
				t.Fatalf("secret survived:\n in: %s\nout: %s", c.in, out)
			}
			if r.ByRule()[c.rule] == 0 {
				t.Fatalf("rule %s did not fire (by rule %v): %s", c.rule, r.ByRule(), out)
			}
		})
	}
}

// String covers argv and error messages: the forms the manifest and the
// terminal carry.
func TestStringForms(t *testing.T) {
	r := newR(t, Config{})
	for in, secret := range map[string]string{
		"dockerd --registry-mirror=https://m:MirrorPw@mirror --tlsverify": "MirrorPw",
		"ctr --user bob:CtrSecr3t pull x":                                 "CtrSecr3t",
		"curl -u admin:CurlSecr3t https://x":                              "CurlSecr3t",
		"docker run --user 1000:1000 app":                                 "",
		"crictl pull --creds bob:CrictlPw registry/x":                     "CrictlPw",
		"tool --client-secret ClientS3cret --debug":                       "ClientS3cret",
		`open /etc/x: permission denied (password=ErrPw1)`:                "ErrPw1",
	} {
		out := r.String(in)
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("%q survived: %s", secret, out)
		}
		if secret == "" && out != in {
			t.Errorf("changed: %s → %s", in, out)
		}
	}
	if r.Report().Files[0].Path != "-" {
		t.Errorf("String hits not under -: %+v", r.Report().Files)
	}
}

// The report of a redactor that saw every case names rules, files and
// places — and holds none of the secrets.
func TestReportOfTheWholeCorpusHoldsNoSecret(t *testing.T) {
	r := newR(t, Config{})
	var secrets []string
	for i, c := range textCases {
		r.Bytes(fmt.Sprintf("text-%d.txt", i), Text, []byte(c.in))
		secrets = append(secrets, c.secret)
	}
	for i, c := range moreTextCases {
		r.String(c.in)
		r.Bytes(fmt.Sprintf("more-%d.log", i), Text, []byte(c.in))
		secrets = append(secrets, c.secret)
	}
	for i, c := range kindCases {
		r.Bytes(fmt.Sprintf("kind-%d", i), c.kind, []byte(c.in))
		secrets = append(secrets, c.secrets...)
	}
	raw, err := json.Marshal(r.Report())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if s != "" && bytes.Contains(raw, []byte(strings.Trim(s, `"`))) {
			t.Errorf("report holds %q", s)
		}
	}
	rep := r.Report()
	if rep.RuleSetVersion != RuleSetVersion || !rep.DefaultsEnabled || rep.Total != r.Total() || len(rep.Files) < 20 {
		t.Fatalf("report header: %+v", rep)
	}
	sum := 0
	for _, n := range rep.ByRule {
		sum += n
	}
	if sum != rep.Total {
		t.Fatalf("by_rule sums to %d, total %d", sum, rep.Total)
	}
}

// Key decisions, documented in docs/redaction.md: words inside a key count
// (dbpassword, authtoken, tokenizer), short words only as a whole segment
// (auth yes, author no), and keys that name a secret without holding one stay.
func TestKeyDecisions(t *testing.T) {
	var k keyMatcher
	for key, want := range map[string]bool{
		"DB_PASSWORD": true, "dbpassword": true, "authToken": true, "X-Auth-Token": true, "tokenizer": true,
		"session_id": true, "sessionId": true, "MYSQL_PWD": true, "client-key-data": true, "AWS_SECRET_ACCESS_KEY": true,
		"identitytoken": true, "registrytoken": true, "auth": true, "Cookie": true, "sas": true, "apiKey": true,
		"PWD": false, "OLDPWD": false, "author": false, "auth_type": false, "secret_name": false, "token_file": false,
		"imagePullSecrets": false, "credsStore": false, "keyring": false, "key": false, "snapshot_key": false,
		"passthrough": false, "compass": false, "authority": false, "monkey": false,
	} {
		if got := k.isSecret(key); got != want {
			t.Errorf("isSecret(%q) = %v, want %v", key, got, want)
		}
	}
}

// Pseudonym mode over the whole corpus: no secret, no marker inside another
// (a pseudonym holds "rule:" which looks like a key), the same value the same
// token everywhere.
func TestPseudonymsOverTheCorpus(t *testing.T) {
	r := newR(t, Config{Pseudonymize: true, PseudonymKey: []byte("0123456789abcdef"), PseudonymizeIPs: true})
	nested := regexp.MustCompile(`\[PSEUDO:[^\]]*\[`)
	check := func(name string, out []byte, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			if s != "" && bytes.Contains(out, []byte(s)) {
				t.Errorf("%s: %q survived: %s", name, s, out)
			}
		}
		if nested.Match(out) || bytes.Contains(out, []byte("[REDACTED:")) {
			t.Errorf("%s: nested or plain marker: %s", name, out)
		}
	}
	for _, c := range textCases {
		out, _ := r.Bytes("t", Text, []byte(c.in))
		check(c.name, out, c.secret)
	}
	for _, c := range moreTextCases {
		out, _ := r.Bytes("m", Text, []byte(c.in))
		if strings.HasPrefix(c.in, "[REDACTED:") {
			// Input that imitates markers: only the secrets are checked.
			if bytes.Contains(out, []byte(c.secret)) {
				t.Errorf("%s: %q survived: %s", c.name, c.secret, out)
			}
			continue
		}
		check(c.name, out, c.secret)
	}
	for _, c := range kindCases {
		out, _ := r.Bytes("k", c.kind, []byte(c.in))
		check(c.name, out, c.secrets...)
	}
	out, _ := r.Bytes("h", TOML, []byte("[host.\"https://m\".header]\n  Authorization = \"Bearer TomlBearer9\"\n"))
	check("hosts.toml", out, "TomlBearer9")
	a := r.String("DB_PASSWORD=SameValue1")
	b, _ := r.Bytes("x.json", JSON, []byte(`{"password": "SameValue1"}`))
	tok := strings.TrimPrefix(a, "DB_PASSWORD=")
	if !bytes.Contains(b, []byte(tok)) {
		t.Errorf("same value, different tokens: %s vs %s", a, b)
	}
}
