package redact

import "strings"

// The armour of a private key, one definition for every path that follows
// a key across lines (text.go's line state, records.go's JSON records and
// orphaned bodies, pemcomment.go, the pem-private-key rule): PEM's BEGIN
// and END lines (RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8) and PGP's
// "PRIVATE KEY BLOCK"; ssh.com's SSH2 format, four dashes and spaces
// (PuTTYgen exports it: "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----");
// OpenVPN's static keys, the shared secret of --tls-auth, --tls-crypt and
// --secret ("-----BEGIN OpenVPN Static key V1-----", hex lines).
const (
	armourBegin = `(?:-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----|-----BEGIN OpenVPN Static key V1-----)`
	armourEnd   = `(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|---- END SSH2 ENCRYPTED PRIVATE KEY ----|-----END OpenVPN Static key V1-----)`
)

// armourWords are literals every armour line holds, for the fast paths
// that look for one before running the regexps.
var armourWords = []string{"PRIVATE KEY", "Static key V1"}

// mayHoldArmour: s holds a literal of some key's armour.
func mayHoldArmour[T string | []byte](s T) bool {
	for _, w := range armourWords {
		if strings.Contains(string(s), w) {
			return true
		}
	}
	return false
}

// mayHoldArmourEnd: s may hold an armour's END line.
func mayHoldArmourEnd(s string) bool {
	return mayHoldArmour(s) && (strings.Contains(s, "-----END") || strings.Contains(s, "---- END"))
}
