package tui

import (
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// Form fields of the add/edit screen, in focus order.
const (
	fURI = iota
	fIssuer
	fAccount
	fSecret
	fTags
	fNotes
	fAdvanced // the "advanced" toggle row
	fType
	fAlgorithm
	fDigits
	fPeriod
	fCounter
	fieldCount
)

var (
	fieldNames = [fieldCount]string{"URI", "Issuer", "Account", "Secret", "Tags", "Notes", "Advanced", "Type", "Algorithm", "Digits", "Period", "Counter"}
	// errField maps otp.ParseError fields to form fields.
	errField = map[string]int{"uri": fURI, "issuer": fIssuer, "account": fAccount, "label": fAccount, "secret": fSecret,
		"type": fType, "algorithm": fAlgorithm, "digits": fDigits, "period": fPeriod, "counter": fCounter, "data": fURI}
	types      = []string{"totp", "hotp", "steam"}
	algorithms = []string{"SHA1", "SHA256", "SHA512"}
)

// addScreen adds an account from a pasted otpauth:// or
// otpauth-migration:// URI or from a form, or edits one (id set), with a
// live preview of the code and errors shown inline.
type addScreen struct {
	c    *common
	sess *session
	id   string // "" when adding
	w, h int

	fields   [fieldCount]field
	focus    int
	advanced bool
	typ, alg int
	batch    []*otp.Key // keys of a migration URI
	errAt    int        // the field an error is about, -1 for none
	err      string
	saving   bool
	off      int
}

func newAddScreen(c *common, sess *session, id string) *addScreen {
	a := &addScreen{c: c, sess: sess, id: id, focus: fURI, errAt: -1}
	for i := range a.fields {
		a.fields[i] = newField(echoNormal, "")
	}
	a.fields[fURI] = newField(echoURI, "otpauth://… (or fill in below)")
	a.fields[fURI].limit = 64 << 10
	a.fields[fSecret] = newField(echoMask, "base32, e.g. JBSW Y3DP EHPK 3PXP")
	a.fields[fTags].placeholder = "comma separated"
	a.fields[fDigits].SetValue("6")
	a.fields[fPeriod].SetValue("30")
	a.fields[fCounter].SetValue("0")
	if acc := sess.account(id); acc != nil {
		a.load(acc)
	}
	return a
}

// load fills the form from an existing account.
func (a *addScreen) load(acc *vault.Account) {
	a.focus = fIssuer
	a.fields[fIssuer].SetValue(acc.Issuer)
	a.fields[fAccount].SetValue(acc.Name)
	a.fields[fSecret].SetValue(otp.EncodeSecret(acc.Secret))
	a.fields[fTags].SetValue(strings.Join(acc.Tags, ", "))
	a.fields[fNotes].SetValue(acc.Notes)
	a.fields[fDigits].SetValue(strconv.Itoa(acc.Digits))
	a.fields[fPeriod].SetValue(strconv.Itoa(period(acc)))
	a.fields[fCounter].SetValue(strconv.FormatUint(acc.Counter, 10))
	a.typ = max(0, indexOf(types, acc.Type))
	a.alg = max(0, indexOf(algorithms, acc.Algorithm))
}

// wipe zeroes the form (the secret and the URI hold the key).
func (a *addScreen) wipe() {
	for i := range a.fields {
		a.fields[i].Reset()
	}
	for _, k := range a.batch {
		k.Wipe()
	}
	a.batch = nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return -1
}

func (a *addScreen) SetSize(w, h int) { a.w, a.h = w, h }
func (a *addScreen) Typing() bool {
	return a.focus != fAdvanced && a.focus != fType && a.focus != fAlgorithm
}
func (a *addScreen) Title() string {
	if a.id != "" {
		return "Edit account"
	}
	return "Add account"
}

// visible reports whether field i is part of the form now.
func (a *addScreen) visible(i int) bool {
	switch {
	case i == fURI:
		return a.id == ""
	case i > fAdvanced:
		hotp := types[a.typ] == "hotp"
		return a.advanced && a.batch == nil && (i != fCounter || hotp) && (i != fPeriod || !hotp)
	case i > fURI:
		return a.batch == nil
	}
	return true
}

func (a *addScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case writeMsg:
		if msg.op == opAdd || msg.op == opEdit {
			a.saving = false
			if msg.err == nil {
				return a.leave()
			}
			a.setErr(msg.err)
		}
	case tea.PasteMsg:
		a.edit(msg)
	case tea.KeyPressMsg:
		return a.key(msg)
	}
	return nil
}

