package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
)

func newKeygenCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out DIR",
		Short: "create an age identity and a minisign key pair",
		Long: fmt.Sprintf("Write %s (age identity, secret) and %s (its recipient), %s (minisign secret key) and %s (its public key) into DIR. Secrets are mode 0600; existing keys are never overwritten.\n\nWith %s set, the minisign secret key is passphrase-protected (rtsnap collect --sign-key then needs the same variable); without it the key is stored unencrypted so an unattended collector can sign: protect the file.",
			export.AgeIdentityFile, export.AgeRecipientFile, export.SignSecretFile, export.SignPublicKeyFile, export.PasswordEnv),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cli.Exit(runKeygen(out, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	cli.SetExitCodes(cmd, cli.OK, cli.Failed)
	cmd.Flags().StringVar(&out, "out", "", "`DIR` for the keys (created 0700)")
	if err := cmd.MarkFlagRequired("out"); err != nil {
		panic(err)
	}
	return cmd
}

// runKeygen is `rtsnap keygen`: an age identity for the recipient of bundles
// and a minisign key pair for the collector that signs them.
func runKeygen(out string, stdout, stderr io.Writer) int {
	k, err := export.GenerateKeys(out, os.Getenv(export.PasswordEnv), time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap keygen: %v\n", err)
		return cli.Failed
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
	return cli.OK
}
