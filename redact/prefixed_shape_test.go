package redact

import "testing"

// The prefixed-token shape catches vendor tokens no rule names, and must
// leave alone the compact timestamps in file names: the collector's own
// bundle name (rtsnap-<host>-<UTC time>.tar.zst) was redacted in its own
// "wrote ..." line.
func TestPrefixedTokenShape(t *testing.T) {
	for _, w := range []string{
		// shapes of real formats (made-up bodies): Notion ntn_, Hugging Face hf_,
		// OpenAI sk-proj-, Doppler dp.st.
		"ntn_45869034218aB3cD9eFgH1iJ2kL3mN4oP5qR6sT",
		"hf_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3f",
		"sk-proj-Xy7Zq2Lm9Np4Rs6Tu8Vw0Ab3Cd5Ef7Gh9",
		"dp.st.dev.k3J9xQ2mP7vL4nR8sT1wY6zA0bC5dE",
	} {
		if !prefixedTokenAt(w) {
			t.Errorf("%s: token shape not recognised", w)
		}
	}
	for _, w := range []string{
		"rtsnap-vm-20261201T105457Z.tar.zst",
		"rtsnap-ip-10-0-3-17.eu-west-1.compute.internal-20261201T105457Z.tar.zst",
		"backup-20251130T235959Z.tar.gz",
		"etcd-snapshot-20260101T000000Z.db",
		"UserAuthenticationService2024",
		"k8s_POD_web-0_lab_4f6c1f2e-0b1a-4c55-9a7e-2a1d3c4b5e6f_0",
	} {
		if prefixedTokenAt(w) {
			t.Errorf("%s: taken for a token", w)
		}
	}
}
