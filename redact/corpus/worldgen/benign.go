package main

import (
	"fmt"

	"github.com/rtsnap/rtsnap/redact/corpus"
)

// benign: values from real manifests, flags, configs, units and log lines
// that must come out as they went in (issue #13 item 7). Digests and
// container, sandbox and pod ids above all: the analyzer joins on them.
func benign() []corpus.Case {
	var out []corpus.Case
	n := 0
	add := func(c corpus.Case) {
		n++
		c.ID = fmt.Sprintf("benign/%03d", n)
		c.Benign = true
		out = append(out, c)
	}
	tok := func(v, src string) { add(corpus.Case{Shape: "token", Value: v, Source: src}) }
	keyed := func(k, v, src string) { add(corpus.Case{Shape: "keyed", Key: k, Value: v, Source: src}) }
	keyedAll := func(cs []keyedCase) {
		for _, c := range cs {
			keyed(c.k, c.v, c.src)
		}
	}
	doc := func(kind, path, input, src string, keep ...string) {
		add(corpus.Case{Shape: "doc", Kind: kind, Path: path, Input: input, Keep: keep, Source: src})
	}

	// Identifiers the analyzer joins on, under neutral keys in every carrier.
	for _, v := range []struct{ v, src string }{
		{"sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1", "https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests"},
		{"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests (the empty blob)"},
		{"b6a4b9a1c0e3d7f8a2e5c9d1f4b7a0e3c6d9f2b5a8e1d4c7f0a3b6e9d2c5f8a1", "https://github.com/kubernetes/cri-api/blob/master/pkg/apis/runtime/v1/api.proto (container id, 64 hex)"},
		{"docker://6a9f2c1e8b7d4a3f5e0c9b2d1a8f7e6c5b4a3d2e1f0c9b8a7d6e5f4c3b2a1d0e", "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodStatus (containerID)"},
		{"containerd://23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608", "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodStatus (containerID)"},
		{"0789a7b8-db45-4cfc-8a15-77538b31c3c6", "https://github.com/kubernetes/kubernetes/issues/83189 (pod UID in kubelet log)"},
		{"eb4ae87c-ea92-4bdf-92d7-c05298ddb138", "https://github.com/k3s-io/k3s/issues/4580 (pod UID in kubelet log)"},
		{"registry.k8s.io/pause:3.9", "https://github.com/containerd/containerd/blob/main/docs/cri/config.md (sandbox_image)"},
		{"docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31", "https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier"},
		{"ghcr.io/fluxcd/source-controller:v1.4.1", "https://fluxcd.io/flux/components/source/"},
		{"quay.io/prometheus/node-exporter:v1.8.2", "https://github.com/prometheus/node_exporter#docker"},
		{"k8s_POD_coredns-5dd5756b68-7xk2p_kube-system_f1c2a0e3-d4b4-4c5d-8e9f-0a1b2c3d4e5f_0", "https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/dockershim/naming.go (dockershim container names)"},
		{"kube-api-access-gwk9t", "https://github.com/k3s-io/k3s/issues/4580 (projected token volume name)"},
		{"default-token-h96g2", "https://github.com/kubernetes/kubernetes/issues/83189 (legacy token secret name)"},
		{"cri-containerd-23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb9006608.scope", "https://github.com/containerd/containerd/blob/main/docs/cri/config.md (systemd cgroup scope)"},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0789a7b8_db45_4cfc_8a15_77538b31c3c6.slice", "https://kubernetes.io/docs/setup/production-environment/container-runtimes/#systemd-cgroup-driver"},
		{"$(DB_PASSWORD)", "https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/"},
		{"${DATABASE_PASSWORD}", "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/"},
		{"arn:aws:iam::123456789012:role/EKS-NodeInstanceRole-1A2B3C4D5E6F", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"},
		{"v1.31.2+k3s1", "https://github.com/k3s-io/k3s/releases"},
		{"io.containerd.runc.v2", "https://github.com/containerd/containerd/blob/main/docs/cri/config.md (runtime_type)"},
	} {
		tok(v.v, v.src)
	}

	// Secret-ish keys whose values describe a secret (issue #13 item 7).
	keyedAll([]keyedCase{
		{"PASSWORD_MIN_LENGTH", "12", "https://docs.djangoproject.com/en/5.0/topics/auth/passwords/#module-django.contrib.auth.password_validation"},
		{"TOKEN_EXPIRY_SECONDS", "3600", "issue #13 item 7"},
		{"tokenExpirationSeconds", "3600", "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/"},
		{"expirationSeconds", "3600", "https://github.com/kubernetes/kubernetes/issues/87147 (serviceAccountToken)"},
		{"AUTH_METHOD", "oidc", "issue #13 item 7"},
		{"sessionAffinity", "ClientIP", "https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity"},
		{"secretName", "web-tls", "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"},
		{"tls-secret-name", "web-tls", "https://cert-manager.io/docs/usage/certificate/"},
		{"token_uri", "https://oauth2.googleapis.com/token", "https://cloud.google.com/iam/docs/keys-create-delete"},
		{"auth_uri", "https://accounts.google.com/o/oauth2/auth", "https://cloud.google.com/iam/docs/keys-create-delete"},
		{"authorization-mode", "Node,RBAC", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/"},
		{"authentication-token-webhook", "true", "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/"},
		{"automountServiceAccountToken", "false", "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"},
		{"token-auth-file", "/etc/kubernetes/known_tokens.csv", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file"},
		{"service-account-key-file", "/etc/kubernetes/pki/sa.pub", "https://github.com/kubernetes/kubernetes/issues/11355"},
		{"service-account-signing-key-file", "/etc/kubernetes/pki/sa.key", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/"},
		{"tls-private-key-file", "/var/lib/kubelet/pki/kubelet.key", "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/"},
		{"PASSWORD_FILE", "/run/secrets/db_password", "https://docs.docker.com/compose/how-tos/use-secrets/"},
		{"POSTGRES_PASSWORD_FILE", "/run/secrets/postgres-passwd", "https://hub.docker.com/_/postgres (Docker Secrets)"},
		{"GF_AUTH_GENERIC_OAUTH_ENABLED", "true", "https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/generic-oauth/"},
		{"SESSION_TIMEOUT", "30m", "issue #13 item 7"},
		{"token_ttl", "24h0m0s", "https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-token/"},
		{"secretKeyRef", "db-creds", "https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/"},
		{"imagePullSecrets", "regcred", "https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/"},
		{"credsStore", "desktop", "https://docs.docker.com/reference/cli/docker/login/#credential-stores"},
		{"KEYCLOAK_ADMIN", "admin", "https://www.keycloak.org/server/containers"},
		{"DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)", "https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/"},
		{"API_TOKEN", "${API_TOKEN}", "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/"},
	})

	// Documents and lines from real clusters.
	doc("yaml", "k8s/pods/sa-token-test.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sa-token-test\nspec:\n  containers:\n  - name: container-test\n    image: busybox\n    volumeMounts:\n    - name: token-vol\n      mountPath: \"/service-account\"\n      readOnly: true\n  volumes:\n  - name: token-vol\n    projected:\n      sources:\n      - serviceAccountToken:\n          audience: api\n          expirationSeconds: 3600\n          path: token\n",
		"https://github.com/kubernetes/kubernetes/issues/83189", "audience: api", "expirationSeconds: 3600", "path: token", "mountPath: \"/service-account\"")
	doc("yaml", "k8s/deployments/web.yaml", "spec:\n  template:\n    spec:\n      imagePullSecrets:\n      - name: regcred\n      containers:\n      - name: web\n        image: registry.example.com/web@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\n        env:\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db-creds\n              key: password\n        envFrom:\n        - secretRef:\n            name: app-secrets\n",
		"https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/", "name: regcred", "name: db-creds", "key: password", "name: app-secrets", "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31")
	doc("yaml", "k8s/ingress.yaml", "spec:\n  tls:\n  - hosts:\n    - web.example.com\n    secretName: web-tls\n", "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls", "secretName: web-tls")
	doc("yaml", "k8s/secrets/sa.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: build-robot-secret\n  annotations:\n    kubernetes.io/service-account.name: build-robot\ntype: kubernetes.io/service-account-token\n",
		"https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets", "kubernetes.io/service-account.name: build-robot", "type: kubernetes.io/service-account-token")
	doc("yaml", "var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\n  webhook:\n    cacheAuthorizedTTL: 0s\n    cacheUnauthorizedTTL: 0s\ncgroupDriver: systemd\nrotateCertificates: true\nserverTLSBootstrap: true\n",
		"https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/ (kubeadm's default)", "mode: Webhook", "cacheTTL: 0s", "clientCAFile: /etc/kubernetes/pki/ca.crt", "enabled: true", "cgroupDriver: systemd")
	doc("string", "-", "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9 --authentication-token-webhook=true --authorization-mode=Webhook --rotate-certificates=true",
		"https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/", "--authentication-token-webhook=true", "--authorization-mode=Webhook", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf", "registry.k8s.io/pause:3.9")
	doc("string", "-", "kube-apiserver --authorization-mode=Node,RBAC --enable-bootstrap-token-auth=true --service-account-issuer=https://kubernetes.default.svc.cluster.local --service-account-key-file=/etc/kubernetes/pki/sa.pub --service-account-signing-key-file=/etc/kubernetes/pki/sa.key --token-auth-file=/etc/kubernetes/known_tokens.csv --requestheader-allowed-names=front-proxy-client --secure-port=6443",
		"https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/", "--authorization-mode=Node,RBAC", "--enable-bootstrap-token-auth=true", "--service-account-key-file=/etc/kubernetes/pki/sa.pub", "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key", "--token-auth-file=/etc/kubernetes/known_tokens.csv", "--requestheader-allowed-names=front-proxy-client")
	doc("string", "-", "kubeadm join 10.0.0.1:6443 --discovery-token-ca-cert-hash sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef --discovery-token-unsafe-skip-ca-verification=false",
		"https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/", "sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", "10.0.0.1:6443")
	doc("toml", "etc/containerd/config.toml", "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.9\"\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n    runtime_type = \"io.containerd.runc.v2\"\n    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n      SystemdCgroup = true\n  [plugins.\"io.containerd.grpc.v1.cri\".registry]\n    config_path = \"/etc/containerd/certs.d\"\n  [plugins.\"io.containerd.grpc.v1.cri\".x509_key_pair_streaming]\n    tls_cert_file = \"\"\n    tls_key_file = \"\"\n",
		"https://github.com/containerd/containerd/blob/main/docs/cri/config.md", "registry.k8s.io/pause:3.9", "io.containerd.runc.v2", "SystemdCgroup = true", "/etc/containerd/certs.d", "tls_key_file = \"\"")
	doc("toml", "etc/crio/crio.conf", "[crio.image]\nglobal_auth_file = \"\"\npause_image = \"registry.k8s.io/pause:3.10\"\npause_image_auth_file = \"\"\nsignature_policy = \"\"\n[crio.runtime]\ndecryption_keys_path = \"/etc/crio/keys/\"\n",
		"https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md", "pause_image_auth_file = \"\"", "/etc/crio/keys/", "registry.k8s.io/pause:3.10")
	doc("text", "etc/systemd/system/app.service", "[Unit]\nDescription=App\n[Service]\nLoadCredential=token:/etc/app/token\nEnvironment=PASSWORD_FILE=/run/credentials/app.service/token\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS\n",
		"https://systemd.io/CREDENTIALS/", "LoadCredential=token:/etc/app/token", "PASSWORD_FILE=/run/credentials/app.service/token", "$KUBELET_KUBECONFIG_ARGS")
	// detect-secrets' keyword negatives: not secrets.
	for _, ln := range []string{"password: ${link}", "my_password = True", "login(username=username, password=password)", "$password = $input;", "apiKey: this.apiKey,"} {
		doc("text", "etc/app/settings.conf", ln+"\n", srcDSKeyword, ln)
	}
	// Log lines from issue threads: the words and codes stay.
	for _, l := range []struct{ line, src string }{
		{`Sep 26 19:38:04 alico-tst.paas.com kubelet[165599]: E0926 19:38:04.892465  165599 kubelet.go:1669] Unable to mount volumes for pod "sa-token-test_default(0789a7b8-db45-4cfc-8a15-77538b31c3c6)": timeout expired waiting for volumes to attach or mount for pod "default"/"sa-token-test". list of unmounted volumes=[token-vol]. list of unattached volumes=[token-vol default-token-h96g2]; skipping pod`, "https://github.com/kubernetes/kubernetes/issues/83189"},
		{`Warning  FailedMount  4m36s (x45 over 79m)  kubelet, 192.168.0.2  MountVolume.SetUp failed for volume "token-vol" : failed to fetch token: the server could not find the requested resource`, "https://github.com/kubernetes/kubernetes/issues/87147"},
		{`E1125 14:42:18.555026    8346 nestedpendingoperations.go:301] Operation for "{volumeName:kubernetes.io/projected/eb4ae87c-ea92-4bdf-92d7-c05298ddb138-kube-api-access-gwk9t podName:eb4ae87c-ea92-4bdf-92d7-c05298ddb138 nodeName:}" failed. Error: "MountVolume.SetUp failed for volume \"kube-api-access-gwk9t\" : [failed to fetch token: serviceaccounts \"metrics-server\" is forbidden: User \"system:node:raspberrypi\" cannot create resource \"serviceaccounts/token\" in API group \"\" in the namespace \"kube-system\"]"`, "https://github.com/k3s-io/k3s/issues/4580"},
		{`DEBU[0000] fetch response received                       host=registry-1.docker.io response.header.content-length=154 response.header.www-authenticate="Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:ep4sh/ehome:pull\"" response.status="401 Unauthorized" url="https://registry-1.docker.io/v2/ep4sh/ehome/manifests/1.2.5"`, "https://github.com/containerd/containerd/issues/6492"},
		{`pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials`, "https://github.com/containerd/containerd/issues/11103"},
		{`amazoncorretto:11-al2-jdk: failed to authorize: failed to fetch anonymous token: unexpected status: 401`, "https://github.com/docker-library/tomcat/issues/321"},
		{`pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`, "https://github.com/containerd/containerd/issues/5246"},
		{`Error response from daemon: failed to resolve reference "docker.io/library/hello-world:latest": pulling from host registry-1.docker.io failed with status code [manifests latest]: 401 Unauthorized`, "https://github.com/moby/moby/issues/45529"},
	} {
		doc("text", "logs/kubelet.log", l.line+"\n", l.src, l.line)
		doc("jsonl", "journal/kubelet.service.jsonl", mustJSON(map[string]string{"_SYSTEMD_UNIT": "kubelet.service", "MESSAGE": l.line})+"\n", l.src, l.line)
	}
	// Session 7: "<purpose> key" names whose values are identifiers, and a
	// password flag that takes no value.
	keyedAll([]keyedCase{
		{"CACHE_KEY", "user:1234:profile", "https://redis.io/docs/latest/develop/use/keyspace/ (key names such as user:1000)"},
		{"S3_KEY", "backups/2026-12-01/etcd-snapshot.db", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"},
		{"IDEMPOTENCY_KEY", "550e8400-e29b-41d4-a716-446655440000", "https://docs.stripe.com/api/idempotent_requests"},
		{"KMS_KEY", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN"},
		{"SSH_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHg3mXJqK4h4Zy2o2fGJ0bQ7rV1n8cPzT6uA5sW3Yk9L deploy@ci", "https://man7.org/linux/man-pages/man8/sshd.8.html (AUTHORIZED_KEYS FILE FORMAT: a public key)"},
		{"ROUTING_KEY", "orders.created", "https://www.rabbitmq.com/tutorials/tutorial-four-python (routing keys)"},
	})
	// References to where a secret comes from stay.
	keyedAll([]keyedCase{
		{"DB_PASSWORD", "${DB_PASSWORD}", "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/"},
		{"POSTGRES_PASSWORD", "$POSTGRES_PASSWORD", "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/"},
		{"REDIS_PASSWORD", "$(REDIS_PASSWORD)", "https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/"},
	})
	for _, ln := range []struct{ line, src string }{
		{"rabbitmqctl -n rabbit@mq-0 list_users", "https://www.rabbitmq.com/docs/man/rabbitmqctl.8"},
		{"net user guest /active:no", "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2012-r2-and-2012/cc771865(v=ws.11)"},
		{"echo \"restarted\" | logger -t chpasswd-audit", "https://man7.org/linux/man-pages/man1/logger.1.html"},
		{"echo ok | grep -c ok", "https://man7.org/linux/man-pages/man1/grep.1.html"},
	} {
		doc("text", "root/.bash_history", ln.line+"\n", ln.src, ln.line)
	}
	keyed("PASSWORD_AUTH", "1", "https://man7.org/linux/man-pages/man5/sshd_config.5.html (PasswordAuthentication yes/no, as 1/0 in env)")
	doc("text", "root/.bash_history", "docker login -u ops --password-stdin registry.example.com\n", "https://docs.docker.com/reference/cli/docker/login/ (--password-stdin)",
		"--password-stdin registry.example.com")

	// Session 8: what the new words (pat, psk, snmp) and shell separators
	// must leave alone.
	keyedAll([]keyedCase{
		{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "https://hub.docker.com/_/debian (the image's default PATH)"},
		{"URL_PATTERN", "^/api/v[0-9]+/.*$", "https://docs.djangoproject.com/en/5.1/topics/http/urls/ (URL patterns)"},
		{"COMPAT_MODE", "legacy", "https://www.postgresql.org/docs/current/runtime-config-compatible.html (compatibility settings)"},
		{"PATCH_VERSION", "3", "https://semver.org/ (MAJOR.MINOR.PATCH)"},
		{"GITHUB_PAT_EXPIRY_DAYS", "90", "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens (expiration)"},
		{"PAT_SCOPES", "repo,read:org", "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps"},
		{"SNMP_VERSION", "2c", "http://www.net-snmp.org/docs/man/snmpcmd.html (-v 1|2c|3)"},
		{"PSK_IDENTITY", "client1", "https://docs.openssl.org/master/man1/openssl-s_client/ (-psk_identity val: a name)"},
		{"SESSION_ENGINE", "django.contrib.sessions.backends.db", "https://docs.djangoproject.com/en/5.1/ref/settings/#session-engine"},
		{"PASSWORD_HASHERS", "django.contrib.auth.hashers.PBKDF2PasswordHasher", "https://docs.djangoproject.com/en/5.1/ref/settings/#password-hashers"},
		{"SESSION_COOKIE_AGE", "1209600", "https://docs.djangoproject.com/en/5.1/ref/settings/#session-cookie-age"},
	})
	doc("text", "etc/wpa_supplicant/wpa_supplicant.conf", "network={\n   ssid=\"enter SSID Name\"\n   key_mgmt=NONE\n   priority=1\n}\n",
		"https://github.com/WLAN-Pi/v2-migration-docs/issues/78 (an open network block)", "key_mgmt=NONE", "priority=1")
	doc("text", "logs/wpa_supplicant.log", "wlan0: CTRL-EVENT-DISCONNECTED bssid=b4:ee:b4:4c:1f:d4 reason=3 locally_generated=1\nConfig: added 'key_mgmt' value 'WPA-PSK WPA-PSK-SHA256 FT-PSK'\n",
		"https://github.com/vanhoefm/krackattacks-scripts/issues/51 and https://github.com/TreeFallSound/pi-stomp/issues/258", "bssid=b4:ee:b4:4c:1f:d4 reason=3", "'WPA-PSK WPA-PSK-SHA256 FT-PSK'")
	doc("text", "var/log/charon.log", "12[IKE] authentication of 'moon.strongswan.org' (myself) with pre-shared key\n12[IKE] tried 1 shared key for 'carol' - 'moon', but MAC mismatched\nerror: PSK mismatch\n",
		"https://docs.strongswan.org/docs/5.9/config/logging.html (charon log lines)", "with pre-shared key", "error: PSK mismatch", "but MAC mismatched")
	doc("text", "root/.bash_history", "RUN --mount=type=secret,id=GITHUB_PAT,env=GITHUB_PAT installGithub.r \\\n", "https://github.com/ropensci-review-tools/pkgcheck/pull/210",
		"--mount=type=secret,id=GITHUB_PAT,env=GITHUB_PAT installGithub.r")
	for _, ln := range []struct{ line, src string }{
		{"mysql -uroot -p$MYSQL_ROOT_PASSWORD;echo done", "https://github.com/docker-library/mysql/issues/196 (a variable, not a password)"},
		{"ls -la|grep mysql;echo ok;date", "https://man7.org/linux/man-pages/man1/bash.1.html (lists of commands)"},
		{"snmpwalk -v3 -l noAuthNoPriv -u monitor 10.0.0.1 system", "http://www.net-snmp.org/docs/man/snmpcmd.html (a v3 user without passphrases)"},
		{"smbclient -L //server -U alice", "https://www.samba.org/samba/docs/current/man-html/smbclient.1.html (a user without a password)"},
	} {
		doc("text", "root/.bash_history", ln.line+"\n", ln.src, ln.line)
	}
	keyedAll([]keyedCase{
		{"KEYSTORE_TYPE", "PKCS12", "https://docs.spring.io/spring-boot/appendix/application-properties/index.html (server.ssl.key-store-type)"},
		{"KEYSTORE_PATH", "/etc/ssl/private/keystore.p12", "https://docs.spring.io/spring-boot/appendix/application-properties/index.html (server.ssl.key-store)"},
		{"SESSION_COOKIE_NAME", "sessionid", "https://docs.djangoproject.com/en/5.1/ref/settings/#session-cookie-name"},
	})
	doc("text", "logs/redis.log", "1:M 24 Nov 2026 21:05:07.123 * Ready to accept connections tcp\n1:M 24 Nov 2026 21:05:09.456 # AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n",
		"https://github.com/redis/redis/issues/8395 (AUTH failures in the server log)", "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.")
	doc("json", "etc/app/openid-configuration.json", `{"issuer":"https://accounts.example.com","jwks_uri":"https://accounts.example.com/.well-known/jwks.json","d":"a date, not a key","k":"no kty here"}`,
		"https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata (no JWK: d and k are anything)", "a date, not a key", "no kty here")
	doc("yaml", "k8s/pods/mysql.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: mysql\n    image: mysql:8.0\n    args: [\"mysqld\", \"--default-authentication-plugin=mysql_native_password\", \"--port\", \"3306\"]\n    livenessProbe:\n      exec:\n        command: [\"mysqladmin\", \"ping\", \"-h\", \"localhost\"]\n",
		"https://hub.docker.com/_/mysql (--default-authentication-plugin) and https://github.com/RotherOSS/otobo/issues/1875 (mysqladmin ping -h db)",
		"--default-authentication-plugin=mysql_native_password", `["mysqladmin", "ping", "-h", "localhost"]`)
	doc("text", "logs/smtp.log", "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: AUTH CRAM-MD5\n",
		"https://www.ietf.org/archive/id/draft-murchison-sasl-login-00.txt (AUTH LOGIN: a mechanism's name, not a password)", "C: AUTH LOGIN", "C: AUTH CRAM-MD5")
	return append(out, world3Benign(n)...)
}

// keyedCase is a key, its value and where the pair comes from.
type keyedCase struct{ k, v, src string }
