package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// unlockMethod is a way to open the vault.
type unlockMethod int

const (
	methodKeyring unlockMethod = iota
	methodPassword
	methodRecovery
	methodFIDO
	methodCreated // not an unlock: the vault was just created
)

func (m unlockMethod) String() string {
	return [...]string{"the OS keyring", "password", "recovery key", "security key", "new vault"}[m]
}

// unlockFailedMsg reports a failed unlock attempt.
type unlockFailedMsg struct {
	method unlockMethod
	err    error
}

// unlockScreen opens the vault: silently from the keyring when it can,
// otherwise with a masked password field, the recovery key, or a security
// key (unlock_key.go). Failed password, recovery-key and key-PIN attempts
// are counted by the lockout record, which refuses attempts after too many.
type unlockScreen struct {
	c    *common
	cfg  Config
	w, h int

	locked    *vault.Locked
	methods   []unlockMethod
	method    unlockMethod
	afterLock bool // locked by the user or by the idle timer: no silent keyring

	input    field
	busy     bool
	wait     waiter // a security-key unlock in progress
	askPIN   bool   // the security key's PIN field is shown
	err      string
	hint     string
	failures int
}

func newUnlockScreen(c *common, cfg Config) *unlockScreen {
	return &unlockScreen{c: c, cfg: cfg, input: newField(echoMask, ""), wait: newWaiter(c)}
}

func (u *unlockScreen) SetSize(w, h int) { u.w, u.h = w, h }
func (u *unlockScreen) Title() string    { return "Unlock" }
func (u *unlockScreen) Typing() bool {
	return !u.busy && (u.method == methodPassword || u.method == methodRecovery || u.method == methodFIDO && u.askPIN)
}

// setLocked takes the freshly loaded file and picks the first method; the
// keyring is tried silently unless the user just locked the vault.
func (u *unlockScreen) setLocked(l *vault.Locked) tea.Cmd {
	u.locked = l
	u.methods = nil
	has := map[vault.SlotType]bool{}
	for _, s := range l.Slots() {
		has[s.Type] = true
	}
	add := func(m unlockMethod, ok bool) {
		if ok {
			u.methods = append(u.methods, m)
		}
	}
	add(methodKeyring, has[vault.SlotKeyring] && u.cfg.Store != nil)
	add(methodFIDO, has[vault.SlotFIDO2] && (u.cfg.FIDO != nil || u.cfg.FIDOWithPIN != nil))
	add(methodPassword, has[vault.SlotPassword])
	add(methodRecovery, has[vault.SlotRecovery])
	if len(u.methods) == 0 {
		u.err = "This vault has no unlock method otter can use here."
		return nil
	}
	u.setMethod(u.methods[0])
	if u.method == methodKeyring && !u.afterLock {
		return u.try()
	}
	return nil
}

func (u *unlockScreen) setMethod(m unlockMethod) {
	u.method = m
	u.askPIN = false
	u.input.Reset()
	u.input.echo = echoMask
	u.input.placeholder = ""
	u.input.limit = defaultFieldLimit
	if m == methodRecovery {
		u.input.echo = echoNormal
		u.input.placeholder = "XXXX-XXXX-…"
	}
}

// nextMethod cycles through the vault's methods.
func (u *unlockScreen) nextMethod() {
	for i, m := range u.methods {
		if m == u.method {
			u.setMethod(u.methods[(i+1)%len(u.methods)])
			u.err = ""
			return
		}
	}
}

func (u *unlockScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case unlockFailedMsg:
		return u.failed(msg)
	case spinMsg, opDoneMsg:
		return u.keyResult(msg)
	case tea.KeyPressMsg:
		return u.key(msg)
	case tea.PasteMsg:
		if u.Typing() {
			u.input.Update(msg, u.c.keys)
		}
	}
	return nil
}

func (u *unlockScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := u.c.keys
	if u.busy {
		if key.Matches(msg, k.Back) {
			u.wait.cancelOp()
		}
		return nil
	}
	switch {
	case u.locked == nil:
		return nil
	case key.Matches(msg, k.Method) && len(u.methods) > 1:
		u.nextMethod()
	case key.Matches(msg, k.SecurityKey) && u.has(methodFIDO):
		if u.method != methodFIDO {
			u.setMethod(methodFIDO)
			u.err = ""
		}
		return u.try()
	case key.Matches(msg, k.Back) && u.askPIN:
		u.askPIN = false
		u.input.Reset()
	case key.Matches(msg, k.Submit):
		return u.try()
	case u.Typing():
		if u.input.Update(msg, k) {
			u.err = ""
		}
	}
	return nil
}

// try starts an unlock attempt with the current method.
func (u *unlockScreen) try() tea.Cmd {
	var cred vault.Credential
	var secret []byte
	switch u.method {
	case methodKeyring:
		cred = vault.Keyring{Store: u.cfg.Store}
	case methodPassword:
		if u.input.Empty() {
			return nil
		}
		secret = u.input.Bytes()
		cred = vault.Password{Secret: secret}
	case methodRecovery:
		key, err := vault.ParseRecoveryKey(u.input.Bytes()) // zeroes the copy
		if err != nil {
			u.err = unlockErrText(methodRecovery, fmt.Errorf("%w: %v", errBadRecoveryKey, err))
			return nil
		}
		secret, cred = key, vault.RecoveryKey{Key: key}
	case methodFIDO:
		return u.tryKey()
	}
	var typed []byte // for AfterUnlock: the password or recovery key as typed
	if u.cfg.AfterUnlock != nil && u.method != methodKeyring {
		typed = u.input.Bytes()
	}
	u.busy, u.err, u.hint = true, "", ""
	u.input.Reset()
	return u.attempt(cred, secret, typed)
}

