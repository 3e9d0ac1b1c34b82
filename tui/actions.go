package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/errcat"
	"github.com/otterauth/otter/internal/vaultops"
)

// copyCode copies an account's current code. A TOTP or Steam code is on
// hand; a HOTP code is made by a vault transaction that persists the next
// counter first, and copied when that transaction reports back.
func (m *Model) copyCode(id string) tea.Cmd {
	a := m.sess.account(id)
	if a == nil {
		return nil
	}
	if isHOTP(a) {
		return m.sess.hotpCmd(id)
	}
	c, err := vaultops.TOTP(a, m.c.now())
	if err != nil {
		m.setStatus(errText(err), statusErr)
		return nil
	}
	return tea.Batch(m.copy(c.Code, "code"), m.sess.useCmd(id))
}

func (m *Model) copy(value, what string) tea.Cmd {
	m.status = status{} // the countdown takes the status line
	return m.clip.copy(value, what, m.clipboardClear(), m.c.now())
}

// written handles the end of a vault transaction: install the new data,
// report the result, and pass it on to the screens that wait for it.
func (m *Model) written(msg writeMsg) tea.Cmd {
	if m.sess == nil || msg.epoch != m.sess.epoch {
		return nil
	}
	if msg.usage != nil {
		m.sess.usage = msg.usage
	}
	if msg.err != nil {
		if msg.op == opRestore {
			m.sess.trashed = ""
		}
		m.setStatus(errText(msg.err), statusErr)
		return m.forward(msg)
	}
	cmds := []tea.Cmd{m.dataChanged(), m.forward(msg)}
	switch msg.op {
	case opHOTP:
		m.sess.hotp[msg.id] = shownCode{code: msg.code, counter: msg.ctr, at: m.c.now()}
		cmds = append(cmds, m.copy(msg.code, "code"))
	case opRecoverUse:
		cmds = append(cmds, m.copy(msg.code, "recovery code"))
	case opPin:
		m.setStatus(map[bool]string{true: "Pinned ", false: "Unpinned "}[msg.n == 1]+msg.label+".", statusOK)
	case opDelete:
		m.sess.trashed = msg.id
		m.setStatus("Deleted "+msg.label+". Press u to undo (or: otter trash restore, for 30 days).", statusOK)
	case opRestore:
		m.sess.trashed = ""
		m.setStatus("Restored "+msg.label+" from the trash.", statusOK)
	case opAdd:
		m.setStatus(addedText(msg), statusOK)
	case opEdit:
		m.setStatus("Saved "+msg.label+".", statusOK)
	case opRecoverAdd:
		m.setStatus(fmt.Sprintf("Added %d recovery codes%s.", msg.n, dupText(msg.dup)), statusOK)
	case opRecoverReplace:
		m.setStatus(fmt.Sprintf("Replaced the recovery codes: %d new.", msg.n), statusOK)
	case opKeyAdd:
		m.setStatus("Registered “"+msg.label+"” in the vault's key inventory.", statusOK)
	case opKeyLost:
		m.setStatus("Marked “"+msg.label+"” lost.", statusWarn)
	}
	if msg.warn != nil {
		m.setStatus(errcat.Capitalize(msg.warn.Error()), statusWarn)
	}
	if syncedOp(msg.op) {
		cmds = append(cmds, m.autoSync())
	}
	return tea.Batch(cmds...)
}

func addedText(msg writeMsg) string {
	s := "Added " + msg.label
	if msg.n > 1 {
		s = fmt.Sprintf("Added %d accounts", msg.n)
	}
	return s + dupText(msg.dup) + "."
}

func dupText(dup int) string {
	if dup == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d already there)", dup)
}

// forward gives a transaction result to every stacked screen.
func (m *Model) forward(msg writeMsg) tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range append([]screen(nil), m.stack...) {
		cmds = append(cmds, s.Update(msg))
	}
	return tea.Batch(cmds...)
}

// clipboardMsg handles the clipboard's messages; done is false for others.
func (m *Model) clipboardMsg(msg tea.Msg) (cmd tea.Cmd, done bool) {
	switch msg := msg.(type) {
	case copiedMsg:
		if msg.err != nil && msg.seq == m.clip.seq {
			m.clip.pending = false
			m.setStatus("Could not copy: "+errText(msg.err)+" Install wl-clipboard or xclip, or use a terminal with OSC 52.", statusErr)
		}
		return nil, true
	case clipDueMsg:
		return m.clip.due(msg), true
	case tea.ClipboardMsg:
		return m.clip.answer(msg), true
	case clipAnswerTimeoutMsg:
		return m.clip.timeout(msg), true
	case clipClearedMsg:
		if msg.seq == m.clip.seq && m.clip.pending && msg.cleared {
			m.setStatus("Clipboard cleared.", statusInfo)
		}
		m.clip.cleared(msg)
		return nil, true
	}
	return nil, false
}

// statusLine is the status text: a message, else the clipboard countdown,
// else the auto-lock warning in the last 30 s.
func (m *Model) statusLine() (string, statusKind) {
	now := m.c.now()
	if m.status.text != "" {
		return m.status.text, m.status.kind
	}
	if left := m.clip.left(now); left > 0 {
		return fmt.Sprintf("✓ copied — clears in %d s", seconds(left)), statusOK
	}
	if m.phase == phaseOpen {
		if left := m.autoLock() - now.Sub(m.lastInput); left <= 30*time.Second {
			return fmt.Sprintf("Locking in %d s (any key keeps it open)", seconds(left)), statusWarn
		}
		if m.sync.running {
			return "Syncing…", statusInfo
		}
	}
	return "", statusInfo
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
