package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/vault"
)

// phase is where the root state machine is.
type phase int

const (
	phaseLoading phase = iota // reading the vault file
	phaseOnboard              // no vault: create one
	phaseUnlock               // locked
	phaseOpen                 // unlocked: the screen stack
	phaseFatal                // the vault cannot be opened at all
)

const (
	defaultAutoLock = 5 * time.Minute
	refreshEvery    = 2 * time.Second
)

// Model is the root Bubble Tea model. It owns the state machine
// (onboarding → unlock → codes ↔ detail/add/recovery/help, auto-lock →
// unlock), the clipboard, the status line and the help bar.
type Model struct {
	cfg    Config
	c      *common
	width  int
	height int

	phase   phase
	onboard *onboardScreen
	unlock  *unlockScreen
	stack   []screen // phaseOpen: the codes list first
	sess    *session
	epoch   int

	status   status
	keysSeen int // key presses so far; a status remembers the count it was set at
	help     help.Model
	showHelp bool
	clip     clipState
	sync     syncState

	lastInput   time.Time
	refreshing  bool
	lastRefresh time.Time
	fatal       string
	fatalErr    error
}

// status is the one-line message above the help bar. It belongs to the
// screen it was set on: opening another screen clears it, and so does
// closing the screen with a key (esc). The report of the action that closed
// a screen (set after the last key press) stays, for the screen below.
type status struct {
	text  string
	kind  statusKind
	until time.Time
	keys  int // Model.keysSeen when it was set
}

type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusWarn
	statusErr
)

// Messages the root model handles.
type (
	tickMsg   struct{ t time.Time }
	loadedMsg struct {
		locked *vault.Locked
		err    error
	}
	openedMsg struct { // a vault was unlocked or created
		v      *vault.Vault
		method unlockMethod
		since  lockout.Summary // failed attempts since the previous unlock
		merged []string        // file-sync conflict copies merged in (vaultops.MergedCopy.Summary)
		note   string          // from Config.AfterUnlock: for the status bar
	}
	refreshMsg struct {
		epoch   int
		changed bool
		err     error
	}
	pushMsg   struct{ s screen }
	popMsg    struct{}
	closeMsg  struct{ s screen } // close s and every screen above it
	statusMsg status
	copyReq   struct{ id string } // copy the account's current code
	quitReq   struct{}
	dataMsg   struct{} // the session's data snapshot changed
)

func newModel(cfg Config, clip clipboardBackend) *Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Keys == nil {
		cfg.Keys = fido.LibFIDO2()
	}
	c := &common{st: newStyles(), keys: newKeyMap(), now: cfg.Now, after: tea.Tick, every: tea.Every,
		device: func(cmd tea.Cmd) tea.Cmd { return cmd }, backend: cfg.Keys, listKeys: cfg.Keys.List}
	h := help.New()
	h.Styles = c.st.Help
	m := &Model{cfg: cfg, c: c, width: 80, height: 24, help: h, clip: clipState{backend: clip, after: c.after}}
	m.lastInput = cfg.Now()
	return m
}

// Init loads the vault file and starts the one-second clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadCmd(), m.tick())
}

func (m *Model) tick() tea.Cmd {
	return m.c.every(time.Second, func(t time.Time) tea.Msg { return tickMsg{t} })
}

func (m *Model) loadCmd() tea.Cmd {
	path, opts := m.cfg.VaultPath, m.cfg.Options
	return func() tea.Msg {
		l, err := vault.Load(path, opts)
		return loadedMsg{locked: l, err: err}
	}
}

// Update routes messages; it does no I/O itself.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg, tea.MouseMsg:
		m.lastInput = m.c.now()
	case tickMsg:
		return m, tea.Batch(m.tick(), m.onTick())
	case loadedMsg:
		return m, m.loaded(msg)
	case openedMsg:
		return m, m.open(msg)
	case refreshMsg:
		return m, m.refreshed(msg)
	case writeMsg:
		return m, m.written(msg)
	case syncMsg:
		return m, m.synced(msg)
	case pushMsg:
		m.push(msg.s)
		return m, nil
	case popMsg:
		m.pop()
		return m, nil
	case closeMsg:
		m.close(msg.s)
		return m, nil
	case statusMsg:
		m.setStatus(msg.text, msg.kind)
		return m, nil
	case copyReq:
		return m, m.copyCode(msg.id)
	case quitReq:
		return m, m.quit()
	}
	if cmd, done := m.clipboardMsg(msg); done {
		return m, cmd
	}
	return m, m.toActive(msg)
}

