package redact

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestWorldShapes: each rule the world set (world_test.go) made, where it
// fires and where it stays quiet. Lines from the sources named.
func TestWorldShapes(t *testing.T) {
	r := newR(t, Config{})
	for _, c := range []struct {
		name, in string
		kind     Kind
		secret   string // "" : nothing may change
	}{
		// Assignment operators of config and code files: gitleaks'
		// GenerateSampleSecrets forms (cmd/generate/config/utils/generate.go)
		// and detect-secrets' keyword_test.py.
		{"go :=", `apikey := "{{h}o)p${e]nob(ody[finds>-_$#thisone}}"`, Text, "nob(ody[finds"},
		{"make ::=", `generic_TOKEN ::= "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`, Text, "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"},
		{"make ?=", `generic_TOKEN ?= "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`, Text, "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"},
		{"php .=", `$genericToken .= "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`, Text, "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"},
		{"type word", `var genericToken string = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`, Text, "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"},
		{"logstash =>", `  "genericToken" => "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`, Text, "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"},
		{"dict key", `some_dict["secret"] = "hope-nobody-finds-this-one"`, Text, "hope-nobody-finds-this-one"},
		{"objc @", `apikey = @"hope-nobody-finds-this-one"`, Text, "hope-nobody-finds-this-one"},
		{"call pair", `System.setProperty("AIRTABLE_TOKEN", "patcb8tamzsqte34w.a01f263e")`, Text, "patcb8tamzsqte34w"},
		{"quiet: plain :=", `x := y + 1 // token count`, Text, ""},
		{"quiet: call of other names", `foo("a", "b"), bar("password", "")`, Text, ""},
		{"quiet: code reference", `apiKey: this.apiKey,`, Text, ""},
		{"quiet: comparison", `if password != expected {`, Text, ""},
		// XML (detect-secrets' keyword_xml_test.py; Maven settings.xml;
		// .NET appSettings).
		{"xml element", `<password>Mvn-Depl0y-2024!x</password>`, Text, "Mvn-Depl0y-2024!x"},
		{"xml spaced tag", `< the_password > m{{h}o)p${e]nob </the_password>`, Text, "m{{h}o)p${e]nob"},
		{"xml name attr", `<sometag name="the_password">hunter2hunter2</sometag>`, Text, "hunter2hunter2"},
		{"xml value attr", `<add key="StorageApiKey" value="8f2d0c6e9a7b4d1e8c3f5a2b7e9d0c1a" />`, Text, "8f2d0c6e9a7b4d1e8c3f5a2b7e9d0c1a"},
		{"xml next line", "<adafruitToken>\n    8jje4-eanqhv5pdsj5qj7gv0sdyycr8b\n</adafruitToken>\n", Text, "8jje4-eanqhv5pdsj5qj7gv0sdyycr8b"},
		{"quiet: xml other element", `<add key="Environment" value="Production" />`, Text, ""},
		{"quiet: xml secret name", `<secretName>web-tls</secretName> <username>deployer</username>`, Text, ""},
		// Space-separated config (redis.conf, .netrc).
		{"redis requirepass", "requirepass R3dis-Requ1re-Pass\n", Text, "R3dis-Requ1re-Pass"},
		{"netrc", "machine ftp.example.com login anonymous password Netrc-Ftp-Pw-77\n", Text, "Netrc-Ftp-Pw-77"},
		{"quiet: prose", "password changed\ntoken expired\n", Text, ""},
		{"quiet: flag in parentheses", "(--token-ttl 24h)", Text, ""},
		// PuTTY (the PPK format, Appendix C of PuTTY's manual).
		{"putty", "PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIHg3\nPrivate-Lines: 1\nOwG7gjd9av3rbZv4U2zislqV0tNvGYjl\nPrivate-MAC: 7a1c3e5f\n", Text, "OwG7gjd9av3rbZv4U2zislqV0tNvGYjl"},
		{"quiet: putty public lines", "PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIHg3\nPrivate-MAC: 7a1c3e5f\n", Text, ""},
		// Licenses: a key stays, a name stays.
		{"license key", "license=q8Zr3nV1xK7pT2mW9sY4bD6fH0jL5cA3\n", Env, "q8Zr3nV1xK7pT2mW9sY4bD6fH0jL5cA3"},
		{"license key json pair", `[{"name":"LICENSE","value":"q8Zr3nV1xK7pT2mW9sY4bD6fH0jL5cA3"}]`, JSON, "q8Zr3nV1xK7pT2mW9sY4bD6fH0jL5cA3"},
		{"quiet: license name", "license: MIT\nLICENSE=Apache-2.0\n", YAML, ""},
		{"quiet: license name env", "LICENSE=GPL-3.0-or-later\n", Env, ""},
		// Tokens as gitleaks' examples write them, where collected data puts them.
		{"token in a URL path", "GET https://api.example.com/v1/hook/glsa_pza1234567890abcdefABCDEF1234567_0123abcd?ok=1", Text, "glsa_pza1234567890abcdefABCDEF1234567_0123abcd"},
		{"overlapping vendor rules", "upstream FLWSECK_TEST-ae0e495077d22dd234cbb2fe1a0d4337-X", Text, "2dd234cbb2fe1a0d4337"},
		{"routable gitlab token", "glpat-qal2sgdh27lvl78ps4gzlnm3t3v.c07ll4got", Text, "c07ll4got"},
		{"jwt ey.ey", "upstream eyrH84bBvgRFaxpHxA4.eyCCgYBOt8BUTuK1hG0. unreachable", Text, "eyrH84bBvgRFaxpHxA4"},
		{"quiet: ey words", "they.eyes.keys and eyebrows.eyelids", Text, ""},
		{"sigv4 signature", "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", Text, "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"},
		{"quiet: signature policy", "signature_policy = \"\"\n", TOML, ""},
		// JSON inside JSON strings (kubectl's last-applied-configuration).
		{"nested json", `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"target\":\"https://a.blob.core.windows.net/c/b?sv=2019-02-02\\u0026sig=Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboX\"}"}}}`, JSON, "Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboX"},
		{"quiet: nested json without secrets", `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"ConfigMap\",\"data\":{\"mode\":\"fast\"}}"}}}`, JSON, ""},
		// Kept under secret keys.
		{"quiet: systemd LoadCredential", "LoadCredential=token:/etc/app/token\n", Text, ""},
		{"systemd SetCredential", "SetCredential=token:Sup3r-s3cret-T0ken\n", Text, "Sup3r-s3cret-T0ken"},
		{"quiet: arn in a URL path", "GET https://api.example.com/v1/roles/arn:aws:iam::123456789012:role/EKS-NodeInstanceRole-1A2B3C4D5E6F", Text, ""},
		// Session 8 (redact/corpus/worldgen/session8.go, sources there).
		// Pre-shared keys and personal access tokens.
		{"wpa psk", "network={\n\tssid=\"your-ssid\"\n\tpsk=\"Wpa2-Home-Passphr4se\"\n}\n", Text, "Wpa2-Home-Passphr4se"},
		{"hostapd wpa_psk", "wpa_psk=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", Text, "0123456789abcdef0123456789abcdef"},
		{"WIFI_PSK env", "WIFI_PSK=Wifi-Psk-Env-77\n", Env, "Wifi-Psk-Env-77"},
		{"quiet: key_mgmt names the PSK method", "key_mgmt=WPA-PSK\nwpa_key_mgmt=WPA-PSK FT-PSK\npsk_identity=client1\n", Text, ""},
		{"GITHUB_PAT", "GITHUB_PAT=z3q7mw9v2k4x8n6b5c1d0f3g7h2j4k6l8p0r\n", Env, "z3q7mw9v2k4x8n6b5c1d0f3g7h2j4k6l8p0r"},
		{"AZURE_DEVOPS_PAT json", `[{"name":"AZURE_DEVOPS_PAT","value":"z3q7mw9v2k4x8n6b5c1d0f3g7h2j4k6l8p0r"}]`, JSON, "z3q7mw9v2k4x8n6b5c1d0f3g7h2j4k6l8p0r"},
		{"gitlab-pat flag", "app --gitlab-pat z3q7mw9v2k4x8n6b5c1d0f3g7h2j4k6l8p0r", Text, "z3q7mw9v2k4x8n6b5c1d0f3g7h2j4k6l8p0r"},
		{"quiet: path, pattern, compat", "CACHE_PATH=/var/cache/app\nURL_PATTERN=^/api/v[0-9]+/.*$\nCOMPAT_MODE=legacy\nPAT_SCOPES=repo,read:org\n", Env, ""},
		// ipsec.secrets and snmpd.conf.
		{"ipsec psk", ": PSK \"Str0ngSwan-PSK-v4lue\"\n", Text, "Str0ngSwan-PSK-v4lue"},
		{"ipsec psk base64", "192.168.0.1 %any : PSK 0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL\n", Text, "0sv+NkxY9LLZvwj4qCC2o"},
		{"ipsec rsa passphrase", "moon.strongswan.org : RSA moonKey.pem \"Key-Phr4se-x9\" psk\n", Text, "Key-Phr4se-x9"},
		{"quiet: psk in prose", "error: PSK mismatch\nmsg: PSK auth failed for peer\n", Text, ""},
		{"snmpd rocommunity", "rocommunity C0mmun1ty-x7 10.0.0.0/8\n", Text, "C0mmun1ty-x7"},
		{"quiet: snmpd other directives", "agentAddress udp:161\nsysLocation Server Room\n", Text, ""},
		// Command lines: glued separators, nested programs, more programs.
		{"glued ;", "mysql -uroot -pMy5ql-R00t-Pw;echo done", Text, "My5ql-R00t-Pw"},
		{"; before the program", "echo start;mysql -u root -pGlu3d-Aft3r-Semi app", Text, "Glu3d-Aft3r-Semi"},
		{"glued &&", "true&&mysql -pGlu3d-Aft3r-Amp app", Text, "Glu3d-Aft3r-Amp"},
		{"glued pipe into chpasswd", "echo root:Chp4sswd-Gl-ued|chpasswd", Text, "Chp4sswd-Gl-ued"},
		{"command substitution", "RESPONSE=$(mysqladmin -pSubst-Pw-456 ping -h localhost)", Text, "Subst-Pw-456"},
		{"nested in docker exec", "docker exec -it db mysql -uroot -pDocker-Exec-Pw1 -e 'show databases'", Text, "Docker-Exec-Pw1"},
		{"nested in sh -c", "docker exec db sh -c 'exec mysqldump --all-databases -uroot -pShC-Quoted-Pw7'", Text, "ShC-Quoted-Pw7"},
		{"smbclient user%password", "smbclient //server/share -U alice%Smb-Cl1ent-Pw -c 'ls'", Text, "Smb-Cl1ent-Pw"},
		{"xfreerdp /p:", "xfreerdp /v:10.0.0.7 /u:Administrator /p:Rdp-Passw0rd9 /cert:ignore", Text, "Rdp-Passw0rd9"},
		{"snmpget -A -X", "snmpget -v3 -u admin -l authPriv -a SHA -A Snmp-AuthPass1 -x AES -X Snmp-PrivPass2 10.0.0.1 sysName.0", Text, "Snmp-PrivPass2"},
		{"snmpwalk -c", "snmpwalk -v2c -c S3cr3tC0mmun1ty 10.0.0.1", Text, "S3cr3tC0mmun1ty"},
		{"openssl -psk", "openssl s_client -connect 10.0.0.5:4433 -psk_identity client1 -psk 1a2b3c4d5e6f7a8b9c0d", Text, "1a2b3c4d5e6f7a8b9c0d"},
		{"quiet: a variable after -p", "mysql -uroot -p$MYSQL_ROOT_PASSWORD;echo done", Text, ""},
		{"quiet: separators without passwords", "ls -la|grep mysql;echo ok&&date\nsmbclient -L //server -U alice\nsnmpwalk -v3 -l noAuthNoPriv -u monitor 10.0.0.1 system\n", Text, ""},
		{"a quoted password holding ;", "mysql -p'Ab;cd-Quoted-9' app", Text, "cd-Quoted-9"},
		// sssd and Django settings.
		{"sssd authtok", "ldap_default_authtok = Sssd-B1nd-Tok3n\n", Text, "Sssd-B1nd-Tok3n"},
		{"quiet: authtok type", "ldap_default_authtok_type = password\n", Text, ""},
		// Session 8, second probe.
		{"cookies after the first", "Cookie: PHPSESSID=el4ukv0kqbvoirg7nkp4dncpk3; JSESSIONID=6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D\n", Text, "6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D"},
		{"nginx Authorization header", "proxy_set_header Authorization \"Basic dXNlcjpOZ2lueC1Qcm94eS1Qdw==\";\n", Text, "dXNlcjpOZ2lueC1Qcm94eS1Qdw=="},
		{"quiet: nginx variables and upstreams", "proxy_set_header Authorization $http_authorization;\nproxy_set_header Authorization \"Bearer $jwt_token\";\nproxy_pass http://backend;\nfastcgi_pass unix:/run/php/php-fpm.sock;\nProxyPass http://backend/\n", Text, ""},
		{"PROXY_PASS is a password", "PROXY_PASS=Pr0xy-Passw0rd-1\n", Env, "Pr0xy-Passw0rd-1"},
		{"jwk private member", `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}]}`, JSON, "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"},
		{"jwk symmetric key", `{"kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"}`, JSON, "GawgguFyGrWKav7AX4VKUg"},
		{"jwk in a json line", `{"kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"}` + "\n", JSONLines, "GawgguFyGrWKav7AX4VKUg"},
		{"quiet: d and k without kty", `{"d":"2026-12-01","k":"v","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"}`, JSON, ""},
		{"redis AUTH", "127.0.0.1:6379> AUTH default R3dis-Acl-Pw2\n", Text, "R3dis-Acl-Pw2"},
		{"quiet: redis AUTH errors", "127.0.0.1:6379> AUTH\n(error) ERR wrong number of arguments for 'auth' command\n# AUTH failed: WRONGPASS invalid username-password pair\n", Text, ""},
		{"smtp AUTH PLAIN", "AUTH PLAIN AGJvYgBTM2NyZXQtUGxhaW4=\n", Text, "AGJvYgBTM2NyZXQtUGxhaW4="},
		{"quiet: smtp AUTH mechanism", "AUTH LOGIN\nAUTH CRAM-MD5\n250-AUTH PLAIN LOGIN\n", Text, ""},
		{"7z -p", "7z a -pS3ven-Zip-Pw archive.7z dir/", Text, "S3ven-Zip-Pw"},
		{"openssl passwd", "useradd -m -p $(openssl passwd -6 Usr-Add-Pw9) bob", Text, "Usr-Add-Pw9"},
		{"lftp -u user,pass", "lftp -u deploy,Lftp-Pa55-w0rd sftp://files.example.com", Text, "Lftp-Pa55-w0rd"},
		{"quiet: lftp user only", "lftp -u deploy sftp://files.example.com", Text, ""},
		{"keystore", "KEYSTORE_P12=MIIKRAIBAzCCCf4GCSqGSIb3DQEHAaCCCe8Eggnr\n", Env, "MIIKRAIBAzCCCf4GCSqGSIb3DQEHAaCCCe8Eggnr"},
		{"quiet: keystore type and path", "KEYSTORE_TYPE=PKCS12\nKEYSTORE_PATH=/etc/ssl/private/keystore.p12\nkeyStoreType=JKS\n", Env, ""},
		// Session 8, third probe: programs in YAML lists, a *_pat key.
		{"yaml command list", "spec:\n  containers:\n  - name: a\n    command: [\"docker\", \"exec\", \"db\", \"mysql\", \"-uroot\", \"-pDkr-Args-Pw-2\"]\n", YAML, "Dkr-Args-Pw-2"},
		{"yaml block list", "command:\n- smbclient\n- //srv/share\n- -U\n- alice%Smb-Args-Pw-4\n", YAML, "Smb-Args-Pw-4"},
		{"quiet: yaml command list", "command: [\"mysqladmin\", \"ping\", \"-h\", \"localhost\"]\nargs: [\"mysqld\", \"--port\", \"3306\"]\n", YAML, ""},
		{"toml github_pat", "[github]\ngithub_pat = \"Toml-Pat-Val-6abc\"\n", TOML, "Toml-Pat-Val-6abc"},
		{"quiet: toml path", "[cache]\npath = \"/var/cache/app\"\npattern = \"*.log\"\n", TOML, ""},
		{"quiet: django settings", "SESSION_ENGINE=django.contrib.sessions.backends.db\nPASSWORD_HASHERS=django.contrib.auth.hashers.PBKDF2PasswordHasher\nSESSION_COOKIE_AGE=1209600\n", Env, ""},
	} {
		out, _ := r.Bytes("f", c.kind, []byte(c.in))
		if c.kind == JSON {
			var a, b bytes.Buffer
			if json.Compact(&a, out) == nil && json.Compact(&b, []byte(c.in)) == nil && c.secret == "" {
				out = b.Bytes()
				if a.String() != b.String() {
					out = a.Bytes()
				}
			}
		}
		switch {
		case c.secret == "" && string(out) != c.in:
			t.Errorf("%s: changed:\n  in:  %q\n  out: %q", c.name, c.in, out)
		case c.secret != "" && strings.Contains(string(out), c.secret):
			t.Errorf("%s: %q survives: %q", c.name, c.secret, out)
		}
	}
}

// TestWidenSuffixApplies: the suffix widenSuffix replaces is the one
// gitleaks' token rules end with (a change in gitleaks' generator would
// leave the table's rules unwidened without this test failing otherwise).
func TestWidenSuffixApplies(t *testing.T) {
	n := 0
	for _, d := range vendorTable {
		if widenSuffix(d.Regex) != d.Regex {
			n++
		}
	}
	if n < 100 {
		t.Errorf("widenSuffix changed %d of %d rules: gitleaks' suffix changed?", n, len(vendorTable))
	}
}
