package redact

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"

	"github.com/rtsnap/rtsnap/internal/shapetest"
)

// structCases: TOML and YAML carriers the line patterns leaked (issue #13,
// item 6). Each case must lose every secret, keep every benign string, and
// (valid input) stay valid with the same keys. Sources are cited where a
// case copies a real file's shape.
var structCases = []struct {
	name    string
	kind    Kind
	in      string
	secrets []string
	keep    []string
}{
	// YAML
	{"yaml anchor under a secret key", YAML, "db:\n  password: &pw An0therS3cret\nreplica:\n  password: *pw\n",
		[]string{"An0therS3cret"}, []string{"&pw", "password: *pw"}},
	{"yaml anchor outside, alias under a secret key", YAML, "defaults: &creds Sup3rS3cretVal\ndb:\n  password: *creds\n",
		[]string{"Sup3rS3cretVal"}, []string{"defaults: &creds", "password: *creds"}},
	// Helm values share blocks through anchors and merge keys, e.g.
	// https://github.com/bitnami/charts (x-common / <<: *common patterns).
	{"yaml helm values merge key", YAML, "x-common: &common\n  user: app\n  password: H3lmMergePw!\nsvc:\n  <<: *common\n  replicas: 2\n",
		[]string{"H3lmMergePw!"}, []string{"<<: *common", "replicas: 2"}},
	// Rails config/database.yml: a default block anchored and merged per
	// environment (https://guides.rubyonrails.org/configuring.html#configuring-a-database).
	{"yaml rails database.yml", YAML, "default: &default\n  adapter: postgresql\n  encoding: unicode\n  pool: <%= ENV.fetch(\"RAILS_MAX_THREADS\") { 5 } %>\n  password: Ra1lsDefaultPw\n\ndevelopment:\n  <<: *default\n  database: app_development\n\nproduction:\n  <<: *default\n  database: app_production\n  username: app\n  password: Ra1lsProdPw!\n",
		[]string{"Ra1lsDefaultPw", "Ra1lsProdPw!"}, []string{"<<: *default", "database: app_production", "adapter: postgresql"}},
	// Compose extension fields shared through anchors
	// (https://docs.docker.com/reference/compose-file/extension/).
	{"yaml compose extension anchor", YAML, "x-env: &env\n  POSTGRES_USER: app\n  POSTGRES_PASSWORD: C0mposeExtPw\nservices:\n  db:\n    image: postgres:16\n    environment: *env\n  web:\n    environment:\n      <<: *env\n      MODE: fast\n",
		[]string{"C0mposeExtPw"}, []string{"environment: *env", "MODE: fast", "image: postgres:16"}},
	{"yaml flow map", YAML, "db: {password: Fl0wMapPw9, user: admin, port: 5432}\n",
		[]string{"Fl0wMapPw9", "admin"}, []string{"port: 5432}"}},
	{"yaml folded block scalar", YAML, "password: >-\n  F0ldedPartOne\n  F0ldedPartTwo\nmode: fast\n",
		[]string{"F0ldedPartOne", "F0ldedPartTwo"}, []string{"password: >-", "mode: fast"}},
	{"yaml multi-document", YAML, "a: 1\n---\ntoken: D0cTwoT0ken\n---\nb: 2\n",
		[]string{"D0cTwoT0ken"}, []string{"a: 1", "b: 2", "---"}},
	{"yaml quoted keys and values", YAML, "\"db.password\": 'Qu0tedPwVal'\n\"api_key\": \"Qu0tedK3yVal\"\n",
		[]string{"Qu0tedPwVal", "Qu0tedK3yVal"}, []string{`"db.password":`}},
	// kubeconfig layout: https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
	{"yaml kubeconfig", YAML, "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n    server: https://10.0.0.1:6443\n  name: lab\nusers:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1DRVJUQ0VSVA==\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF\n    token: kubeT0kenValue123\n- name: basic\n  user:\n    username: ops\n    password: KubeBasicPw7\n",
		[]string{"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF", "kubeT0kenValue123", "KubeBasicPw7"},
		[]string{"server: https://10.0.0.1:6443", "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "name: admin"}},
	// A Secret's data keys need not look secret (tls.key, config).
	{"yaml Secret manifest", YAML, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\ntype: kubernetes.io/tls\ndata:\n  tls.crt: Q0VSVElGSUNBVEVEQVRB\n  tls.key: S0VZREFUQVNFQ1JFVA==\nstringData:\n  config: \"endpoint=x;k=Str1ngDataVal\"\n",
		[]string{"Q0VSVElGSUNBVEVEQVRB", "S0VZREFUQVNFQ1JFVA==", "Str1ngDataVal"}, []string{"name: web-tls", "type: kubernetes.io/tls"}},
	{"yaml ConfigMap data stays, config.json inside is redacted", YAML, "kind: ConfigMap\ndata:\n  mode: fast\n  config.json: |\n    {\"auths\": {\"reg.example:5000\": {\"auth\": \"dXNlcjpDbUF1dGhQdw==\"}}}\n",
		[]string{"dXNlcjpDbUF1dGhQdw=="}, []string{"mode: fast", "reg.example:5000"}},
	{"yaml docker config", YAML, "auths:\n  \"https://index.docker.io/v1/\":\n    auth: ZG9ja2VyOkh1YlB3\n    identitytoken: IdT0kenYaml\ncredsStore: desktop\n",
		[]string{"ZG9ja2VyOkh1YlB3", "IdT0kenYaml"}, []string{"https://index.docker.io/v1/", "credsStore: desktop"}},
	{"yaml comment keeps its place", YAML, "# password: C0mmentedPw!\nmode: fast # token=InlineC0mmentTok\n",
		[]string{"C0mmentedPw!", "InlineC0mmentTok"}, []string{"# password:", "mode: fast #"}},
	{"yaml url with password in a plain value", YAML, "dsn: postgres://app:UrlPassw0rd@db.example:5432/app\n",
		[]string{"UrlPassw0rd"}, []string{"db.example:5432/app"}},
	{"yaml pod args and env pairs", YAML, "containers:\n- args: [\"--password\", \"ArgPassw0rd\", \"--port\", \"80\"]\n  env:\n  - name: DB_PASSWORD\n    value: EnvPairPw1\n  - name: MODE\n    value: fast\n",
		[]string{"ArgPassw0rd", "EnvPairPw1"}, []string{`"--port", "80"`, "value: fast"}},
	{"yaml over-redaction shapes stay", YAML, "authorization: {mode: Webhook}\nvolumes:\n- name: certs\n  secret: {secretName: web-tls}\nPASSWORD_MIN_LENGTH: 12\ntokenExpirationSeconds: 3600\nsessionAffinity: ClientIP\nenabled: true\n",
		nil, []string{"mode: Webhook", "secretName: web-tls", "PASSWORD_MIN_LENGTH: 12", "3600", "ClientIP"}},
	{"yaml secret map keeps its settings", YAML, "auth:\n  method: oidc\n  issuer: https://accounts.google.com\n  clientSecret: Cl1entS3cretVal\n  refresh: R3freshVal99\n",
		[]string{"Cl1entS3cretVal", "R3freshVal99"}, []string{"method: oidc", "issuer: https://accounts.google.com"}},
	{"toml secret table keeps its settings", TOML, "[auth]\nmethod = \"oidc\"\nvalue = \"T4bleS3cretVal\"\n[x]\nauth = {type = \"basic\", blob = \"Inl1neBl0bVal\"}\n",
		[]string{"T4bleS3cretVal", "Inl1neBl0bVal"}, []string{`method = "oidc"`, `type = "basic"`}},
	{"yaml secret key with tag and anchor", YAML, "password: !!str &p T4ggedPw\n",
		[]string{"T4ggedPw"}, []string{"!!str &p"}},
	// TOML
	// containerd 1.x registry auth, the shape of
	// https://github.com/containerd/containerd/issues/11103 (commented tls lines).
	{"toml containerd registry auth table", TOML, "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs]\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"han.lanharbor.com\".tls]\n    insecure_skip_verify = true\n    #key_file = \"/etc/containerd/certs.d/han.lanharbor.com/lanharbor.key\"\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"han.lanharbor.com\".auth]\n    username = \"admins\"\n    password = \"Hym1234Pw5\"\n",
		[]string{"Hym1234Pw5", `"admins"`}, []string{"insecure_skip_verify = true", "#key_file", `registry.configs."han.lanharbor.com".auth]`}},
	// k3s writes the short plugin name: https://github.com/containerd/containerd/issues/5246
	{"toml k3s auth table", TOML, "[plugins.cri.registry.configs.\"https://docker.io\".auth]\n  username = \"user\"\n  password = \"K3sPassw0rd\"\n  auth = \"dXNlcjpLM3NQYXNz\"\n",
		[]string{"K3sPassw0rd", "dXNlcjpLM3NQYXNz"}, []string{"https://docker.io"}},
	{"toml inline table", TOML, "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.example\"]\n  auth = {username = \"bob\", password = \"Inl1neTblPw\"}\n  tls = {insecure_skip_verify = false}\n",
		[]string{"Inl1neTblPw", `"bob"`}, []string{"insecure_skip_verify = false"}},
	{"toml inline table with password beside a user", TOML, "creds2 = {username = \"carol\", password = \"Bes1dePw\", host = \"r.example\"}\n",
		[]string{"Bes1dePw", `"carol"`}, []string{`host = "r.example"`}},
	{"toml dotted keys", TOML, "registry.auth.password = \"D0ttedKeyPw\"\nregistry.mirror = \"https://m.example\"\n",
		[]string{"D0ttedKeyPw"}, []string{`registry.mirror = "https://m.example"`}},
	{"toml quoted key and literal string", TOML, "[x]\n\"password\" = 'L1teralPw!'\n'api key' = \"Qu0tedTomlKey\"\n",
		[]string{"L1teralPw!", "Qu0tedTomlKey"}, []string{`"password" =`}},
	{"toml multi-line literal", TOML, "token = '''\nMult1LitT0k\n'''\n",
		[]string{"Mult1LitT0k"}, []string{"'''"}},
	{"toml arrays and arrays of tables", TOML, "api_key = [\"K3yOneVal\", \"K3yTwoVal\"]\n[[registry.auth]]\npassword = \"ArrT4blePw\"\n[[registry.auth]]\npassword = \"ArrT4blePw2\"\n",
		[]string{"K3yOneVal", "K3yTwoVal", "ArrT4blePw"}, []string{"[[registry.auth]]"}},
	// hosts.toml header auth: https://github.com/containerd/containerd/issues/8186
	{"toml hosts.toml authorization header", TOML, "server = \"https://registry-1.docker.io\"\n[host.\"https://registry-1.docker.io\".header]\n  authorization = \"Basic dXNlcjpwYXNzd29yZA==\"\n",
		[]string{"dXNlcjpwYXNzd29yZA=="}, []string{"Basic", `server = "https://registry-1.docker.io"`}},
	{"toml comments", TOML, "# password = \"C0mmentTomlPw\"\nlevel = \"info\" # token=TrailC0mmentTok\n",
		[]string{"C0mmentTomlPw", "TrailC0mmentTok"}, []string{"# password", `level = "info" #`}},
	{"toml args list", TOML, "[stream_processors.x]\n  args = [\"--password\", \"StreamArgPw\", \"--decryption-keys-path\", \"/etc/containerd/ocicrypt/keys\"]\n",
		[]string{"StreamArgPw"}, []string{"/etc/containerd/ocicrypt/keys"}},
	{"toml over-redaction shapes stay", TOML, "[server]\ntoken_ttl = 3600\nauth_type = \"oidc\"\nsecret_name = \"db-creds\"\nPASSWORD_MIN_LENGTH = 12\n",
		nil, []string{"token_ttl = 3600", `auth_type = "oidc"`, `secret_name = "db-creds"`, "PASSWORD_MIN_LENGTH = 12"}},
}

func TestStructuredFireAndStayQuiet(t *testing.T) {
	for _, c := range structCases {
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
				t.Error("no hits recorded")
			}
			if len(c.secrets) == 0 && string(out) != c.in {
				t.Errorf("changed with nothing to redact:\n%s", out)
			}
			for _, f := range r.Report().Files {
				for _, note := range f.Notes {
					if !strings.Contains(note, "alias") {
						t.Errorf("fell back: %s", note)
					}
				}
			}
			assertSameKeys(t, c.kind, []byte(c.in), out)
		})
	}
}

