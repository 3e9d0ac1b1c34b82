package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// waiter runs one security-key operation at a time in a command, with a
// cancellable context, and shows a spinner and a prompt ("Touch your
// key…") until it reports back. Esc (cancel) cancels the context; the
// operation then ends with fido.ErrCanceled, or with its result if the key
// answered first, so that nothing done by the key goes unreported.
type waiter struct {
	c          *common
	spin       spinner.Model
	prompt     string
	gen        int64
	busy       bool
	cancelling bool
	cancel     context.CancelFunc
}

// opSeq numbers operations across screens, so that a result never reaches
// the wrong waiter.
var opSeq atomic.Int64

// opDoneMsg carries the result of operation gen.
type opDoneMsg struct {
	gen int64
	msg tea.Msg
}

// spinMsg advances the spinner of operation gen.
type spinMsg struct{ gen int64 }

func newWaiter(c *common) waiter {
	return waiter{c: c, spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.st.Spinner))}
}

// start runs op in a device command and starts the spinner. op must not
// touch the screen: it gets everything it needs as values.
func (w *waiter) start(prompt string, op func(ctx context.Context) tea.Msg) tea.Cmd {
	w.abandon()
	ctx, cancel := context.WithCancel(context.Background())
	gen := opSeq.Add(1)
	w.gen, w.busy, w.cancelling, w.prompt, w.cancel = gen, true, false, prompt, cancel
	run := func() tea.Msg {
		defer cancel()
		return opDoneMsg{gen: gen, msg: op(ctx)}
	}
	return tea.Batch(w.c.device(run), w.tick())
}

func (w *waiter) tick() tea.Cmd {
	gen := w.gen
	return w.c.after(w.spin.Spinner.FPS, func(time.Time) tea.Msg { return spinMsg{gen} })
}

// Update advances the spinner and returns the result of the operation in
// progress, nil for anything else (results of abandoned operations too).
func (w *waiter) Update(msg tea.Msg) (tea.Msg, tea.Cmd) {
	switch msg := msg.(type) {
	case spinMsg:
		if msg.gen != w.gen || !w.busy {
			return nil, nil
		}
		w.spin, _ = w.spin.Update(spinner.TickMsg{ID: w.spin.ID()})
		return nil, w.tick()
	case opDoneMsg:
		if msg.gen != w.gen || !w.busy {
			return nil, nil
		}
		w.busy, w.cancelling, w.cancel = false, false, nil
		return msg.msg, nil
	}
	return nil, nil
}

// cancelOp asks the operation in progress to stop; its result still comes.
func (w *waiter) cancelOp() {
	if w.busy && w.cancel != nil {
		w.cancel()
		w.cancelling = true
	}
}

// abandon cancels the operation in progress and drops its result (the
// screen is going away or the vault is locking).
func (w *waiter) abandon() {
	if w.cancel != nil {
		w.cancel()
	}
	w.busy, w.cancelling, w.cancel = false, false, nil
}

// View is the spinner and the prompt.
func (w *waiter) View(width int) string {
	text := w.prompt
	if w.cancelling {
		text = "Cancelling…"
	} else if text != "" {
		text += " (esc cancels)"
	}
	lines := strings.Split(wrap(text, max(10, width-4)), "\n")
	for i, l := range lines {
		lines[i] = "   " + w.c.st.Subtle.Render(l)
	}
	lines[0] = " " + w.spin.View() + lines[0][2:]
	return strings.Join(lines, "\n")
}