// leave closes the screen, zeroing what was typed.
func (a *addScreen) leave() tea.Cmd {
	a.wipe()
	return emit(popMsg{})
}

func (a *addScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.keys
	switch {
	case a.saving:
	case key.Matches(msg, k.Back):
		return a.leave()
	case key.Matches(msg, k.Save):
		return a.save()
	case key.Matches(msg, k.NextField):
		a.step(1)
	case key.Matches(msg, k.PrevField):
		a.step(-1)
	case key.Matches(msg, k.Submit):
		switch {
		case a.focus == fAdvanced:
			a.advanced = !a.advanced
		case a.enterSaves():
			return a.save()
		default:
			a.step(1)
		}
	case a.focus == fAdvanced && key.Matches(msg, k.Toggle):
		a.advanced = !a.advanced
	case a.focus == fType && key.Matches(msg, k.Choice, k.Toggle):
		a.cycleType(key.Matches(msg, k.Left))
	case a.focus == fAlgorithm && key.Matches(msg, k.Choice, k.Toggle):
		a.alg = cycle(a.alg, len(algorithms), key.Matches(msg, k.Left))
		a.check()
	default:
		a.edit(msg)
	}
	return nil
}

// enterSaves reports whether Enter saves: on the URI field once it holds
// a URI. Everywhere else Enter moves on (or opens Advanced) and ctrl+s
// saves.
func (a *addScreen) enterSaves() bool {
	return a.focus == fURI && a.id == "" && !a.fields[fURI].Empty()
}

// step moves the focus to the next visible field.
func (a *addScreen) step(d int) {
	for i := a.focus + d; i >= 0 && i < fieldCount; i += d {
		if a.visible(i) {
			a.focus = i
			return
		}
	}
}

// cycle steps i through n choices, backwards when back.
func cycle(i, n int, back bool) int {
	if back {
		return (i + n - 1) % n
	}
	return (i + 1) % n
}

func (a *addScreen) cycleType(back bool) {
	was := types[a.typ]
	a.typ = cycle(a.typ, len(types), back)
	switch {
	case types[a.typ] == "steam":
		a.fields[fDigits].SetValue("5")
		a.fields[fPeriod].SetValue("30")
		a.alg = 0
	case was == "steam":
		a.fields[fDigits].SetValue("6")
	}
	a.check()
}

// edit types into the focused text field and re-checks the form.
func (a *addScreen) edit(msg tea.Msg) {
	if !a.Typing() {
		return
	}
	if a.fields[a.focus].Update(msg, a.c.keys) {
		if a.focus == fURI {
			a.parseURI()
		}
		a.check()
	}
}

