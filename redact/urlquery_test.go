package redact

import (
	"strings"
	"testing"
)

// The URL query and URL token rules fire on real shapes and stay quiet on
// the URLs around them.
func TestURLQueryAndTokenRules(t *testing.T) {
	r := newR(t, Config{})
	for _, c := range []struct{ in, secret, keep string }{
		// https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
		{"GET https://b.s3.us-east-1.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", "X-Amz-Expires=3600"},
		// https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
		{"GET /cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz HTTP/1.1", "SplxlOBeZQQYbYS6WxSbIA", "state=xyz"},
		// https://docs.sentry.io/concepts/key-terms/dsn-explainer/
		{"SENTRY_DSN_URL=https://examplePublicKey0123456789@o0.ingest.sentry.io/0", "examplePublicKey0123456789", "o0.ingest.sentry.io/0"},
	} {
		out := r.String(c.in)
		if strings.Contains(out, c.secret) || !strings.Contains(out, c.keep) {
			t.Errorf("%q -> %q", c.in, out)
		}
	}
	for _, quiet := range []string{"exit code=137 reason=OOMKilled", "https://example.com/a?code=1&x=2", "git clone git@github.com:org/repo.git", "https://user@host.example/path"} {
		if out := r.String(quiet); out != quiet {
			t.Errorf("%q changed: %q", quiet, out)
		}
	}
}
