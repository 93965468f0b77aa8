package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/redact/corpus"
)

// session8 are the cases of session 8 (issue #13, branch redact-world),
// added before any rule changed: network and VPN secrets (wpa_supplicant,
// hostapd, FreeRADIUS, strongSwan, WireGuard), personal access tokens
// under *_PAT names, passwords behind a glued shell separator or inside a
// command another runs, SNMP community strings and v3 passphrases, sssd's
// authtok, smbclient's USER%PASSWORD and FreeRDP's /p:. n is the number of
// curated cases before them; pw and crypt64 make throwaway values.
func session8(n int, pw func() string, crypt64 func(int) string) []corpus.Case {
	var out []corpus.Case
	add := func(c corpus.Case) {
		n++
		c.ID = fmt.Sprintf("curated/%03d", n)
		out = append(out, c)
	}
	doc := func(kind, path, input, src string, secrets []string, keep ...string) {
		add(corpus.Case{Shape: "doc", Kind: kind, Path: path, Input: input, Secrets: secrets, Keep: keep, Source: src})
	}
	keyed := func(k, v, src string) { add(corpus.Case{Shape: "keyed", Key: k, Value: v, Source: src}) }

	// Wi-Fi and RADIUS: wpa_supplicant's and hostapd's own example files.
	const (
		srcWpa      = "https://w1.fi/cgit/hostap/plain/wpa_supplicant/wpa_supplicant.conf (psk: an ASCII passphrase in quotes or 64 hex digits; password for EAP)"
		srcWpaIssue = "https://github.com/vanhoefm/krackattacks-scripts/issues/8 (a network block as users post it)"
		srcHostapd  = "https://w1.fi/cgit/hostap/plain/hostapd/hostapd.conf (wpa_passphrase, wpa_psk)"
		srcRadius   = "https://github.com/FreeRADIUS/freeradius-server/blob/master/raddb/clients.conf (client { secret = ... })"
		srcIpsec    = "https://docs.strongswan.org/docs/5.9/config/ipsecSecrets.html ([selectors] : PSK|RSA|EAP secret)"
		srcSwanctl  = "https://docs.strongswan.org/docs/5.9/swanctl/swanctlConf.html (secrets { ike-<suffix> { secret = ... } })"
		srcWg       = "https://man7.org/linux/man-pages/man8/wg.8.html (CONFIGURATION FILE FORMAT EXAMPLE)"
	)
	psk := "Wpa2-" + pw()
	hexPSK := hex.EncodeToString(randBytes(32))
	doc("text", "etc/wpa_supplicant/wpa_supplicant.conf", "ctrl_interface=/var/run/wpa_supplicant\nupdate_config=1\nnetwork={\n        ssid=\"your-ssid\"\n        key_mgmt=WPA-PSK\n        psk=\""+psk+"\"\n}\n",
		srcWpaIssue, []string{psk}, "ssid=\"your-ssid\"", "key_mgmt=WPA-PSK", "update_config=1")
	doc("text", "etc/wpa_supplicant/wpa_supplicant.conf", "network={\n\tssid=\"example\"\n\tscan_ssid=1\n\tkey_mgmt=WPA-PSK\n\tpsk="+hexPSK+"\n\tpriority=5\n}\n",
		srcWpa, []string{hexPSK}, "scan_ssid=1", "priority=5")
	eapPw := pw()
	doc("text", "etc/wpa_supplicant/wpa_supplicant.conf", "network={\n\tssid=\"example\"\n\tkey_mgmt=WPA-EAP\n\teap=PEAP\n\tidentity=\"user@example.com\"\n\tpassword=\""+eapPw+"\"\n\tca_cert=\"/etc/cert/ca.pem\"\n}\n",
		srcWpa, []string{eapPw}, "eap=PEAP", "identity=\"user@example.com\"", "ca_cert=\"/etc/cert/ca.pem\"")
	hp, hpsk := "H0stapd-"+pw(), hex.EncodeToString(randBytes(32))
	doc("text", "etc/hostapd/hostapd.conf", "interface=wlan0\nssid=test\nwpa=2\nwpa_passphrase="+hp+"\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\n", srcHostapd, []string{hp}, "wpa_key_mgmt=WPA-PSK", "rsn_pairwise=CCMP")
	doc("text", "etc/hostapd/hostapd.conf", "wpa=2\nwpa_psk="+hpsk+"\nwpa_psk_file=/etc/hostapd.wpa_psk\n", srcHostapd, []string{hpsk}, "wpa_psk_file=/etc/hostapd.wpa_psk")
	keyed("WIFI_PSK", "Wifi-"+pw(), "https://www.balena.io/docs/reference/OS/network/#wifi-connection-example (wifi-sec psk as an env variable of wifi-connect setups)")
	rs := "Rad1us-" + pw()
	doc("text", "etc/freeradius/3.0/clients.conf", "client private-network-1 {\n\tipaddr\t\t= 192.0.2.0/24\n\tsecret\t\t= "+rs+"\n\tshortname\t= private-network-1\n}\n", srcRadius, []string{rs}, "ipaddr\t\t= 192.0.2.0/24", "shortname\t= private-network-1")
	ip1, ip2, ip3 := "Sw4n-"+pw(), "0s"+crypt64(24)[:32], "Key-Phr4se-"+pw()
	doc("text", "etc/ipsec.secrets", ": PSK \""+ip1+"\"\n", srcIpsec, []string{ip1})
	doc("text", "etc/ipsec.secrets", "192.168.0.1 %any : PSK "+ip2+"\nmoon.strongswan.org : RSA moonKey.pem \""+ip3+"\"\n", srcIpsec, []string{ip2, ip3}, "RSA moonKey.pem", "moon.strongswan.org")
	sw := "0s" + crypt64(24)[:32]
	doc("text", "etc/swanctl/swanctl.conf", "secrets {\n   ike-1 {\n      id-1 = moon.strongswan.org\n      secret = "+sw+"\n   }\n}\n", srcSwanctl, []string{sw}, "id-1 = moon.strongswan.org")
	doc("text", "etc/wireguard/wg0.conf", "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nListenPort = 51820\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 192.95.5.67:1234\nAllowedIPs = 10.192.122.3/32, 10.192.124.1/24\n",
		srcWg, []string{"yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="}, "PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", "ListenPort = 51820", "Endpoint = 192.95.5.67:1234")
	// OpenSSL's pre-shared key flag (the identity next to it is a name).
	opsk := hex.EncodeToString(randBytes(16))
	doc("text", "root/.bash_history", "openssl s_client -connect 10.0.0.5:4433 -psk_identity client1 -psk "+opsk+"\n",
		"https://docs.openssl.org/master/man1/openssl-s_client/ (-psk_identity val, -psk val: the key in hex)", []string{opsk}, "-psk_identity client1", "10.0.0.5:4433")

	// Personal access tokens under *_PAT names (classic GitHub PATs had no
	// prefix; Azure DevOps PATs are 52 base32 letters).
	ado := strings.ToLower(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'a' + (r-'0')%26
		}
		return r
	}, hex.EncodeToString(randBytes(26))))
	for _, k := range []struct{ key, src string }{
		{"GITHUB_PAT", "https://github.com/OHDSI/Broadsea/pull/145 (GITHUB_PAT as a build secret) and https://usethis.r-lib.org/articles/git-credentials.html"},
		{"GH_PAT", "https://github.com/AlexsLemonade/OpenPBTA-analysis/pull/1477 (the GH_PAT env variable)"},
		{"AZURE_DEVOPS_EXT_PAT", "https://learn.microsoft.com/en-us/azure/devops/cli/log-in-via-pat (AZURE_DEVOPS_EXT_PAT)"},
		{"AZURE_DEVOPS_PAT", "https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate"},
		{"ADO_PAT", "https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate (ADO: Azure DevOps)"},
		{"GITLAB_PAT", "https://docs.gitlab.com/user/profile/personal_access_tokens/"},
		{"CREDIMI_EXTRA_PAT", "https://github.com/ForkbombEu/credimi/pull/1160 (--build-arg CREDIMI_EXTRA_PAT=...)"},
	} {
		keyed(k.key, ado, k.src)
	}
	bp := crypt64(30)[:40]
	doc("text", "root/.bash_history", "docker compose build --build-arg CREDIMI_EXTRA_PAT="+bp+" --build-arg PUBLIC_POCKETBASE_URL=\"http://localhost:8090\"\n",
		"https://github.com/ForkbombEu/credimi/pull/1160", []string{bp}, "PUBLIC_POCKETBASE_URL=\"http://localhost:8090\"")

	// Passwords behind a glued shell separator, and programs run by other
	// programs (issue threads on MySQL health checks; the mysql image's
	// README: docker exec some-mysql sh -c 'exec mysqldump ... -p...').
	const (
		srcHealth  = "https://github.com/docker-library/healthcheck/issues/15 (mysqladmin ping -uroot -p... in backticks)"
		srcMyIssue = "https://github.com/docker-library/mysql/issues/196 (while ! mysql -e \"select 1\" -u... -p... >/dev/null 2>&1; do)"
		srcIOT     = "https://github.com/SensorsIot/IOTstack/pull/418 (RESPONSE=$(mysqladmin -p... ping -h localhost))"
		srcMyHub   = "https://hub.docker.com/_/mysql (docker exec some-mysql sh -c 'exec mysqldump --all-databases -uroot -p...')"
	)
	for _, c := range []struct{ line, src string }{
		{"while [[ `mysqladmin ping -uroot -p%s 2>/dev/null` != \"mysqld is alive\" ]] ; do echo Waiting; sleep 1; done", srcHealth},
		{"while ! mysql -e \"select 1\" -uapp -p%s >/dev/null 2>&1; do", srcMyIssue},
		{"RESPONSE=$(mysqladmin -p%s ping -h localhost)", srcIOT},
		{"docker exec some-mysql sh -c 'exec mysqldump --all-databases -uroot -p%s' > /some/path/on/your/host/all-databases.sql", srcMyHub},
		{"docker exec -it db mysql -uroot -p%s -e 'show databases'", srcMyHub},
		{"mysql -uroot -p%s;echo done", "issue #13 (a glued shell separator: mysql -pX;)"},
		{"echo start;mysql -u root -p%s app", "issue #13 (a glued shell separator before the program)"},
		{"true&&mysql -p%s app", "issue #13 (cmd1&&cmd2)"},
		{"cat dump.sql|mysql -uroot -p%s app", "issue #13 (a glued pipe)"},
		{"echo root:%s|chpasswd", "https://man7.org/linux/man-pages/man8/chpasswd.8.html (a glued pipe into chpasswd)"},
		{"(redis-cli -a %s ping)", "https://redis.io/docs/latest/develop/tools/cli/ (in a subshell)"},
	} {
		p := pw()
		doc("text", "root/.bash_history", fmt.Sprintf(c.line, p)+"\n", c.src, []string{p})
	}

	// SNMP: the community string is v1/v2c's password; v3 passphrases.
	const (
		srcSnmpd = "http://www.net-snmp.org/docs/man/snmpd.conf.html (rocommunity COMMUNITY [SOURCE [OID]])"
		srcSnmp  = "http://www.net-snmp.org/docs/man/snmpcmd.html (-c COMMUNITY, -A AUTHPASSWORD, -X PRIVPASSWORD)"
	)
	c1, c2 := "C0mm-"+pw(), "C0mm-"+pw()
	doc("text", "etc/snmp/snmpd.conf", "agentAddress udp:161\nrocommunity "+c1+" 10.0.0.0/8\nrwcommunity "+c2+" localhost\nsysLocation Server Room\n", srcSnmpd, []string{c1, c2}, "agentAddress udp:161", "sysLocation Server Room", "10.0.0.0/8")
	c3, a3, x3 := "C0mm-"+pw(), "Auth-"+pw(), "Priv-"+pw()
	doc("text", "root/.bash_history", "snmpwalk -v2c -c "+c3+" 10.0.0.1 system\nsnmpget -v3 -u admin -l authPriv -a SHA -A "+a3+" -x AES -X "+x3+" 10.0.0.1 sysName.0\n", srcSnmp, []string{c3, a3, x3}, "-u admin", "sysName.0")
	keyed("SNMP_COMMUNITY", "C0mm-"+pw(), srcSnmpd+" (a community string in env)")

	// LDAP clients' bind passwords.
	at := "Sssd-" + pw()
	doc("text", "etc/sssd/sssd.conf", "[domain/example.com]\nid_provider = ldap\nldap_uri = ldap://ldap.example.com\nldap_default_bind_dn = cn=sssd,dc=example,dc=com\nldap_default_authtok_type = password\nldap_default_authtok = "+at+"\n",
		"https://man7.org/linux/man-pages/man5/sssd-ldap.5.html (ldap_default_authtok)", []string{at}, "ldap_default_authtok_type = password", "ldap_uri = ldap://ldap.example.com")
	bp2 := "B1nd-" + pw()
	doc("text", "etc/nslcd.conf", "uri ldap://ldap.example.com/\nbase dc=example,dc=com\nbinddn cn=nslcd,dc=example,dc=com\nbindpw "+bp2+"\n", "https://linux.die.net/man/5/nslcd.conf (bindpw PASSWORD)", []string{bp2}, "base dc=example,dc=com")

	// Windows shares and desktops.
	sm, rd := pw(), pw()
	doc("text", "root/.bash_history", "smbclient //server/share -U alice%"+sm+" -c 'ls'\n", "https://www.samba.org/samba/docs/current/man-html/smbclient.1.html (-U|--user=[DOMAIN\\]USERNAME[%PASSWORD])", []string{sm}, "//server/share")
	doc("text", "root/.bash_history", "xfreerdp /v:10.0.0.7 /u:Administrator /p:"+rd+" /cert:ignore\n", "https://github.com/FreeRDP/FreeRDP/wiki/CommandLineInterface (/p:<password>)", []string{rd}, "/u:Administrator", "/cert:ignore")
	keyed("ENCRYPT_KEY", crypt64(24)[:32], "https://docs.strapi.io/cms/configurations/environment (an encryption key in env, as ENCRYPTION_KEY/ENCRYPT_KEY)")

	// Second probe: HTTP cookies and headers in server configs, JSON Web
	// Keys, Redis AUTH, more programs' password flags, keystores.
	const srcCookie = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Cookie (Cookie: name=value; name2=value2)"
	sid1, sid2 := hex.EncodeToString(randBytes(13)), strings.ToUpper(hex.EncodeToString(randBytes(16)))
	doc("text", "logs/app.log", "GET /api HTTP/1.1\r\nHost: api.example.com\r\nCookie: PHPSESSID="+sid1+"; JSESSIONID="+sid2+"\r\n", srcCookie, []string{sid1, sid2}, "Host: api.example.com")
	lv := "eyJpdiI6I" + crypt64(30)[:40]
	doc("text", "logs/app.log", "Cookie: _ga=GA1.2.1; laravel_session="+lv+"; remember_token="+hex.EncodeToString(randBytes(16))+"\n",
		"https://laravel.com/docs/11.x/session#configuration (the laravel_session cookie)", []string{lv})
	basic := base64Std("deploy:" + pw())
	doc("text", "etc/nginx/conf.d/upstream.conf", "location /api/ {\n    proxy_pass http://backend;\n    proxy_set_header Authorization \"Basic "+basic+"\";\n    proxy_set_header Host $host;\n}\n",
		"https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header (a fixed Authorization header to an upstream)", []string{basic}, "proxy_pass http://backend;", "proxy_set_header Host $host;")
	bt := crypt64(30)[:40]
	doc("text", "etc/apache2/sites-enabled/proxy.conf", "<Location /api>\n  RequestHeader set Authorization \"Bearer "+bt+"\"\n  ProxyPass http://backend/\n</Location>\n",
		"https://httpd.apache.org/docs/2.4/mod/mod_headers.html#requestheader", []string{bt}, "ProxyPass http://backend/")
	doc("text", "etc/nginx/conf.d/pass.conf", "proxy_set_header Authorization $http_authorization;\nproxy_set_header Authorization \"Bearer $jwt_token\";\n",
		"https://nginx.org/en/docs/http/ngx_http_core_module.html#var_http_ (variables, not credentials)", nil, "proxy_set_header Authorization $http_authorization;", "\"Bearer $jwt_token\"")
	// RFC 7517 Appendix A.2 (example private keys) and A.3 (symmetric keys).
	const srcJWK = "https://www.rfc-editor.org/rfc/rfc7517#appendix-A.2 (Example Private Keys) and #appendix-A.3 (Example Symmetric Keys)"
	doc("json", "etc/app/jwks.json", `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE","use":"enc","kid":"1"},{"kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"},{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","kid":"HMAC key used in JWS spec Appendix A.1 example"}]}`,
		srcJWK, []string{"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE", "GawgguFyGrWKav7AX4VKUg", "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"},
		"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM", "A128KW")
	doc("json", "etc/app/public-jwks.json", `{"keys":[{"kty":"RSA","use":"sig","kid":"2011-04-29","alg":"RS256","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","kid":"1"}],"d":"2026-12-01"}`,
		"https://www.rfc-editor.org/rfc/rfc7517#appendix-A.1 (Example Public Keys: no private members)", nil, "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W", "2011-04-29", "2026-12-01")
	ra, rb := pw(), pw()
	doc("text", "logs/redis-cli.log", "127.0.0.1:6379> AUTH "+ra+"\nOK\n127.0.0.1:6379> AUTH default "+rb+"\nOK\n127.0.0.1:6379> AUTH\n(error) ERR wrong number of arguments for 'auth' command\n",
		"https://redis.io/docs/latest/commands/auth/ (AUTH [username] password)", []string{ra, rb}, "(error) ERR wrong number of arguments for 'auth' command")
	for _, c := range []struct{ line, src string }{
		{"7z a -p%s -mhe=on backup.7z /srv/data", "https://7-zip.opensource.jp/chm/cmdline/switches/password.htm (-p{Password})"},
		{"unrar x -p%s archive.rar /tmp/out/", "https://manpages.debian.org/unstable/unrar/unrar.1.en.html (-p<pwd>)"},
		{"openssl enc -aes-256-cbc -pbkdf2 -k %s -in db.sql -out db.sql.enc", "https://docs.openssl.org/master/man1/openssl-enc/ (-k password)"},
		{"useradd -m -p $(openssl passwd -6 %s) deploy", "https://docs.openssl.org/master/man1/openssl-passwd/ (openssl passwd [-1|-5|-6] password)"},
		{"ssh-keygen -t ed25519 -N '%s' -f /root/.ssh/id_ed25519", "https://man.openbsd.org/ssh-keygen.1 (-N new_passphrase)"},
		{"lftp -u deploy,%s sftp://files.example.com", "https://lftp.yar.ru/lftp-man.html (-u user[,pass])"},
		{"rabbitmqadmin -u admin -p %s list queues", "https://www.rabbitmq.com/docs/management-cli (-u USERNAME -p PASSWORD)"},
	} {
		p := pw()
		doc("text", "root/.bash_history", fmt.Sprintf(c.line, p)+"\n", c.src, []string{p})
	}
	ks := "MIIKRAIBAzCCCf4GCSqGSIb3DQEHAaCCCe8EggnrMIIJ5zCCBg8GCSqGSIb3DQEHAaCCBgAEggX8MIIF+DCCBfQGCyqGSIb3DQEMCgECoIIE/jCCBPowHAYKKoZIhvcNAQwBAzAOBAh" + base64Std(string(randBytes(60)))
	keyed("KEYSTORE_P12", ks, "https://www.rfc-editor.org/rfc/rfc7292 (PKCS #12 PFX: SEQUENCE { version 3, ... }, base64 in a variable as CI systems pass keystores)")
	keyed("ANDROID_KEYSTORE", ks, "https://developer.android.com/studio/publish/app-signing#secure-shared-keystore (a keystore passed to CI)")

	// Third probe: known programs in a Pod's command list (YAML), and a
	// *_pat key in a TOML table (a key that is only "pat" is left open: the
	// line scan would have to wake on every "path").
	for _, c := range []struct{ argv, src string }{
		{`["docker", "exec", "db", "mysql", "-uroot", "-p%s"]`, srcMyHub},
		{`["mysqladmin", "ping", "-h", "localhost", "-uroot", "-p%s"]`, "https://github.com/LondheShubham153/django-notes-app/pull/168 (a compose healthcheck test list: mysqladmin ping ... -u... -p...)"},
		{`["smbclient", "//srv/share", "-U", "alice%%%s"]`, "https://www.samba.org/samba/docs/current/man-html/smbclient.1.html"},
		{`["snmpwalk", "-v2c", "-c", "%s", "10.0.0.1"]`, srcSnmp},
	} {
		p := pw()
		doc("yaml", "k8s/pods/tools.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tools\nspec:\n  containers:\n  - name: tools\n    image: busybox\n    command: "+fmt.Sprintf(c.argv, p)+"\n", c.src, []string{p}, "name: tools", "image: busybox")
	}
	tp := crypt64(30)[:40]
	doc("toml", "etc/app/config.toml", "[github]\nuser = \"ci-bot\"\ngithub_pat = \""+tp+"\"\n", "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens (a PAT in a tool's config)", []string{tp}, "user = \"ci-bot\"")
	// RFC 4954's own example of SMTP AUTH PLAIN (section 4): the base64
	// is authzid NUL authcid NUL password.
	doc("text", "logs/postfix.log", "S: 220-smtp.example.com ESMTP Server\nC: EHLO client.example.com\nS: 250-smtp.example.com Hello client.example.com\nS: 250-AUTH GSSAPI DIGEST-MD5 PLAIN\nC: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=\nS: 235 2.7.0 Authentication successful\n",
		"https://www.rfc-editor.org/rfc/rfc4954#section-4 (AUTH PLAIN example)", []string{"dGVzdAB0ZXN0ADEyMzQ="}, "250-AUTH GSSAPI DIGEST-MD5 PLAIN", "235 2.7.0 Authentication successful")
	// A JWK printed as a JSON log record (an identity provider logging the
	// key it generated): the JSON-lines path must not keep it as written.
	doc("jsonl", "logs/pods/idp/keys/0.log.jsonl", `{"level":"info","msg":"rotated","kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"}`+"\n",
		srcJWK, []string{"GawgguFyGrWKav7AX4VKUg"}, `"msg":"rotated"`)
	return out
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