// parseURI fills the form from a pasted URI.
func (a *addScreen) parseURI() {
	a.batch = nil
	s := strings.TrimSpace(a.fields[fURI].Value())
	switch {
	case s == "":
		return
	case hasPrefixFold(s, "otpauth-migration:"):
		if keys, _, err := otp.ParseMigration(s); err == nil {
			a.batch = keys
		}
	case hasPrefixFold(s, "otpauth:"):
		if k, err := otp.ParseURI(s); err == nil {
			a.fill(k)
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func (a *addScreen) fill(k *otp.Key) {
	a.fields[fIssuer].SetValue(k.Issuer)
	a.fields[fAccount].SetValue(k.Account)
	a.fields[fSecret].SetValue(otp.EncodeSecret(k.Secret))
	a.fields[fDigits].SetValue(strconv.Itoa(k.Digits))
	a.fields[fPeriod].SetValue(strconv.Itoa(k.Period))
	a.fields[fCounter].SetValue(strconv.FormatUint(k.Counter, 10))
	a.typ = max(0, indexOf(types, string(k.Type)))
	a.alg = max(0, indexOf(algorithms, string(k.Algorithm)))
	k.Wipe()
}

// check validates the form as it is and sets the inline error.
func (a *addScreen) check() {
	a.err, a.errAt = "", -1
	if s := strings.TrimSpace(a.fields[fURI].Value()); s != "" && a.batch == nil {
		if _, err := a.uriKeys(); err != nil {
			a.setErr(err)
			return
		}
	}
	if a.batch != nil || a.fields[fSecret].Empty() {
		return
	}
	k, err := a.formKey()
	if err != nil {
		a.setErr(err)
		return
	}
	k.Wipe()
}

func (a *addScreen) setErr(err error) {
	a.err, a.errAt = errText(err), -1
	var pe *otp.ParseError
	if errors.As(err, &pe) {
		if i, ok := errField[pe.Field]; ok {
			a.errAt = i
		}
		if strings.TrimSpace(a.fields[fURI].Value()) != "" && a.batch == nil && a.id == "" {
			a.errAt = fURI
		}
	}
}

// uriKeys parses the URI field.
func (a *addScreen) uriKeys() ([]*otp.Key, error) {
	s := strings.TrimSpace(a.fields[fURI].Value())
	if hasPrefixFold(s, "otpauth-migration:") {
		keys, _, err := otp.ParseMigration(s)
		return keys, err
	}
	k, err := otp.ParseURI(s)
	if err != nil {
		return nil, err
	}
	return []*otp.Key{k}, nil
}

// formKey builds and validates the key the form describes.
func (a *addScreen) formKey() (*otp.Key, error) {
	secret, err := otp.DecodeSecret(a.fields[fSecret].Value())
	if err != nil {
		return nil, &otp.ParseError{Field: "secret", Msg: strings.TrimPrefix(err.Error(), "secret ")}
	}
	k := &otp.Key{
		Type: otp.Type(types[a.typ]), Algorithm: otp.Algorithm(algorithms[a.alg]), Secret: secret,
		Issuer: strings.TrimSpace(a.fields[fIssuer].Value()), Account: strings.TrimSpace(a.fields[fAccount].Value()),
	}
	k.Digits, err = a.number(fDigits, "digits")
	if err == nil && k.Type != otp.TypeHOTP {
		k.Period, err = a.number(fPeriod, "period")
	}
	if err == nil && k.Type == otp.TypeHOTP {
		var c int
		c, err = a.number(fCounter, "counter")
		k.Counter = uint64(c)
	}
	if err == nil {
		err = k.Validate()
	}
	if err == nil && k.Issuer == "" && k.Account == "" {
		err = &otp.ParseError{Field: "issuer", Msg: "give an issuer or an account name (or both)"}
	}
	if err != nil {
		k.Wipe()
		return nil, err
	}
	return k, nil
}

func (a *addScreen) number(i int, name string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(a.fields[i].Value()))
	if err != nil || n < 0 {
		return 0, &otp.ParseError{Field: name, Msg: "must be a whole number"}
	}
	return n, nil
}

// save validates everything and writes the account(s) in one transaction.
func (a *addScreen) save() tea.Cmd {
	var keys []*otp.Key
	var err error
	if a.id == "" && !a.fields[fURI].Empty() {
		keys, err = a.uriKeys()
	} else {
		var k *otp.Key
		if k, err = a.formKey(); err == nil {
			keys = []*otp.Key{k}
		}
	}
	if err != nil {
		a.setErr(err)
		return nil
	}
	a.saving = true
	tags, notes := splitTags(a.fields[fTags].Value()), strings.TrimSpace(a.fields[fNotes].Value())
	if a.id != "" {
		return a.sess.editCmd(a.id, keys[0], tags, notes)
	}
	return a.sess.addCmd(keys, tags, notes)
}

func splitTags(s string) []string { return vaultops.CleanTags(strings.Split(s, ",")) }

// addCmd adds the keys as accounts, skipping ones already present.
func (s *session) addCmd(keys []*otp.Key, tags []string, notes string) tea.Cmd {
	accs := make([]vaultops.NewAccount, len(keys))
	for i, k := range keys {
		accs[i].Account = vaultops.AccountOf(k)
		accs[i].Account.Tags, accs[i].Account.Notes = tags, notes
	}
	return s.run(opAdd, "", func(ops *vaultops.Session, r *writeMsg) error {
		res, err := ops.Add(accs)
		for i := range accs {
			clear(accs[i].Account.Secret)
		}
		r.n, r.dup = len(res.Added), len(res.Skipped)
		if r.n > 0 {
			last := res.Added[r.n-1]
			r.id, r.label = last.ID, last.Label()
		}
		return err
	})
}

// editCmd replaces an account's parameters.
func (s *session) editCmd(id string, k *otp.Key, tags []string, notes string) tea.Cmd {
	return s.run(opEdit, id, func(ops *vaultops.Session, r *writeMsg) error {
		a, err := ops.Edit(id, vaultops.Edit{Key: k, Tags: &tags, Notes: &notes})
		r.label = a.Label()
		return err
	})
}
