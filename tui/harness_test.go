package tui

import (
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/vault"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // dates on screen do not depend on the machine
	os.Exit(m.Run())
}

// t0 is the tests' clock: 20 s left in a 30 s period.
var t0 = time.Date(2026, 3, 14, 15, 9, 10, 0, time.UTC)

var (
	tinyKDF  = vault.KDFParams{Memory: 256, Time: 1, Threads: 1}
	testPass = "Otter-Test-Pass-42"
)

// fakeStore is an in-memory OS keyring.
type fakeStore struct {
	m    map[string][]byte
	down bool // answers nothing, like a missing Secret Service
}

func newFakeStore() *fakeStore { return &fakeStore{m: map[string][]byte{}} }

func (s *fakeStore) Get(a string) ([]byte, error) {
	if s.down {
		return nil, keyring.ErrUnavailable
	}
	v, ok := s.m[a]
	if !ok {
		return nil, keyring.ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (s *fakeStore) Set(a string, v []byte) error {
	if s.down {
		return keyring.ErrUnavailable
	}
	s.m[a] = append([]byte(nil), v...)
	return nil
}

func (s *fakeStore) Delete(a string) error { delete(s.m, a); return nil }

// fakeClip is a system clipboard the user may also write to.
type fakeClip struct {
	value   string
	copies  []string
	cleared int
}

func (c *fakeClip) Copy(v []byte) error {
	c.value = string(v)
	c.copies = append(c.copies, string(v))
	return nil
}

func (c *fakeClip) HoldsDigest(sum [32]byte) bool { return sha256.Sum256([]byte(c.value)) == sum }

func (c *fakeClip) Clear() error {
	c.value = ""
	c.cleared++
	return nil
}

// timerMsg is what the tests' timers return instead of waiting: the
// harness keeps it until the test fires it.
type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

// harness drives the root model by messages, running every command in the
// test goroutine; timers are kept for the test to fire.
type harness struct {
	t      *testing.T
	m      *Model
	now    time.Time
	dir    string
	store  *fakeStore
	clip   *fakeClip
	cfg    Config
	timers []timerMsg
	osc52  []string
	quit   bool
	// Security keys (harness_key_test.go).
	keys    []string            // paths of the keys plugged in
	plugged map[string]*testKey // by plugKey's name
	backend fido.Backend        // of the keys plugged in
	pending chan tea.Msg        // results of background device commands
}

func newHarness(t *testing.T, w, h int) *harness {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	hs := &harness{t: t, now: t0, dir: dir, store: newFakeStore(), clip: &fakeClip{}}
	clock := func() time.Time { return hs.now }
	hs.cfg = Config{
		VaultPath:  filepath.Join(dir, "vault.otter"),
		Options:    &vault.Options{AllowWeakKDF: true, Now: clock, Rand: rand.NewChaCha8([32]byte{7})},
		Store:      hs.store,
		KDF:        tinyKDF,
		Now:        clock,
		LockoutDir: filepath.Join(dir, "state"),
	}
	hs.m = newModel(hs.cfg, hs.clip)
	timer := func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d, fn(hs.now.Add(d))} }
	}
	hs.m.c.after, hs.m.c.every, hs.m.clip.after = timer, timer, timer
	hs.m.c.listKeys = hs.listKeys
	hs.size(w, h)
	return hs
}

// start runs Init, as tea.Program does.
func (h *harness) start() *harness {
	h.run(h.m.Init())
	return h
}

func (h *harness) size(w, hh int) { h.send(tea.WindowSizeMsg{Width: w, Height: hh}) }

// send delivers msg and everything its commands produce.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		queue = append(queue, h.deliver(msg)...)
	}
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd != nil {
		h.send(cmd())
	}
}

// deliver handles one message and returns the messages of its commands.
func (h *harness) deliver(msg tea.Msg) []tea.Msg {
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		return h.runAll(msg)
	case timerMsg:
		h.timers = append(h.timers, msg)
		return nil
	case tea.QuitMsg:
		h.quit = true
		return nil
	}
	v := reflect.ValueOf(msg)
	switch v.Type().String() {
	case "tea.sequenceMsg":
		return h.runAll(v.Interface())
	case "tea.setClipboardMsg":
		h.osc52 = append(h.osc52, v.String())
		return nil
	case "tea.readClipboardMsg":
		return nil
	}
	_, cmd := h.m.Update(msg)
	if cmd == nil {
		return nil
	}
	return []tea.Msg{cmd()}
}

