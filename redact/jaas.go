package redact

import (
	"regexp"
	"strings"
)

// Kafka's JAAS configuration (https://kafka.apache.org/documentation/#security_sasl_plain):
// a PlainLoginModule's options list every user allowed in as
// user_<name>="<password>", one per line in kafka_server_jaas.conf or all on
// the line of sasl.jaas.config. user_<name> names no secret anywhere else
// (user_agent, user_id), so the options count only inside a login module:
// from the line naming jaasWord to the option that ends it with ';'.

// jaasWord opens a login module's options.
const jaasWord = "LoginModule"

// jaasUserRE is one user_<name>="<password>" option.
var jaasUserRE = regexp.MustCompile(`\buser_[A-Za-z0-9_.-]+\s*=\s*"([^"]*)"`)

// jaasUserLocs finds jaasUserRE's matches from each "user_" (atWords).
var jaasUserLocs = atWords(jaasUserRE, []startWord{{"user_", true}})

// jaasEnds: the line ends a login module's options (the last one's ';',
// or the section's '}').
func jaasEnds(ln string) bool {
	return strings.HasSuffix(strings.TrimRight(ln, " \t\r"), ";") || strings.IndexByte(ln, '}') >= 0
}
