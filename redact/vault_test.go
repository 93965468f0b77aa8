package redact

import "testing"

// HashiCorp Vault's tokens since 1.10: hvs. (service), hvb. (batch), hvr.
// (recovery), then base62 (developer.hashicorp.com, Vault tokens). gitleaks'
// vault-service-token wants 90-120 bytes after "hvs." and allows any match
// holding "s." and 24 letters (meant for the old "s.<24>" form, unanchored),
// so a token whose body starts with 24 letters, as about 2 % of real ones
// do ("CAESI" and 19 more), and the shorter tokens of documentation and
// tests, went through. The token-prefix rule takes them.
func TestVaultTokens(t *testing.T) {
	r := newR(t, Config{})
	checkSecretCases(t, r, []secretCase{
		// The example of a Vault tutorial's `vault token lookup` (ibm.github.io japan-technology, Vault tokens).
		{"lookup output", "id                  hvs.CAESIABcDeFgHiJkLmNoPqRsTuVwXyZ\n", "CAESIABcDeFgHiJkLmNoPqRsTuVwXyZ"},
		{"letters first", "vault token hvs.CAESIAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGHIJKLMNOPQRSabcdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGH\n", "CAESIAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
		{"batch token", "using hvb.AAAAAQJgxDgqsGNorpoOR7hPZ5SU-ynBvCl764jyRP_fnX7WvkdkDzGjbLNGdPdtlY33Als2P36yDZueqzfdGw9RsaTeaYXSH7E4RYSWuRoQ9YRKIw8o7mDDY2ZcT3KOB7RwtW1w1FN2eDqcy_sbCjXPaM1iBVH-mqMSYRmRd2nb5D1SJPeBzIYRqSSJ\n", "AAAAAQJgxDgqsGNorpoOR7hPZ5SU"},
		{"quiet: host names and short words", "vault at hvs.service.consul:8200\nhvs.conf loaded\nsee hvs.io\n", ""},
	})
}