// attempt runs in a command: the one unlock sequence (lockout check, the
// unlock itself — Argon2 for a password —, the record, the journal), then
// Config.AfterUnlock with what was typed. Both secrets are wiped at the end.
func (u *unlockScreen) attempt(cred vault.Credential, secret, typed []byte) tea.Cmd {
	unl, method, after := u.unlocker(), u.method, u.cfg.AfterUnlock
	return func() tea.Msg {
		defer clear(secret)
		defer clear(typed)
		r, err := unl.Unlock(cred)
		if err != nil {
			return unlockFailedMsg{method: method, err: err}
		}
		msg := openedMsg{v: r.Vault(), method: method, since: r.Failed, merged: mergedLines(r)}
		if how := method.public(); after != nil && how != 0 {
			msg.note = after(how, typed)
		}
		return msg
	}
}

// public is the method as Config.AfterUnlock names it; 0 for the others.
func (m unlockMethod) public() UnlockMethod {
	switch m {
	case methodKeyring:
		return UnlockKeyring
	case methodPassword:
		return UnlockPassword
	case methodRecovery:
		return UnlockRecovery
	}
	return 0
}

// mergedLines is one line per conflict copy the unlock merged in.
func mergedLines(r *vaultops.Unlocked) []string {
	var out []string
	for _, c := range r.Conflicts {
		out = append(out, c.Summary())
	}
	return out
}

// unlocker runs the unlock sequence on the loaded vault.
func (u *unlockScreen) unlocker() *vaultops.Unlocker {
	return vaultops.NewUnlocker(u.locked, u.cfg.stateDir(), u.c.now)
}

func (u *unlockScreen) failed(msg unlockFailedMsg) tea.Cmd {
	u.busy = false
	if msg.method == methodKeyring {
		// Fall back to the vault's other methods with a clear hint.
		u.hint = keyringText(msg.err)
		if len(u.methods) > 1 && !u.afterLock {
			u.nextMethod()
			u.hint += " Use your " + u.method.String() + " instead."
		} else {
			u.err = u.hint
			u.hint = ""
		}
		return nil
	}
	u.err = unlockErrText(msg.method, msg.err)
	if msg.method == methodFIDO {
		u.keyFailed(msg.err)
		return nil
	}
	if errors.Is(msg.err, vault.ErrWrongCredential) {
		u.failures++
		u.err += fmt.Sprintf(" %d failed %s.", u.failures, plural(u.failures, "attempt"))
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// wipe zeroes the typed secret.
func (u *unlockScreen) wipe() {
	u.input.Reset()
	u.wait.abandon()
}

func (u *unlockScreen) View() string {
	st := u.c.st
	var b strings.Builder
	b.WriteString(" " + st.Bold.Render("Unlock the vault") + "\n")
	b.WriteString(" " + st.Subtle.Render(clip(shortPath(u.cfg.VaultPath), u.w-2)) + "\n\n")
	switch {
	case u.locked == nil:
		b.WriteString(wrapIndent(st.Subtle.Render("Reading the vault…"), u.w) + "\n")
	case u.busy && u.wait.busy:
		b.WriteString(u.wait.View(u.w) + "\n")
	case u.busy:
		b.WriteString(wrapIndent(st.Subtle.Render(u.busyText()), u.w) + "\n")
	case u.method == methodKeyring:
		b.WriteString(wrapIndent("Press enter to unlock with the OS keyring.", u.w) + "\n")
	case u.method == methodFIDO && !u.askPIN:
		b.WriteString(wrapIndent("Unlock with your security key: press enter, then touch it.", u.w) + "\n")
	default:
		if u.method == methodFIDO {
			b.WriteString(wrapIndent("Type your security key's PIN, press enter, then touch the key.", u.w) + "\n")
		}
		name := map[unlockMethod]string{methodPassword: "Password", methodRecovery: "Recovery key", methodFIDO: "Key PIN"}[u.method]
		lw := len(name) + 2
		b.WriteString(" " + st.Focused.Render(name) + "  " + u.input.View(max(4, u.w-lw-2), true, st) + "\n")
	}
	if u.err != "" {
		b.WriteString("\n" + wrapIndent(st.Error.Render("✗ "+u.err), u.w) + "\n")
	}
	if u.hint != "" {
		b.WriteString("\n" + wrapIndent(st.Warning.Render(u.hint), u.w) + "\n")
	}
	return b.String()
}

func (u *unlockScreen) busyText() string {
	switch u.method {
	case methodKeyring:
		return "Unlocking with the OS keyring…"
	}
	return "Unlocking…"
}

func (u *unlockScreen) ShortHelp() []key.Binding {
	k := u.c.keys
	other := "other method"
	for i, m := range u.methods {
		if m == u.method && len(u.methods) > 1 {
			other = u.methods[(i+1)%len(u.methods)].String()
		}
	}
	return []key.Binding{
		enabled(with(k.Submit, "enter", "unlock"), !u.busy),
		enabled(with(k.Method, "tab", other), len(u.methods) > 1 && !u.busy),
		enabled(k.SecurityKey, u.has(methodFIDO) && u.method != methodFIDO && !u.busy),
		enabled(with(k.Back, "esc", "cancel"), u.busy && u.wait.busy && !u.wait.cancelling),
		enabled(with(k.Back, "esc", "back"), u.askPIN && !u.busy),
	}
}

func (u *unlockScreen) FullHelp() [][]key.Binding { return [][]key.Binding{u.ShortHelp()} }
