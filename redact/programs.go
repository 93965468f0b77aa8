package redact

import (
	"cmp"
	"slices"
	"strings"
)

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
	// positional: after this subcommand (one word, or two joined by a
	// space), the n-th positional argument is the password
	// (rabbitmqctl add_user USER PASSWORD).
	positional map[string]int
	// valueFlags take the next argument as their value, which is then not
	// positional (rabbitmqctl -n NODE); slashFlags: /add, /active:no are
	// flags (Windows' net).
	valueFlags []string
	slashFlags bool
	// userFlags take USER%PASSWORD (smbclient -U alice%pw): the part
	// after userSep is the password.
	userFlags []string
	userSep   byte
	// logon: the first positional argument is USER/PASSWORD[@CONNECT]
	// (Oracle's sqlplus scott/tiger@orcl): what follows the '/'.
	logon bool
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
	// openssl enc -k PASSWORD; openssl passwd [-1|-5|-6|-salt S] PASSWORD.
	"openssl": {next: []string{"-passin", "-passout", "-pass", "-psk", "-k"}, strip: "pass:",
		positional: map[string]int{"passwd": 1}, valueFlags: []string{"-salt", "-in"}},
	// https://linux.die.net/man/1/zip, https://linux.die.net/man/1/ipmitool, useradd(8)
	"zip": {next: []string{"-P"}}, "unzip": {next: []string{"-P"}}, "ipmitool": {next: []string{"-P"}},
	"useradd": {next: []string{"-p"}}, "usermod": {next: []string{"-p"}},
	// https://www.rabbitmq.com/docs/man/rabbitmqctl.8 (add_user, change_password)
	"rabbitmqctl": {positional: map[string]int{"add_user": 2, "change_password": 2}, valueFlags: []string{"-n", "--node", "-t", "--timeout"}},
	// https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2012-r2-and-2012/cc771865(v=ws.11) (net user NAME PASSWORD)
	"net": {positional: map[string]int{"user": 2}, slashFlags: true},
	// https://min.io/docs/minio/linux/reference/minio-mc/mc-alias-set.html (ALIAS URL ACCESSKEY SECRETKEY),
	// mc admin user add ALIAS USER PASSWORD
	"mc": {positional: map[string]int{"alias set": 4, "config host add": 4, "host add": 4, "user add": 3}},
	// https://www.samba.org/samba/docs/current/man-html/smbclient.1.html (-U|--user=[DOMAIN\]USERNAME[%PASSWORD])
	"smbclient": {userFlags: []string{"-U", "--user"}, userSep: '%'}, "rpcclient": {userFlags: []string{"-U", "--user"}, userSep: '%'},
	"smbcacls": {userFlags: []string{"-U", "--user"}, userSep: '%'},
	// https://github.com/FreeRDP/FreeRDP/wiki/CommandLineInterface (/p:<password>)
	"xfreerdp": {glued: []string{"/p:"}}, "xfreerdp3": {glued: []string{"/p:"}}, "wlfreerdp": {glued: []string{"/p:"}}, "sdl-freerdp": {glued: []string{"/p:"}},
	// http://www.net-snmp.org/docs/man/snmpcmd.html: -c COMMUNITY (v1/v2c),
	// -A AUTHPASSPHRASE and -X PRIVPASSPHRASE (v3), apart or glued.
	"snmpwalk": snmpSpec, "snmpget": snmpSpec, "snmpgetnext": snmpSpec, "snmpset": snmpSpec, "snmpbulkwalk": snmpSpec,
	"snmpbulkget": snmpSpec, "snmptable": snmpSpec, "snmptrap": snmpSpec, "snmpinform": snmpSpec, "snmpstatus": snmpSpec,
	"snmpdelta": snmpSpec, "snmpdf": snmpSpec, "snmptranslate": snmpSpec, "snmpusm": snmpSpec, "snmpvacm": snmpSpec,
	// https://7-zip.opensource.jp/chm/cmdline/switches/password.htm (-p{Password}), unrar(1) (-p<pwd>)
	"7z": {glued: []string{"-p"}}, "7za": {glued: []string{"-p"}}, "7zz": {glued: []string{"-p"}},
	"unrar": {glued: []string{"-p"}}, "rar": {glued: []string{"-p"}},
	// https://man.openbsd.org/ssh-keygen.1 (-N new_passphrase, -P passphrase)
	"ssh-keygen": {next: []string{"-N", "-P"}},
	// https://lftp.yar.ru/lftp-man.html (-u user[,pass])
	"lftp": {userFlags: []string{"-u", "--user"}, userSep: ','},
	// https://www.rabbitmq.com/docs/management-cli (-u USERNAME -p PASSWORD)
	"rabbitmqadmin": {next: []string{"-p"}},
	// https://docs.oracle.com/en/database/oracle/oracle-database/19/sqpug/SQL-Plus-command-reference.html
	// (sqlplus [[option] [logon] [start]], logon: username[/password][@connect_identifier]);
	// Data Pump's clients take the same logon.
	"sqlplus": {logon: true}, "expdp": {logon: true}, "impdp": {logon: true},
	// https://docs.aws.amazon.com/cli/latest/reference/configure/set.html (aws configure set VARNAME VALUE)
	"aws": {positional: map[string]int{"configure set aws_secret_access_key": 1, "configure set aws_session_token": 1},
		valueFlags: []string{"--profile", "--region", "--output"}},
	// https://networkmanager.dev/docs/api/latest/nmcli.html (nmcli device wifi connect SSID password PASSWORD;
	// nmcli connection modify NAME wifi-sec.psk PSK)
	"nmcli": {next: []string{"password", "wifi-sec.psk", "802-1x.password", "vpn.secrets"}},
}