// assertSameKeys: out parses as its kind and has in's keys.
func assertSameKeys(t *testing.T, kind Kind, in, out []byte) {
	t.Helper()
	if kind == YAML {
		before, err := yamlKeyPaths(in)
		if err != nil {
			t.Fatalf("input: %v", err)
		}
		after, err := yamlKeyPaths(out)
		if err != nil {
			t.Fatalf("redacted copy does not parse: %v\n%s", err, out)
		}
		if d := diffKeys(before, after); d != "" {
			t.Errorf("keys changed (-in +out):\n%s", d)
		}
		return
	}
	var before, after map[string]any
	if err := toml.Unmarshal(in, &before); err != nil {
		t.Fatalf("input: %v", err)
	}
	if err := toml.Unmarshal(out, &after); err != nil {
		t.Fatalf("redacted copy does not parse: %v\n%s", err, out)
	}
	if d := diffKeys(tomlKeyPaths(before, ""), tomlKeyPaths(after, "")); d != "" {
		t.Errorf("keys changed (-in +out):\n%s", d)
	}
}

// TestStructuredRealConfigsUnchanged: the lab's binaries' default configs
// and the lab kubelet's config hold no secret: they come out byte for byte
// (testdata/structured/README.md says where each file comes from).
func TestStructuredRealConfigsUnchanged(t *testing.T) {
	files, _ := filepath.Glob("testdata/structured/*")
	n := 0
	for _, p := range files {
		kind := KindOf(p)
		if strings.HasSuffix(p, ".conf") {
			kind = TOML // crio.conf
		}
		if kind != TOML && kind != YAML {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r := newR(t, Config{})
		out, hits := r.Bytes(p, kind, data)
		if hits != 0 || !bytes.Equal(out, data) {
			t.Errorf("%s: %d hits, changed: %v", p, hits, !bytes.Equal(out, data))
		}
		if notes := r.Report().Files; len(notes) != 0 {
			t.Errorf("%s: report %+v", p, notes)
		}
		n++
	}
	if n < 5 {
		t.Fatalf("only %d real configs found", n)
	}
}

// TestStructuredRegistryAuthInRealConfig: registry credentials added to a
// real containerd 1.7 default config are redacted, everything else stays.
func TestStructuredRegistryAuthInRealConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/structured/containerd-1.7-default.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data) + "\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"reg.example:5000\".auth]\n  username = \"ci\"\n  password = \"R3alCfgPassw0rd\"\n  identitytoken = \"R3alCfgIdT0k\"\n"
	r := newR(t, Config{})
	out, n := r.Bytes("config.toml", TOML, []byte(doc))
	if n != 3 || bytes.Contains(out, []byte("R3alCfg")) || bytes.Contains(out, []byte(`"ci"`)) {
		t.Fatalf("%d hits:\n%s", n, out[len(data):])
	}
	if !bytes.HasPrefix(out, data) {
		t.Error("the rest of the config changed")
	}
}

