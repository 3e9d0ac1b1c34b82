package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

func (a *app) initCmd() *cobra.Command {
	var noKeyring, withPassword bool
	var keyOut string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a new vault (keyring + recovery key by default)",
		Long: `Create a new vault. It always gets a recovery key, shown once; add it to
your paper records. It also gets a keyring slot when a Secret Service answers,
and a password slot when --password-file is given, when --password is set,
or when there is no keyring (then the password is asked on the terminal).`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.runInit(noKeyring, withPassword, keyOut)
		},
	}
	cmd.Flags().BoolVar(&noKeyring, "no-keyring", false, "do not use the OS keyring (a password is then required)")
	cmd.Flags().BoolVar(&withPassword, "password", false, "also protect the vault with a password (asked on the terminal)")
	cmd.Flags().StringVar(&keyOut, "recovery-key-out", "", "write the recovery key to this new file (mode 0600) instead of stdout")
	return cmd
}

func (a *app) runInit(noKeyring, withPassword bool, keyOut string) error {
	path := a.path()
	if _, err := os.Stat(path); err == nil {
		return &userError{code: exitError, msg: "a vault already exists at " + path,
			hint: "use it, or choose another file with --vault PATH"}
	}
	useKeyring := !noKeyring && a.keyringAnswers()
	if !noKeyring && !useKeyring && a.passwordFile != "" && keyring.NoSession() {
		a.hint("no keyring in this session (DBUS_SESSION_BUS_ADDRESS is unset): the vault gets no keyring slot; add one later with: otter slot add keyring")
	}
	password, err := a.initPassword(useKeyring, noKeyring, withPassword)
	if err != nil {
		return err
	}
	defer wipe(password)
	key, display, err := vault.NewRecoveryKey(rand.Reader)
	if err != nil {
		return err
	}
	defer wipe(key)
	creds := []vault.Credential{vault.RecoveryKey{Key: key}}
	if useKeyring {
		creds = append(creds, vault.Keyring{Store: a.store})
	}
	if password != nil {
		creds = append(creds, vault.Password{Secret: password, KDF: vaultops.PasswordKDF(a.kdf)})
	}
	if err := a.saveRecoveryKeyFile(keyOut, display); err != nil {
		return err
	}
	v, err := vault.Create(path, a.options(), creds...)
	if err != nil {
		if keyOut != "" {
			os.Remove(keyOut)
		}
		return err
	}
	a.v = v
	fmt.Fprintf(a.stderr, "Created %s, unlocked by: %s\n", path, slotSummary(v.Slots()))
	if keyOut == "" {
		fmt.Fprintln(a.stderr, "Your recovery key follows. Write it down and keep it offline: it is shown only this once,")
		fmt.Fprintln(a.stderr, "and it opens the vault when everything else is lost. No support team will ever ask you for it.")
		fmt.Fprintln(a.stdout, display)
	} else {
		fmt.Fprintf(a.stderr, "Recovery key written to %s: print it or copy it offline, then delete the file.\n", keyOut)
	}
	return nil
}

// keyringAnswers reports whether a Secret Service / Keychain answers at all.
func (a *app) keyringAnswers() bool {
	_, err := a.store.Get("probe/does-not-exist")
	return err == nil || errors.Is(err, keyring.ErrNotFound)
}

func (a *app) initPassword(useKeyring, noKeyring, withPassword bool) ([]byte, error) {
	if a.passwordFile != "" {
		p, err := a.readSecretFile(a.passwordFile, "password")
		if err != nil {
			return nil, err
		}
		return a.checkNewPassword(normalizePassword(p))
	}
	if useKeyring && !withPassword {
		return nil, nil
	}
	if a.interactive() {
		p, err := a.promptNewPassword()
		if err != nil {
			return nil, err
		}
		return a.checkNewPassword(p)
	}
	if noKeyring || withPassword {
		return nil, usageErr("a password is needed: give --password-file FILE or run on a terminal")
	}
	return nil, &userError{code: exitError, msg: "no keyring answered and no password was given",
		hint: "start a Secret Service (gnome-keyring, KWallet), or give --password-file FILE"}
}

func (a *app) saveRecoveryKeyFile(path, display string) error {
	if path == "" {
		return nil
	}
	err := atomicfile.Create(atomicfile.OS, path, []byte(display+"\n"))
	if err != nil {
		return &userError{code: exitError, msg: fmt.Sprintf("cannot create the recovery key file: %v", err), err: err}
	}
	return nil
}
