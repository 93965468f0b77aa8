// Command gen writes the redaction corpus (redact/testdata/corpus.jsonl):
//
//	go run ./redact/corpus/gen > redact/testdata/corpus.jsonl
//
// Every secret is a throwaway value made here (random from a fixed seed;
// private keys freshly generated), in the shape its vendor or program
// documents, not in the shape of rtsnap's rules: each class cites where the
// shape comes from. The classes are embedded in the carriers the collector
// stores, through the entry point it uses for each (see corpus.Run).
package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/rtsnap/rtsnap/redact/corpus"
)

var rng = mrand.New(mrand.NewChaCha8([32]byte{'r', 't', 's', 'n', 'a', 'p', '-', 'c', 'o', 'r', 'p', 'u', 's'}))

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowerN = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexd   = "0123456789abcdef"
	b64c   = alnum + "+/"
	b64u   = alnum + "-_"
	upperN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

func rs(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[rng.IntN(len(set))]
	}
	return string(b)
}

// pw is a human-style password: letters, digits and a symbol.
func pw() string {
	words := []string{"Summer", "Harbor", "Velvet", "Copper", "Marble", "Falcon", "Quartz", "Juniper"}
	syms := "!#%*+-?_~"
	return words[rng.IntN(len(words))] + rs(lowerN, 4) + string(syms[rng.IntN(len(syms))]) + rs(upperN, 3)
}

var out []corpus.Record

func add(r corpus.Record) {
	r.ID = fmt.Sprintf("%s/%s/%d", r.Class, r.Carrier, len(out))
	out = append(out, r)
}

// A key carrier puts KEY=value where the collector finds it.
type keyCarrier struct {
	name, kind, path string
	doc              func(key, val string) string
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var keyCarriers = []keyCarrier{
	{"env-file", "env", "etc/default/app.env", func(k, v string) string {
		return "PATH=/usr/local/sbin:/usr/local/bin:/usr/bin\n" + k + "=" + v + "\nLANG=C.UTF-8\n"
	}},
	{"oci-process-env", "json", "runc/state/config.json", func(k, v string) string {
		return js(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": []string{"/app", "serve"}, "cwd": "/", "env": []string{"PATH=/usr/bin", k + "=" + v, "HOSTNAME=web-0"}}})
	}},
	{"docker-inspect-env", "json", "docker/containers/inspect.json", func(k, v string) string {
		return js([]any{map[string]any{"Id": "4f1c2a0e3d4b4c5d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d", "Config": map[string]any{"Env": []string{k + "=" + v, "PATH=/usr/bin"}, "Cmd": []string{"app"}}}})
	}},
	{"cri-envs", "json", "cri/containers/status.json", func(k, v string) string {
		return js(map[string]any{"status": map[string]any{"id": "23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608"}, "info": map[string]any{"config": map[string]any{"envs": []map[string]string{{"key": "PATH", "value": "/usr/bin"}, {"key": k, "value": v}}}}})
	}},
	{"k8s-pod-yaml-env", "yaml", "k8s/pods/web.yaml", func(k, v string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.4.2\n    env:\n    - name: LOG_LEVEL\n      value: info\n    - name: " + k + "\n      value: " + yq(v) + "\n"
	}},
	{"k8s-pod-json-env", "json", "k8s/pods/web.json", func(k, v string) string {
		return js(map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "env": []map[string]string{{"name": k, "value": v}}}}}})
	}},
	{"yaml-config", "yaml", "etc/app/config.yaml", func(k, v string) string {
		return "server:\n  listen: 0.0.0.0:8080\ndatabase:\n  host: db.internal\n  " + k + ": " + yq(v) + "\n"
	}},
	{"toml-config", "toml", "etc/app/config.toml", func(k, v string) string {
		return "[server]\nlisten = \"0.0.0.0:8080\"\n\n[database]\nhost = \"db.internal\"\n" + k + " = " + tq(v) + "\n"
	}},
	{"json-config", "json", "etc/app/config.json", func(k, v string) string {
		return js(map[string]any{"database": map[string]any{"host": "db.internal", k: v}})
	}},
	{"logfmt-line", "text", "logs/pods/web/app/0.log", func(k, v string) string {
		return `2026-11-24T21:05:07.000000000Z stdout F time="2026-11-24T21:05:07Z" level=info msg="config loaded" ` + k + "=" + v + " listen=:8080\n"
	}},
	{"docker-json-log", "jsonl", "docker/containers/web-json.log.jsonl", func(k, v string) string {
		return js(map[string]string{"log": "loaded settings " + k + "=" + v + "\n", "stream": "stdout", "time": "2026-11-24T21:05:07.123456789Z"}) + "\n"
	}},
	{"journal-entry", "jsonl", "journal/app.service.jsonl", func(k, v string) string {
		return js(map[string]string{"__REALTIME_TIMESTAMP": "1732482307123456", "_SYSTEMD_UNIT": "app.service", "PRIORITY": "6", "MESSAGE": "starting with " + k + "=" + v}) + "\n"
	}},
	{"cri-log-colon", "text", "logs/pods/web/app/1.log", func(k, v string) string {
		return "2026-11-24T21:05:08.000000000Z stdout F " + k + ": " + v + "\n"
	}},
	{"last-applied-annotation", "json", "k8s/deployments/web.json", func(k, v string) string {
		inner := js(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]string{k: v}})
		return js(map[string]any{"metadata": map[string]any{"name": "web", "annotations": map[string]string{"kubectl.kubernetes.io/last-applied-configuration": inner}}})
	}},
}

func yq(v string) string {
	if strings.ContainsAny(v, `:#{}[],&*!|>'"%@`+"`") || strings.HasPrefix(v, "-") {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
	}
	return v
}

func tq(v string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
}