// TestStructuredFallback: input the parsers reject is redacted line by line,
// and the report says so without quoting anything.
func TestStructuredFallback(t *testing.T) {
	for _, c := range []struct {
		kind   Kind
		in     string
		secret string
	}{
		{YAML, "a: [1, 2\npassword: Trunc4tedPw\n", "Trunc4tedPw"},
		{YAML, "key: \"unterminated\npassword: Unterm1natedPw\n", "Unterm1natedPw"},
		{TOML, "[a]\npassword = \"Br0kenTomlPw\"\nb = = 1\n", "Br0kenTomlPw"},
		{TOML, "password = \"DupKeyPw1\"\npassword = \"DupKeyPw2\"\n[x\n", "DupKeyPw"},
	} {
		r := newR(t, Config{})
		out, _ := r.Bytes("f", c.kind, []byte(c.in))
		if bytes.Contains(out, []byte(c.secret)) {
			t.Errorf("%v %q: leaked: %s", c.kind, c.in, out)
		}
		rep := r.Report()
		if len(rep.Files) != 1 || len(rep.Files[0].Notes) != 1 || !strings.Contains(rep.Files[0].Notes[0], "line by line") {
			t.Fatalf("%q: no fallback note: %+v", c.in, rep.Files)
		}
		if strings.Contains(rep.Files[0].Notes[0], c.secret) {
			t.Errorf("note quotes the input: %s", rep.Files[0].Notes[0])
		}
	}
	// Valid input takes the structured path: no note.
	r := newR(t, Config{})
	r.Bytes("f", YAML, []byte("password: x1234567\n"))
	if rep := r.Report(); len(rep.Files) != 1 || len(rep.Files[0].Notes) != 0 {
		t.Errorf("valid YAML noted: %+v", rep.Files)
	}
}

