package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// keysScreen lists the security keys plugged in (real and virtual) and
// the vault's key inventory. A key plugged in opens its own screen (info,
// PIN, resident credentials) or is registered; a registered key can be
// marked lost.
type keysScreen struct {
	c    *common
	sess *session
	w, h int

	devs       []fido.DeviceInfo
	listErr    error
	listed     bool
	sel        int // devices first, then registered keys
	confirming bool
	note       string // what marking a key lost means, after it was done
}

// Errors of the inventory writes.
var ()

// openKeysScreen pushes the keys screen and lists the keys plugged in.
func openKeysScreen(c *common, sess *session) tea.Cmd {
	s := &keysScreen{c: c, sess: sess}
	return tea.Sequence(emit(pushMsg{s}), listCmd(c.listKeys))
}

func (s *keysScreen) SetSize(w, h int) { s.w, s.h = w, h }
func (s *keysScreen) Title() string    { return "Security keys" }
func (s *keysScreen) Typing() bool     { return false }

// registered is the live part of the inventory.
func (s *keysScreen) registered() []vault.HardwareKey {
	var out []vault.HardwareKey
	for _, k := range s.sess.data.Keys {
		if !k.Deleted {
			out = append(out, k)
		}
	}
	return out
}

func (s *keysScreen) rows() int { return len(s.devs) + len(s.registered()) }

// selected returns the selected device or registered key (one is nil).
func (s *keysScreen) selected() (*fido.DeviceInfo, *vault.HardwareKey) {
	if s.sel < len(s.devs) {
		return &s.devs[s.sel], nil
	}
	if reg := s.registered(); s.sel-len(s.devs) < len(reg) {
		return nil, &reg[s.sel-len(s.devs)]
	}
	return nil, nil
}

func (s *keysScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case devicesMsg:
		s.devs, s.listErr, s.listed = msg.devs, msg.err, true
		s.sel = clampInt(s.sel, 0, max(0, s.rows()-1))
	case dataMsg:
		s.sel = clampInt(s.sel, 0, max(0, s.rows()-1))
	case writeMsg:
		if msg.op == opKeyLost && msg.err == nil {
			s.note = msg.note
		}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *keysScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	dev, reg := s.selected()
	if s.confirming {
		switch {
		case key.Matches(msg, k.Confirm) && reg != nil:
			s.confirming = false
			return s.markLost(reg.ID)
		case key.Matches(msg, k.Cancel):
			s.confirming = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return emit(popMsg{})
	case key.Matches(msg, k.Up):
		s.sel = max(0, s.sel-1)
	case key.Matches(msg, k.Down):
		s.sel = clampInt(s.sel+1, 0, max(0, s.rows()-1))
	case key.Matches(msg, k.Refresh):
		return listCmd(s.c.listKeys)
	case key.Matches(msg, k.Open) && dev != nil:
		return s.openDevice(*dev, false)
	case key.Matches(msg, k.Register) && dev != nil:
		return s.openDevice(*dev, true)
	case key.Matches(msg, k.Lost) && reg != nil && !reg.Lost:
		s.confirming, s.note = true, ""
	}
	return nil
}

func (s *keysScreen) openDevice(di fido.DeviceInfo, register bool) tea.Cmd {
	d := newDeviceScreen(s.c, s.sess, di, register)
	return tea.Sequence(emit(pushMsg{d}), d.load())
}

// markLost runs the vault side of the lost-key playbook: the key's unlock
// slot is removed (the data key rotated) and the key marked lost; the
// result's note lists the accounts it was registered on.
func (s *keysScreen) markLost(id string) tea.Cmd {
	return s.sess.run(opKeyLost, id, func(ops *vaultops.Session, r *writeMsg) error {
		lost, err := ops.MarkLost(id)
		if err != nil {
			return err
		}
		r.label, r.note = lost.Key.Nickname, lostNote(ops.Data(), lost)
		return nil
	})
}

// lostNote tells what to do after losing a key.
func lostNote(d *vault.Data, lost vaultops.Lost) string {
	k := &lost.Key
	names := keyAccounts(d, k)
	var b strings.Builder
	b.WriteString("“" + k.Nickname + "” is marked lost. ")
	if lost.Slot != nil {
		b.WriteString("Its vault slot was removed and the data key rotated: it no longer unlocks this vault. ")
	}
	if len(names) == 0 {
		b.WriteString("It is not recorded as registered on any account here.")
	} else {
		b.WriteString("It was registered on " + strings.Join(names, ", ") +
			": remove it from each of those accounts, and check that each still has another way in.")
	}
	return b.String()
}

// keyAccounts names the live accounts key k is registered on.
func keyAccounts(d *vault.Data, k *vault.HardwareKey) []string {
	var names []string
	for _, a := range vaultops.KeyAccounts(d, k) {
		names = append(names, a.Label())
	}
	return names
}

func (s *keysScreen) ShortHelp() []key.Binding {
	k := s.c.keys
	if s.confirming {
		return []key.Binding{with(k.Confirm, "y", "yes, mark lost"), k.Cancel}
	}
	dev, reg := s.selected()
	return []key.Binding{
		enabled(k.Open, dev != nil), enabled(k.Register, dev != nil),
		enabled(k.Lost, reg != nil && !reg.Lost), k.Refresh, k.Back,
	}
}

func (s *keysScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(s.ShortHelp(), with(s.c.keys.Up, "↑↓ jk", "move"))}
}
