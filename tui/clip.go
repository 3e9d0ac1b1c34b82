package tui

import (
	"crypto/sha256"
	"crypto/subtle"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/clipboard"
)

// clipboardBackend is the part of *clipboard.Backend the TUI uses. A nil
// backend means OSC 52 through Bubble Tea's own clipboard support (over
// SSH, or when no system clipboard tool exists).
type clipboardBackend interface {
	Copy(value []byte) error
	HoldsDigest(sum [32]byte) bool
	Clear() error
}

// defaultClipboardClear is how long a copied value stays on the clipboard
// unless Settings.ClipboardClear says otherwise.
const defaultClipboardClear = 20 * time.Second

// osc52Answer is how long we wait for the terminal to answer an OSC 52
// read before clearing anyway.
const osc52Answer = time.Second

// clipState is the last value we copied: only its digest is kept.
type clipState struct {
	backend  clipboardBackend
	seq      int // increments with every copy; stale timers are ignored
	pending  bool
	sum      [32]byte
	deadline time.Time
	asking   bool // an OSC 52 read is out
	after    func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
}

// Messages of the clipboard commands.
type (
	copiedMsg struct {
		seq  int
		what string
		err  error
	}
	clipDueMsg     struct{ seq int } // time to clear
	clipClearedMsg struct {
		seq     int
		cleared bool
		err     error
	}
	clipAnswerTimeoutMsg struct{ seq int }
)

// copy puts value on the clipboard and schedules its clearing.
func (c *clipState) copy(value, what string, after time.Duration, now time.Time) tea.Cmd {
	c.seq++
	c.pending = true
	c.sum = sha256.Sum256([]byte(value))
	c.deadline = now.Add(after)
	c.asking = false
	seq := c.seq
	due := c.after(after, func(time.Time) tea.Msg { return clipDueMsg{seq} })
	if c.backend == nil {
		done := func() tea.Msg { return copiedMsg{seq: seq, what: what} }
		return tea.Batch(tea.Sequence(tea.SetClipboard(value), done), due)
	}
	b := c.backend
	buf := []byte(value)
	return tea.Batch(func() tea.Msg {
		err := b.Copy(buf)
		clear(buf)
		return copiedMsg{seq: seq, what: what, err: err}
	}, due)
}

// due handles the clearing timer: clear only if the clipboard still holds
// our value. OSC 52 cannot be read back everywhere: ask the terminal, and
// clear anyway if it does not answer.
func (c *clipState) due(msg clipDueMsg) tea.Cmd {
	if msg.seq != c.seq || !c.pending {
		return nil
	}
	if c.backend == nil {
		c.asking = true
		seq := c.seq
		return tea.Batch(tea.ReadClipboard,
			c.after(osc52Answer, func(time.Time) tea.Msg { return clipAnswerTimeoutMsg{seq} }))
	}
	return c.clearIfOurs()
}

func (c *clipState) clearIfOurs() tea.Cmd {
	b, sum, seq := c.backend, c.sum, c.seq
	return func() tea.Msg {
		if !b.HoldsDigest(sum) {
			return clipClearedMsg{seq: seq}
		}
		err := b.Clear()
		return clipClearedMsg{seq: seq, cleared: err == nil, err: err}
	}
}

// answer handles the terminal's OSC 52 reply. An empty reply is no answer:
// tmux replies "52;;DATA", which Bubble Tea reports with no content, and an
// empty clipboard loses nothing by being cleared.
func (c *clipState) answer(msg tea.ClipboardMsg) tea.Cmd {
	if !c.asking {
		return nil
	}
	c.asking = false
	got := sha256.Sum256([]byte(msg.Content))
	seq := c.seq
	if msg.Content != "" && subtle.ConstantTimeCompare(got[:], c.sum[:]) != 1 {
		return emit(clipClearedMsg{seq: seq})
	}
	return c.osc52Clear(seq)
}

// timeout clears over OSC 52 when the terminal did not answer the read.
func (c *clipState) timeout(msg clipAnswerTimeoutMsg) tea.Cmd {
	if !c.asking || msg.seq != c.seq {
		return nil
	}
	c.asking = false
	return c.osc52Clear(msg.seq)
}

// osc52Clear takes the code off the terminal's clipboard the way
// clipboard.OSC52Clear does: tmux ignores an empty write.
func (c *clipState) osc52Clear(seq int) tea.Cmd {
	return tea.Sequence(osc52Blank(), emit(clipClearedMsg{seq: seq, cleared: true}))
}

func osc52Blank() tea.Cmd {
	return tea.Sequence(tea.SetClipboard(clipboard.OSC52Placeholder), tea.SetClipboard(""))
}

// cleared records the end of a clearing.
func (c *clipState) cleared(msg clipClearedMsg) {
	if msg.seq == c.seq {
		c.pending = false
		c.sum = [32]byte{}
	}
}

// clearNow clears our value before quitting, if it is still there.
func (c *clipState) clearNow() tea.Cmd {
	if !c.pending {
		return nil
	}
	c.pending = false
	if c.backend == nil {
		return osc52Blank()
	}
	return c.clearIfOurs()
}

// left is the time until the clipboard is cleared.
func (c *clipState) left(now time.Time) time.Duration {
	if !c.pending {
		return 0
	}
	return max(0, c.deadline.Sub(now))
}