// key handles the keys that work everywhere, then hands the rest to the
// active screen.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	m.lastInput = m.c.now()
	m.keysSeen++
	k := m.c.keys
	s := m.active()
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case m.showHelp:
		if key.Matches(msg, k.Help, k.Back, k.QuitQ) {
			m.showHelp = false
		}
		return nil
	case key.Matches(msg, k.Lock) && m.phase == phaseOpen:
		return m.lock("Locked.")
	case key.Matches(msg, k.Help) && s != nil && !s.Typing():
		m.showHelp = true
		return nil
	case key.Matches(msg, k.Sync) && m.phase == phaseOpen && m.canSync() && s != nil && !s.Typing():
		m.status = status{} // "Syncing…" takes the status line
		return m.startSync()
	case m.phase == phaseFatal && key.Matches(msg, k.QuitQ, k.Back):
		return m.quit()
	}
	return m.toActive(msg)
}

func (m *Model) toActive(msg tea.Msg) tea.Cmd {
	if s := m.active(); s != nil {
		return s.Update(msg)
	}
	return nil
}

// active is the screen that gets keys and fills the body.
func (m *Model) active() screen {
	switch m.phase {
	case phaseOnboard:
		return m.onboard
	case phaseUnlock:
		return m.unlock
	case phaseOpen:
		if len(m.stack) > 0 {
			return m.stack[len(m.stack)-1]
		}
	}
	return nil
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	bw, bh := m.bodySize()
	for _, s := range m.screens() {
		s.SetSize(bw, bh)
	}
}

// bodySize is the area between the header and the status and help lines.
func (m *Model) bodySize() (int, int) {
	return m.width, max(1, m.height-3)
}

func (m *Model) screens() []screen {
	out := append([]screen(nil), m.stack...)
	if m.onboard != nil {
		out = append(out, m.onboard)
	}
	if m.unlock != nil {
		out = append(out, m.unlock)
	}
	return out
}

func (m *Model) push(s screen) {
	s.SetSize(m.bodySize())
	m.stack = append(m.stack, s)
	m.showHelp = false
	m.status = status{}
}

func (m *Model) pop() {
	if len(m.stack) > 1 {
		m.stack = m.stack[:len(m.stack)-1]
	}
	if m.status.keys < m.keysSeen {
		m.status = status{}
	}
}

// close removes s, unless it is the codes list, and every screen above it
// (an edit form over the detail of an account deleted elsewhere), zeroing
// what they hold.
func (m *Model) close(s screen) {
	for i := len(m.stack) - 1; i > 0; i-- {
		if m.stack[i] != s {
			continue
		}
		for _, above := range m.stack[i:] {
			if w, ok := above.(wiper); ok {
				w.wipe()
			}
		}
		m.stack = m.stack[:i]
		if m.status.keys < m.keysSeen {
			m.status = status{}
		}
		return
	}
}

func (m *Model) setStatus(text string, kind statusKind) {
	d := 5 * time.Second
	if kind == statusErr || kind == statusWarn {
		d = 10 * time.Second
	}
	m.status = status{text: text, kind: kind, until: m.c.now().Add(d), keys: m.keysSeen}
}

func (m *Model) loaded(msg loadedMsg) tea.Cmd {
	switch {
	case errors.Is(msg.err, vault.ErrNotExist):
		m.phase = phaseOnboard
		m.onboard = newOnboardScreen(m.c, m.cfg)
		m.onboard.SetSize(m.bodySize())
		return m.onboard.Init()
	case msg.err != nil:
		m.phase = phaseFatal
		m.fatal = errText(msg.err)
		m.fatalErr = msg.err
		return nil
	}
	m.phase = phaseUnlock
	if m.unlock == nil {
		m.unlock = newUnlockScreen(m.c, m.cfg)
		m.unlock.SetSize(m.bodySize())
	}
	return m.unlock.setLocked(msg.locked)
}

// open starts a session with a freshly unlocked or created vault.
func (m *Model) open(msg openedMsg) tea.Cmd {
	m.epoch++
	m.sess = newSession(msg.v, m.cfg.stateDir(), m.epoch, m.c.now)
	m.sess.saveWarning = m.cfg.SaveWarning
	m.phase = phaseOpen
	if m.onboard != nil {
		m.onboard.wipe()
	}
	if m.unlock != nil {
		m.unlock.wipe()
	}
	m.onboard, m.unlock = nil, nil
	m.stack = nil
	m.push(newCodesScreen(m.c, m.sess))
	m.lastInput = m.c.now()
	m.lastRefresh = m.c.now()
	if msg.note != "" {
		m.setStatus(msg.note, statusInfo)
	}
	switch msg.method {
	case methodCreated:
		m.setStatus("Vault created. Press a to add your first account.", statusOK)
	case methodRecovery:
		m.setStatus("Unlocked with the recovery key. Lost the password? Set a new one: otter passwd", statusWarn)
	}
	if n := msg.since.Failures; n > 0 {
		m.setStatus(fmt.Sprintf("%d failed unlock %s since your last unlock (the last at %s).",
			n, plural(n, "attempt"), msg.since.Last.Local().Format("2006-01-02 15:04")), statusWarn)
	}
	if len(msg.merged) > 0 {
		m.setStatus(safe(strings.Join(msg.merged, " · ")), statusInfo)
	}
	return tea.Batch(m.sess.usageCmd(), m.autoSync())
}

