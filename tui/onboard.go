package tui

import (
	"crypto/rand"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/policy"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// onboardStep is where the onboarding screen is.
type onboardStep int

const (
	stepWelcome  onboardStep = iota // choose the unlock methods
	stepPassword                    // choose a password
	stepShowKey                     // the recovery key, shown once
	stepConfirm                     // type back its last group
	stepCreating                    // vault.Create is running
)

// keyringState is what the probe found out about the OS keyring.
type keyringState int

const (
	keyringProbing keyringState = iota
	keyringOK
	keyringMissing
)

// Messages of the onboarding commands.
type (
	keyringProbeMsg struct{ ok bool }
	recoveryKeyMsg  struct {
		key     []byte
		display string
		err     error
	}
	createFailedMsg struct{ err error }
)

// onboardScreen creates the vault when there is none: keyring and recovery
// slots by default, a password slot when there is no keyring or the user
// asks for one. The recovery key is shown once and the user goes on only
// after typing back its last group.
type onboardScreen struct {
	c    *common
	cfg  Config
	w, h int

	step        onboardStep
	keyring     keyringState
	useKeyring  bool
	usePassword bool
	cursor      int // welcome: 0 keyring, 1 password

	pw, pw2 field
	pwFocus int
	pwErr   string

	key     []byte
	display string
	confirm field
	err     string
}

func newOnboardScreen(c *common, cfg Config) *onboardScreen {
	return &onboardScreen{
		c: c, cfg: cfg, useKeyring: true,
		pw: newField(echoMask, ""), pw2: newField(echoMask, ""),
		confirm: newField(echoNormal, ""),
	}
}

// Init asks whether an OS keyring answers.
func (o *onboardScreen) Init() tea.Cmd {
	store := o.cfg.Store
	return func() tea.Msg {
		if store == nil {
			return keyringProbeMsg{}
		}
		_, err := store.Get("probe/does-not-exist")
		return keyringProbeMsg{ok: err == nil || errors.Is(err, keyring.ErrNotFound)}
	}
}

func (o *onboardScreen) SetSize(w, h int) { o.w, o.h = w, h }
func (o *onboardScreen) Title() string    { return "New vault" }
func (o *onboardScreen) Typing() bool     { return o.step == stepPassword || o.step == stepConfirm }

func (o *onboardScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case keyringProbeMsg:
		o.keyring = keyringMissing
		if msg.ok {
			o.keyring = keyringOK
		}
		o.useKeyring = msg.ok && o.useKeyring
		o.usePassword = o.usePassword || !msg.ok
		if !msg.ok {
			o.cursor = 1
		}
	case recoveryKeyMsg:
		if msg.err != nil {
			o.err = errText(msg.err)
			o.step = stepWelcome
			return nil
		}
		o.key, o.display, o.step = msg.key, msg.display, stepShowKey
	case createFailedMsg:
		o.err = createErrText(msg.err)
		o.step = stepWelcome
		if errors.Is(msg.err, keyring.ErrUnavailable) {
			o.useKeyring, o.usePassword, o.keyring = false, true, keyringMissing
		}
	case tea.KeyPressMsg, tea.PasteMsg:
		return o.input(msg)
	}
	return nil
}

func (o *onboardScreen) input(msg tea.Msg) tea.Cmd {
	switch o.step {
	case stepWelcome:
		if k, ok := msg.(tea.KeyPressMsg); ok {
			return o.welcomeKey(k)
		}
	case stepPassword:
		return o.passwordInput(msg)
	case stepShowKey:
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, o.c.keys.Submit) {
			o.step = stepConfirm
		}
	case stepConfirm:
		return o.confirmInput(msg)
	}
	return nil
}

func (o *onboardScreen) welcomeKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.c.keys
	switch {
	case key.Matches(msg, k.Up):
		o.cursor = 0
	case key.Matches(msg, k.Down):
		o.cursor = 1
	case key.Matches(msg, k.Toggle):
		if o.cursor == 0 && o.keyring == keyringOK {
			o.useKeyring = !o.useKeyring
		} else if o.cursor == 1 {
			o.usePassword = !o.usePassword
		}
	case key.Matches(msg, k.Submit):
		switch {
		case o.keyring == keyringProbing:
			return nil
		case !o.useKeyring && !o.usePassword:
			o.err = "Choose the keyring, a password, or both: a vault needs a second way in besides the recovery key."
			return nil
		}
		o.err = ""
		if o.usePassword {
			o.step, o.pwFocus = stepPassword, 0
			return nil
		}
		return o.newKey()
	}
	return nil
}