// TestStructuredHostile: a billion aliases, deep nesting and huge files are
// bounded in time, and fall back (with a note) where the limits say.
func TestStructuredHostile(t *testing.T) {
	var laughs strings.Builder
	laughs.WriteString("password: &a B1llionLaughsPw\nl:\n")
	for laughs.Len() < 10<<20 {
		laughs.WriteString("- [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
	}
	small := "password: &a SmallLaughsPw\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nsecret: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	for _, c := range []struct {
		name   string
		kind   Kind
		in     string
		secret string
		note   bool
	}{
		{"10 MB of aliases", YAML, laughs.String(), "B1llionLaughsPw", true},
		{"nested laughs, followed once", YAML, small, "SmallLaughsPw", false},
		// (in lines under maxStructLine, so the node count is what stops it)
		{"more nodes than the limit", YAML, "password: ManyN0desPw\nx: [" + strings.Repeat(strings.Repeat("a,", 500)+"\n", maxStructNodes/500+2) + "a]\n", "ManyN0desPw", true},
		{"a line longer than the limit", YAML, "password: &pw L0ngLinePw\nx: " + strings.Repeat("ab ", maxStructLine/3+1) + "\ny: *pw\n", "L0ngLinePw", true},
		{"a long line under the limit", YAML, "password: &pw Sh0rtLinePw\nx: " + strings.Repeat("ab ", maxStructLine/3-10) + "\ny: *pw\n", "Sh0rtLinePw", false},
		{"a toml line longer than the limit", TOML, "password = \"L0ngT0mlPw\"\nx = \"" + strings.Repeat("ab ", maxStructLine/3+1) + "\"\n", "L0ngT0mlPw", true},
		{"deep yaml flow", YAML, "password: DeepYamlPw1\nx: " + deep + "\n", "DeepYamlPw1", true},
		{"deep toml array", TOML, "password = \"DeepT0mlPw\"\nx = " + deep + "\n", "DeepT0mlPw", true},
		{"deep toml inline tables", TOML, "password = \"DeepInl1nePw\"\nx = " + strings.Repeat("{a = ", 3000) + "1" + strings.Repeat("}", 3000) + "\n", "DeepInl1nePw", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newR(t, Config{})
			start := time.Now()
			out, _ := r.Bytes("f", c.kind, []byte(c.in))
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if bytes.Contains(out, []byte(c.secret)) {
				t.Errorf("leaked %q", c.secret)
			}
			rep := r.Report()
			noted := len(rep.Files) > 0 && len(rep.Files[0].Notes) > 0 && strings.Contains(strings.Join(rep.Files[0].Notes, "\n"), "line by line")
			if noted != c.note {
				t.Errorf("fallback note %v, want %v: %+v", noted, c.note, rep.Files)
			}
		})
	}
}

