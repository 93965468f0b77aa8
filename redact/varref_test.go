package redact

import (
	"strings"
	"testing"
)

// References stay; passwords and hashes that begin with '$' do not (the
// compose threads where such passwords broke: docker/compose#5965, #7606,
// #9716; paperless-ngx#8118).
func TestIsVarRef(t *testing.T) {
	for v, want := range map[string]bool{
		"$DB_PASSWORD": true, "${DB_PASSWORD}": true, "${db_password}": true, "$(REDIS_PASSWORD)": true,
		"$PASS2": true, "$input;": true, "$password": true, "${A1b2}": true,
		"$": false, "$$": false, "${}": false, "$2y$10$abc": false, "$$2a$$08$$qFFehmqHMmIwR91g": false,
		"$3cr3t!": false, "$uperS3cret": false, "$tr0ngPA$$WORD123!@#": false, "${DB_PASSWORD:-hunter2}": false,
		"$ecret pass": false, "$(cat /run/secrets/db)": false, "DB_PASSWORD": false, "$9abc": false,
	} {
		if got := isVarRef(v); got != want {
			t.Errorf("isVarRef(%q) = %v, want %v", v, got, want)
		}
	}
}

// A password-hash and a bot token in their carriers' shapes beyond the world
// set's (redact/testdata/world curated/197-206): sha256crypt, md5crypt,
// scrypt, argon2i without v=, and a hash inside an INI value; the Telegram
// token in a webhook URL with a query.
func TestPasswordHashAndBotTokenShapes(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, secret, keep string }{
		{"user1:$5$rounds=80000$wnsT7Yr92oJoP28r$cKhJImk5mfuSKV9b3mumNzlbstFUplKtQXXMo4G6Ep5:19700::::::", "cKhJImk5mfuSKV9b3mumNzlbstFUplKtQXXMo4G6Ep5", "user1:"},
		{"bob:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/\n", "qjXMvbEw8oaL.CzflDugX/", "bob:"},
		{"hash = $scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD", "hash"},
		{`"passwordHash":"$argon2i$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A"`, "iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A", "passwordHash"},
		{"POST https://api.telegram.org/bot7012345678:AAH9xK2LmQpR7sT3vW8yZ1bC4dE6fG0hJ5k/setWebhook?url=https://bot.example.com", "AAH9xK2LmQpR7sT3vW8yZ1bC4dE6fG0hJ5k", "/setWebhook?url=https://bot.example.com"},
	} {
		out, _ := r.Bytes("x.log", Text, []byte(c.in))
		if s := string(out); strings.Contains(s, c.secret) || !strings.Contains(s, c.keep) {
			t.Errorf("%q\n -> %q\n want %q gone and %q kept", c.in, s, c.secret, c.keep)
		}
	}
	// Not hashes: a price and a shell prompt.
	for _, in := range []string{"total: $5$ per unit", "PS1='$1$ '", "cost $6$ (approx)"} {
		if out, _ := r.Bytes("x.log", Text, []byte(in)); string(out) != in {
			t.Errorf("%q -> %q, want it unchanged", in, out)
		}
	}
}

// Two password places on one command line, found by different rules (an
// echo into chpasswd after mysql's glued -p, a positional password before a
// flag): both go, whatever order the rules found them in.
func TestProgramPasswordsInLineOrder(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in      string
		secrets []string
	}{
		{"mysql -uroot -pS3cret1xQ && echo 'deploy:S3cret2yZ' | chpasswd", []string{"S3cret1xQ", "S3cret2yZ"}},
		{"echo 'deploy:S3cret3wP' | chpasswd && mysql -pS3cret4vR", []string{"S3cret3wP", "S3cret4vR"}},
		{"rabbitmqctl add_user admin S3cret5uT && redis-cli -a S3cret6sN ping", []string{"S3cret5uT", "S3cret6sN"}},
	} {
		out, _ := r.Bytes("x.log", Text, []byte(c.in))
		for _, s := range c.secrets {
			if strings.Contains(string(out), s) {
				t.Errorf("%q\n -> %q: %s survives", c.in, out, s)
			}
		}
	}
}
