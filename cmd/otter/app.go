package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/highwater"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/localstate"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// app holds what every command shares: streams, global flags, the clock and
// the vault once it is open.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	store          vault.SecretStore
	vaultOpts      vault.Options
	kdf            vault.KDFParams // zero: calibrated (vaultops.PasswordKDF)
	fido           fido.Backend    // lists and opens security keys

	vaultPath       string
	state           string // per-device state (paths.State), set before any command runs
	passwordFile    string
	recoveryKeyFile string
	identityFile    string
	pinFile         string
	noAgent         bool // --no-agent: unlock directly even when an agent runs

	inAgent      bool   // this process is (or starts) an agent: it starts none itself
	autoStart    bool   // start an agent after this command's direct unlock (agent_auto.go)
	unlockedBy   string // how the direct unlock went, for that agent (byKeyring…)
	unlockedSlot string // the fido2 slot it opened (byFIDO2)
	autoSecret   []byte // the typed password or recovery key, or the key's hmac-secret output, for that agent
	autoBy       string // the agent child: unlock only this way (--auto)
	activated    bool   // this agent was started by systemd on its socket
	tuiKeyMu     sync.Mutex
	tuiKey       []byte // the TUI's fido2 unlock: the key's answer, for its agent (keepTUIKey)
	tuiKeySlot   string
	autoSlot     string // the agent child: only this fido2 slot (--slot, with --auto fido2)
	secretFD     int    // the agent child: the handed secret's pipe (--secret-fd)

	v    *vault.Vault
	s    *vaultops.Session // the operations on v
	lock *lockout.Tracker  // failed-attempt record of the vault being opened

	started bool           // a command got past cobra's parsing and validation
	cmd     *cobra.Command // the command that runs, once started
	opened  bool           // open unlocked the vault, whose generation then was openGen
	openGen uint64

	clipClear time.Duration // test builds: --test-clipboard-clear; zero: the vault's setting
	// mirrorFailed, when set, receives a failed copy to the backup folder
	// (see mirrorHook) instead of a warning on stderr: the TUI shows it.
	mirrorFailed func(error)
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{
		stdin: stdin, stdout: stdout, stderr: stderr,
		now:   time.Now,
		store: keyring.Store{},
		fido:  fido.LibFIDO2(),
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "otter",
		Short:         "A terminal authenticator: one-time codes, recovery codes and FIDO2 keys",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          a.runTUI,
		Version:       buildVersion(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
	// Cobra validates the command name and arguments before any pre-run:
	// an error before this point is a usage error (exit 2).
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		a.started, a.cmd = true, cmd
		tuneGC(cmd)
		return a.resolvePaths()
	}
	f := root.PersistentFlags()
	f.StringVar(&a.vaultPath, "vault", envOr("OTTER_VAULT", ""), "vault file (default: the user data dir; env OTTER_VAULT)")
	f.StringVar(&a.passwordFile, "password-file", os.Getenv("OTTER_PASSWORD_FILE"), "read the vault password from this file (env OTTER_PASSWORD_FILE)")
	f.StringVar(&a.recoveryKeyFile, "recovery-key-file", "", "unlock with the recovery key read from this file")
	f.StringVar(&a.identityFile, "identity-file", "", "unlock with an age identity (AGE-SECRET-KEY-1…) read from this file, through an age slot")
	f.BoolVar(&a.noAgent, "no-agent", os.Getenv("OTTER_NO_AGENT") != "", "unlock the vault directly, without asking a running agent (env OTTER_NO_AGENT)")
	f.StringVar(&a.pinFile, "pin-file", os.Getenv("OTTER_PIN_FILE"), "read the FIDO2 PIN from this file (env OTTER_PIN_FILE)")
	root.AddCommand(
		a.initCmd(), a.addCmd(), a.editCmd(), noAutoSync(shortLived(a.listCmd())), shortLived(a.codeCmd()), a.rmCmd(), a.trashCmd(),
		a.recoveryCmd(), a.slotCmd(), a.passwdCmd(), a.clipboardClearCmd(),
		a.importCmd(), noAutoSync(a.exportCmd()), noAutoSync(shortLived(a.qrCmd())),
		a.keysCmd(), a.auditCmd(), a.backupCmd(), a.healthCmd(), a.versionCmd(),
		noAutoSync(a.agentCmd()), a.lockCmd(), noAutoSync(a.syncCmd()),
	)
	addTestFlags(root, a)
	a.addCompletions(root)
	strictSubcommands(root)
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// resolvePaths settles where the vault and the state live; without a home
// directory it refuses (paths.ErrNoHome) rather than use a shared folder.
func (a *app) resolvePaths() error {
	var err error
	if a.vaultPath == "" {
		if a.vaultPath, err = paths.Vault(); err != nil {
			return err
		}
	}
	a.state, err = paths.State()
	return err
}

func (a *app) path() string { return a.vaultPath }

func (a *app) options() *vault.Options {
	o := a.vaultOpts
	o.Now = a.now
	o.HighWater = highwater.Dir(a.state)
	if o.DeviceID == "" {
		id, err := localstate.DeviceID(a.state)
		if err != nil {
			a.warn("this device's id: %v (changes are stamped with a random one)", err)
		}
		o.DeviceID = id
		a.vaultOpts.DeviceID = id
	}
	if o.AfterSave == nil {
		o.AfterSave = a.mirrorHook()
	}
	return &o
}

func (a *app) close() {
	wipe(a.autoSecret)
	a.autoSecret = nil
	_, key := a.takeTUIKey()
	wipe(key)
	if a.v != nil {
		a.v.Close()
		a.v, a.s = nil, nil
	}
}

// hint prints an `otter: hint:` line on stderr.
func (a *app) hint(format string, args ...any) {
	fmt.Fprintf(a.stderr, "otter: hint: %s\n", esc(fmt.Sprintf(format, args...)))
}

// warn prints an `otter: warning:` line on stderr.
func (a *app) warn(format string, args ...any) {
	fmt.Fprintf(a.stderr, "otter: warning: %s\n", esc(fmt.Sprintf(format, args...)))
}

// interactive reports whether stdin and stderr are terminals a person can
// answer prompts on.
func (a *app) interactive() bool {
	in, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return false
	}
	errf, ok := a.stderr.(*os.File)
	return ok && term.IsTerminal(int(errf.Fd()))
}

// session opens the vault (see open) and returns the operations on it.
func (a *app) session() (*vaultops.Session, error) {
	if a.s != nil {
		return a.s, nil
	}
	v, err := a.open()
	if err != nil {
		return nil, err
	}
	a.s = vaultops.New(v, a.state, a.now)
	return a.s, nil
}