func (o *onboardScreen) passwordInput(msg tea.Msg) tea.Cmd {
	k := o.c.keys
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, k.Back):
			o.pw.Reset()
			o.pw2.Reset()
			o.pwErr, o.step = "", stepWelcome
			return nil
		case key.Matches(km, k.NextField, k.PrevField):
			o.pwFocus = 1 - o.pwFocus
			return nil
		case key.Matches(km, k.Submit):
			return o.submitPassword()
		}
	}
	f := &o.pw
	if o.pwFocus == 1 {
		f = &o.pw2
	}
	if f.Update(msg, k) {
		o.pwErr = ""
	}
	return nil
}

func (o *onboardScreen) submitPassword() tea.Cmd {
	pw := o.pw.Bytes()
	defer clear(pw)
	if err := policy.Check(pw); err != nil {
		o.pwFocus, o.pwErr = 0, policyText(err)
		return nil
	}
	if o.pwFocus == 0 {
		o.pwFocus = 1
		return nil
	}
	pw2 := o.pw2.Bytes()
	defer clear(pw2)
	if string(pw) != string(pw2) {
		o.pwErr = "The two passwords differ."
		return nil
	}
	return o.newKey()
}

// policyText is the policy's complaint as a sentence.
func policyText(err error) string {
	var v *policy.Violation
	if errors.As(err, &v) {
		return upperFirst(v.Msg) + "."
	}
	return errText(err)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// newKey makes the recovery key (randomness is I/O: a command).
func (o *onboardScreen) newKey() tea.Cmd {
	var r = rand.Reader
	if o.cfg.Options != nil && o.cfg.Options.Rand != nil {
		r = o.cfg.Options.Rand
	}
	return func() tea.Msg {
		k, d, err := vault.NewRecoveryKey(r)
		return recoveryKeyMsg{key: k, display: d, err: err}
	}
}

func (o *onboardScreen) confirmInput(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, o.c.keys.Back):
			o.confirm.Reset()
			o.err, o.step = "", stepShowKey
			return nil
		case key.Matches(km, o.c.keys.Submit):
			if normGroup(o.confirm.Value()) != lastGroup(o.display) {
				o.err = "That is not the last group. Esc shows the key again."
				return nil
			}
			o.err, o.step = "", stepCreating
			return o.create()
		}
	}
	if o.confirm.Update(msg, o.c.keys) {
		o.err = ""
	}
	return nil
}

func lastGroup(display string) string {
	return display[strings.LastIndexByte(display, '-')+1:]
}

// normGroup reads a typed group the way vault.ParseRecoveryKey reads keys.
func normGroup(s string) string {
	r := strings.NewReplacer("-", "", " ", "", "I", "1", "L", "1", "O", "0")
	return r.Replace(strings.ToUpper(s))
}

// create runs vault.Create with the chosen credentials.
func (o *onboardScreen) create() tea.Cmd {
	creds := []vault.Credential{vault.RecoveryKey{Key: o.key}}
	if o.useKeyring {
		creds = append(creds, vault.Keyring{Store: o.cfg.Store})
	}
	var pw []byte
	if o.usePassword {
		pw = o.pw.Bytes()
	}
	path, opts, key, kdf := o.cfg.VaultPath, o.cfg.Options, o.key, o.cfg.KDF
	return func() tea.Msg {
		defer clear(pw)
		if pw != nil {
			creds = append(creds, vault.Password{Secret: pw, KDF: vaultops.PasswordKDF(kdf)})
		}
		v, err := vault.Create(path, opts, creds...)
		if err != nil {
			return createFailedMsg{err: err}
		}
		clear(key)
		return openedMsg{v: v, method: methodCreated}
	}
}

// wipe zeroes what the screen holds.
func (o *onboardScreen) wipe() {
	o.pw.Reset()
	o.pw2.Reset()
	o.confirm.Reset()
	clear(o.key)
	o.display = ""
}

func (o *onboardScreen) ShortHelp() []key.Binding {
	k := o.c.keys
	switch o.step {
	case stepWelcome:
		return []key.Binding{k.Toggle, with(k.Submit, "enter", "continue")}
	case stepPassword:
		return []key.Binding{with(k.NextField, "tab", "other field"), with(k.Submit, "enter", "continue"), k.Back}
	case stepShowKey:
		return []key.Binding{with(k.Submit, "enter", "I wrote it down")}
	case stepConfirm:
		return []key.Binding{with(k.Submit, "enter", "confirm"), with(k.Back, "esc", "show the key")}
	}
	return nil
}

func (o *onboardScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(o.ShortHelp(), o.c.keys.Up, o.c.keys.Down)}
}