// TestStructuredPseudonyms: the same secret gives the same pseudonym in
// YAML and TOML, and the file stays valid.
func TestStructuredPseudonyms(t *testing.T) {
	r := newR(t, Config{Pseudonymize: true, PseudonymKey: bytes.Repeat([]byte("k"), 32)})
	y, _ := r.Bytes("a.yaml", YAML, []byte("password: PseudoPw123\n"))
	tm, _ := r.Bytes("a.toml", TOML, []byte("password = \"PseudoPw123\"\n"))
	var yv map[string]string
	var tv map[string]string
	if err := yaml.Unmarshal(y, &yv); err != nil {
		t.Fatal(err)
	}
	if err := toml.Unmarshal(tm, &tv); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(yv["password"], "[PSEUDO:secret-key:") || yv["password"] != tv["password"] {
		t.Errorf("yaml %q, toml %q", yv["password"], tv["password"])
	}
}

// TestStructuredOddButValid: valid files in less common spellings take the
// structured path (no fallback note), lose the secret and keep their keys.
func TestStructuredOddButValid(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		in   string
	}{
		{YAML, "a: 1\r\npassword: CrLfPassw0rd\r\nb: |\r\n  x\r\n"},
		{YAML, "\ufeffpassword: B0mPassw0rd\n"},
		{YAML, "%YAML 1.1\n---\npassword: D1rectivePw\n...\n---\nb: 2\n"},
		{YAML, "? complex key\n: v\npassword: C0mplexKeyPw\n"},
		{YAML, "пароль: Cyr1llicPw99\nname: é\n"},
		{YAML, "list:\n  # a comment\n  - name: x\n    token: L1stT0kenVal # trailing\n  -   password:    Sp4cedPwVal\n"},
		{YAML, "password: \"multi\n  line Quot3dPw\"\n"},
		{YAML, "password: plain\n  continued Pl4inMultiPw\nnext: 1\n"},
		{YAML, "password: |2\n    Expl1citIndentPw\nnext: 1\n"},
		{YAML, "password: >+\n  Keep1ChompPw\n\nnext: 1\n"},
		{YAML, "- [a, {password: Fl0wSeqPw}]\n"},
		{TOML, "a = 1\r\npassword = \"CrLfT0mlPw\"\r\n"},
		{TOML, "password = \"\"\"\\\n   L1neEndBackslashPw\"\"\"\n"},
		{TOML, "[a]\n[[a.b]]\n[a.b.auth]\nuser = \"u\"\npassword = \"N3stedArrTblPw\"\n"},
		{TOML, "x = [\n  # comment\n  { password = \"Arr1nlinePw\" },\n]\n"},
		{TOML, "\"quoted.dotted\".password = 'QuotedD0tPw'\n"},
	} {
		r := newR(t, Config{})
		out, n := r.Bytes("f", c.kind, []byte(c.in))
		rep := r.Report()
		if len(rep.Files) == 0 || len(rep.Files[0].Notes) != 0 || n == 0 {
			t.Errorf("%q: %d hits, report %+v", c.in, n, rep.Files)
		}
		for _, w := range strings.Fields(c.in) {
			if strings.HasSuffix(w, "Pw") || strings.HasSuffix(w, "Passw0rd") || strings.HasSuffix(w, "Val") || strings.HasSuffix(w, "Pw\"") || strings.HasSuffix(w, "Pw99") {
				if bytes.Contains(out, []byte(strings.Trim(w, `"'`))) {
					t.Errorf("%q: %s survived: %q", c.in, w, out)
				}
			}
		}
		assertSameKeys(t, c.kind, []byte(c.in), out)
	}
}