func (h *harness) runAll(cmds any) []tea.Msg {
	var out []tea.Msg
	v := reflect.ValueOf(cmds)
	for i := range v.Len() {
		if c, ok := v.Index(i).Interface().(tea.Cmd); ok && c != nil {
			out = append(out, c())
		}
	}
	return out
}

// fire delivers the pending timers whose message satisfies match.
func (h *harness) fire(match func(tea.Msg) bool) int {
	n := 0
	var keep []timerMsg
	pending := h.timers
	h.timers = nil
	for _, tm := range pending {
		if match(tm.msg) {
			h.send(tm.msg)
			n++
		} else {
			keep = append(keep, tm)
		}
	}
	h.timers = append(keep, h.timers...)
	return n
}

// tick advances the clock by d and delivers one clock tick.
func (h *harness) tick(d time.Duration) {
	h.now = h.now.Add(d)
	h.fire(func(m tea.Msg) bool { _, ok := m.(tickMsg); return ok })
}

// typeText types s one key at a time.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) paste(s string) { h.send(tea.PasteMsg{Content: s}) }

// press sends a named key: "enter", "esc", "tab", "ctrl+l", "up", "a" …
func (h *harness) press(names ...string) {
	for _, n := range names {
		h.send(keyMsg(n))
	}
}

func keyMsg(name string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp,
		"down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace,
		"space": tea.KeySpace, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp}
	if strings.HasPrefix(name, "ctrl+") {
		return tea.KeyPressMsg{Code: rune(name[5]), Mod: tea.ModCtrl}
	}
	if r, ok := special[name]; ok {
		k := tea.KeyPressMsg{Code: r}
		if r == tea.KeySpace {
			k.Text = " "
		}
		return k
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// screen is what the user sees, without colours and trailing spaces.
func (h *harness) screen() string {
	lines := strings.Split(ansi.Strip(h.m.render()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// see fails unless every text is on screen.
func (h *harness) see(texts ...string) {
	h.t.Helper()
	s := h.screen()
	for _, text := range texts {
		if !strings.Contains(s, text) {
			h.t.Fatalf("screen lacks %q:\n%s", text, s)
		}
	}
}

// notSee fails if a text is on screen.
func (h *harness) notSee(texts ...string) {
	h.t.Helper()
	s := h.screen()
	for _, text := range texts {
		if strings.Contains(s, text) {
			h.t.Fatalf("screen shows %q:\n%s", text, s)
		}
	}
}

// reopen loads the vault file afresh and unlocks it with the password.
func (h *harness) reopen(cred vault.Credential) *vault.Vault {
	h.t.Helper()
	l, err := vault.Load(h.cfg.VaultPath, &vault.Options{AllowWeakKDF: true})
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := l.Unlock(cred)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(v.Close)
	return v
}

// seed creates a vault (recovery key + password, and the keyring when
// withKeyring) holding accounts, and returns the recovery key.
func (h *harness) seed(withKeyring bool, accounts ...vault.Account) []byte {
	h.t.Helper()
	key, _, err := vault.NewRecoveryKey(rand.NewChaCha8([32]byte{1}))
	if err != nil {
		h.t.Fatal(err)
	}
	creds := []vault.Credential{vault.RecoveryKey{Key: append([]byte(nil), key...)}, vault.Password{Secret: []byte(testPass), KDF: tinyKDF}}
	if withKeyring {
		creds = append(creds, vault.Keyring{Store: h.store})
	}
	v, err := vault.Create(h.cfg.VaultPath, h.cfg.Options, creds...)
	if err != nil {
		h.t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(d *vault.Data) error {
		for _, a := range accounts {
			added := d.AddAccount(a, t0.Add(-24*time.Hour))
			added.UseCount, added.LastUsed, added.Pinned = a.UseCount, a.LastUsed, a.Pinned
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return key
}

// addRecovery gives the account of issuer recovery codes.
func (h *harness) addRecovery(issuer string, codes ...string) {
	h.t.Helper()
	l, err := vault.Load(h.cfg.VaultPath, h.cfg.Options)
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := l.Unlock(vault.Password{Secret: []byte(testPass)})
	if err != nil {
		h.t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(d *vault.Data) error {
		for _, a := range d.Live() {
			if a.Issuer == issuer {
				d.AddRecoveryCodes(a.ID, codes, t0.Add(-time.Hour))
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}
