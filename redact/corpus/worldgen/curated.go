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
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/rtsnap/rtsnap/redact/corpus"
)

// Sources of the curated cases. Values are copied from the fixtures named
// (public test data of other scanners, vendors' documented examples); where
// a document only gives a layout (a GCP key file, a kubeconfig), the layout
// is the document's and the key in it is made here, fresh and throwaway.
const (
	srcDSKeyword   = "https://github.com/Yelp/detect-secrets/blob/master/tests/plugins/keyword_test.py"
	srcDSXML       = "https://github.com/Yelp/detect-secrets/blob/master/tests/plugins/keyword_xml_test.py"
	srcDSAzure     = "https://github.com/Yelp/detect-secrets/blob/master/tests/plugins/azure_storage_key_test.py"
	srcDSBasic     = "https://github.com/Yelp/detect-secrets/blob/master/tests/plugins/basic_auth_test.py"
	srcSLDB        = "https://github.com/secretlint/secretlint/blob/master/packages/@secretlint/secretlint-rule-database-connection-string/test/snapshots/ng.secret/input.txt"
	srcSLBasic     = "https://github.com/secretlint/secretlint/blob/master/packages/@secretlint/secretlint-rule-preset-canary/test/snapshots/secretlint-rule-basicauth/ng.real-credentials/input.txt"
	srcTHJDBC      = "https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/jdbc/jdbc_test.go"
	srcSecLists    = "https://github.com/danielmiessler/SecLists (Discovery/Variables/secret-keywords.txt, as compiled in github.com/jeffboopboop/Masked popup/js/masked.js)"
	srcAWSCreds    = "https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html"
	srcGCPKey      = "https://cloud.google.com/iam/docs/keys-create-delete#creating (service account key file layout)"
	srcAzureConn   = "https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string"
	srcAzureSAS    = "https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas#service-sas-example"
	srcServiceBus  = "https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-dotnet-get-started-with-queues (connection string layout)"
	srcDockerCfg   = "https://docs.docker.com/reference/cli/docker/login/#credential-stores (config.json auths)"
	srcNpmrc       = "https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration"
	srcNetrc       = "https://www.gnu.org/software/inetutils/manual/html_node/The-_002enetrc-file.html"
	srcPip         = "https://pip.pypa.io/en/stable/topics/authentication/#basic-http-authentication"
	srcGitCred     = "https://git-scm.com/docs/git-credential-store#_storage_format"
	srcHelmRepos   = "https://helm.sh/docs/helm/helm_repo_add/ (repositories.yaml written by helm repo add --username --password)"
	srcArgo        = "https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#repositories"
	srcVault       = "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes"
	srcKubeconfig  = "https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/"
	srcAge         = "https://github.com/FiloSottile/age#readme (example identity file)"
	srcPutty       = "https://the.earth.li/~sgtatham/putty/0.81/htmldoc/AppendixC.html (PPK file format)"
	srcJWTio       = "https://jwt.io/introduction (example token)"
	srcRFC6750     = "https://www.rfc-editor.org/rfc/rfc6750#section-2.1"
	srcRFC7617     = "https://www.rfc-editor.org/rfc/rfc7617#section-2 (Aladdin:open sesame)"
	srcMDNCookie   = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie"
	srcAWSPresign  = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html (example request)"
	srcAMQP        = "https://www.rabbitmq.com/docs/uri-spec"
	srcRedisURL    = "https://redis-py.readthedocs.io/en/stable/connections.html#redis.Redis.from_url"
	srcADO         = "https://www.connectionstrings.com/sql-server/"
	srcODBC        = "https://learn.microsoft.com/en-us/sql/connect/odbc/dsn-connection-string-attribute#pwd"
	srcOracle      = "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqpug/CONNECT.html"
	srcGitLabOAuth = "https://docs.gitlab.com/user/profile/personal_access_tokens/#clone-repository-using-personal-access-token"
	srcKubeadm     = "https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/"
	srcContainerd  = "https://github.com/containerd/containerd/issues/11103 (ctr --debug output)"
	srcCtrUser     = "https://github.com/containerd/containerd/issues/5246"
	srcTelegram    = "https://core.telegram.org/bots/api#authorizing-your-bot (example token)"
	srcSlackHook   = "https://api.slack.com/messaging/webhooks (example URL)"
	srcMavenXML    = "https://maven.apache.org/settings.html#servers"
	srcDotnetXML   = "https://learn.microsoft.com/en-us/dotnet/framework/configure-apps/file-schema/appsettings/add-element-for-appsettings"
	srcSpringProps = "https://docs.spring.io/spring-boot/appendix/application-properties/index.html#appendix.application-properties.data (spring.datasource.password)"
	srcRedisConf   = "https://redis.io/docs/latest/operate/oss_and_stack/management/config-file/"
	srcHTTPHeaders = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Authorization"
)

// dsValue is detect-secrets' test secret: braces, brackets, '$' and '#'
// inside a value, the hostile shape its keyword plugin must get whole.
const dsValue = "{{h}o)p${e]nob(ody[finds>-_$#thisone}}"