// keyClasses: secret values under key names people use. Sources name where
// each spelling is used in the wild.
var keyClasses = []struct {
	class, key, src string
	val             func() string
}{
	{"key-plain", "DB_PASSWORD", "https://hub.docker.com/_/postgres", pw},
	{"key-glued-dbpass", "DBPASS", "https://github.com/search?q=DBPASS&type=code", pw},
	{"key-glued-adminpass", "ADMINPASS", "https://docs.openstack.org/install-guide/environment-security.html", pw},
	{"key-glued-rootpw", "ROOTPW", "https://www.openldap.org/doc/admin26/slapdconf2.html (olcRootPW)", pw},
	{"key-glued-authkey", "AUTHKEY", "https://tailscale.com/kb/1085/auth-keys (TS_AUTHKEY)", func() string { return "tskey-auth-" + rs(alnum, 12) + "-" + rs(alnum, 30) }},
	{"key-glued-signingkey", "SIGNINGKEY", "https://github.com/search?q=SIGNINGKEY&type=code", func() string { return rs(hexd, 64) }},
	{"key-hmac", "HMAC_KEY", "https://github.com/search?q=HMAC_KEY&type=code", func() string { return rs(b64c, 43) + "=" }},
	{"key-enc", "ENC_KEY", "https://github.com/search?q=ENC_KEY&type=code", func() string { return rs(hexd, 64) }},
	{"key-salt", "SALT", "https://developer.wordpress.org/apis/wp-config-php/#security-keys (AUTH_SALT)", func() string { return rs(alnum+"!@#%^*()-_", 48) }},
	{"key-license", "LICENSE_KEY", "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#license-key", func() string { return rs(hexd, 36) + "NRAL" }},
	{"key-requirepass", "requirepass", "https://redis.io/docs/latest/operate/oss_and_stack/management/config-file/", pw},
	{"key-masterauth", "masterauth", "https://redis.io/docs/latest/operate/oss_and_stack/management/config-file/", pw},
	{"key-de-passwort", "passwort", "https://de.wikipedia.org/wiki/Passwort", pw},
	{"key-de-kennwort", "Kennwort", "https://de.wikipedia.org/wiki/Kennwort", pw},
	{"key-fr-mot-de-passe", "mot_de_passe", "https://fr.wikipedia.org/wiki/Mot_de_passe", pw},
	{"key-es-contrasena", "contraseña", "https://es.wikipedia.org/wiki/Contrase%C3%B1a", pw},
	{"key-es-clave", "clave_acceso", "https://es.wikipedia.org/wiki/Contrase%C3%B1a", pw},
	{"key-pt-senha", "senha", "https://pt.wikipedia.org/wiki/Senha", pw},
	{"key-ru-parol", "пароль", "https://ru.wikipedia.org/wiki/Пароль", pw},
	{"key-zh-mima", "密码", "https://zh.wikipedia.org/wiki/密码", pw},
	{"key-ja-pasuwado", "パスワード", "https://ja.wikipedia.org/wiki/パスワード", pw},
	{"key-ko-bimilbeonho", "비밀번호", "https://ko.wikipedia.org/wiki/비밀번호", pw},
	{"key-nl-wachtwoord", "wachtwoord", "https://nl.wikipedia.org/wiki/Wachtwoord", pw},
	{"key-it-parola-chiave", "parola_chiave", "https://it.wikipedia.org/wiki/Password", pw},
	{"key-pl-haslo", "haslo", "https://pl.wikipedia.org/wiki/Hasło", pw},
	{"key-sv-losenord", "losenord", "https://sv.wikipedia.org/wiki/Lösenord", pw},
	{"key-tr-sifre", "sifre", "https://tr.wikipedia.org/wiki/Parola", pw},
	{"key-fi-salasana", "salasana", "https://fi.wikipedia.org/wiki/Salasana", pw},
	{"key-camel-client-secret", "clientSecret", "https://learn.microsoft.com/en-us/entra/identity-platform/quickstart-register-app", func() string { return rs(alnum, 5) + "8Q~" + rs(alnum+"_.-", 31) }},
	{"key-private-key-id", "private_key_id", "https://cloud.google.com/iam/docs/keys-create-delete", func() string { return rs(hexd, 40) }},
	{"key-aws-secret", "AWS_SECRET_ACCESS_KEY", "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", func() string { return rs(b64c, 40) }},
	{"key-webhook-secret", "WEBHOOK_SECRET", "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries", func() string { return rs(hexd, 40) }},
	{"key-jwt-secret", "JWT_SECRET_KEY", "https://flask-jwt-extended.readthedocs.io/en/stable/options.html#JWT_SECRET_KEY", func() string { return rs(alnum, 32) }},
	{"key-django-secret", "DJANGO_SECRET_KEY", "https://docs.djangoproject.com/en/5.0/ref/settings/#secret-key", func() string { return "django-insecure-" + rs(lowerN+"!@#$%^&*(-_=+)", 50) }},
	{"key-rails-master", "RAILS_MASTER_KEY", "https://guides.rubyonrails.org/security.html#custom-credentials", func() string { return rs(hexd, 32) }},
	{"key-pgpassword", "PGPASSWORD", "https://www.postgresql.org/docs/current/libpq-envars.html", pw},
	{"key-mysql-root", "MYSQL_ROOT_PASSWORD", "https://hub.docker.com/_/mysql", pw},
	{"key-vault-token", "VAULT_TOKEN", "https://developer.hashicorp.com/vault/docs/commands#vault_token", func() string { return "hvs." + rs(b64u, 92) }},
	{"key-passphrase", "GPG_PASSPHRASE", "https://www.gnupg.org/documentation/manuals/gnupg/", func() string { return pw() + " " + pw() }},
	{"key-basic-auth-pass", "BASIC_AUTH_PASS", "https://doc.traefik.io/traefik/middlewares/http/basicauth/", pw},
	{"key-smtp-pass", "SMTP_PASS", "https://docs.gitlab.com/omnibus/settings/smtp/", pw},
	{"key-encryption-key", "encryptionKey", "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/", func() string { return rs(b64c, 43) + "=" }},
	{"key-api-key-dashed", "x-api-key", "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html", func() string { return rs(alnum, 40) }},
	{"key-cookie-secret", "OAUTH2_PROXY_COOKIE_SECRET", "https://oauth2-proxy.github.io/oauth2-proxy/configuration/overview", func() string { return rs(b64u, 32) }},
	{"key-minio-root", "MINIO_ROOT_PASSWORD", "https://min.io/docs/minio/linux/reference/minio-server/settings/root-credentials.html", pw},
	{"key-grafana-admin", "GF_SECURITY_ADMIN_PASSWORD", "https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#admin_password", pw},
	{"key-keycloak-admin", "KC_BOOTSTRAP_ADMIN_PASSWORD", "https://www.keycloak.org/server/all-config", pw},
	{"key-rabbit-cookie", "RABBITMQ_ERLANG_COOKIE", "https://www.rabbitmq.com/docs/clustering#erlang-cookie", func() string { return rs(upperN, 20) }},
}

// A token carrier puts a value that identifies itself under a key that
// does not name a secret.
type tokenCarrier struct {
	name, kind, path string
	doc              func(v string) string
}

var tokenCarriers = []tokenCarrier{
	{"klog-line", "text", "logs/kubelet.log", func(v string) string {
		return `I1124 21:05:02.123456    1234 client.go:88] "Connecting" endpoint="` + v + `" attempt=1` + "\n"
	}},
	{"k8s-annotation", "json", "k8s/pods/web.json", func(v string) string {
		return js(map[string]any{"metadata": map[string]any{"name": "web", "annotations": map[string]string{"example.com/config": v}}})
	}},
	{"env-neutral", "env", "etc/default/app.env", func(v string) string { return "APP_UPSTREAM=" + v + "\nLOG_LEVEL=info\n" }},
	{"docker-json-log", "jsonl", "docker/containers/web-json.log.jsonl", func(v string) string {
		return js(map[string]string{"log": "using " + v + " for upstream\n", "stream": "stderr", "time": "2026-11-24T21:05:07.123456789Z"}) + "\n"
	}},
	{"journal-entry", "jsonl", "journal/app.service.jsonl", func(v string) string {
		return js(map[string]string{"__REALTIME_TIMESTAMP": "1732482307123456", "_SYSTEMD_UNIT": "app.service", "MESSAGE": "upstream set to " + v}) + "\n"
	}},
	{"yaml-neutral", "yaml", "etc/app/config.yaml", func(v string) string { return "upstream:\n  target: " + yq(v) + "\n  retries: 3\n" }},
	{"toml-neutral", "toml", "etc/app/config.toml", func(v string) string { return "[upstream]\ntarget = " + tq(v) + "\nretries = 3\n" }},
	{"oci-process-args", "json", "runc/state/config.json", func(v string) string {
		return js(map[string]any{"process": map[string]any{"args": []string{"/app", "--upstream", v}}})
	}},
	{"command-line", "string", "-", func(v string) string { return "/usr/local/bin/app serve --upstream " + v + " --port 8080" }},
	{"cri-log", "text", "logs/pods/web/app/0.log", func(v string) string {
		return "2026-11-24T21:05:08.000000000Z stderr F upstream " + v + " unreachable\n"
	}},
}