// snmpSpec is net-snmp's commands' (snmpcmd(1)): every one takes the same
// authentication flags.
var snmpSpec = programSpec{next: []string{"-c", "-A", "-X"}, glued: []string{"-c", "-A", "-X"}}

// stdinReader is a program that reads a password from standard input, so
// `echo PASS | CMD` puts it on the command line: when given the flag needs
// (passwd --stdin), and after sep in each echoed word (chpasswd's
// USER:PASSWORD lines).
type stdinReader struct{ needs, sep string }

var stdinReaders = map[string]stdinReader{"chpasswd": {sep: ":"}, "passwd": {needs: "--stdin"}}

// stdinFlags make any program read its password from standard input.
var stdinFlags = []string{"--password-stdin", "--passphrase-stdin"}

// programTriggers are the words that make a line worth splitting into
// arguments (a short name with the space after it).
func programTriggers() []string {
	out := make([]string, 0, len(programs)+len(stdinReaders)+len(stdinFlags))
	for p := range programs {
		out = append(out, p+" ")
	}
	for p := range stdinReaders {
		out = append(out, p)
	}
	return append(out, stdinFlags...)
}

// argSpan is a part of argument i to replace: arg[from:].
type argSpan struct{ i, from int }

// programPasswords finds the password arguments of every known program
// in argv (a command line split into words; a shell separator ends one).
// The spans come in line order: programArgs replaces them left to right.
func programPasswords(argv []string, out []argSpan) []argSpan {
	first := len(out)
	out = echoedPasswords(argv, out)
	for i := 0; i < len(argv); i++ {
		spec, ok := programs[progName(argv[i])]
		if !ok {
			continue
		}
		// A program's arguments end at a shell separator or at another
		// known program: one run by it (docker exec db mysql -pX, sudo,
		// env, sh -c 'mysql -pX') has flags of its own that the outer
		// one's spec does not know. Each word is read by one program, so
		// a line of 50 000 "docker exec mysql" stays linear.
		end := i + 1
		for end < len(argv) && !isShellSeparator(argv[end]) {
			if _, known := programs[progName(argv[end])]; known {
				break
			}
			end++
		}
		out = spec.passwords(argv, i+1, end, out)
		i = end - 1
	}
	// An echo into a reader and a program's own flags, or a subcommand's
	// positional password and a later flag, are found out of order.
	slices.SortFunc(out[first:], func(a, b argSpan) int { return cmp.Or(cmp.Compare(a.i, b.i), cmp.Compare(a.from, b.from)) })
	return out
}

// argvPasswordsOf: which of n list elements (elem: the string and whether
// it is one) hold a known program's password (programPasswords), when the
// list names such a program; nil otherwise (most lists do not, and cost
// no allocation). A structured walker replaces those elements whole.
func argvPasswordsOf(n int, elem func(i int) (string, bool)) map[int]bool {
	named := false
	for i := 0; i < n && !named; i++ {
		if s, ok := elem(i); ok {
			named = namesProgram(s)
		}
	}
	if !named {
		return nil
	}
	argv := make([]string, n)
	for i := range argv {
		if s, ok := elem(i); ok {
			argv[i] = s
		}
	}
	var out map[int]bool
	for _, sp := range programPasswords(argv, nil) {
		if out == nil {
			out = map[int]bool{}
		}
		out[sp.i] = true
	}
	return out
}

