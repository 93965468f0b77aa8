package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/redact/corpus"
)

// world3 are the cases of session 9 (branch redact-world3), added before
// any rule changed: the open list of session 8 (a key that is only "pat",
// armoured key blocks other than PEM's PRIVATE KEY, password files known
// by their shape, Kafka JAAS, snmpd, HTTP Digest, JWKs inside strings,
// prose, escapes spelled inside a quoted value), then shapes found in
// issue threads and other scanners' rule sets: keytool and sqlplus
// command lines, kubeadm's certificate key, swarm and k3s join tokens,
// passwords printed by containers at first start, UUID-valued tokens,
// lowercase vendor tokens gitleaks has no rule for. n is the number of
// curated cases before them; pw makes throwaway passwords.
func world3(n int, pw func() string) []corpus.Case {
	var out []corpus.Case
	add := func(c corpus.Case) {
		n++
		c.ID = fmt.Sprintf("curated/%03d", n)
		out = append(out, c)
	}
	doc := func(kind, path, input, src string, secrets []string, keep ...string) {
		add(corpus.Case{Shape: "doc", Kind: kind, Path: path, Input: input, Secrets: secrets, Keep: keep, Source: src})
	}
	// fileDoc is a file whose format only its name tells (corpus.Case.FileOnly).
	fileDoc := func(path, input, src string, secrets []string, keep ...string) {
		add(corpus.Case{Shape: "doc", Kind: "text", Path: path, Input: input, Secrets: secrets, Keep: keep, Source: src, FileOnly: true})
	}
	keyed := func(k, v, src string) { add(corpus.Case{Shape: "keyed", Key: k, Value: v, Source: src}) }
	tok := func(v, src string) { add(corpus.Case{Shape: "token", Value: v, Source: src}) }
	hexN := func(n int) string { return hex.EncodeToString(randBytes(n)) }
	// pick is n random bytes of alphabet.
	pick := func(alphabet string, n int) string {
		b := randBytes(n)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		return string(b)
	}
	lowerAlnum := func(n int) string { return pick("abcdefghijklmnopqrstuvwxyz0123456789", n) }
	mixed := func(n int) string { return pick("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n) }
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(randBytes(n)) }
	b64lines := func(nbytes, width int) []string {
		s := base64.StdEncoding.EncodeToString(randBytes(nbytes))
		var ls []string
		for len(s) > width {
			ls = append(ls, s[:width])
			s = s[width:]
		}
		return append(ls, s)
	}

	// A key that is only "pat" (GitHub's and Azure DevOps' docs name the
	// secret PAT: `${{ secrets.PAT }}`, `echo $PAT | az devops login`).
	ado := lowerAlnum(52)
	const srcPAT = "https://learn.microsoft.com/en-us/azure/devops/cli/log-in-via-pat (a PAT piped from a variable) and https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions (secrets.PAT in workflows)"
	keyed("PAT", ado, srcPAT)
	doc("yaml", "etc/app/azure-devops.yaml", "organization: https://dev.azure.com/contoso\nproject: web\npat: "+ado+"\n", srcPAT, []string{ado}, "organization: https://dev.azure.com/contoso")

	// Armoured blocks that are not PEM PRIVATE KEYs.
	var ovpn []string
	for range 16 {
		ovpn = append(ovpn, hexN(16))
	}
	const srcOVPN = "https://github.com/partout-io/tunnelkit/issues/208 (a <tls-crypt> block pasted in an issue) and https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/ (--secret, --tls-auth, --tls-crypt static keys)"
	doc("text", "etc/openvpn/ta.key", "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n"+strings.Join(ovpn, "\n")+"\n-----END OpenVPN Static key V1-----\n", srcOVPN, ovpn, "2048 bit OpenVPN static key")
	ovpn2 := []string{hexN(16), hexN(16), hexN(16), hexN(16)}
	doc("text", "etc/openvpn/client.ovpn", "client\ndev tun\nremote vpn.example.com 1194 udp\nkey-direction 1\n<tls-crypt>\n-----BEGIN OpenVPN Static key V1-----\n"+strings.Join(ovpn2, "\n")+"\n-----END OpenVPN Static key V1-----\n</tls-crypt>\n", srcOVPN, ovpn2, "remote vpn.example.com 1194 udp", "key-direction 1")
	pgp := b64lines(300, 64)
	doc("text", "root/private.asc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"+strings.Join(pgp, "\n")+"\n=Xk3q\n-----END PGP PRIVATE KEY BLOCK-----\n",
		"https://www.rfc-editor.org/rfc/rfc4880#section-6.2 (ASCII armor: BEGIN PGP PRIVATE KEY BLOCK)", pgp[:len(pgp)-1])
	ssh2 := b64lines(240, 70)
	doc("text", "root/.ssh/id_rsa.ssh2", "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"rsa-key-20261124\"\n"+strings.Join(ssh2, "\n")+"\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n",
		"https://the.earth.li/~sgtatham/putty/0.81/htmldoc/Chapter8.html#puttygen-conversions (ssh.com's private key format, exported by PuTTYgen)", ssh2[:len(ssh2)-1], "rsa-key-20261124")
	age := "AGE-SECRET-KEY-1" + pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58) // bech32, upper case
	doc("text", "root/.config/sops/age/keys.txt", "# created: 2026-11-24T21:05:07+01:00\n# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n"+age+"\n",
		"https://github.com/FiloSottile/age#readme (age-keygen's key file) and https://github.com/getsops/sops#encrypting-using-age", []string{age}, "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
	ppk := b64lines(180, 64)
	doc("text", "root/keys/deploy.ppk", "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: aes256-cbc\nComment: imported-openssh-key\nPublic-Lines: 2\nAAAAB3NzaC1yc2EAAAADAQABAAABAQC7\nvbqajDhA0n6Qdx2K\nPrivate-Lines: "+fmt.Sprint(len(ppk))+"\n"+strings.Join(ppk, "\n")+"\nPrivate-MAC: 5b1c0a6e7d\n",
		"https://the.earth.li/~sgtatham/putty/0.81/htmldoc/AppendixC.html (PPK version 2, encrypted)", ppk[:len(ppk)-1], "Comment: imported-openssh-key")
	wgk, wgp := base64.StdEncoding.EncodeToString(randBytes(32)), base64.StdEncoding.EncodeToString(randBytes(32))
	doc("text", "etc/NetworkManager/system-connections/wg0.nmconnection", "[connection]\nid=wg0\ntype=wireguard\n\n[wireguard]\nprivate-key="+wgk+"\n\n[wireguard-peer.xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=]\nendpoint=192.95.5.67:1234\npreshared-key="+wgp+"\npreshared-key-flags=0\n",
		"https://networkmanager.dev/docs/api/latest/settings-wireguard.html (private-key, peers' preshared-key)", []string{wgk, wgp}, "endpoint=192.95.5.67:1234", "preshared-key-flags=0")

	// Password files known by their shape.
	p1, p2, p3 := pw(), pw(), pw()
	fileDoc("root/.pgpass", "db.example.com:5432:orders:app:"+p1+"\n*:*:*:replicator:"+p2+"\nlocalhost:5432:*:postgres:"+p3+"\n",
		"https://www.postgresql.org/docs/current/libpq-pgpass.html (hostname:port:database:username:password)", []string{p1, p2, p3}, "db.example.com:5432:orders:app:")
	r1, r2 := pw(), pw()
	fileDoc("etc/rsyncd.secrets", "backup:"+r1+"\nmirror:"+r2+"\n", "https://download.samba.org/pub/rsync/rsyncd.conf.5 (secrets file: username:password lines)", []string{r1, r2})
	c1 := pw()
	fileDoc("etc/ppp/chap-secrets", "# Secrets for authentication using CHAP\n# client\tserver\tsecret\t\t\tIP addresses\n\"vpnuser\"\tpptpd\t\""+c1+"\"\t*\n",
		"https://ppp.samba.org/pppd.html (AUTHENTICATION: client server secret [addresses])", []string{c1}, "# client\tserver\tsecret\t\t\tIP addresses")
	s1 := pw()
	fileDoc("etc/postfix/sasl_passwd", "[smtp.gmail.com]:587 relay.user@gmail.com:"+s1+"\n", "https://www.postfix.org/SASL_README.html#client_sasl_enable ([mail.isp.example] username:password)", []string{s1}, "[smtp.gmail.com]:587")
	scram := "SCRAM-SHA-256$4096:" + base64.StdEncoding.EncodeToString(randBytes(16)) + "$" + base64.StdEncoding.EncodeToString(randBytes(32)) + ":" + base64.StdEncoding.EncodeToString(randBytes(32))
	md5 := "md5" + hexN(16)
	pb := pw()
	fileDoc("etc/pgbouncer/userlist.txt", "\"test\" \""+scram+"\"\n\"app\" \""+md5+"\"\n\"bob\" \""+pb+"\"\n",
		"https://github.com/pgbouncer/pgbouncer/issues/460 (a userlist.txt pasted in an issue) and https://www.pgbouncer.org/config.html#authentication-file-format", []string{scram[len("SCRAM-SHA-256$4096:"):], md5[3:], pb})
	m6 := "$6$" + base64.StdEncoding.EncodeToString(randBytes(12)) + "$" + base64.StdEncoding.EncodeToString(randBytes(64))
	m7 := "$7$101$" + base64.StdEncoding.EncodeToString(randBytes(12)) + "$" + base64.StdEncoding.EncodeToString(randBytes(64))
	doc("text", "etc/mosquitto/passwd", "test:"+m6+"\nsensor:"+m7+"\n",
		"https://github.com/eclipse-mosquitto/mosquitto/issues/1025 (a $6$ line pasted) and https://mosquitto.org/man/mosquitto_passwd-1.html ($7$: PBKDF2-SHA512, 101 iterations)", []string{m6[3:], m7[7:]})
	sha := base64.StdEncoding.EncodeToString(randBytes(20))
	ssha := base64.StdEncoding.EncodeToString(randBytes(24))
	doc("text", "etc/nginx/.htpasswd", "admin:{SHA}"+sha+"\nops:{SSHA}"+ssha+"\n", "https://httpd.apache.org/docs/2.4/misc/password_encryptions.html (SHA: {SHA} + base64 SHA-1)", []string{sha, ssha})
	ldif := base64.StdEncoding.EncodeToString([]byte("{SSHA}" + base64.StdEncoding.EncodeToString(randBytes(24))))
	doc("text", "etc/ldap/users.ldif", "dn: uid=jdoe,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: jdoe\nuserPassword:: "+ldif+"\n",
		"https://www.openldap.org/doc/admin26/security.html#SSHA%20password%20storage%20scheme (userPassword; LDIF's :: is base64, RFC 2849)", []string{ldif}, "uid: jdoe", "objectClass: inetOrgPerson")

	// Directives of particular servers.
	k1, k2, k3 := pw(), pw(), pw()
	doc("text", "etc/kafka/kafka_server_jaas.conf", "KafkaServer {\n    org.apache.kafka.common.security.plain.PlainLoginModule required\n    username=\"admin\"\n    password=\""+k1+"\"\n    user_admin=\""+k1+"\"\n    user_alice=\""+k2+"\"\n    user_bob=\""+k3+"\";\n};\n",
		"https://github.com/apache/kafka/pull/1232 (docs/security.html: user_<name>=\"<password>\")", []string{k1, k2, k3}, "username=\"admin\"")
	cs, ap, pp := "c0mm-"+lowerAlnum(10), pw(), pw()
	doc("text", "etc/snmp/snmpd.conf", "com2sec readonly  default         "+cs+"\ngroup MyROGroup v2c readonly\ncreateUser myuser SHA \""+ap+"\" AES \""+pp+"\"\nrouser myuser\n",
		"http://www.net-snmp.org/docs/man/snmpd.conf.html (com2sec NAME SOURCE COMMUNITY; createUser USER SHA authpass AES privpass)", []string{cs, ap, pp}, "group MyROGroup v2c readonly", "rouser myuser")
	dr := hexN(16)
	doc("text", "logs/curl-verbose.log", "> GET /index.html HTTP/1.1\n> Host: 10.5.5.5:8088\n> Authorization: Digest username=\"testuser\", realm=\"testrealm\", nonce=\"1612605593\", uri=\"/index.html\", algorithm=MD5-sess, response=\""+dr+"\", qop=auth, nc=00000001, cnonce=\"857f4dc494594d51\"\n< HTTP/1.1 200 OK\n",
		"https://github.com/curl/curl/pull/9074 (a Digest Authorization header in a request dump)", []string{dr}, "> Host: 10.5.5.5:8088", "< HTTP/1.1 200 OK")
	jk := base64.RawURLEncoding.EncodeToString(randBytes(32))
	doc("text", "logs/pods/idp/app/0.log", "2026-11-24T21:05:07.123456789Z stdout F level=info msg=\"signing key loaded\" jwk=\"{\\\"kty\\\":\\\"oct\\\",\\\"alg\\\":\\\"HS256\\\",\\\"k\\\":\\\""+jk+"\\\"}\"\n",
		"https://www.rfc-editor.org/rfc/rfc7517#appendix-A.3 (a symmetric JWK; here quoted into a logfmt value)", []string{jk}, "signing key loaded")
	jd := base64.RawURLEncoding.EncodeToString(randBytes(32))
	doc("jsonl", "docker/containers/idp-json.log.jsonl", `{"log":"{\"level\":\"info\",\"msg\":\"generated\",\"key\":\"{\\\"kty\\\":\\\"EC\\\",\\\"crv\\\":\\\"P-256\\\",\\\"x\\\":\\\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\\\",\\\"d\\\":\\\"`+jd+`\\\"}\"}\n","stream":"stdout","time":"2026-11-24T21:05:07.123456789Z"}`+"\n",
		"https://www.rfc-editor.org/rfc/rfc7517#appendix-A.2 (an EC private JWK, here a JSON string inside a JSON log line)", []string{jd}, "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4")

	// Passwords containers print on first start (docker logs, CRI logs).
	mr := b64(24)
	doc("text", "logs/pods/db/mysql/0.log", "2026-11-24T21:05:07.123456789Z stdout F 2026-11-24 21:05:07+00:00 [Note] [Entrypoint]: GENERATED ROOT PASSWORD: "+mr+"\n",
		"https://github.com/docker-library/mysql/blob/master/8.0/docker-entrypoint.sh (mysql_note \"GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD\")", []string{mr}, "[Entrypoint]: GENERATED ROOT PASSWORD:")
	jp := hexN(16)
	doc("text", "logs/pods/ci/jenkins/0.log", "*************************************************************\n\nJenkins initial setup is required. An admin user has been created and a password generated.\nPlease use the following password to proceed to installation:\n\n"+jp+"\n\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword\n\n*************************************************************\n",
		"https://www.jenkins.io/doc/book/installing/docker/#setup-wizard (the password in the container's log)", []string{jp}, "This may also be found at: /var/jenkins_home/secrets/initialAdminPassword")
	ep := mixed(14) + "*" + mixed(5)
	doc("text", "logs/pods/search/es/0.log", "✅ Elasticsearch security features have been automatically configured!\n\nℹ️  Password for the elastic user (reset with `bin/elasticsearch-reset-password -u elastic`):\n  "+ep+"\n\nℹ️  HTTP CA certificate SHA-256 fingerprint:\n  3c7c2a3e1d0b9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706\n",
		"https://www.elastic.co/guide/en/elasticsearch/reference/current/docker.html (the elastic user's password printed at first start)", []string{ep}, "3c7c2a3e1d0b9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706")
	rp := lowerAlnum(20)
	doc("text", "logs/rancher.log", "2026/11/24 21:05:07 [INFO] Bootstrap Password: "+rp+"\n",
		"https://ranchermanager.docs.rancher.com/getting-started/installation-and-upgrade/other-installation-methods/rancher-on-a-single-node-with-docker (docker logs container 2>&1 | grep \"Bootstrap Password:\")", []string{rp})
	afp := mixed(16)
	doc("text", "logs/airflow-standalone.log", "standalone | \nstandalone | Airflow is ready\nstandalone | Login with username: admin  password: "+afp+"\nstandalone | Airflow Standalone is for development purposes only. Do not use this in production!\n",
		"https://airflow.apache.org/docs/apache-airflow/stable/start.html (standalone prints the admin login)", []string{afp}, "Login with username: admin")
	const srcProse = "https://github.com/vshulcz/deja-vu/pull/3730 (\"also the admin password is hunter2-not-a-real-password, do not put it in code\": a password stated in prose)"
	pr, pr2 := "hunter2-"+pw(), pw()
	doc("text", "logs/agent-transcript.txt", "also the admin password is "+pr+", do not put it in code\n", srcProse, []string{pr}, "do not put it in code")
	doc("text", "logs/agent-transcript.txt", "[21:05] alice: the staging db password is "+pr2+" until Friday\n", srcProse, []string{pr2}, "until Friday")

	// Terminal escapes spelled inside a quoted value (logfmt's quoting of
	// a coloured key: go-logfmt and logrus quote with Go's escapes).
	e1, e2 := pw(), pw()
	const srcEsc = "https://github.com/sirupsen/logrus/blob/master/text_formatter.go (keys coloured with \\x1b[36m) and https://github.com/go-logfmt/logfmt/blob/main/encode.go (values quoted with Go escapes)"
	doc("text", "logs/pods/web/app/0.log", "2026-11-24T21:05:07.123456789Z stdout F time=\"2026-11-24T21:05:07Z\" level=info msg=\"\\x1b[36mpassword\\x1b[0m="+e1+"\"\n", srcEsc, []string{e1})
	doc("text", "logs/pods/web/app/1.log", "2026-11-24T21:05:07.123456789Z stdout F level=info msg=\"config: \\u001b[36mtoken\\u001b[0m="+e2+" \\u001b[36mport\\u001b[0m=8080\"\n", srcEsc, []string{e2}, "port")

	// Command lines from issue threads.
	ks1, ks2 := pw(), pw()
	doc("text", "root/.bash_history", "keytool -genkeypair -alias mytestkey -keyalg RSA -keypass "+ks1+" -keystore server.jks -storepass "+ks2+"\n",
		"https://github.com/spring-cloud/spring-cloud-config/issues/1380 (keytool ... -keypass changeme -keystore server.jks -storepass letmein)", []string{ks1, ks2})
	ks3, ks4 := pw(), pw()
	doc("text", "root/.bash_history", "keytool -importkeystore -destkeystore app.jks -deststorepass "+ks3+" -srckeystore identity.p12 -srcstoretype PKCS12 -srcstorepass "+ks4+"\n",
		"https://github.com/CyberSource/cybersource-plugins-salesforceb2ccommerce/issues/30 (keytool -importkeystore ... -deststorepass ... -srcstorepass ...)", []string{ks3, ks4}, "-srcstoretype PKCS12")
	sq1, sq2 := pw(), pw()
	doc("text", "root/.bash_history", "sqlplus system/"+sq1+"@//localhost:1521/XEPDB1\nsqlplus sys/"+sq2+"@orcl as sysdba\n",
		"https://github.com/oracle/docker-images/pull/2588 (sqlplus sys/<your password>@//localhost:1521/<service> as sysdba)", []string{sq1, sq2}, "localhost:1521/XEPDB1")
	ck := hexN(32)
	doc("text", "logs/kubeadm-init.log", "You can now join any number of the control-plane node running the following command on each as root:\n\n  kubeadm join apiserver.cluster.local:6443 --token kly2r1.fsakderiys0a7idn \\\n    --discovery-token-ca-cert-hash sha256:c33fd6c9271e1269170d448bd48352d8bb45c85cecd2015c37905e9dcfc84ee2 \\\n    --control-plane --certificate-key "+ck+"\n\nPlease note that the certificate-key gives access to cluster sensitive data, keep it secret!\n",
		"https://github.com/labring/sealos/issues/409 (kubeadm init's output pasted) and https://github.com/kubernetes/kubeadm/issues/1974", []string{ck, "fsakderiys0a7idn"}, "sha256:c33fd6c9271e1269170d448bd48352d8bb45c85cecd2015c37905e9dcfc84ee2")
	ck2 := hexN(32)
	doc("text", "logs/kubeadm-upload-certs.log", "[upload-certs] Storing the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace\n[upload-certs] Using certificate key:\n"+ck2+"\n",
		"https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-init-phase/#cmd-phase-upload-certs (kubeadm init phase upload-certs --upload-certs prints the key)", []string{ck2}, "[upload-certs] Using certificate key:")
	keyed("CERTIFICATE_KEY", hexN(32), "https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/ (--certificate-key: \"Key used to decrypt the certificate secrets uploaded by init\")")
	as := b64(30)
	doc("text", "root/.bash_history", "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\naws configure set aws_secret_access_key "+as+"\n",
		"https://docs.aws.amazon.com/cli/latest/reference/configure/set.html (aws configure set aws_secret_access_key ...)", []string{as})
	as2, st := b64(30), "IQoJb3JpZ2luX2VjE"+b64(120)
	doc("text", "logs/assume-role.txt", "CREDENTIALS\tASIAQWERTYUIOPASDFGH\t2026-11-24T22:05:07+00:00\t"+as2+"\t"+st+"\n",
		"https://docs.aws.amazon.com/cli/latest/reference/sts/assume-role.html (Credentials: AccessKeyId, Expiration, SecretAccessKey, SessionToken; --output text prints them in one row)", []string{as2, st})
	wf := pw()
	doc("text", "root/.bash_history", "nmcli device wifi connect HomeNet password "+wf+"\n", "https://networkmanager.dev/docs/api/latest/nmcli.html (nmcli device wifi connect (B)SSID [password password])", []string{wf}, "nmcli device wifi connect HomeNet")
	cp := pw()
	doc("text", "root/.bash_history", "curl -U proxyuser:"+cp+" -x http://proxy.example.com:3128 https://example.com/\n", "https://curl.se/docs/manpage.html#-U (--proxy-user <user:password>)", []string{cp}, "http://proxy.example.com:3128")

	// Join tokens of clusters.
	sw := "SWMTKN-1-" + lowerAlnum(50) + "-" + lowerAlnum(25)
	const srcSwarm = "https://github.com/moby/moby/pull/25611 (docker swarm join --token SWMTKN-1-...) and https://docs.docker.com/reference/cli/docker/swarm/join-token/ (join-token -q prints the token alone)"
	tok(sw, srcSwarm)
	sk := "SWMKEY-1-" + mixed(43)
	doc("text", "logs/swarm-init.log", "Swarm initialized: current node (dxn1zf6l61qsb1josjja83ngz) is now a manager.\n\nTo unlock a swarm manager after it restarts, run the `docker swarm unlock`\ncommand and provide the following key:\n\n    "+sk+"\n",
		"https://docs.docker.com/engine/swarm/swarm_manager_locking/ (the unlock key printed by docker swarm init --autolock)", []string{sk}, "dxn1zf6l61qsb1josjja83ngz")
	k3s := "K10" + hexN(32) + "::server:" + hexN(16)
	tok(k3s, "https://github.com/rancher/docs/pull/3580 (K10<ca-hash>::<username>:<password>) and https://github.com/kubestellar/kubeflex/pull/513 (/var/lib/rancher/k3s/server/node-token)")
	bt := lowerAlnum(6) + "." + lowerAlnum(16)
	doc("text", "logs/kubeadm-token-list.log", "TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION                                                EXTRA GROUPS\n"+bt+"   23h         2026-11-25T21:05:07Z   authentication,signing   The default bootstrap token generated by 'kubeadm init'.   system:bootstrappers:kubeadm:default-node-token\n",
		"https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-token/ (kubeadm token list; tokens are [a-z0-9]{6}.[a-z0-9]{16})", []string{bt}, "authentication,signing", "system:bootstrappers:kubeadm:default-node-token")

	// Tokens gitleaks has no rule for, from trufflehog's detectors.
	tok("sbp_"+lowerAlnum(40), "https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors/supabasetoken (\\bsbp_[a-z0-9]{40}\\b)")
	tok("bkua_"+hexN(20), "https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors/buildkitev2 (bkua_[a-z0-9]{40})")
	tok("lsv2_pt_"+hexN(16)+"_"+hexN(5), "https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors/langsmith (lsv2_(pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})")
	tok("tskey-auth-k"+mixed(10)+"CNTRL-"+mixed(32), "https://tailscale.com/kb/1085/auth-keys (tskey-auth-...) and https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors/tailscale")
	tok("ya29.a0"+strings.NewReplacer("+", "-", "/", "_").Replace(base64.RawStdEncoding.EncodeToString(randBytes(120))), "https://developers.google.com/identity/protocols/oauth2 (access tokens ya29.*) and https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors/googleoauth2")

	// Tokens that are UUIDs, under their products' own names.
	uuid := func() string {
		h := hexN(16)
		return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
	}
	keyed("CONSUL_HTTP_TOKEN", uuid(), "https://developer.hashicorp.com/consul/commands#consul_http_token (an ACL token's SecretID, a UUID)")
	keyed("NOMAD_TOKEN", uuid(), "https://developer.hashicorp.com/nomad/docs/commands#nomad_token (the ACL token's secret ID)")
	keyed("HEROKU_API_KEY", uuid(), "https://devcenter.heroku.com/articles/authentication#api-token-storage (a UUID API key)")
	ct := uuid()
	doc("text", "root/.bash_history", "curl -H \"X-Consul-Token: "+ct+"\" http://127.0.0.1:8500/v1/agent/members\n", "https://developer.hashicorp.com/consul/api-docs/api-structure#authentication (X-Consul-Token header)", []string{ct}, "http://127.0.0.1:8500/v1/agent/members")

	// Keys named for what they do.
	ge := base64.StdEncoding.EncodeToString(randBytes(32))
	doc("json", "etc/consul.d/consul.json", `{"datacenter":"dc1","data_dir":"/opt/consul","encrypt":"`+ge+`","server":true}`,
		"https://developer.hashicorp.com/consul/docs/security/encryption/gossip (the encrypt key in the agent's config)", []string{ge}, "/opt/consul")
	ge2 := base64.StdEncoding.EncodeToString(randBytes(32))
	doc("text", "etc/nomad.d/server.hcl", "server {\n  enabled          = true\n  bootstrap_expect = 3\n  encrypt          = \""+ge2+"\"\n}\n",
		"https://developer.hashicorp.com/nomad/docs/configuration/server#encrypt (the gossip encryption key)", []string{ge2}, "bootstrap_expect = 3")
	wpSalt := func() string {
		return strings.NewReplacer("/", "|", "+", "{").Replace(base64.StdEncoding.EncodeToString(randBytes(48)))
	}
	wk1, wk2, wk3 := wpSalt(), wpSalt(), wpSalt()
	doc("text", "var/www/html/wp-config.php", "define( 'DB_NAME', 'wordpress' );\ndefine( 'LOGGED_IN_KEY', '"+wk1+"' );\ndefine( 'NONCE_KEY', '"+wk2+"' );\ndefine( 'LOGGED_IN_SALT', '"+wk3+"' );\n",
		"https://api.wordpress.org/secret-key/1.1/salt/ (the keys and salts of wp-config.php)", []string{wk1, wk2, wk3}, "define( 'DB_NAME', 'wordpress' );")
	keyed("WORDPRESS_NONCE_KEY", wpSalt(), "https://hub.docker.com/_/wordpress (WORDPRESS_AUTH_KEY, ..., WORDPRESS_NONCE_KEY, WORDPRESS_NONCE_SALT)")
	keyed("WORDPRESS_LOGGED_IN_KEY", wpSalt(), "https://hub.docker.com/_/wordpress (WORDPRESS_LOGGED_IN_KEY)")
	gh := hexN(20)
	doc("json", "root/.composer/auth.json", `{"github-oauth":{"github.com":"`+gh+`"},"http-basic":{"repo.example.org":{"username":"ci"}}}`,
		"https://getcomposer.org/doc/articles/authentication-for-private-packages.md#github-oauth", []string{gh}, "repo.example.org")
	yi := base64.StdEncoding.EncodeToString([]byte("ci:" + pw()))
	doc("yaml", "app/.yarnrc.yml", "npmRegistryServer: \"https://npm.example.com\"\nnpmAuthIdent: \""+yi+"\"\n", "https://yarnpkg.com/configuration/yarnrc#npmAuthIdent", []string{yi}, "https://npm.example.com")
	mm := "{" + base64.StdEncoding.EncodeToString(randBytes(32)) + "}"
	doc("text", "root/.m2/settings-security.xml", "<settingsSecurity>\n  <master>"+mm+"</master>\n</settingsSecurity>\n", "https://maven.apache.org/guides/mini/guide-encryption.html#how-to-create-a-master-password", []string{mm[1 : len(mm)-1]})
	return out
}

// world3Benign are session 9's benign look-alikes of the shapes above:
// names holding "pat", colon-separated lines that are not .pgpass lines,
// hashes that are ids, UUIDs that are ids, armour that holds no secret.
func world3Benign(n int) []corpus.Case {
	var out []corpus.Case
	add := func(c corpus.Case) {
		n++
		c.ID = fmt.Sprintf("benign/%03d", n)
		c.Benign = true
		out = append(out, c)
	}
	keyed := func(k, v, src string) { add(corpus.Case{Shape: "keyed", Key: k, Value: v, Source: src}) }
	doc := func(kind, path, input, src string, keep ...string) {
		add(corpus.Case{Shape: "doc", Kind: kind, Path: path, Input: input, Keep: keep, Source: src})
	}
	keyed("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/kuberuntime/kuberuntime_container.go (the PATH every container gets)")
	keyed("PATCH_LEVEL", "20261124", "https://docs.kernel.org/process/applying-patches.html (a patch level, not a token)")
	doc("text", "logs/kubelet.log", "I1124 21:05:07.123456    1234 kubelet.go:2405] \"SyncLoop (PLEG): event for pod\" pod=\"kube-system/etcd-lab-cd2\" event={\"ID\":\"9f2d1c3b-4a5e-4f60-8a7b-1c2d3e4f5a6b\",\"Type\":\"ContainerStarted\",\"Data\":\"4f1c2a0e3d4b4c5d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d\"}\n",
		"https://github.com/kubernetes/kubernetes/issues/133258 (a SyncLoop (PLEG) event line: a pod UID and a container id)", "9f2d1c3b-4a5e-4f60-8a7b-1c2d3e4f5a6b", "4f1c2a0e3d4b4c5d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d")
	doc("text", "etc/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\npostgres:x:999:999::/var/lib/postgresql:/bin/bash\n",
		"https://man7.org/linux/man-pages/man5/passwd.5.html (seven fields, no password)", "root:x:0:0:root:/root:/bin/bash", "postgres:x:999:999::/var/lib/postgresql:/bin/bash")
	doc("text", "etc/group", "docker:x:998:alice,bob\nsudo:x:27:alice\n", "https://man7.org/linux/man-pages/man5/group.5.html", "docker:x:998:alice,bob")
	doc("text", "logs/containerd.log", "time=\"2026-11-24T21:05:07.123456789Z\" level=info msg=\"ImageCreate event name:\\\"docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\\\" labels:{key:\\\"io.cri-containerd.image\\\" value:\\\"managed\\\"}\"\n",
		"https://github.com/rancher/rke2/issues/6814 (containerd ImageCreate event lines pasted in an issue)", "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31")
	doc("text", "logs/iptables-save.txt", ":KUBE-SERVICES - [0:0]\n:KUBE-POSTROUTING - [0:0]\n-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y\n",
		"https://github.com/kubernetes/kubernetes/issues/26292 (iptables-save output in kube-proxy issues)", "KUBE-SVC-NPX46M4PTMTKRN6Y", ":KUBE-SERVICES - [0:0]")
	doc("text", "logs/ipv6.txt", "inet6 fe80::42:acff:fe11:2/64 scope link\nroute 2001:db8:0:1:1:1:1:1/128 via fe80::1\n", "https://man7.org/linux/man-pages/man8/ip-address.8.html (IPv6 addresses are colon-separated)", "fe80::42:acff:fe11:2/64", "2001:db8:0:1:1:1:1:1/128")
	doc("text", "etc/openvpn/server.conf", "port 1194\nproto udp\ndev tun\nca ca.crt\ncert server.crt\nkey server.key\ntls-auth ta.key 0\ncipher AES-256-GCM\nauth SHA256\n",
		"https://github.com/palark/ovpn-admin/issues/251 (a server.conf naming its key files)", "tls-auth ta.key 0", "auth SHA256", "cipher AES-256-GCM")
	doc("text", "root/public.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGNhc2UBEADQ3TfVb5Kq8Yg0sWm1Ffo7Jq9Y1xvQ6p2H8jXf0nVbKQ4aZc5r\n=Ab12\n-----END PGP PUBLIC KEY BLOCK-----\n",
		"https://www.rfc-editor.org/rfc/rfc4880#section-6.2 (a public key block: no secret)", "mQINBGNhc2UBEADQ3TfVb5Kq8Yg0sWm1Ffo7Jq9Y1xvQ6p2H8jXf0nVbKQ4aZc5r")
	doc("text", "etc/snmp/snmpd.conf", "sysLocation    Server Room\nsysContact     ops@example.com\nview   systemonly  included   .1.3.6.1.2.1.1\n",
		"http://www.net-snmp.org/docs/man/snmpd.conf.html (system and view directives)", "sysContact     ops@example.com", "view   systemonly  included   .1.3.6.1.2.1.1")
	doc("text", "logs/curl-verbose.log", "< HTTP/1.1 401 Unauthorized\n< WWW-Authenticate: Digest qop=\"auth\", realm=\"thermostat\", nonce=\"1612605593\"\n",
		"https://github.com/mhoc/axios-digest-auth/pull/1 (the challenge: realm and nonce, no response)", "WWW-Authenticate: Digest qop=\"auth\", realm=\"thermostat\", nonce=\"1612605593\"")
	doc("text", "logs/kafka.log", "[2026-11-24 21:05:07,123] INFO [SocketServer listenerType=ZK_BROKER, nodeId=1] Created data-plane acceptor and processors for endpoint : ListenerName(SASL_PLAINTEXT) (kafka.network.SocketServer)\n",
		"https://github.com/apache/kafka/pull/1232 (broker log lines)", "ListenerName(SASL_PLAINTEXT)")
	doc("text", "logs/swarm.log", "level=info msg=\"Listening for connections\" addr=\"[::]:2377\" module=node node.id=dxn1zf6l61qsb1josjja83ngz proto=tcp\n",
		"https://github.com/moby/moby/issues/41536 (swarm manager log lines)", "node.id=dxn1zf6l61qsb1josjja83ngz")
	doc("text", "logs/k3s.log", "time=\"2026-11-24T21:05:07Z\" level=info msg=\"Node token is available at /var/lib/rancher/k3s/server/token\"\n",
		"https://github.com/rancher/rancher-docs/pull/697 (where the token is: a path)", "/var/lib/rancher/k3s/server/token")
	doc("text", "logs/kubeadm.log", "[bootstrap-token] Using token: <hidden>\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\nkubernetes.default.svc.cluster.local\n",
		"https://github.com/kubernetes/kubeadm/issues/1593 (kubeadm output)", "kubernetes.default.svc.cluster.local", "\"/var/lib/kubelet/config.yaml\"")
	keyed("NOMAD_ALLOC_ID", "9f2d1c3b-4a5e-4f60-8a7b-1c2d3e4f5a6b", "https://developer.hashicorp.com/nomad/docs/runtime/environment (an allocation id is no secret)")
	keyed("ENCRYPTION_ALGORITHM", "AES-256-GCM", "https://developer.hashicorp.com/vault/docs/secrets/transit (an algorithm's name)")
	doc("text", "logs/airflow-standalone.log", "standalone | Airflow Standalone is for development purposes only. Do not use this in production!\nstandalone | Password for the admin user is in /opt/airflow/standalone_admin_password.txt\n",
		"https://airflow.apache.org/docs/apache-airflow/stable/start.html (newer versions print where the password is)", "/opt/airflow/standalone_admin_password.txt")
	doc("text", "logs/agent-transcript.txt", "the password is wrong\nthe password is correct\nthe password is the same as staging\nthe passphrase is stored in 1Password\n",
		"https://github.com/vshulcz/deja-vu/pull/3730 (prose that names a password without stating one)", "the password is wrong", "the password is correct", "the password is the same as staging", "the passphrase is stored in 1Password")
	doc("text", "logs/pods/web/app/0.log", "2026-11-24T21:05:07.123456789Z stdout F level=info msg=\"\\x1b[36mport\\x1b[0m=8080 \\x1b[36mmode\\x1b[0m=fast\"\n",
		"https://github.com/sirupsen/logrus/blob/master/text_formatter.go (a coloured line without a secret)", "\\x1b[36mport\\x1b[0m=8080")
	return out
}