// tokenClasses: self-identifying values (vendor tokens from vendor docs,
// credentials inside URLs and connection strings). secret is what must not
// survive; it can be part of the value (a URL's password).
var tokenClasses = []struct {
	class, src string
	gen        func() (value string, secrets []string, keep []string)
}{
	{"github-classic-pat", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/", tok(func() string { return "ghp_" + rs(alnum, 36) })},
	{"github-fine-grained-pat", "https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens/", tok(func() string { return "github_pat_11" + rs(upperN, 20) + "_" + rs(alnum, 59) })},
	{"gitlab-pat", "https://docs.gitlab.com/security/tokens/#token-prefixes", tok(func() string { return "glpat-" + rs(b64u, 20) })},
	{"gitlab-runner-token", "https://docs.gitlab.com/security/tokens/#token-prefixes", tok(func() string { return "glrt-" + rs(b64u, 20) })},
	{"slack-bot-token", "https://api.slack.com/authentication/token-types", tok(func() string {
		return "xoxb-" + rs("0123456789", 12) + "-" + rs("0123456789", 13) + "-" + rs(alnum, 24)
	})},
	{"slack-webhook", "https://api.slack.com/messaging/webhooks", func() (string, []string, []string) {
		p := "T" + rs(upperN, 8) + "/B" + rs(upperN, 8) + "/" + rs(alnum, 24)
		return "https://hooks.slack.com/services/" + p, []string{p}, []string{"hooks.slack.com"}
	}},
	{"stripe-live-secret", "https://docs.stripe.com/keys", tok(func() string { return "sk_live_51" + rs(alnum, 97) })},
	{"stripe-restricted", "https://docs.stripe.com/keys#limit-access", tok(func() string { return "rk_live_51" + rs(alnum, 97) })},
	{"twilio-api-key", "https://www.twilio.com/docs/iam/api-keys", tok(func() string { return "SK" + rs(hexd, 32) })},
	{"sendgrid-api-key", "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys", tok(func() string { return "SG." + rs(b64u, 22) + "." + rs(b64u, 43) })},
	{"shopify-admin-token", "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens", tok(func() string { return "shpat_" + rs(hexd, 32) })},
	{"digitalocean-pat", "https://docs.digitalocean.com/reference/api/create-personal-access-token/", tok(func() string { return "dop_v1_" + rs(hexd, 64) })},
	{"doppler-token", "https://docs.doppler.com/docs/service-tokens", tok(func() string { return "dp.st.prd." + rs(alnum, 43) })},
	{"npm-token", "https://docs.npmjs.com/about-access-tokens", tok(func() string { return "npm_" + rs(alnum, 36) })},
	{"pypi-token", "https://pypi.org/help/#apitoken", tok(func() string { return "pypi-AgEIcHlwaS5vcmc" + rs(b64u, 70) })},
	{"dockerhub-pat", "https://docs.docker.com/security/for-developers/access-tokens/", tok(func() string { return "dckr_pat_" + rs(b64u, 27) })},
	{"huggingface-token", "https://huggingface.co/docs/hub/security-tokens", tok(func() string { return "hf_" + rs(alnum, 34) })},
	{"openai-project-key", "https://platform.openai.com/docs/api-reference/authentication", tok(func() string { return "sk-proj-" + rs(b64u, 74) + "T3BlbkFJ" + rs(b64u, 74) })},
	{"anthropic-api-key", "https://docs.anthropic.com/en/api/overview", tok(func() string { return "sk-ant-api03-" + rs(b64u, 93) + "AA" })},
	{"grafana-service-account", "https://grafana.com/docs/grafana/latest/administration/service-accounts/", tok(func() string { return "glsa_" + rs(alnum, 32) + "_" + rs(hexd, 8) })},
	{"pulumi-token", "https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/", tok(func() string { return "pul-" + rs(hexd, 40) })},
	{"terraform-cloud-token", "https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens", tok(func() string { return rs(alnum, 14) + ".atlasv1." + rs(alnum, 67) })},
	{"databricks-token", "https://docs.databricks.com/en/dev-tools/auth/pat.html", tok(func() string { return "dapi" + rs(hexd, 32) })},
	{"newrelic-user-key", "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/", tok(func() string { return "NRAK-" + rs(upperN, 27) })},
	{"linear-api-key", "https://linear.app/developers/graphql#personal-api-keys", tok(func() string { return "lin_api_" + rs(alnum, 40) })},
	{"postman-api-key", "https://learning.postman.com/docs/developer/postman-api/authentication/", tok(func() string { return "PMAK-" + rs(hexd, 24) + "-" + rs(hexd, 34) })},
	{"sentry-auth-token", "https://docs.sentry.io/account/auth-tokens/", tok(func() string {
		return "sntrys_eyJpYXQiOjE3MzI0ODIzMDcsInVybCI6Imh0dHBzOi8vc2VudHJ5LmlvIn0_" + rs(b64c, 43)
	})},
	{"sentry-dsn", "https://docs.sentry.io/concepts/key-terms/dsn-explainer/", func() (string, []string, []string) {
		k := rs(hexd, 32)
		return "https://" + k + "@o" + rs("0123456789", 6) + ".ingest.sentry.io/" + rs("0123456789", 7), []string{k}, []string{".ingest.sentry.io/"}
	}},
	{"square-access-token", "https://developer.squareup.com/docs/build-basics/access-tokens", tok(func() string { return "EAAA" + rs(b64u, 60) })},
	{"atlassian-api-token", "https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/", tok(func() string { return "ATATT3xFfGF0" + rs(b64u, 170) + "=" + rs(upperN, 8) })},
	{"age-secret-key", "https://age-encryption.org/v1", tok(func() string { return "AGE-SECRET-KEY-1" + rs("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58) })},
	{"aws-access-key-id", "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", tok(func() string { return "AKIA" + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) })},
	{"google-api-key", "https://cloud.google.com/docs/authentication/api-keys", tok(func() string { return "AIza" + rs(b64u, 35) })},
	{"google-oauth-refresh", "https://developers.google.com/identity/protocols/oauth2", tok(func() string { return "1//0" + rs(b64u, 99) })},
	{"discord-webhook", "https://discord.com/developers/docs/resources/webhook", func() (string, []string, []string) {
		t := rs(b64u, 68)
		return "https://discord.com/api/webhooks/" + rs("0123456789", 18) + "/" + t, []string{t}, []string{"discord.com/api/webhooks/"}
	}},
	{"telegram-bot-token", "https://core.telegram.org/bots/api#authorizing-your-bot", tok(func() string { return rs("0123456789", 10) + ":AA" + rs(b64u, 33) })},
	{"mapbox-secret-token", "https://docs.mapbox.com/accounts/guides/tokens/", tok(func() string { return "sk.eyJ1IjoiZXhhbXBsZSIsImEiOiJjbHR" + rs(alnum, 20) + "." + rs(b64u, 22) })},
	{"flyio-token", "https://fly.io/docs/security/tokens/", tok(func() string { return "fo1_" + rs(b64u, 43) })},
	{"heroku-api-key", "https://devcenter.heroku.com/articles/authentication", tok(func() string { return "HRKU-AA" + rs(b64u, 58) })},
	{"notion-token", "https://developers.notion.com/docs/authorization", tok(func() string { return "ntn_" + rs(alnum, 46) })},
	{"figma-pat", "https://www.figma.com/developers/api#access-tokens", tok(func() string { return "figd_" + rs(b64u, 40) })},
	{"jwt", "https://datatracker.ietf.org/doc/html/rfc7519#section-3.1", tok(func() string {
		return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+rs(alnum, 10)+`","iat":1732482307}`)) + "." + rs(b64u, 43)
	})},
	{"url-userinfo-at-in-password", "https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1 (a password with @ left unencoded, common in issues)", func() (string, []string, []string) {
		p := rs(alnum, 6) + "@" + rs(alnum, 6)
		return "postgres://app:" + p + "@db.internal:5432/orders?sslmode=require", []string{p}, []string{"db.internal:5432/orders"}
	}},
	{"url-userinfo-slash-colon", "https://github.com/docker/cli/issues/2196 (passwords with / and : in proxy URLs)", func() (string, []string, []string) {
		p := rs(alnum, 5) + "/" + rs(alnum, 4) + ":" + rs(alnum, 5)
		return "http://proxyuser:" + p + "@proxy.corp.example:3128", []string{p}, []string{"proxy.corp.example:3128"}
	}},
	{"mongodb-srv", "https://www.mongodb.com/docs/manual/reference/connection-string/", func() (string, []string, []string) {
		p := pw()
		return "mongodb+srv://svc:" + p + "@cluster0.ab1cd.mongodb.net/app?retryWrites=true", []string{p}, []string{"cluster0.ab1cd.mongodb.net/app"}
	}},
	{"redis-url", "https://www.iana.org/assignments/uri-schemes/prov/redis", func() (string, []string, []string) {
		p := rs(alnum, 24)
		return "rediss://:" + p + "@cache.internal:6380/0", []string{p}, []string{"cache.internal:6380/0"}
	}},
	{"oracle-easy-connect", "https://docs.oracle.com/en/database/oracle/oracle-database/19/netag/configuring-naming-methods.html", func() (string, []string, []string) {
		p := pw()
		return "scott/" + p + "@//db.internal:1521/ORCLPDB1", []string{p}, []string{"db.internal:1521/ORCLPDB1"}
	}},
	{"odbc-pwd-braces", "https://learn.microsoft.com/en-us/sql/connect/odbc/dsn-connection-string-attribute", func() (string, []string, []string) {
		p := rs(alnum, 6) + ";" + rs(alnum, 6) + "}}" + rs(alnum, 3)
		return "Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql.internal,1433;Uid=app;Pwd={" + p + "};Encrypt=yes", []string{strings.ReplaceAll(p, "}}", "}")[:6], p[7:13]}, []string{"sql.internal,1433"}
	}},
	{"jdbc-properties", "https://jdbc.postgresql.org/documentation/use/#connection-parameters", func() (string, []string, []string) {
		p := pw()
		return "jdbc:postgresql://db.internal:5432/orders?user=app&password=" + p + "&ssl=true", []string{p}, []string{"db.internal:5432/orders"}
	}},
	{"jdbc-sqlserver", "https://learn.microsoft.com/en-us/sql/connect/jdbc/building-the-connection-url", func() (string, []string, []string) {
		p := pw()
		return "jdbc:sqlserver://sql.internal:1433;databaseName=orders;user=app;password=" + p + ";encrypt=true", []string{p}, []string{"sql.internal:1433"}
	}},
	{"ado-connection-string", "https://learn.microsoft.com/en-us/dotnet/framework/data/adonet/connection-string-syntax", func() (string, []string, []string) {
		p := pw()
		return "Server=sql.internal;Database=orders;User Id=app;Password=" + p + ";", []string{p}, []string{"Server=sql.internal"}
	}},
	{"azure-storage-connection", "https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string", func() (string, []string, []string) {
		k := rs(b64c, 86) + "=="
		return "DefaultEndpointsProtocol=https;AccountName=acct01;AccountKey=" + k + ";EndpointSuffix=core.windows.net", []string{k}, []string{"AccountName=acct01"}
	}},
	{"aws-presigned-url", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html", func() (string, []string, []string) {
		sig := rs(hexd, 64)
		return "https://bucket.s3.us-east-1.amazonaws.com/backup.tar?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA" + rs(upperN, 16) + "%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261124T210507Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=" + sig, []string{sig}, []string{"bucket.s3.us-east-1.amazonaws.com/backup.tar"}
	}},
	{"gcs-signed-url", "https://cloud.google.com/storage/docs/access-control/signed-urls", func() (string, []string, []string) {
		sig := rs(hexd, 512)
		return "https://storage.googleapis.com/bucket/obj.tgz?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40proj.iam.gserviceaccount.com%2F20261124%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261124T210507Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=" + sig, []string{sig}, []string{"storage.googleapis.com/bucket/obj.tgz"}
	}},
	{"azure-sas-url", "https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas", func() (string, []string, []string) {
		sig := rs(b64c, 43) + "%3D"
		return "https://acct01.blob.core.windows.net/c/blob.bin?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-11-25T00:00:00Z&spr=https&sig=" + sig, []string{sig}, []string{"acct01.blob.core.windows.net/c/blob.bin"}
	}},
	{"oauth-code-callback", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2", func() (string, []string, []string) {
		c := rs(b64u, 40)
		return "https://app.example.com/oauth2/callback?code=" + c + "&state=xyz123", []string{c}, []string{"app.example.com/oauth2/callback"}
	}},
}