// namesProgram: word s names a program whose passwords programPasswords
// finds (programs), or the echo or printf whose output a reader takes
// (echoedPasswords). A list none of whose words does so holds no span:
// both look only after such a word.
func namesProgram(s string) bool {
	name := progName(s)
	_, known := programs[name]
	return known || name == "echo" || name == "printf"
}

// echoedPasswords finds `echo ARGS | READER`, where READER takes a password
// on standard input: the echoed words are the password (after the first
// ':' for chpasswd's USER:PASSWORD).
func echoedPasswords(argv []string, out []argSpan) []argSpan {
	for p := 1; p+1 < len(argv); p++ {
		if argv[p] != "|" {
			continue
		}
		start := p - 1
		for start > 0 && !isShellSeparator(argv[start-1]) {
			start--
		}
		if name := progName(argv[start]); name != "echo" && name != "printf" {
			continue
		}
		end := p + 1
		for end < len(argv) && !isShellSeparator(argv[end]) {
			end++
		}
		reader := argv[p+1 : end]
		if len(reader) > 0 && progName(reader[0]) == "sudo" {
			reader = reader[1:]
		}
		if len(reader) == 0 {
			continue
		}
		sr, reads := stdinReaders[progName(reader[0])]
		if reads && sr.needs != "" {
			reads = slices.Contains(reader[1:], sr.needs)
		}
		for _, f := range stdinFlags {
			reads = reads || slices.Contains(reader[1:], f)
		}
		if !reads {
			continue
		}
		for i := start + 1; i < p; i++ {
			a := strings.Trim(argv[i], `"'`)
			if strings.HasPrefix(a, "-") && i == start+1 {
				continue // echo -n, printf's format comes first anyway
			}
			from := 0
			if sep := sr.sep; sep != "" {
				j := strings.Index(argv[i], sep)
				if j < 0 {
					continue
				}
				from = j + 1
			}
			out = appendDoubling(out, argSpan{i, from})
		}
	}
	return out
}

// progName is the program an argument names: its base name without what
// opens a subshell, a command substitution or a quoted command before it
// ("(mysql", "`mysql", "$(mysql", "R=$(mysql", "'mysql" of sh -c 'mysql -pX').
func progName(a string) string {
	if i := strings.LastIndexAny(a, "(`"); i >= 0 {
		a = a[i+1:]
	}
	for len(a) > 0 {
		switch {
		case a[0] == '\'' || a[0] == '"' || a[0] == '{':
			a = a[1:]
		default:
			return baseName(a)
		}
	}
	return a
}