// BenchmarkStructured: about 1 MiB of Kubernetes-style YAML and of
// containerd-style TOML through the structured path (parse, redact, parse
// again). Run once: go test -run '^$' -bench Structured -benchtime 3x ./redact
func BenchmarkStructured(b *testing.B) {
	var y, tm strings.Builder
	for i := 0; y.Len() < 1<<20; i++ {
		y.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-" + strconv.Itoa(i) + "\n  labels: {app: web, tier: front}\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.4.2\n    args: [\"--port\", \"8080\"]\n    env:\n    - name: DB_PASSWORD\n      value: BenchPw" + strconv.Itoa(i) + "\n    - name: MODE\n      value: fast # comment\n")
	}
	for i := 0; tm.Len() < 1<<20; i++ {
		tm.WriteString("[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r" + strconv.Itoa(i) + ".example\".auth]\n  username = \"ci\"\n  password = \"BenchPw" + strconv.Itoa(i) + "\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"r" + strconv.Itoa(i) + ".example\"]\n  endpoint = [\"https://m.example\", \"https://n.example\"] # mirrors\n")
	}
	for _, c := range []struct {
		name string
		kind Kind
		data []byte
	}{{"yaml", YAML, []byte(y.String())}, {"toml", TOML, []byte(tm.String())}} {
		b.Run(c.name, func(b *testing.B) {
			r := newR(b, Config{})
			b.SetBytes(int64(len(c.data)))
			start := shapetest.CPU()
			for b.Loop() {
				r.Bytes("f", c.kind, c.data)
			}
			if cpu := shapetest.CPU() - start; cpu > 0 {
				b.ReportMetric(float64(len(c.data))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
			}
			if rep := r.Report(); len(rep.Files) == 0 || len(rep.Files[0].Notes) != 0 {
				b.Fatalf("fell back: %+v", rep.Files)
			}
		})
	}
}

// TestStructuredDefaultsOff: with --no-default-redaction TOML and YAML go
// the line path, as before (only user rules); a user key still fires.
func TestStructuredDefaultsOff(t *testing.T) {
	r := newR(t, Config{DisableDefaults: true, ExtraKeys: []string{"acme_blob"}})
	for _, c := range []struct {
		kind Kind
		in   string
	}{{YAML, "mode: fast\nacme_blob: UserK3yVal\n"}, {TOML, "mode = \"fast\"\nacme_blob = \"UserK3yVal\"\n"}} {
		out, _ := r.Bytes("f", c.kind, []byte(c.in))
		line := r.textBytes([]byte(c.in), textOpts{toml: c.kind == TOML, yaml: c.kind == YAML}, &hits{})
		if !bytes.Equal(out, line) || bytes.Contains(out, []byte("UserK3yVal")) {
			t.Errorf("%v: %s, line path %s", c.kind, out, line)
		}
	}
}
