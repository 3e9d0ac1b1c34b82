package tui

import (
	"bytes"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/vaultops"
)

// devMode is what the key screen shows.
type devMode int

const (
	devView     devMode = iota // the key's info
	devPIN                     // the set/change PIN form
	devRegister                // the register form
)

const maxKeyName = 64

// deviceScreen is one key plugged in: its info (product, AAGUID, versions,
// extensions, options, PIN state, free resident slots), a form to set or
// change its PIN, a form to register it in the vault's inventory, and the
// way to its resident credentials.
type deviceScreen struct {
	c    *common
	sess *session
	w, h int

	dev  fido.DeviceInfo
	info *fido.Info
	wait waiter

	mode         devMode
	fields       []field
	labels       []string
	focus        int
	registerNext bool   // open the register form once the info is in
	name         string // the name being registered
	msg          string
	msgKind      statusKind
}

func newDeviceScreen(c *common, sess *session, di fido.DeviceInfo, register bool) *deviceScreen {
	return &deviceScreen{c: c, sess: sess, dev: di, wait: newWaiter(c), registerNext: register}
}

func (d *deviceScreen) SetSize(w, h int) { d.w, d.h = w, h }
func (d *deviceScreen) Title() string    { return "Security key" }
func (d *deviceScreen) Typing() bool     { return d.mode != devView && !d.wait.busy }

// load reads the key's info.
func (d *deviceScreen) load() tea.Cmd {
	return d.wait.start("Reading the key…", infoOp(d.c.backend, d.dev.Path))
}

// wipe zeroes the typed PINs and abandons the operation in progress.
func (d *deviceScreen) wipe() {
	for i := range d.fields {
		d.fields[i].Reset()
	}
	d.wait.abandon()
}

func (d *deviceScreen) say(text string, kind statusKind) { d.msg, d.msgKind = text, kind }

func (d *deviceScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case spinMsg, opDoneMsg:
		res, cmd := d.wait.Update(msg)
		if res != nil {
			return d.result(res)
		}
		return cmd
	case writeMsg:
		return d.written(msg)
	case tea.PasteMsg:
		if d.Typing() {
			d.fields[d.focus].Update(msg, d.c.keys)
		}
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	return nil
}

// result handles the end of a key operation.
func (d *deviceScreen) result(res tea.Msg) tea.Cmd {
	switch res := res.(type) {
	case keyInfoMsg:
		if res.err != nil {
			d.say(keyErrText(res.err), statusErr)
			return nil
		}
		d.info = &res.info
		if d.registerNext {
			d.registerNext = false
			d.startRegister()
		}
	case keyPINMsg:
		return d.pinDone(res)
	case keyProvedMsg:
		if res.err != nil {
			d.formFailed(res.err, 1)
			return nil
		}
		d.say("The key answered. Saving it in the inventory…", statusInfo)
		return d.sess.keyAddCmd(d.name, d.dev, *d.info)
	}
	return nil
}

func (d *deviceScreen) pinDone(res keyPINMsg) tea.Cmd {
	if res.err != nil {
		d.formFailed(res.err, 0)
		return nil
	}
	d.leaveForm()
	d.say(map[bool]string{false: "PIN set.", true: "PIN changed."}[res.changed], statusOK)
	return d.wait.start("Reading the key…", infoOp(d.c.backend, d.dev.Path))
}

// formFailed reports err on the form; a wrong PIN empties the PIN field
// at index pinField.
func (d *deviceScreen) formFailed(err error, pinField int) {
	d.say(keyErrText(err), statusErr)
	if errors.Is(err, fido.ErrPinInvalid) && pinField < len(d.fields) {
		d.fields[pinField].Reset()
		d.focus = pinField
	}
	if errors.Is(err, fido.ErrPinBlocked) || errors.Is(err, fido.ErrPinAuthBlocked) {
		d.leaveForm()
	}
}

func (d *deviceScreen) written(msg writeMsg) tea.Cmd {
	if msg.op != opKeyAdd || d.mode != devRegister {
		return nil
	}
	if msg.err != nil {
		d.say(errText(msg.err), statusErr)
		return nil
	}
	d.leaveForm()
	d.say("Registered “"+d.name+"”: it is in the vault's key inventory.", statusOK)
	return nil
}

func (d *deviceScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.keys
	if d.wait.busy {
		if key.Matches(msg, k.Back) {
			d.wait.cancelOp()
		}
		return nil
	}
	if d.mode != devView {
		return d.formKey(msg)
	}
	switch {
	case key.Matches(msg, k.Back):
		d.wipe()
		return emit(popMsg{})
	case key.Matches(msg, k.Refresh):
		d.say("", statusInfo)
		return d.load()
	case d.info == nil:
	case key.Matches(msg, k.KeyPIN) && d.info.SupportsPIN():
		d.startPIN()
	case key.Matches(msg, k.Register):
		d.startRegister()
	case key.Matches(msg, k.Creds):
		return d.openCreds()
	}
	return nil
}

