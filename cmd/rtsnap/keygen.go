package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtsnap/rtsnap/export"
)

// runKeygen is `rtsnap keygen`: an age identity for the recipient of bundles
// and a minisign key pair for the collector that signs them.
func runKeygen(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("rtsnap keygen", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory for the keys (created 0700; existing keys are never overwritten), e.g. --out /root/rtsnap-keys")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rtsnap keygen --out DIR\n\nWrites %s (age identity, secret) and %s (its recipient),\n%s (minisign secret key) and %s (its public key).\nSecrets are mode 0600. With %s set, the minisign secret key is passphrase-protected\n(rtsnap collect --sign-key then needs the same variable); without it the key is stored\nunencrypted so an unattended collector can sign: protect the file.\n\nFlags:\n",
			export.AgeIdentityFile, export.AgeRecipientFile, export.SignSecretFile, export.SignPublicKeyFile, export.PasswordEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	k, err := export.GenerateKeys(*out, os.Getenv(export.PasswordEnv), time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap keygen: %v\n", err)
		return 1
	}
	for _, f := range k.Files {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	fmt.Fprintf(stdout, "age recipient (give to collectors: --encrypt-to): %s\n", k.Recipient)
	prot := "unencrypted: anyone who can read the file can sign"
	if k.SignKeyEncrypted {
		prot = "passphrase-protected (" + export.PasswordEnv + ")"
	}
	fmt.Fprintf(stdout, "minisign key id: %s (secret key %s)\n", k.SignKeyID, prot)
	return 0
}