func baseName(a string) string {
	if j := strings.LastIndexByte(a, '/'); j >= 0 {
		return a[j+1:]
	}
	return a
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
	logon := spec.logon
	if len(spec.positional) > 0 {
		out = spec.positionalPassword(argv, from, end, out)
	}
	for i := from; i < end; i++ {
		a := argv[i]
		hit := false
		for _, f := range spec.next {
			if a == f && i+1 < end {
				skip := 0
				if spec.strip != "" && strings.HasPrefix(argv[i+1], spec.strip) {
					skip = len(spec.strip)
				}
				out = appendDoubling(out, argSpan{i + 1, skip})
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
				out = appendDoubling(out, argSpan{i, len(f)})
				hit = true
				break
			}
		}
		if hit {
			continue
		}
		if spec.userSep != 0 {
			if span, ok := spec.userPassword(argv, i, end); ok {
				out = appendDoubling(out, span)
				continue
			}
		}
		if logon && !strings.HasPrefix(a, "-") {
			logon = false
			// "/nolog", "/ as sysdba": no user, no password; a password
			// another rule replaced ("[REDACTED...") or an Easy Connect
			// "//host" stays.
			if k := strings.IndexByte(a, '/'); k > 0 && k+1 < len(a) && a[k+1] != '/' && a[k+1] != '[' && a[k+1] != '@' {
				out = appendDoubling(out, argSpan{i, k + 1})
				continue
			}
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
		out = appendDoubling(out, argSpan{lastPositional, 0})
	}
	return out
}

// userPassword: argument i is a user flag with USER%PASSWORD, glued
// ("--user=alice%pw", "-Ualice%pw") or in the next argument: the span of
// the password.
func (spec programSpec) userPassword(argv []string, i, end int) (argSpan, bool) {
	a := argv[i]
	for _, f := range spec.userFlags {
		j, v := i, ""
		switch {
		case a == f && i+1 < end:
			j, v = i+1, argv[i+1]
		case strings.HasPrefix(a, f+"="):
			v = a[len(f)+1:]
		case len(f) == 2 && strings.HasPrefix(a, f) && len(a) > 2:
			v = a[2:]
		default:
			continue
		}
		if k := strings.IndexByte(v, spec.userSep); k >= 0 && k+1 < len(v) {
			return argSpan{j, len(argv[j]) - len(v) + k + 1}, true
		}
	}
	return argSpan{}, false
}

// positionalPassword: the n-th positional argument after a subcommand of
// spec.positional. Flags (and a flag's "=value") are not positional.
func (spec programSpec) positionalPassword(argv []string, from, end int, out []argSpan) []argSpan {
	var words []int // positional arguments
	for i := from; i < end; i++ {
		switch a := argv[i]; {
		case slices.Contains(spec.valueFlags, a):
			i++
		case strings.HasPrefix(a, "-"), spec.slashFlags && strings.HasPrefix(a, "/"):
		default:
			words = append(words, i)
		}
	}
	for k := range words {
		for phrase, n := range spec.positional {
			parts := strings.Fields(phrase)
			if k+len(parts) > len(words) {
				continue
			}
			match := true
			for j, w := range parts {
				match = match && argv[words[k+j]] == w
			}
			if at := k + len(parts) - 1 + n; match && at < len(words) {
				return append(out, argSpan{words[at], 0})
			}
		}
	}
	return out
}

// shellWords splits a command line into words at blanks, and a word
// further at a shell separator glued to it (mysql -pX;echo, a&&b, x|y:
// the separator becomes a word of its own), unless a quote opened in the
// word before it is still open (-p'a;b' is one password). A quote opened
// in an earlier word is not followed: in sh -c 'mysql -pX; echo' the
// separator ends the inner command all the same.
func shellWords(ln string, words []string, starts []int) ([]string, []int) {
	if words == nil {
		// Sized once from a count of the bytes that can end a word (a
		// separator ends the word before it and is one itself): grown by
		// append, a 1 MiB line of "mysql -px;" reallocated its 300,000
		// words over and over (32 MB per MiB), which the collector's own
		// GC then charged to the line.
		n := 1 + strings.Count(ln, " ") + strings.Count(ln, "\t") + 2*(strings.Count(ln, ";")+strings.Count(ln, "|")+strings.Count(ln, "&"))
		words, starts = make([]string, 0, n), make([]int, 0, n)
	}
	for i := 0; i < len(ln); {
		for i < len(ln) && (ln[i] == ' ' || ln[i] == '\t') {
			i++
		}
		start := i
		var quote byte
		for i < len(ln) && ln[i] != ' ' && ln[i] != '\t' {
			c := ln[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == ';' || c == '|' || c == '&':
				if i > start {
					words, starts = append(words, ln[start:i]), append(starts, start)
				}
				j := i + 1
				if j < len(ln) && ln[j] == c && c != ';' {
					j++ // && and ||
				}
				words, starts = append(words, ln[i:j]), append(starts, i)
				start, i = j, j
				continue
			}
			i++
		}
		if i > start {
			words, starts = append(words, ln[start:i]), append(starts, start)
		}
	}
	return words, starts
}

// programArgs redacts the password arguments of known programs in a line.
func (r *Redactor) programArgs(ln string, n int, o textOpts, h *hits) string {
	words, starts := shellWords(ln, nil, nil)
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
		if s < last || v == "" || isMarker(v) || isVarRef(v) || insideMarker(ln, s) {
			continue
		}
		repl := quoteLike(ln[s:e], r.replacement(RuleSecretKey, v))
		growOutput(&b, len(ln), s-last+len(repl))
		b.WriteString(ln[last:s])
		b.WriteString(repl)
		last = e
		r.place(h, RuleSecretKey, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}
