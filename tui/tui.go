// Package tui is otter's full-screen interface (otter with no arguments),
// built on Bubble Tea v2. It owns every screen: onboarding,
// unlock, the codes list, account detail, add/edit, recovery codes,
// security keys and help. The root model in model.go runs the state
// machine; every screen lives in its own file; all key bindings are in
// keys.go and all styles in styles.go. Update never does I/O: vault,
// keyring, Argon2, clipboard and security-key work happens in commands
// that report back with messages.
package tui

import (
	"context"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/clipboard"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/vault"
)

// Config is what cmd/otter hands the TUI.
type Config struct {
	VaultPath string
	Options   *vault.Options    // passed to vault.Load and vault.Create
	Store     vault.SecretStore // the OS keyring
	KDF       vault.KDFParams   // for a new password slot; zero means calibrated (vaultops.PasswordKDF)
	Now       func() time.Time  // nil means time.Now
	// LockoutDir holds per-device state: the failed-unlock record, the
	// unlock journal and the accounts' usage; "" means paths.State().
	LockoutDir string
	// FIDO is the seam for unlocking with a security key when its PIN is
	// never needed; FIDOWithPIN, when set, is used instead. With neither,
	// no such unlock method is offered.
	FIDO FIDOUnlock
	// FIDOWithPIN is the seam for unlocking with a security key, PIN
	// included: the unlock screen asks for the PIN when a fido2 slot needs
	// it and passes it on.
	FIDOWithPIN FIDOUnlockPIN
	// Keys lists and opens the security keys of the keys screens; nil
	// means fido.LibFIDO2().
	Keys fido.Backend
	// SaveWarning, when set, returns and forgets what went wrong after the
	// last save without undoing it (a failed copy to the backup folder that
	// Options.AfterSave makes), or nil. The TUI asks after every write and
	// shows it on the status line.
	SaveWarning func() error
	// Sync, when set, syncs the unlocked vault with its git remote: the
	// vault has a sync repository (otter sync init). The S key runs it.
	Sync SyncFunc
	// AutoSync (otter sync auto on) runs Sync in the background right
	// after unlock and after every change the TUI makes.
	AutoSync bool
	// AfterUnlock, when set, is called once the unlock screen has opened
	// the vault with the keyring, a password, a recovery key or a
	// security key — not after creating a vault. It runs in the unlock's
	// command, off the UI loop, before the codes show. secret is what was
	// typed (nil for the keyring and a security key: the key's answer
	// stays with the credential FIDOWithPIN made, which cmd/otter hands
	// on); the TUI wipes it when AfterUnlock returns, so it must not be
	// kept. It returns a line for the status bar, or "". cmd/otter
	// starts the agent there, by the CLI's rules (otter agent auto).
	AfterUnlock func(how UnlockMethod, secret []byte) string
}

// UnlockMethod says how the vault was unlocked (Config.AfterUnlock).
type UnlockMethod int

const (
	UnlockKeyring UnlockMethod = iota + 1
	UnlockPassword
	UnlockRecovery
	UnlockFIDO2
)

// FIDOUnlock returns a credential for a vault's fido2 slots. Its Derive
// blocks until the key is touched or ctx ends: the unlock screen shows
// "touch your key" meanwhile and Esc cancels ctx.
type FIDOUnlock func(ctx context.Context) (vault.Credential, error)

// FIDOUnlockPIN is FIDOUnlock with the key's PIN (nil: none given). The
// credential owns pin and may wipe it; the TUI passes a fresh copy each
// time and calls it once per fido2 slot. When pin is nil and a slot needs
// the PIN, Derive fails with an error matching fido.ErrPinRequired
// (errors.Is; the text of the error is not looked at).
type FIDOUnlockPIN func(ctx context.Context, pin []byte) (vault.Credential, error)

// Run starts the TUI on the terminal and returns when the user quits. It
// returns the error that stopped the TUI from opening the vault (a corrupt
// file, say) so that the caller can report it and exit accordingly.
func Run(cfg Config) error {
	var clip clipboardBackend
	if b := clipboard.Detect(os.Getenv, nil); b != nil {
		clip = b // nil: OSC 52 through Bubble Tea (SSH, no system clipboard)
	}
	m := newModel(cfg, clip)
	var opts []tea.ProgramOption
	if os.Getenv("NO_COLOR") != "" {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	final, err := tea.NewProgram(m, opts...).Run()
	if fm, ok := final.(*Model); ok {
		fm.shutdown()
		if err == nil {
			err = fm.fatalErr
		}
	} else {
		m.shutdown()
	}
	return err
}

// stateDir is the folder of per-device state (Config.LockoutDir).
func (c *Config) stateDir() string {
	if c.LockoutDir == "" {
		d, _ := paths.State() // cmd/otter always sets LockoutDir
		return d
	}
	return c.LockoutDir
}