func curated() []corpus.Case {
	var out []corpus.Case
	n := 0
	add := func(c corpus.Case) {
		n++
		c.ID = fmt.Sprintf("curated/%03d", n)
		out = append(out, c)
	}
	tok := func(v, src string, secrets ...string) {
		add(corpus.Case{Shape: "token", Value: v, Secrets: secrets, Source: src})
	}
	keyed := func(k, v, src string) { add(corpus.Case{Shape: "keyed", Key: k, Value: v, Source: src}) }
	doc := func(kind, path, input, src string, secrets []string, keep ...string) {
		add(corpus.Case{Shape: "doc", Kind: kind, Path: path, Input: input, Secrets: secrets, Keep: keep, Source: src})
	}

	// detect-secrets' keyword plugin: the secret after a keyword, in each
	// assignment form it tests (keyword_test.py positives).
	for _, ln := range []string{
		`apikey := "` + dsValue + `"`, `apikey :="` + dsValue + `"`, `apikey:= '` + dsValue + `'`, `apikey := ` + dsValue, `apikey:=` + dsValue,
		`'theapikey': '` + dsValue + `'`, `"theapikey": "` + dsValue + `"`, `apikey: "` + dsValue + `"`, `apikey: ` + dsValue, `theapikey:` + dsValue,
		`some_dict["secret"] = "` + dsValue + `"`, `the_password= "` + dsValue + `"`, `some_dict['secret'] = ` + dsValue, `my_password=` + dsValue,
		`my_password = ` + dsValue, `apikey = @"` + dsValue + `"`, `apikey[]= "` + dsValue + `"`,
		`apikey "` + dsValue + `";`, `fooapikeyfoo "` + dsValue + `";`, `private_key '` + dsValue + `';`,
	} {
		doc("text", "etc/app/settings.conf", ln+"\n", srcDSKeyword, []string{dsValue})
	}
	// detect-secrets' XML keyword plugin (keyword_xml_test.py positives).
	xv := "m" + dsValue
	for _, ln := range []string{
		`<the_password> ` + xv + ` </the_password>`, `<the_password>` + xv + `</the_password>`, `< the_password > ` + xv + ` </the_password>`,
		`<the_password_tag> ` + xv + ` </the_password_tag>`,
		`<sometag name="the_password" value="` + xv + `" />`, `<sometag name = "the_password" value="` + xv + `" />`,
		`<sometag value="` + xv + `" name="the_password"/>`, `<sometag value='` + xv + `' name='the_password_attribute'/>`,
		`<sometag name="the_password">` + xv + `</sometag>`, `<sometag name='the_password_att'>` + xv + `</sometag>`,
		`<the_password value="` + xv + `"/>`, `<the_password_tag value='` + xv + `' />`,
		`<sometag the_password="` + xv + `"/>`, `<sometag the_password_att="` + xv + `" />`, `<sometag the_password='` + xv + `' />`,
	} {
		doc("text", "etc/app/web.config", ln+"\n", srcDSXML, []string{xv})
	}
	doc("text", "etc/maven/settings.xml", "<settings>\n  <servers>\n    <server>\n      <id>internal</id>\n      <username>deployer</username>\n      <password>Mvn-Depl0y-2024!x</password>\n    </server>\n  </servers>\n</settings>\n", srcMavenXML, []string{"Mvn-Depl0y-2024!x"}, "<id>internal</id>", "<username>deployer</username>")
	doc("text", "app/Web.config", "<configuration>\n  <appSettings>\n    <add key=\"StorageApiKey\" value=\"8f2d0c6e9a7b4d1e8c3f5a2b7e9d0c1a\" />\n    <add key=\"Environment\" value=\"Production\" />\n  </appSettings>\n</configuration>\n", srcDotnetXML, []string{"8f2d0c6e9a7b4d1e8c3f5a2b7e9d0c1a"}, `value="Production"`)

	// URLs with user info (secretlint's basicauth and database fixtures,
	// detect-secrets' basic-auth test, trufflehog's JDBC test).
	for _, u := range []struct{ url, pw, src string }{
		{"https://apiuser:r3alP4ssw0rd@api.production.com/v2", "r3alP4ssw0rd", srcSLBasic},
		{"https://svcaccount:myC0mpl3xP@ss@service.internal.com", "myC0mpl3xP@ss", srcSLBasic},
		{"ftps://deployment:s3cur3K3y2024@files.company.com/uploads", "s3cur3K3y2024", srcSLBasic},
		{"https://backup-user:BackupK3y987@backup.example.com", "BackupK3y987", srcSLBasic},
		{"https://monitor:m0n1t0r!ng@metrics.company.com/api", "m0n1t0r!ng", srcSLBasic},
		{"https://username:password@yelp.com", "password", srcDSBasic},
		{"mongodb://realuser:s3cr3tP4ss@db1.example.net:27017/production", "s3cr3tP4ss", srcSLDB},
		{"mongodb+srv://appuser:myR3alP@ssw0rd@cluster0.mongodb.net/mydb?retryWrites=true", "myR3alP@ssw0rd", srcSLDB},
		{"mysql://dbuser:compl3xPwd@mysql.server.com:3306/database", "compl3xPwd", srcSLDB},
		{"jdbc:mysql://admin:str0ngP4ss@db.company.com:3306/app_db", "str0ngP4ss", srcSLDB},
		{"postgresql://pguser:secur3Pass@postgres.example.com:5432/production_db", "secur3Pass", srcSLDB},
		{"postgres://api_user:myC0mpl3xPwd@db.internal.com:5432/api_db", "myC0mpl3xPwd", srcSLDB},
		{"jdbc:sqlserver://x.x.x.x:1433;databaseName=MY-DB;user=MY-USER;password=MY-PASSWORD;encrypt=false", "MY-PASSWORD", srcTHJDBC},
		{"jdbc:postgresql://localhost:1521/testdb?sslmode=disable&password=testpassword&user=testuser", "testpassword", srcTHJDBC},
		{"jdbc:mysql://testuser:testpassword@tcp(localhost:1521)/testdb", "testpassword", srcTHJDBC},
		{"amqp://guest-app:Rabb1tMQ-s3cret@rabbit.internal:5672/%2Fprod", "Rabb1tMQ-s3cret", srcAMQP},
		{"rediss://:Sup3rRedisPassw0rd@cache.internal:6380/0", "Sup3rRedisPassw0rd", srcRedisURL},
		{"redis://default:9dK2mP4qR7sT1vW3@redis-12345.c1.us-east-1-2.ec2.cloud.redislabs.com:12345", "9dK2mP4qR7sT1vW3", srcRedisURL},
		{"https://oauth2:glpat-Xf3kT9qLm2VbN8rW4yZc@gitlab.com/group/project.git", "glpat-Xf3kT9qLm2VbN8rW4yZc", srcGitLabOAuth},
		{"https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/org/repo.git", "ghs_16C7e42F292c6912E7710c838347Ae178B4a", "https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation#using-an-installation-access-token-to-authenticate-as-an-app-installation"},
	} {
		tok(u.url, u.src, u.pw)
	}
	// Connection strings without URL syntax.
	tok("Server=myServerAddress;Database=myDataBase;User Id=myUsername;Password=myPassword9;", srcADO, "myPassword9")
	tok("Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql.internal,1433;Uid=app;Pwd={Odbc;Pa55}}word};Encrypt=yes", srcODBC, "Odbc;Pa55")
	tok("scott/Tiger-2024x@//db.internal:1521/ORCLPDB1", srcOracle, "Tiger-2024x")
	tok("DefaultEndpointsProtocol=https;AccountName=acct01;AccountKey=lJzRc1YdHaAA2KCNJJ1tkYwF/+mKK6Ygw0NGe170Xu592euJv2wYUtBlV8z+qnlcNQSnIYVTkLWntUO1F8j8rQ==;EndpointSuffix=core.windows.net", srcDSAzure, "lJzRc1YdHaAA2KCNJJ1tkYwF/+mKK6Ygw0NGe170Xu592euJv2wYUtBlV8z+qnlcNQSnIYVTkLWntUO1F8j8rQ==")
	tok("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=", srcServiceBus, "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=")
	// Signed URLs.
	tok("https://myaccount.blob.core.windows.net/sascontainer/sasblob.txt?sv=2019-02-02&st=2019-04-29T22%3A18%3A26Z&se=2019-04-30T02%3A23%3A26Z&sr=b&sp=rw&sip=168.1.5.60-168.1.5.70&spr=https&sig=Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboXr1P9ZUXDtkk%3D", srcAzureSAS, "Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboXr1P9ZUXDtkk%3D")
	tok("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", srcAWSPresign, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", "AKIAIOSFODNN7EXAMPLE")
	tok("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", srcSlackHook, "XXXXXXXXXXXXXXXXXXXXXXXX")
	// Self-identifying tokens.
	tok("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", srcJWTio)
	tok("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX", srcAge)
	tok("hvs.CAESIJlU9JMYEhOPYv4igdhm9PnZDrabYTobQ4Ymnlq1qY-LGh4KHGh2cy45OWVTQnZIdjhxSmVBQVRsRGdNUmJmeUQ", srcVault)
	tok("hvb.AAAAAQJgxDgqsGNorpoOR7hPZ5SU-ynBvCl764jyRP_fnX7WvkdkDzGjbLNGdPdtlY33Als2P36yDZueqzfdGw9RsaTeaYXSH7E4RYSWuRoQ9YRKIw8o7mDDY2ZcT3KOB7RwtW1w1FN2eDqcy_sbCjXPaM1iBVH-mqMSYRmRd2nb5D1SJPeBzIYRqSglLc31wUGN7xEzyrKUczqOKsIcybQA", srcVault)
	tok("110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", srcTelegram)
	// Authorization headers and cookies (any scheme).
	for _, h := range []struct{ line, secret, src string }{
		{"Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", srcRFC7617},
		{"Authorization: Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM", srcRFC6750},
		{"Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "https://www.django-rest-framework.org/api-guide/authentication/#tokenauthentication"},
		{"Authorization: SSWS 00QCjAl4MlV-WPXM-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "00QCjAl4MlV-WPXM-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "https://developer.okta.com/docs/guides/create-an-api-token/main/"},
		{"Authorization: Splunk 6fdb8e3c-6a2f-4a3e-9d5b-1c2e7f8a9b0c", "6fdb8e3c-6a2f-4a3e-9d5b-1c2e7f8a9b0c", "https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector"},
		{"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", "https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html"},
		{"Proxy-Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQxMjM=", "dXNlcm5hbWU6cGFzc3dvcmQxMjM=", "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Proxy-Authorization"},
		{"X-Api-Key: a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html"},
		{"X-Auth-Token: gAAAAABnR5xK3c2Jp0qL8w9sT4vY6zA1bC3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9n", "gAAAAABnR5xK3c2Jp0qL8w9sT4vY6zA1bC3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9n", "https://docs.openstack.org/keystone/latest/api_curl_examples.html"},
		{"Cookie: sessionid=38afes7a8; csrftoken=u32t4o3tb3gg43; _gat=1", "38afes7a8", "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Cookie"},
		{"Set-Cookie: sessionId=e8bb43229de9; Domain=foo.example.com; Path=/; Secure; HttpOnly", "e8bb43229de9", srcMDNCookie},
		{"Set-Cookie: __Host-ID=123f9a8e7d6c5b4a; Secure; Path=/", "123f9a8e7d6c5b4a", srcMDNCookie},
		{"INFO[0007] Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjNWQ1k6RUVJTTo1TEdUOkZUVjc6Q09BUjpORjdZOjJCN1k6Q0dLVTo3TUtIOk5LTVI6U1JHVDpaV1dSIiwidHlwIjoiSldUIn0.eyJpc3MiOiJoYXJib3ItdG9rZW4taXNzdWVyIiwiYXVkIjoiaGFyYm9yLXJlZ2lzdHJ5IiwiZXhwIjoxNzMzMzQwOTA2LCJuYmYiOjE3MzMzMzkxMDYsImlhdCI6MTczMzMzOTEwNiwianRpIjoiUVNVTmFPQUNHVG5NSUpOTiJ9.VBo3NohteQqJDqSlAAsZlS-Y1DBfKJInB1m0GqSn96OkQKOgD-vorDXUa6vQNVUtPZgXnzKA13xxEm18UsNeqbguQFzUckF39mssAUPeefPOhcQvqKyeLX3xDKl2sanK1MyMNmZ", "VBo3NohteQqJDqSlAAsZlS-Y1DBfKJInB1m0GqSn96OkQKOgD-vorDXUa6vQNVUtPZgXnzKA13xxEm18UsNeqbguQFzUckF39mssAUPeefPOhcQvqKyeLX3xDKl2sanK1MyMNmZ", srcContainerd},
		{"curl -s -H 'Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a' https://api.github.com/user", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api#authenticating-with-a-personal-access-token"},
		{"ctr image pull --user admin:Harb0r12345 --plain-http 10.6.150.60:30003/paco/nginx:2", "Harb0r12345", srcCtrUser},
		{"crictl pull --creds my_user:my_pass_W0rd myorg/my_app:latest", "my_pass_W0rd", srcCtrUser},
		{"kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", "0123456789abcdef", srcKubeadm},
	} {
		doc("text", "logs/pods/web/app/0.log", h.line+"\n", h.src, []string{h.secret})
		doc("string", "-", h.line, h.src, []string{h.secret})
	}

	// Key names from scanners' keyword lists, each with a password-like
	// and a random value.
	for i, k := range []string{
		"ConsumerSecret", "HOMEBREW_GITHUB_API_TOKEN", "access_token_secret", "api_secret_key", "authorization_key",
		"bot_access_token", "client-secret", "dbpasswd", "encryption-key", "irc_pass", "session_key", "session_secret",
		"slack_secret_token", "CF_PASSWORD", "MSI_SECRET", "binance_secret", "BITTREX_API_SECRET", "CODECLIMATE_REPO_TOKEN",
		"DOCKERHUB_PASSWORD", "FACEBOOK_APP_SECRET", "FIREBASE_TOKEN", "CI_DEPLOY_PASSWORD", "AMAZON_AWS_SECRET_ACCESS_KEY",
		"oauth_token", "secret_token", "auth_token", "authtoken", "accesstoken", "db.password", "spring.datasource.password",
		"x-api-key", "apiKey", "api-key", "signingKey", "hmacSecret", "jwtSigningKey", "privateKey", "license", "LICENSE_KEY",
		"salt", "AUTH_SALT", "NEXTAUTH_SECRET", "SESSION_COOKIE_SECRET", "requirepass", "masterauth", "DB_PWD", "MYSQL_PWD",
		"passwd", "pass", "credentials", "client_credentials", "webhookSigningSecret", "x-auth-token", "ROOT_PASSWORD",
	} {
		v := []string{"Wint3r-is-C0ming!42", "q8Zr3nV1xK7pT2mW9sY4bD6fH0jL5cA3", dsValue, "Pa55:w0rd/with@symbols"}[i%4]
		src := srcSecLists
		switch {
		case strings.Contains(k, "."):
			src = srcSpringProps
		case k == "requirepass" || k == "masterauth":
			src = srcRedisConf
		case strings.HasPrefix(k, "x-"):
			src = srcHTTPHeaders
		case v == dsValue:
			src = srcDSKeyword
		}
		keyed(k, v, src)
	}

	// Credential files, in the layout each tool documents.
	doc("text", "root/.aws/credentials", "[default]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n[user1]\naws_access_key_id=ASIAI44QH8DHBEXAMPLE\naws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\naws_session_token=AQoDYXdzEJr1K2a3b4c5d6e7f8g9h0i1j2k3l4m5n6o7p8q9r0s1t2u3v4w5x6y7z8EXAMPLETOKEN\n", srcAWSCreds,
		[]string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "AQoDYXdzEJr1K2a3b4c5d6e7f8g9h0i1j2k3l4m5n6o7p8q9r0s1t2u3v4w5x6y7z8EXAMPLETOKEN", "AKIAIOSFODNN7EXAMPLE"}, "[user1]")
	ecPEM, pk8PEM, sshPEM := keys()
	sa, _ := json.MarshalIndent(map[string]string{"type": "service_account", "project_id": "my-project", "private_key_id": "4b1f3c5e7a9d2b4f6a8c0e2d4f6b8a0c1e3d5f7a", "private_key": pk8PEM,
		"client_email": "sa-name@my-project.iam.gserviceaccount.com", "client_id": "123456789012345678901", "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token"}, "", "  ")
	doc("json", "etc/gcp/key.json", string(sa), srcGCPKey, append(keyLines(pk8PEM), "4b1f3c5e7a9d2b4f6a8c0e2d4f6b8a0c1e3d5f7a"), "https://oauth2.googleapis.com/token", "sa-name@my-project.iam.gserviceaccount.com")
	add(corpus.Case{Shape: "doc", Kind: "text", Path: "etc/gcp/key.json", Input: string(sa), Secrets: keyLines(pk8PEM), Source: srcGCPKey})
	doc("yaml", "k8s/secrets/gcp.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp-sa\ntype: Opaque\ndata:\n  key.json: "+base64.StdEncoding.EncodeToString(sa)+"\n", srcGCPKey, keyLines(pk8PEM), "name: gcp-sa")
	cfgAuth := base64.StdEncoding.EncodeToString([]byte("ci-bot:Dckr-Hub-Pa55w0rd!"))
	dcfg := `{"auths":{"https://index.docker.io/v1/":{"auth":"` + cfgAuth + `"},"registry.example.com":{"identitytoken":"d2h5IGFyZSB5b3UgcmVhZGluZyB0aGlzPyBpdCBpcyBhIHRva2Vu"}},"credsStore":"desktop"}`
	doc("json", "root/.docker/config.json", dcfg, srcDockerCfg, []string{cfgAuth, "d2h5IGFyZSB5b3UgcmVhZGluZyB0aGlzPyBpdCBpcyBhIHRva2Vu", "Dckr-Hub-Pa55w0rd!"}, "registry.example.com", "desktop")
	doc("yaml", "k8s/secrets/regcred.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "+base64.StdEncoding.EncodeToString([]byte(dcfg))+"\n", "https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/", []string{"Dckr-Hub-Pa55w0rd!", "d2h5IGFyZSB5b3UgcmVhZGluZyB0aGlzPyBpdCBpcyBhIHRva2Vu"}, "name: regcred")
	doc("text", "root/.npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_Yb5tQ2kP9wX3rL7mN1vC4zA8sD6fH0jG2eTu\n//npm.pkg.example.com/:_auth="+base64.StdEncoding.EncodeToString([]byte("deploy:Npm-Priv4te-Pw"))+"\n//npm.other.example.com/:_password=TnBtLU90aGVyLVB3LTk5\nalways-auth=true\n", srcNpmrc,
		[]string{"npm_Yb5tQ2kP9wX3rL7mN1vC4zA8sD6fH0jG2eTu", base64.StdEncoding.EncodeToString([]byte("deploy:Npm-Priv4te-Pw")), "TnBtLU90aGVyLVB3LTk5"}, "registry=https://registry.npmjs.org/", "always-auth=true")
	doc("text", "root/.netrc", "machine api.github.com\n  login octocat\n  password ghp_16C7e42F292c6912E7710c838347Ae178B4a\nmachine ftp.example.com login anonymous password Netrc-Ftp-Pw-77\n", srcNetrc,
		[]string{"ghp_16C7e42F292c6912E7710c838347Ae178B4a", "Netrc-Ftp-Pw-77"}, "machine api.github.com", "login octocat")
	doc("text", "etc/pip.conf", "[global]\nindex-url = https://pypiuser:Pyp1-M1rror-Pw@pypi.example.com/simple\ntimeout = 60\n", srcPip, []string{"Pyp1-M1rror-Pw"}, "pypi.example.com/simple", "timeout = 60")
	doc("text", "root/.git-credentials", "https://octocat:ghp_9aZ8yX7wV6uT5sR4qP3oN2mL1kJ0iH9gF8eD@github.com\nhttps://oauth2:glpat-Xf3kT9qLm2VbN8rW4yZc@gitlab.example.com\n", srcGitCred,
		[]string{"ghp_9aZ8yX7wV6uT5sR4qP3oN2mL1kJ0iH9gF8eD", "glpat-Xf3kT9qLm2VbN8rW4yZc"}, "github.com", "gitlab.example.com")
	doc("yaml", "root/.config/helm/repositories.yaml", "apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\nrepositories:\n- caFile: \"\"\n  certFile: \"\"\n  insecure_skip_tls_verify: false\n  keyFile: \"\"\n  name: private\n  pass_credentials_all: false\n  password: Helm-Repo-Pw-2024\n  url: https://charts.example.com\n  username: ci\n", srcHelmRepos,
		[]string{"Helm-Repo-Pw-2024"}, "url: https://charts.example.com", "pass_credentials_all: false")
	doc("yaml", "k8s/argocd/repo.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: private-repo\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repository\nstringData:\n  type: git\n  url: https://github.com/argoproj/private-repo\n  password: ghp_Ar9oCdT0kenX1y2Z3a4B5c6D7e8F9g0H1i2J\n  username: my-username\n", srcArgo,
		[]string{"ghp_Ar9oCdT0kenX1y2Z3a4B5c6D7e8F9g0H1i2J"}, "argocd.argoproj.io/secret-type: repository")
	doc("text", "etc/redis/redis.conf", "bind 0.0.0.0\nport 6379\nrequirepass R3dis-Requ1re-Pass\nmasterauth R3dis-Master-Auth\nmaxmemory 2gb\n", srcRedisConf, []string{"R3dis-Requ1re-Pass", "R3dis-Master-Auth"}, "maxmemory 2gb", "port 6379")
	doc("text", "etc/app/application.properties", "spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.username=app\nspring.datasource.password=Spr1ng-Db-Pass!\nserver.port=8080\n", srcSpringProps, []string{"Spr1ng-Db-Pass!"}, "server.port=8080", "jdbc:postgresql://db:5432/app")

	// kubeconfigs: every credential field, whole and as base64.
	clientKey := base64.StdEncoding.EncodeToString([]byte(ecPEM))
	kc := "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0JnZ3Foa2pPUFFRREFqQWpNU0V3SHdZRFZRUUREQmhyTTNNdGMyVnkKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=\n    server: https://10.0.0.1:6443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    user: admin\n  name: prod\ncurrent-context: prod\nusers:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENDQVRlZ0F3SUJBZ0lJWlhBVTVmSjJ4c0F3Q2dZSUtvWkl6ajBFQXdJd0l6RWhNQjhHQTFVRUF3d1kKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=\n    client-key-data: " + clientKey + "\n- name: oidc\n  user:\n    auth-provider:\n      config:\n        client-id: kubernetes\n        client-secret: 1db158f6-177d-4d9c-8a8b-d36869918ec5\n        id-token: eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20iLCJzdWIiOiIxMTAxNjk0ODQ0NzQzODYyNzYzMzQifQ.c2lnbmF0dXJlLW9mLXRoZS1pZC10b2tlbi1oZXJl\n        idp-issuer-url: https://accounts.google.com\n        refresh-token: 1//0gYx9k2PqL3vN8mT4rW7sZ1aB5cD9eF3gH7iJ1kL5mN9oP3qR7sT1uV5wX9yZ\n      name: oidc\n- name: sa\n  user:\n    token: k8s-Static-Bearer-T0ken-9f8e7d6c5b4a\n- name: basic\n  user:\n    username: admin\n    password: Kub3-Basic-Pa55\n"
	doc("yaml", "etc/kubernetes/admin.conf", kc, srcKubeconfig,
		[]string{clientKey, "1db158f6-177d-4d9c-8a8b-d36869918ec5", "c2lnbmF0dXJlLW9mLXRoZS1pZC10b2tlbi1oZXJl", "1//0gYx9k2PqL3vN8mT4rW7sZ1aB5cD9eF3gH7iJ1kL5mN9oP3qR7sT1uV5wX9yZ", "k8s-Static-Bearer-T0ken-9f8e7d6c5b4a", "Kub3-Basic-Pa55"},
		"server: https://10.0.0.1:6443", "client-id: kubernetes", "idp-issuer-url: https://accounts.google.com")
	// Private keys in their own formats.
	for _, k := range []struct{ name, text, src string }{
		{"ec", ecPEM, "https://www.rfc-editor.org/rfc/rfc5915"},
		{"pkcs8", pk8PEM, "https://www.rfc-editor.org/rfc/rfc5208"},
		{"openssh", sshPEM, "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key"},
	} {
		doc("text", "etc/ssl/private/"+k.name+".key", k.text, k.src, keyLines(k.text))
		doc("yaml", "etc/app/tls.yaml", "tls:\n  cert: /etc/tls/tls.crt\n  key: |\n    "+strings.ReplaceAll(strings.TrimSpace(k.text), "\n", "\n    ")+"\n", k.src, keyLines(k.text), "cert: /etc/tls/tls.crt")
	}
	ppkPriv := base64.StdEncoding.EncodeToString(randBytes(48))
	ppk := "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: eddsa-key-20241124\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIHg3mXJqK4h4Zy2o2fGJ0bQ7rV1n8cPzT6uA5sW3\nYk9L\nPrivate-Lines: 1\n" + ppkPriv + "\nPrivate-MAC: 7a1c3e5f7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a\n"
	doc("text", "root/.ssh/id_ed25519.ppk", ppk, srcPutty, []string{ppkPriv}, "PuTTY-User-Key-File-3: ssh-ed25519")
	doc("text", "root/.config/sops/age/keys.txt", "# created: 2024-11-24T21:05:07Z\n# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\nAGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n", srcAge,
		[]string{"AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"}, "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")

	// Session 7: key material under "<purpose> key" names that hold no
	// secret word of their own, from the frameworks that read them.
	b64key := base64.StdEncoding.EncodeToString(randBytes(32))
	urlKey := base64.URLEncoding.EncodeToString(randBytes(32))
	hexKey := fmt.Sprintf("%x", randBytes(32))
	for _, k := range []struct{ key, value, src string }{
		{"FERNET_KEY", urlKey, "https://airflow.apache.org/docs/apache-airflow/stable/security/secrets/fernet.html (AIRFLOW__CORE__FERNET_KEY)"},
		{"AIRFLOW__CORE__FERNET_KEY", urlKey, "https://airflow.apache.org/docs/apache-airflow/stable/security/secrets/fernet.html"},
		{"APP_KEY", "base64:" + b64key, "https://laravel.com/docs/11.x/encryption#configuration (APP_KEY, php artisan key:generate)"},
		{"JWT_KEY", b64key, "https://github.com/nextcloud/helm/blob/main/charts/nextcloud/values.yaml (a JWT signing key in env)"},
		{"AES_KEY", hexKey, "https://docs.mattermost.com/configure/environment-configuration-settings.html (AtRestEncryptKey: an AES key in env)"},
		{"CSRF_KEY", b64key, "https://github.com/gorilla/csrf#readme (csrf.Protect([]byte(\"32-byte-long-auth-key\")))"},
		{"WEBHOOK_KEY", hexKey, "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries (the shared key of HMAC signatures)"},
		{"PresharedKey", b64key, "https://man7.org/linux/man-pages/man8/wg.8.html (CONFIGURATION FILE FORMAT: PresharedKey)"},
		{"RECOVERY_KEY", b64key, "https://developer.hashicorp.com/vault/docs/concepts/recovery-mode (recovery keys)"},
		{"ROOT_KEY", hexKey, "https://developer.hashicorp.com/vault/docs/concepts/seal (the root key)"},
		{"UNSEAL_KEY", b64key, "https://developer.hashicorp.com/vault/docs/commands/operator/unseal"},
		{"TOTP_KEY", "JBSWY3DPEHPK3PXP", "https://github.com/google/google-authenticator/wiki/Key-Uri-Format (the shared secret, base32)"},
		{"HASH_KEY", b64key, "https://github.com/gorilla/securecookie#readme (hashKey: authenticates the cookie with HMAC)"},
		{"BLOCK_KEY", b64key, "https://github.com/gorilla/securecookie#readme (blockKey: encrypts the cookie)"},
		{"CIPHER_KEY", hexKey, "https://docs.gitlab.com/ee/development/application_secrets.html (an encryption key in env)"},
	} {
		keyed(k.key, k.value, k.src)
	}
	// crypt(3) password hashes: an offline guess away from the password.
	const srcCrypt = "https://man7.org/linux/man-pages/man5/crypt.5.html (hashed passphrase formats)"
	const srcHtpasswd = "https://httpd.apache.org/docs/2.4/misc/password_encryptions.html"
	bcrypt := "$2y$10$" + strings.ReplaceAll(strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(randBytes(40))[:53], "+", "."), "=", "")
	sha512crypt := "$6$rounds=5000$" + "Xk3mQ9zL" + "$" + strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(randBytes(66))[:86], "+", ".")
	md5apr := "$apr1$" + "r31Zk9Qx" + "$" + strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(randBytes(17))[:22], "+", ".")
	yescrypt := "$y$j9T$" + strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(randBytes(16))[:22], "+", ".") + "$" + strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(randBytes(33))[:43], "+", ".")
	argon := "$argon2id$v=19$m=65536,t=3,p=4$" + base64.RawStdEncoding.EncodeToString(randBytes(16)) + "$" + base64.RawStdEncoding.EncodeToString(randBytes(32))
	tok(bcrypt, srcHtpasswd+" (bcrypt)", bcrypt)
	tok(argon, "https://github.com/P-H-C/phc-winner-argon2#command-line-utility (encoded hash)", argon)
	doc("text", "etc/nginx/.htpasswd", "admin:"+bcrypt+"\nalice:"+md5apr+"\n", srcHtpasswd, []string{bcrypt, md5apr}, "admin:", "alice:")
	doc("text", "etc/shadow", "root:"+sha512crypt+":19700:0:99999:7:::\ndeploy:"+yescrypt+":19700:0:99999:7:::\nnobody:*:19700:0:99999:7:::\n", srcCrypt,
		[]string{sha512crypt, yescrypt}, "nobody:*:19700:0:99999:7:::")
	// A Telegram bot token where the Bot API puts it: in the URL's path.
	tg := "5312718451:AAG" + strings.NewReplacer("+", "-", "/", "_").Replace(base64.RawStdEncoding.EncodeToString(randBytes(32))[:32])
	const srcTelegram = "https://core.telegram.org/bots/api#making-requests (https://api.telegram.org/bot<token>/METHOD_NAME)"
	doc("text", "var/log/alertmanager.log", "level=error msg=\"Notify for alerts failed\" err=\"telegram: Post \\\"https://api.telegram.org/bot"+tg+"/sendMessage\\\": dial tcp: i/o timeout\"\n",
		srcTelegram, []string{tg}, "https://api.telegram.org/bot", "/sendMessage")
	tok(tg, srcTelegram, tg)
	// Passwords that begin with '$', which a "$VARIABLE stays" rule must
	// not take for references (docker compose threads where they broke).
	crypt64 := func(n int) string {
		return strings.NewReplacer("+", ".", "=", "").Replace(base64.RawStdEncoding.EncodeToString(randBytes(n)))
	}
	keyed("TIMETAGPASS", "$$2a$$08$$"+crypt64(40)[:53], "https://github.com/docker/compose/issues/9716 (a bcrypt hash in .env, $ escaped as $$)")
	keyed("PAPERLESS_ADMIN_PASSWORD", "$"+"uperS3cret"+crypt64(6), "https://github.com/paperless-ngx/paperless-ngx/issues/8118 (a '$' in the admin password)")
	keyed("SA_PASSWORD", "$"+"tr0ngPA$$WORD123!@#", "https://github.com/microsoft/mssql-docker/issues/691 (StrongPA$$WORD123!@#)")
	keyed("MYSQL_PASSWORD", "$"+"3cr3t!"+crypt64(6), "https://github.com/docker/compose/issues/5965 (MYSQL_PASSSWORD=123$abc)")
	// Numeric passwords of quick setups, and write keys.
	keyed("MYSQL_ROOT_PASSWORD", "739215", "https://hub.docker.com/_/mysql (docker run -e MYSQL_ROOT_PASSWORD=...: six digits, as in countless issue pastes)")
	doc("text", "etc/keepalived/keepalived.conf", "vrrp_instance VI_1 {\n    state MASTER\n    authentication {\n        auth_type PASS\n        auth_pass 4711\n    }\n}\n",
		"https://keepalived.readthedocs.io/en/latest/case_study_failover.html (authentication { auth_type PASS auth_pass ... })", []string{"4711"}, "auth_type PASS")
	wk := crypt64(24)[:32]
	keyed("SEGMENT_WRITE_KEY", wk, "https://segment.com/docs/connections/find-writekey/")
	keyed("HONEYCOMB_WRITEKEY", wk, "https://docs.honeycomb.io/get-started/configure/environments/manage-api-keys/ (the writekey of Honeycomb's beelines)")
	doc("text", "var/log/app.log", "curl -H \"Ocp-Apim-Subscription-Key: "+hexKey[:32]+"\" https://contoso.azure-api.net/echo/resource\n",
		"https://learn.microsoft.com/en-us/azure/api-management/api-management-subscriptions", []string{hexKey[:32]}, "https://contoso.azure-api.net/echo/resource")
	// Passwords as positional arguments and on an echo's standard input,
	// from the programs' manuals.
	pw := func() string { return "Rq" + crypt64(9)[:10] + "7!" }
	for _, c := range []struct{ line, src string }{
		{"rabbitmqctl add_user admin %s", "https://www.rabbitmq.com/docs/man/rabbitmqctl.8 (add_user username password)"},
		{"rabbitmqctl -n rabbit@mq-0 change_password guest %s", "https://www.rabbitmq.com/docs/man/rabbitmqctl.8 (change_password username newpassword)"},
		{"net user svc_backup %s /add", "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2012-r2-and-2012/cc771865(v=ws.11)"},
		{"mc alias set myminio https://minio.example.net:9000 minioadmin %s", "https://min.io/docs/minio/linux/reference/minio-mc/mc-alias-set.html"},
		{"mc admin user add myminio svc %s", "https://min.io/docs/minio/linux/reference/minio-mc-admin/mc-admin-user-add.html"},
		{"echo 'deploy:%s' | sudo chpasswd", "https://man7.org/linux/man-pages/man8/chpasswd.8.html (user_name:password lines on standard input)"},
		{"echo %s | passwd --stdin deploy", "https://access.redhat.com/solutions/1543313 (passwd --stdin)"},
		{"echo \"%s\" | docker login -u ops --password-stdin registry.example.com", "https://docs.docker.com/reference/cli/docker/login/ (--password-stdin)"},
	} {
		p := pw()
		doc("text", "root/.bash_history", fmt.Sprintf(c.line, p)+"\n", c.src, []string{p})
	}
	s8 := session8(n, pw, crypt64)
	out = append(out, s8...)
	out = append(out, world3(n+len(s8), pw)...)
	return out
}

// keys makes throwaway private keys in the three PEM families.
func keys() (ecPEM, pk8PEM, sshPEM string) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalECPrivateKey(ec)
	ecPEM = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	pk8, _ := x509.MarshalPKCS8PrivateKey(ec)
	pk8PEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8}))
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	blk, err := ssh.MarshalPrivateKey(ed, "deploy@ci")
	if err != nil {
		panic(err)
	}
	sshPEM = string(pem.EncodeToMemory(blk))
	return
}

// keyLines are a PEM block's body lines.
func keyLines(p string) []string {
	var b []string
	for _, l := range strings.Split(strings.TrimSpace(p), "\n") {
		if !strings.HasPrefix(l, "-----") {
			b = append(b, l)
		}
	}
	return b
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