func (d *deviceScreen) openCreds() tea.Cmd {
	switch {
	case !canManageCreds(*d.info):
		d.say("This key cannot list its resident credentials (no credential management).", statusErr)
	case !d.info.HasPIN():
		d.say("Managing resident credentials needs the key's PIN: set one first (p).", statusErr)
	default:
		d.say("", statusInfo)
		return emit(pushMsg{newCredsScreen(d.c, d.dev)})
	}
	return nil
}

func canManageCreds(info fido.Info) bool {
	_, mgmt := info.Options["credMgmt"]
	_, preview := info.Options["credentialMgmtPreview"]
	return mgmt || preview
}

// startPIN opens the PIN form: the current PIN first when one is set.
func (d *deviceScreen) startPIN() {
	labels := []string{"New PIN", "Repeat"}
	if d.info.HasPIN() {
		labels = append([]string{"Current"}, labels...)
	}
	d.openForm(devPIN, labels)
}

// startRegister opens the register form: a name, and the PIN when the key
// has one (making the test credential needs it).
func (d *deviceScreen) startRegister() {
	labels := []string{"Name"}
	if d.info.HasPIN() {
		labels = append(labels, "Key PIN")
	}
	d.openForm(devRegister, labels)
	d.fields[0].echo = echoNormal
	d.fields[0].limit = maxKeyName
}

func (d *deviceScreen) openForm(mode devMode, labels []string) {
	d.leaveForm()
	d.mode, d.labels, d.focus = mode, labels, 0
	d.fields = make([]field, len(labels))
	for i := range d.fields {
		d.fields[i] = newField(echoMask, "")
		d.fields[i].limit = 63
	}
	d.say("", statusInfo)
}

func (d *deviceScreen) leaveForm() {
	for i := range d.fields {
		d.fields[i].Reset()
	}
	d.fields, d.labels, d.mode, d.focus = nil, nil, devView, 0
}

func (d *deviceScreen) formKey(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.keys
	switch {
	case key.Matches(msg, k.Back):
		d.leaveForm()
		d.say("", statusInfo)
	case key.Matches(msg, k.NextField):
		d.focus = (d.focus + 1) % len(d.fields)
	case key.Matches(msg, k.PrevField):
		d.focus = (d.focus + len(d.fields) - 1) % len(d.fields)
	case key.Matches(msg, k.Submit) && d.firstEmpty() >= 0:
		d.focus = d.firstEmpty()
	case key.Matches(msg, k.Submit, k.Save):
		if d.mode == devPIN {
			return d.submitPIN()
		}
		return d.submitRegister()
	default:
		if d.fields[d.focus].Update(msg, k) {
			d.say("", statusInfo)
		}
	}
	return nil
}

// firstEmpty is the index of the first empty field after the focused one
// (wrapping around), or -1 when every field is filled.
func (d *deviceScreen) firstEmpty() int {
	for i := range d.fields {
		if j := (d.focus + 1 + i) % len(d.fields); len(d.fields[j].value) == 0 {
			return j
		}
	}
	return -1
}

// submitPIN checks the form and sets or changes the PIN.
func (d *deviceScreen) submitPIN() tea.Cmd {
	n := len(d.fields)
	pin, again := pinBytes(&d.fields[n-2]), pinBytes(&d.fields[n-1])
	defer clear(again)
	var old []byte
	problem := pinProblem(pin)
	switch {
	case problem != "":
		d.focus = n - 2
	case !bytes.Equal(pin, again):
		problem, d.focus = "The two new PINs differ.", n-1
	case n == 3:
		old = pinBytes(&d.fields[0])
		if len(old) == 0 {
			problem, d.focus = "Type the current PIN.", 0
		}
	}
	if problem != "" {
		clear(pin)
		clear(old)
		d.say(problem, statusErr)
		return nil
	}
	d.say("", statusInfo)
	return d.wait.start("Talking to the key…", pinOp(d.c.backend, d.dev.Path, old, pin))
}

// submitRegister checks the name and proves the key with a test
// credential; the inventory entry is written when the key has answered.
func (d *deviceScreen) submitRegister() tea.Cmd {
	name := strings.TrimSpace(d.fields[0].Value())
	problem := ""
	switch {
	case name == "" || len(name) > maxKeyName:
		problem = "A key name has 1 to 64 bytes."
	case vaultops.FindKey(d.sess.data, name) != nil:
		problem = "A key named “" + name + "” is already registered: pick another name."
	}
	var pin []byte
	if problem == "" && len(d.fields) > 1 {
		pin = pinBytes(&d.fields[1])
		if problem = pinProblem(pin); problem != "" {
			clear(pin)
			d.focus = 1
		}
	}
	if problem != "" {
		d.say(problem, statusErr)
		return nil
	}
	d.name = name
	d.say("", statusInfo)
	return d.wait.start("Touch your security key, then touch it again…", proveOp(d.c.backend, d.dev.Path, name, pin))
}

// keyAddCmd adds a key to the vault's inventory.
func (s *session) keyAddCmd(name string, di fido.DeviceInfo, info fido.Info) tea.Cmd {
	return s.run(opKeyAdd, "", func(ops *vaultops.Session, r *writeMsg) error {
		r.label = name
		_, err := ops.RegisterKey(vaultops.KeyInfo{Name: name, AAGUID: info.AAGUIDString(), Product: productName(di)}, "")
		return err
	})
}