// lock closes the vault (zeroing its keys), drops every screen that shows
// its data and goes back to the unlock screen.
func (m *Model) lock(why string) tea.Cmd {
	m.stopSync()
	if m.sess != nil {
		m.sess.v.Close()
		m.sess = nil
	}
	m.epoch++
	m.wipeStack()
	m.stack = nil
	m.showHelp = false
	m.refreshing = false
	m.phase = phaseUnlock
	m.unlock = newUnlockScreen(m.c, m.cfg)
	m.unlock.afterLock = true
	m.unlock.SetSize(m.bodySize())
	m.setStatus(why, statusInfo)
	return m.loadCmd()
}

func (m *Model) quit() tea.Cmd {
	if c := m.clip.clearNow(); c != nil {
		return tea.Sequence(c, tea.Quit)
	}
	return tea.Quit
}

// wiper is a screen holding typed secrets that it can zero.
type wiper interface{ wipe() }

func (m *Model) wipeStack() {
	for _, s := range m.stack {
		if w, ok := s.(wiper); ok {
			w.wipe()
		}
	}
}

// shutdown closes the vault when the program ends.
func (m *Model) shutdown() {
	m.stopSync()
	m.wipeStack()
	if m.sess != nil {
		m.sess.v.Close()
		m.sess = nil
	}
	if m.unlock != nil {
		m.unlock.wipe()
	}
	if m.onboard != nil {
		m.onboard.wipe()
	}
}

// onTick expires the status line and HOTP codes, auto-locks after the idle
// time and polls the vault file for changes made by other processes.
func (m *Model) onTick() tea.Cmd {
	now := m.c.now()
	if !m.status.until.IsZero() && now.After(m.status.until) {
		m.status = status{}
	}
	if m.phase != phaseOpen || m.sess == nil {
		return nil
	}
	if now.Sub(m.lastInput) >= m.autoLock() {
		return m.lock("Locked after " + humanDuration(m.autoLock()) + " without input.")
	}
	for id, c := range m.sess.hotp {
		if now.Sub(c.at) >= hotpShown {
			delete(m.sess.hotp, id)
		}
	}
	if m.refreshing || now.Sub(m.lastRefresh) < refreshEvery {
		return nil
	}
	m.refreshing = true
	v, epoch := m.sess.v, m.sess.epoch
	return func() tea.Msg {
		changed, err := v.Refresh()
		return refreshMsg{epoch: epoch, changed: changed, err: err}
	}
}

// humanDuration writes whole minutes as "5 min", else seconds.
func humanDuration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d s", seconds(d))
}

func (m *Model) autoLock() time.Duration {
	if m.sess != nil && m.sess.data != nil && m.sess.data.Settings.AutoLock > 0 {
		return m.sess.data.Settings.AutoLock
	}
	return defaultAutoLock
}

func (m *Model) clipboardClear() time.Duration {
	if m.sess != nil && m.sess.data != nil && m.sess.data.Settings.ClipboardClear > 0 {
		return m.sess.data.Settings.ClipboardClear
	}
	return defaultClipboardClear
}

func (m *Model) refreshed(msg refreshMsg) tea.Cmd {
	if m.sess == nil || msg.epoch != m.sess.epoch {
		return nil
	}
	m.refreshing = false
	m.lastRefresh = m.c.now()
	if msg.err != nil {
		m.setStatus("Could not re-read the vault: "+errText(msg.err), statusErr)
		return nil
	}
	if msg.changed {
		return m.dataChanged()
	}
	return nil
}

// dataChanged installs the vault's new snapshot and tells every screen.
func (m *Model) dataChanged() tea.Cmd {
	m.sess.data = m.sess.v.Data()
	var cmds []tea.Cmd
	for _, s := range m.stack {
		cmds = append(cmds, s.Update(dataMsg{}))
	}
	return tea.Batch(cmds...)
}