func tok(f func() string) func() (string, []string, []string) {
	return func() (string, []string, []string) { v := f(); return v, []string{v}, nil }
}

// flagClasses: command lines with a password in a program's own flag
// (each program's manual).
var flagClasses = []struct {
	class, src string
	line       func(p string) string
}{
	{"flag-mysql-p", "https://dev.mysql.com/doc/refman/8.4/en/connection-options.html#option_general_password", func(p string) string { return "mysql -h db.internal -u root -p" + p + " orders" }},
	{"flag-redis-cli-a", "https://redis.io/docs/latest/develop/tools/cli/", func(p string) string { return "redis-cli -h cache.internal -a " + p + " ping" }},
	{"flag-sshpass-p", "https://linux.die.net/man/1/sshpass", func(p string) string { return "sshpass -p " + p + " ssh deploy@host.internal" }},
	{"flag-docker-login-p", "https://docs.docker.com/reference/cli/docker/login/", func(p string) string { return "docker login -u ci -p " + p + " registry.example" }},
	{"flag-htpasswd-b", "https://httpd.apache.org/docs/2.4/programs/htpasswd.html", func(p string) string { return "htpasswd -b -c /etc/nginx/.htpasswd admin " + p }},
	{"flag-az-login-p", "https://learn.microsoft.com/en-us/cli/azure/reference-index#az-login", func(p string) string {
		return "az login --service-principal -u http://sp-app -p " + p + " --tenant contoso.onmicrosoft.com"
	}},
	{"flag-redis-masterauth", "https://redis.io/docs/latest/operate/oss_and_stack/management/config-file/", func(p string) string {
		return "redis-server --port 6379 --masterauth " + p + " --replicaof 10.0.0.5 6379"
	}},
	{"flag-pg-dump-uri", "https://www.postgresql.org/docs/current/app-pgdump.html", func(p string) string { return "pg_dump --dbname=postgresql://backup:" + p + "@db.internal:5432/orders" }},
	{"flag-curl-u", "https://curl.se/docs/manpage.html#-u", func(p string) string { return "curl -sS -u admin:" + p + " https://api.internal/v1/health" }},
	{"flag-mysqladmin-password", "https://dev.mysql.com/doc/refman/8.4/en/mysqladmin.html", func(p string) string { return "mysqladmin -u root --password=" + p + " status" }},
	{"flag-kubectl-token", "https://kubernetes.io/docs/reference/kubectl/kubectl/", func(p string) string { return "kubectl --server=https://10.0.0.1:6443 --token " + p + " get pods" }},
}

