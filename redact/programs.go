package redact

import "strings"

// Password arguments of particular programs, from their manuals: short
// flags that only mean "password" for that program (-p is a port to most
// others), glued values (mysql -pX) and positional ones (htpasswd -b file
// user PASSWORD). Used on command lines in text and on argv lists in JSON
// (OCI process.args, docker inspect Args).
type programSpec struct {
	// next: flags whose next argument is the password.
	next []string
	// glued: flags with the password glued on (mysql -pX).
	glued []string
	// needs: an argument that must be present (docker login).
	needs string
	// lastIfFlag: when a flag holding this letter is present, the last
	// positional argument is the password (htpasswd -b).
	lastIfFlag byte
	// strip is a prefix of the value to keep (openssl "pass:").
	strip string
}

var programs = map[string]programSpec{
	// https://dev.mysql.com/doc/refman/8.4/en/connection-options.html#option_general_password
	"mysql": {glued: []string{"-p"}}, "mysqldump": {glued: []string{"-p"}}, "mysqladmin": {glued: []string{"-p"}},
	"mariadb": {glued: []string{"-p"}}, "mariadb-dump": {glued: []string{"-p"}}, "mysqlsh": {glued: []string{"-p"}},
	"mysqlimport": {glued: []string{"-p"}}, "mysqlcheck": {glued: []string{"-p"}},
	// https://redis.io/docs/latest/develop/tools/cli/
	"redis-cli": {next: []string{"-a", "--pass", "--askpass"}}, "valkey-cli": {next: []string{"-a", "--pass"}},
	// https://linux.die.net/man/1/sshpass
	"sshpass": {next: []string{"-p"}, glued: []string{"-p"}},
	// https://docs.docker.com/reference/cli/docker/login/
	"docker": {next: []string{"-p"}, needs: "login"}, "podman": {next: []string{"-p"}, needs: "login"},
	"nerdctl": {next: []string{"-p"}, needs: "login"}, "buildah": {next: []string{"-p"}, needs: "login"},
	"skopeo": {next: []string{"-p"}, needs: "login"}, "oras": {next: []string{"-p"}, needs: "login"},
	// https://httpd.apache.org/docs/2.4/programs/htpasswd.html
	"htpasswd": {lastIfFlag: 'b'},
	// https://learn.microsoft.com/en-us/cli/azure/reference-index#az-login
	"az": {next: []string{"-p"}, needs: "login"},
	// https://learn.microsoft.com/en-us/sql/tools/sqlcmd/sqlcmd-utility
	"sqlcmd": {next: []string{"-P"}}, "bcp": {next: []string{"-P"}},
	// https://www.mongodb.com/docs/mongodb-shell/reference/options/
	"mongo": {next: []string{"-p"}}, "mongosh": {next: []string{"-p"}}, "mongodump": {next: []string{"-p"}},
	// https://linux.die.net/man/1/ldapsearch
	"ldapsearch": {next: []string{"-w"}}, "ldapadd": {next: []string{"-w"}}, "ldapmodify": {next: []string{"-w"}}, "ldapdelete": {next: []string{"-w"}},
	// https://docs.openssl.org/master/man1/openssl-passphrase-options/
	"openssl": {next: []string{"-passin", "-passout", "-pass"}, strip: "pass:"},
	// https://linux.die.net/man/1/zip, https://linux.die.net/man/1/ipmitool, useradd(8)
	"zip": {next: []string{"-P"}}, "unzip": {next: []string{"-P"}}, "ipmitool": {next: []string{"-P"}},
	"useradd": {next: []string{"-p"}}, "usermod": {next: []string{"-p"}},
}

// programTriggers are the words that make a line worth splitting into
// arguments (a short name with the space after it).
func programTriggers() []string {
	out := make([]string, 0, len(programs))
	for p := range programs {
		out = append(out, p+" ")
	}
	return out
}

// argSpan is a part of argument i to replace: arg[from:].
type argSpan struct{ i, from int }

// programPasswords finds the password arguments of every known program
// in argv (a command line split into words; a shell separator ends one).
func programPasswords(argv []string, out []argSpan) []argSpan {
	for i := 0; i < len(argv); i++ {
		name := argv[i]
		if j := strings.LastIndexByte(name, '/'); j >= 0 {
			name = name[j+1:]
		}
		spec, ok := programs[name]
		if !ok {
			continue
		}
		end := i + 1
		for end < len(argv) && !isShellSeparator(argv[end]) {
			end++
		}
		out = spec.passwords(argv, i+1, end, out)
		i = end - 1
	}
	return out
}

func isShellSeparator(a string) bool {
	switch a {
	case "|", "||", "&&", ";", "&":
		return true
	}
	return false
}

func (spec programSpec) passwords(argv []string, from, end int, out []argSpan) []argSpan {
	if spec.needs != "" {
		found := false
		for _, a := range argv[from:end] {
			found = found || a == spec.needs
		}
		if !found {
			return out
		}
	}
	lastPositional, flagSeen := -1, false
	for i := from; i < end; i++ {
		a := argv[i]
		hit := false
		for _, f := range spec.next {
			if a == f && i+1 < end {
				skip := 0
				if spec.strip != "" && strings.HasPrefix(argv[i+1], spec.strip) {
					skip = len(spec.strip)
				}
				out = append(out, argSpan{i + 1, skip})
				i++
				hit = true
				break
			}
		}
		if hit {
			continue
		}
		for _, f := range spec.glued {
			if strings.HasPrefix(a, f) && len(a) > len(f) && a[len(f)] != '-' && a[len(f)] != '=' {
				out = append(out, argSpan{i, len(f)})
				hit = true
				break
			}
		}
		if hit {
			continue
		}
		if strings.HasPrefix(a, "-") {
			if spec.lastIfFlag != 0 && !strings.HasPrefix(a, "--") && strings.IndexByte(a, spec.lastIfFlag) > 0 {
				flagSeen = true
			}
			continue
		}
		lastPositional = i
	}
	if flagSeen && lastPositional >= 0 {
		out = append(out, argSpan{lastPositional, 0})
	}
	return out
}

// programArgs redacts the password arguments of known programs in a line.
func (r *Redactor) programArgs(ln string, n int, o textOpts, h *hits) string {
	var words []string
	var starts []int
	for i := 0; i < len(ln); {
		for i < len(ln) && (ln[i] == ' ' || ln[i] == '\t') {
			i++
		}
		j := i
		for j < len(ln) && ln[j] != ' ' && ln[j] != '\t' {
			j++
		}
		if j > i {
			words, starts = append(words, ln[i:j]), append(starts, i)
		}
		i = j
	}
	spans := programPasswords(words, nil)
	if len(spans) == 0 {
		return ln
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		s := starts[sp.i] + sp.from
		e := starts[sp.i] + len(words[sp.i])
		v := strings.Trim(ln[s:e], `"'`)
		if s < last || v == "" || isMarker(v) || insideMarker(ln, s) {
			continue
		}
		b.WriteString(ln[last:s])
		b.WriteString(quoteLike(ln[s:e], r.replacement(RuleSecretKey, v)))
		last = e
		r.place(h, RuleSecretKey, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}