// argvCarriers: the same command line as a JSON argv list (OCI
// process.args, docker inspect Args) or a string.
var argvCarriers = []struct {
	name, kind, path string
	doc              func(argv []string, line string) string
}{
	{"command-line", "string", "-", func(_ []string, line string) string { return line }},
	{"oci-process-args", "json", "runc/state/config.json", func(argv []string, _ string) string {
		return js(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": argv, "cwd": "/"}})
	}},
	{"docker-inspect-args", "json", "docker/containers/inspect.json", func(argv []string, _ string) string {
		return js([]any{map[string]any{"Path": argv[0], "Args": argv[1:], "Config": map[string]any{"Cmd": argv}}})
	}},
	{"ps-output", "text", "host/ps.txt", func(_ []string, line string) string {
		return "  PID  PPID CMD\n 4242     1 " + line + "\n"
	}},
}

// keyMaterial: private keys, whole and split across records.
func keyMaterial() {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(ec)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	blk, _ := ssh.MarshalPrivateKey(ed, "deploy@ci")
	sshPEM := string(pem.EncodeToMemory(blk))
	pk8, _ := x509.MarshalPKCS8PrivateKey(ec)
	pk8PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8}))
	body := func(p string) []string {
		var b []string
		for _, l := range strings.Split(strings.TrimSpace(p), "\n") {
			if !strings.HasPrefix(l, "-----") {
				b = append(b, l)
			}
		}
		return b
	}
	src := "https://www.rfc-editor.org/rfc/rfc7468 ; https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key"
	for _, k := range []struct{ name, pem string }{{"pem-ec", ecPEM}, {"openssh-ed25519", sshPEM}, {"pem-pkcs8", pk8PEM}} {
		lines := strings.Split(strings.TrimSpace(k.pem), "\n")
		// Whole, in a YAML block scalar and in a JSON string.
		add(corpus.Record{Class: k.name, Carrier: "yaml-block-scalar", Kind: "yaml", Path: "etc/app/tls.yaml", Source: src,
			Input: "tls:\n  cert_file: /etc/tls/tls.crt\n  key: |\n    " + strings.Join(lines, "\n    ") + "\n  min_version: \"1.2\"\n", Secrets: body(k.pem), Keep: []string{"min_version", "/etc/tls/tls.crt"}})
		add(corpus.Record{Class: k.name, Carrier: "json-string", Kind: "json", Path: "k8s/secrets/sa.json", Source: "https://cloud.google.com/iam/docs/keys-create-delete (service account key file)",
			Input: js(map[string]string{"type": "service_account", "project_id": "proj-1", "private_key": k.pem, "client_email": "sa@proj-1.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}), Secrets: body(k.pem), Keep: []string{"https://oauth2.googleapis.com/token", "sa@proj-1.iam.gserviceaccount.com"}})
		// One docker json-file record per line (a container printing its key).
		var dj, jr strings.Builder
		for _, l := range lines {
			dj.WriteString(js(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2026-11-24T21:05:07.123456789Z"}) + "\n")
			jr.WriteString(js(map[string]string{"__REALTIME_TIMESTAMP": "1732482307123456", "_SYSTEMD_UNIT": "app.service", "MESSAGE": l}) + "\n")
		}
		add(corpus.Record{Class: k.name + "-split", Carrier: "docker-json-log", Kind: "jsonl", Path: "docker/containers/web-json.log.jsonl", Source: "https://docs.docker.com/engine/logging/drivers/json-file/",
			Input: dj.String(), Secrets: body(k.pem)})
		add(corpus.Record{Class: k.name + "-split", Carrier: "journal-entry", Kind: "jsonl", Path: "journal/app.service.jsonl", Source: "https://systemd.io/JOURNAL_EXPORT_FORMATS/",
			Input: jr.String(), Secrets: body(k.pem)})
		// A log tail that starts inside the key: no BEGIN line.
		tail := strings.Join(lines[2:], "\n") + "\n"
		var cri strings.Builder
		for _, l := range strings.Split(strings.TrimSpace(tail), "\n") {
			cri.WriteString("2026-11-24T21:05:07.000000000Z stdout F " + l + "\n")
		}
		add(corpus.Record{Class: k.name + "-tail-cut", Carrier: "cri-log", Kind: "text", Path: "logs/pods/web/app/0.log", Source: "https://kubernetes.io/docs/concepts/cluster-administration/logging/",
			Input: cri.String(), Secrets: body(k.pem)[1:]})
	}
	// base64 of a whole kubeconfig and of a key (Kubernetes Secret data).
	kc := "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: lab\nusers:\n- name: admin\n  user:\n    token: " + rs(alnum, 40) + "\n    client-key-data: " + base64.StdEncoding.EncodeToString([]byte(ecPEM)) + "\n"
	kcB64 := base64.StdEncoding.EncodeToString([]byte(kc))
	add(corpus.Record{Class: "base64-kubeconfig", Carrier: "k8s-secret-yaml", Kind: "yaml", Path: "k8s/secrets/kubeconfig.yaml", Source: "https://kubernetes.io/docs/concepts/configuration/secret/",
		Input: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: admin-kubeconfig\ndata:\n  config: " + kcB64 + "\n", Secrets: []string{kcB64}, Keep: []string{"admin-kubeconfig"}})
	add(corpus.Record{Class: "base64-kubeconfig", Carrier: "k8s-annotation", Kind: "json", Path: "k8s/pods/web.json", Source: "https://kubernetes.io/docs/concepts/configuration/secret/",
		Input: js(map[string]any{"metadata": map[string]any{"annotations": map[string]string{"example.com/bootstrap": kcB64}}}), Secrets: []string{kcB64}})
	keyB64 := base64.StdEncoding.EncodeToString([]byte(sshPEM))
	add(corpus.Record{Class: "base64-openssh-key", Carrier: "env-neutral", Kind: "env", Path: "etc/default/app.env", Source: "https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions#storing-base64-binary-blobs-as-secrets",
		Input: "DEPLOY_BLOB=" + keyB64 + "\n", Secrets: []string{keyB64}})
	add(corpus.Record{Class: "base64-openssh-key", Carrier: "docker-json-log", Kind: "jsonl", Path: "docker/containers/web-json.log.jsonl", Source: "https://docs.docker.com/engine/logging/drivers/json-file/",
		Input: js(map[string]string{"log": "blob " + keyB64 + "\n", "stream": "stdout", "time": "2026-11-24T21:05:07Z"}) + "\n", Secrets: []string{keyB64}})
}

// benign: values that look near a secret but are not one; they must stay.
func benign() {
	type b struct {
		class, carrier, kind, path, input, src string
		keep                                   []string
	}
	envs := []struct{ k, v string }{
		{"PASSWORD_MIN_LENGTH", "12"}, {"TOKEN_EXPIRY_SECONDS", "3600"}, {"SESSION_TIMEOUT", "30m"}, {"AUTH_METHOD", "oidc"},
		{"PASSWORD_REQUIRED", "true"}, {"TOKEN_REFRESH_ENABLED", "false"}, {"SECRET_BACKEND", "vault"}, {"AUTH_PROVIDER", "ldap"},
		{"PASSWORD_HASH_ALGORITHM", "bcrypt"}, {"TOKEN_TTL", "24h"}, {"API_KEY_HEADER", "X-Api-Key"}, {"SESSION_STORE", "redis"},
		{"AUTH_MODE", "token"}, {"KEY_ALGORITHM", "RSA"}, {"SECRET_NAME", "db-creds"}, {"TLS_SECRET_NAME", "web-tls"},
		{"DB_PASSWORD", "${DB_PASSWORD}"}, {"REDIS_PASSWORD", "$REDIS_PASSWORD"}, {"PASSWORD_FILE", "/run/secrets/db_password"},
		{"AUTH_TOKEN_LENGTH", "32"}, {"MAX_TOKENS", "4096"}, {"SESSION_COOKIE_SECURE", "True"}, {"AUTH_ENABLED", "yes"},
		{"PASSWORD_ROTATION_DAYS", "90"}, {"TOKEN_AUDIENCE", "api"}, {"SECRET_KEY_BASE_LENGTH", "128"},
		{"SESSION_AFFINITY", "ClientIP"}, {"AUTH_ISSUER_URL", "https://accounts.google.com"}, {"JWT_ALGORITHM", "HS256"},
		{"PASSWORD_POLICY", "strict"}, {"SECRET_ROTATION_INTERVAL", "720h"}, {"KEY_SIZE", "2048"},
	}
	for i, e := range envs {
		c := keyCarriers[i%len(keyCarriers)]
		add(corpus.Record{Class: "benign-shape", Carrier: c.name, Kind: c.kind, Path: c.path, Input: c.doc(e.k, e.v), Benign: true, Keep: []string{e.k, e.v},
			Source: "issue #13 item 7 (numbers, durations, booleans, enum words, $VARIABLE refs under secret-ish keys)"})
		// And in one other carrier each.
		c2 := keyCarriers[(i*7+3)%len(keyCarriers)]
		add(corpus.Record{Class: "benign-shape", Carrier: c2.name, Kind: c2.kind, Path: c2.path, Input: c2.doc(e.k, e.v), Benign: true, Keep: []string{e.k, e.v},
			Source: "issue #13 item 7"})
	}
	list := []b{
		{"benign-k8s", "k8s-yaml", "yaml", "k8s/services/web.yaml", "apiVersion: v1\nkind: Service\nspec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 10800\n", "https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity", []string{"ClientIP", "timeoutSeconds: 10800"}},
		{"benign-k8s", "k8s-yaml", "yaml", "k8s/pods/web.yaml", "spec:\n  volumes:\n  - name: token\n    projected:\n      sources:\n      - serviceAccountToken:\n          audience: vault\n          expirationSeconds: 7200\n          path: token\n  - name: creds\n    secret:\n      secretName: db-creds\n", "https://kubernetes.io/docs/concepts/storage/projected-volumes/#serviceaccounttoken", []string{"audience: vault", "expirationSeconds: 7200", "path: token", "secretName: db-creds"}},
		{"benign-k8s", "k8s-json", "json", "k8s/pods/web.json", js(map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"env": []any{map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]string{"name": "db-creds", "key": "password"}}}}}}}}), "https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/", []string{`"db-creds"`, `"password"`, "DB_PASSWORD"}},
		{"benign-flags", "command-line", "string", "-", "kube-apiserver --authorization-mode=Node,RBAC --service-account-key-file=/etc/kubernetes/pki/sa.pub --token-auth-file=/etc/kubernetes/tokens.csv", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/", []string{"Node,RBAC", "/etc/kubernetes/pki/sa.pub", "/etc/kubernetes/tokens.csv"}},
		{"benign-flags", "command-line", "string", "-", "kubeadm join 10.0.0.1:6443 --token-ttl 24h0m0s --discovery-token-ca-cert-hash sha256:7c2e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d", "https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/", []string{"sha256:7c2e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d", "24h0m0s"}},
		{"benign-flags", "command-line", "string", "-", "kubelet --rotate-certificates=true --authentication-token-webhook=true --authorization-mode=Webhook", "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/", []string{"--authentication-token-webhook=true", "--authorization-mode=Webhook"}},
		{"benign-json", "json-config", "json", "k8s/secrets/sa.json", js(map[string]string{"type": "service_account", "token_uri": "https://oauth2.googleapis.com/token", "auth_uri": "https://accounts.google.com/o/oauth2/auth", "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs"}), "https://cloud.google.com/iam/docs/keys-create-delete", []string{"https://oauth2.googleapis.com/token", "https://accounts.google.com/o/oauth2/auth", "https://www.googleapis.com/oauth2/v1/certs"}},
		{"benign-messages", "klog-line", "text", "logs/kubelet.log", `E1124 21:05:06.000001    1234 kuberuntime_manager.go:1256] "Failed to pull image" err="failed to fetch anonymous token: unexpected status: 401 Unauthorized" image="registry.example/app:1.4.2"` + "\n", "https://github.com/containerd/containerd/issues/6427", []string{"failed to fetch anonymous token: unexpected status: 401 Unauthorized"}},
		{"benign-messages", "klog-line", "text", "logs/kubelet.log", `E1124 21:05:06.100000    1234 secret.go:194] Couldn't get secret lab/db-creds: secret "db-creds" not found` + "\n", "https://github.com/kubernetes/kubernetes/issues/76862", []string{`secret "db-creds" not found`, "lab/db-creds"}},
		{"benign-messages", "cri-log", "text", "logs/pods/web/app/0.log", "2026-11-24T21:05:08.000000000Z stderr F Error: password authentication failed for user \"app\"\n", "https://github.com/docker-library/postgres/issues/203", []string{`password authentication failed for user "app"`}},
		{"benign-messages", "journal-entry", "jsonl", "journal/containerd.service.jsonl", js(map[string]string{"MESSAGE": `failed to decode hosts.toml: token expired, status 403 Forbidden`, "_SYSTEMD_UNIT": "containerd.service"}) + "\n", "https://github.com/containerd/containerd/issues/8245", []string{"token expired, status 403 Forbidden"}},
		{"benign-messages", "docker-json-log", "jsonl", "docker/containers/web-json.log.jsonl", js(map[string]string{"log": "level=warn msg=\"invalid token: signature is invalid\" code=401\n", "stream": "stderr"}) + "\n", "https://github.com/golang-jwt/jwt/issues/110", []string{"invalid token: signature is invalid", "code=401"}},
		{"benign-messages", "klog-line", "text", "logs/kubelet.log", `W1124 21:05:06.200000    1234 reflector.go:535] failed to list *v1.Secret: secrets is forbidden: User "system:node:web-0" cannot list resource "secrets" in API group "" in the namespace "lab"` + "\n", "https://github.com/kubernetes/kubernetes/issues/61325", []string{`secrets is forbidden: User "system:node:web-0" cannot list resource "secrets"`}},
		{"benign-messages", "cri-log", "text", "logs/pods/web/app/0.log", "2026-11-24T21:05:08.000000000Z stderr F pull access denied for app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied\n", "https://github.com/docker/cli/issues/3144", []string{"may require 'docker login': denied: requested access to the resource is denied"}},
		{"benign-ids", "json", "json", "cri/containers/status.json", js(map[string]string{"id": "23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608", "imageRef": "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1", "podSandboxId": "6f1c2a0e-3d4b-4c5d-8e9f-0a1b2c3d4e5f", "createdAt": "2026-11-24T21:05:00.123456789Z"}), "CRI ContainerStatus", []string{"23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608", "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1", "6f1c2a0e-3d4b-4c5d-8e9f-0a1b2c3d4e5f"}},
		{"benign-toml", "toml-config", "toml", "etc/containerd/config.toml", "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"registry.example\".tls]\n  ca_file = \"/etc/containerd/certs.d/registry.example/ca.crt\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n", "https://github.com/containerd/containerd/blob/main/docs/cri/config.md", []string{"/etc/containerd/certs.d/registry.example/ca.crt", "registry.example"}},
		{"benign-secret-names", "logfmt-line", "text", "logs/controller.log", `time="2026-11-24T21:05:07Z" level=info msg="synced" secret="lab/db-creds" tls-secret-name=web-tls kind=Secret` + "\n", "https://cert-manager.io/docs/usage/certificate/", []string{`secret="lab/db-creds"`, "tls-secret-name=web-tls"}},
		{"benign-secret-names", "yaml", "yaml", "k8s/ingress.yaml", "spec:\n  tls:\n  - hosts:\n    - web.example.com\n    secretName: web-tls\n", "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls", []string{"secretName: web-tls"}},
		{"benign-urls", "klog-line", "text", "logs/kubelet.log", `I1124 21:05:02.123456    1234 client.go:88] "Pulling" image="registry.example/app@sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1" user=git@github.com:org/repo.git` + "\n", "https://docs.docker.com/engine/reference/commandline/pull/#pull-an-image-by-digest-immutable-identifier", []string{"registry.example/app@sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1", "git@github.com:org/repo.git"}},
		{"benign-urls", "env", "env", "etc/default/app.env", "NO_PROXY=localhost,127.0.0.1,.svc,.cluster.local\nHTTPS_PROXY=http://proxy.corp.example:3128\n", "https://about.gitlab.com/blog/we-need-to-talk-no-proxy/", []string{"http://proxy.corp.example:3128", "localhost,127.0.0.1,.svc,.cluster.local"}},
	}
	for _, x := range list {
		add(corpus.Record{Class: x.class, Carrier: x.carrier, Kind: x.kind, Path: x.path, Input: x.input, Benign: true, Keep: x.keep, Source: x.src})
	}
	// Hex, base64 and UUID values and identifiers that look token-like
	// (mixed case, digits, separators) under neutral keys.
	ids := []string{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "b3c1e2a4-5d6f-4a7b-8c9d-0e1f2a3b4c5d", "v1.31.2+k3s1", "2026-11-24T21:05:07.123456789Z", "10.244.1.17:8080",
		"k8s_POD_web-7d9f8c6b5d-x2x9z_lab_6f1c2a0e-3d4b-4c5d-8e9f-0a1b2c3d4e5f_0", "io.k8s.api.core.v1.PodTemplateSpec", "com.example.payments.UserAuthenticationService2024",
		"arn:aws:iam::123456789012:role/EKS-NodeInstanceRole-1A2B3C4D5E6F", "registry.k8s.io/kube-apiserver:v1.31.2", "ghcr.io/fluxcd/source-controller:v1.4.1",
		"v0.0.0-20250218142911-aa4b98e5adaa", "nginx-ingress-controller-4.10.1", "kube-proxy-x7k2p", "CrashLoopBackOff", "ImagePullBackOff",
		"MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw", "eks-ng-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "pvc-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
		"X-Request-Id_7F3A9C2E", "node_exporter_build_info", "HTTP_X_FORWARDED_FOR", "AKS_NODEPOOL_V2_BETA1", "containerd.io_1.7.22-1_amd64.deb",
		"libssl3_3.0.15-1~deb12u1_amd64", "Go-http-client/2.0", "Mozilla/5.0_(X11;_Linux_x86_64)", "gke-prod-pool-2-9f8e7d6c-ab12",
		"tls.crt", "kubelet-serving-2026-11-24-21-05-07.pem", "ip-10-0-12-34.eu-west-1.compute.internal"}
	for i, id := range ids {
		for j, c := range tokenCarriers {
			if (i+j)%3 == 0 {
				add(corpus.Record{Class: "benign-ids", Carrier: c.name, Kind: c.kind, Path: c.path, Input: c.doc(id), Benign: true, Keep: []string{id}, Source: "identifiers analysis needs (docs/redaction.md, What survives)"})
			}
		}
	}
}

func main() {
	// Key classes: each in five carriers, rotating.
	for i, kc := range keyClasses {
		for j := 0; j < 5; j++ {
			c := keyCarriers[(i*3+j*5)%len(keyCarriers)]
			v := kc.val()
			add(corpus.Record{Class: kc.class, Carrier: c.name, Kind: c.kind, Path: c.path, Input: c.doc(kc.key, v), Secrets: []string{v}, Keep: []string{kc.key}, Source: kc.src})
		}
	}
	// Token classes: each in four carriers, rotating.
	for i, tc := range tokenClasses {
		for j := 0; j < 4; j++ {
			c := tokenCarriers[(i+j*3)%len(tokenCarriers)]
			v, sec, keep := tc.gen()
			add(corpus.Record{Class: tc.class, Carrier: c.name, Kind: c.kind, Path: c.path, Input: c.doc(v), Secrets: sec, Keep: keep, Source: tc.src})
		}
	}
	// Flag classes in every argv carrier.
	for _, fc := range flagClasses {
		for _, c := range argvCarriers {
			p := pw()
			line := fc.line(p)
			add(corpus.Record{Class: fc.class, Carrier: c.name, Kind: c.kind, Path: c.path, Input: c.doc(strings.Fields(line), line), Secrets: []string{p}, Source: fc.src})
		}
	}
	keyMaterial()
	benign()
	structured()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, r := range out {
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

// structured: TOML and YAML carriers whose structure the line patterns did
// not follow (classes "key-..." as the other key-name classes) (issue #13 item 6): anchors and aliases, flow maps, folded
// block scalars, several documents, Secret data under neutral keys, inline
// tables, dotted and quoted keys, multi-line literals, arrays of tables.
func structured() {
	type s struct {
		class, carrier, kind, path, src string
		doc                             func(v, v2 string) string
		keep                            []string
	}
	list := []s{
		{"key-yaml-anchor", "yaml-anchor-alias", "yaml", "etc/app/values.yaml", "https://yaml.org/spec/1.2.2/#692-node-anchors",
			func(v, _ string) string { return "db:\n  password: &dbpw " + yq(v) + "\nreplica:\n  password: *dbpw\n" }, []string{"&dbpw", "*dbpw"}},
		{"key-yaml-anchor", "yaml-anchor-neutral", "yaml", "etc/app/values.yaml", "https://helm.sh/docs/chart_template_guide/yaml_techniques/#yaml-anchors",
			func(v, _ string) string { return "defaults: &creds " + yq(v) + "\ndb:\n  password: *creds\n" }, []string{"&creds", "*creds"}},
		{"key-yaml-anchor", "helm-values-merge", "yaml", "etc/app/values.yaml", "https://helm.sh/docs/chart_template_guide/yaml_techniques/#yaml-anchors",
			func(v, _ string) string {
				return "x-common: &common\n  user: app\n  password: " + yq(v) + "\nweb:\n  <<: *common\n  replicas: 2\n"
			}, []string{"<<: *common", "replicas: 2"}},
		{"key-yaml-flow", "yaml-flow-map", "yaml", "etc/app/config.yaml", "https://yaml.org/spec/1.2.2/#742-flow-mappings",
			func(v, _ string) string {
				return "database: {host: db.internal, password: " + yq(v) + ", port: 5432}\n"
			}, []string{"host: db.internal", "port: 5432"}},
		{"key-yaml-block", "yaml-folded-scalar", "yaml", "etc/app/config.yaml", "https://yaml.org/spec/1.2.2/#813-folded-style",
			func(v, v2 string) string {
				return "api:\n  token: >-\n    " + v + "\n    " + v2 + "\n  url: https://api.example.com\n"
			}, []string{"token: >-", "url: https://api.example.com"}},
		{"key-yaml-multi-doc", "yaml-multi-document", "yaml", "k8s/manifests/all.yaml", "https://yaml.org/spec/1.2.2/#91-documents",
			func(v, _ string) string {
				return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  API_TOKEN: " + yq(v) + "\n"
			}, []string{"name: lab", "kind: ConfigMap"}},
		{"key-k8s-secret-data", "k8s-secret-neutral-keys", "yaml", "k8s/secrets/app.yaml", "https://kubernetes.io/docs/concepts/configuration/secret/#opaque-secrets",
			func(v, v2 string) string {
				return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-config\ntype: Opaque\nstringData:\n  dsn: " + yq(v) + "\n  settings.ini: " + yq(v2) + "\n"
			}, []string{"name: app-config", "type: Opaque"}},
		{"key-toml-inline", "toml-inline-table", "toml", "etc/containerd/config.toml", "https://toml.io/en/v1.0.0#inline-table",
			func(v, _ string) string {
				return "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"reg.example\"]\n  auth = { username = \"ci\", password = " + tq(v) + " }\n  tls = { insecure_skip_verify = false }\n"
			}, []string{"insecure_skip_verify = false", "reg.example"}},
		{"key-toml-dotted", "toml-dotted-key", "toml", "etc/app/config.toml", "https://toml.io/en/v1.0.0#keys",
			func(v, _ string) string {
				return "registry.mirror = \"https://mirror.example\"\nregistry.auth.password = " + tq(v) + "\n"
			}, []string{"https://mirror.example", "registry.auth.password"}},
		{"key-toml-multiline", "toml-multiline-literal", "toml", "etc/app/config.toml", "https://toml.io/en/v1.0.0#string",
			func(v, v2 string) string {
				return "[vault]\naddr = \"https://vault.example:8200\"\ntoken = '''\n" + v + "\n" + v2 + "\n'''\n"
			},
			[]string{"https://vault.example:8200"}},
		{"key-toml-array-tables", "toml-array-of-tables", "toml", "etc/app/config.toml", "https://toml.io/en/v1.0.0#array-of-tables",
			func(v, v2 string) string {
				return "[[upstream]]\nhost = \"a.example\"\npassword = " + tq(v) + "\n[[upstream]]\nhost = \"b.example\"\npassword = " + tq(v2) + "\n"
			}, []string{"a.example", "b.example"}},
		{"key-toml-quoted-key", "toml-quoted-key", "toml", "etc/app/config.toml", "https://toml.io/en/v1.0.0#keys",
			func(v, _ string) string {
				return "[database]\n\"host\" = \"db.internal\"\n\"password\" = '" + v + "'\n"
			}, []string{"db.internal"}},
	}
	for _, x := range list {
		for i := 0; i < 2; i++ {
			v, v2 := pw(), rs(alnum, 24)
			add(corpus.Record{Class: x.class, Carrier: x.carrier, Kind: x.kind, Path: x.path, Input: x.doc(v, v2), Secrets: []string{v, v2}, Keep: x.keep, Source: x.src})
		}
	}
	// Benign values in the same shapes: they stay.
	for _, x := range []struct {
		kind, input, src string
		keep             []string
	}{
		{"yaml", "defaults: &timeouts\n  connect: 5s\n  read: 30s\nweb:\n  <<: *timeouts\n  sessionAffinity: ClientIP\n", "https://helm.sh/docs/chart_template_guide/yaml_techniques/#yaml-anchors", []string{"connect: 5s", "sessionAffinity: ClientIP"}},
		{"yaml", "auth: {method: oidc, issuer: \"https://accounts.google.com\"}\n", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#openid-connect-tokens", []string{"https://accounts.google.com"}},
		{"yaml", "description: >-\n  rotates the token every 24h\n  and keeps the secret name\nsecretName: web-tls\n", "issue #13 item 7", []string{"rotates the token every 24h", "secretName: web-tls"}},
		{"toml", "[server]\ntoken_ttl = 3600\nsession = { timeout = \"30m\", affinity = \"ClientIP\" }\nauth_type = \"oidc\"\n", "issue #13 item 7", []string{"token_ttl = 3600", "auth_type = \"oidc\""}},
		{"toml", "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n[plugins.\"io.containerd.grpc.v1.cri\".x509_key_pair_streaming]\n  tls_cert_file = \"\"\n  tls_key_file = \"\"\n", "containerd config default (1.7)", []string{"/etc/containerd/certs.d", "x509_key_pair_streaming"}},
	} {
		add(corpus.Record{Class: "benign-structured", Carrier: x.kind + "-structured", Kind: x.kind, Path: "etc/app/config." + x.kind, Input: x.input, Benign: true, Keep: x.keep, Source: x.src})
	}
}
