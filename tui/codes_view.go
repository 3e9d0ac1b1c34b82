package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// urgentAt is when the countdown turns red and the next code appears.
const urgentAt = 5 * time.Second

// liveCode is what a row shows for an account at one instant.
type liveCode struct {
	code    string // grouped; "" while a HOTP code was not generated
	next    string // grouped next code in the last seconds of a period
	left    time.Duration
	period  int
	urgent  bool
	hotp    bool
	counter uint64 // HOTP: the counter of the code shown, else the next code's
}

// codeAt computes an account's codes at now.
func (s *session) codeAt(a *vault.Account, now time.Time) liveCode {
	k := vaultops.KeyOf(a)
	if isHOTP(a) {
		lc := liveCode{hotp: true, counter: a.Counter}
		if c, ok := s.hotp[a.ID]; ok {
			lc.code, lc.counter = group(c.code), c.counter
		}
		return lc
	}
	p := period(a)
	left := otp.Remaining(now, p)
	lc := liveCode{code: group(k.Code(now)), left: left, period: p, urgent: left <= urgentAt}
	if lc.code == "" {
		lc.code = "invalid"
	}
	if lc.urgent {
		lc.next = group(k.Code(now.Add(left)))
	}
	return lc
}

// group splits a code for reading: 123 456, 1234 5678, 12345 67890.
func group(code string) string {
	n := len(code)
	switch {
	case n == 8 || n == 10:
		return code[:n/2] + " " + code[n/2:]
	case n == 7:
		return code[:3] + " " + code[3:]
	case n >= 6 && n%3 == 0:
		var b strings.Builder
		for i := 0; i < n; i += 3 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(code[i : i+3])
		}
		return b.String()
	}
	return code
}

// bar draws the part of the period that is left in width cells.
func (c *common) bar(lc liveCode, width int) string {
	st := c.st
	if lc.period <= 0 || width <= 0 {
		return strings.Repeat(" ", max(0, width))
	}
	full := int((lc.left*time.Duration(width) + time.Duration(lc.period)*time.Second/2) / (time.Duration(lc.period) * time.Second))
	full = clampInt(full, 0, width)
	fill := st.BarFull
	if lc.urgent {
		fill = st.Urgent
	}
	return fill.Render(strings.Repeat("█", full)) + st.BarEmpty.Render(strings.Repeat("░", width-full))
}

func (s *codesScreen) View() string {
	st := s.c.st
	var lines []string
	if s.filtering || s.filtered {
		lines = append(lines, " "+st.Focused.Render("/")+" "+s.filter.View(max(4, s.w-4), s.filtering, st))
	}
	switch {
	case len(s.all) == 0:
		lines = append(lines, "", " No accounts yet.", wrapIndent("Press a to add one: paste an otpauth:// URI or fill in the form.", s.w))
		return strings.Join(lines, "\n")
	case len(s.shown) == 0:
		lines = append(lines, "", wrapIndent("No account matches. Esc clears the filter.", s.w))
		return strings.Join(lines, "\n")
	}
	now := s.c.now()
	end := min(len(s.shown), s.off+s.capacity())
	codeW := s.codeWidth(end)
	for i := s.off; i < end; i++ {
		a := s.all[s.shown[i]].acc
		lines = append(lines, s.row(a, s.sess.codeAt(a, now), i == s.sel, codeW)...)
	}
	return strings.Join(lines, "\n")
}

func wrapIndent(text string, w int) string {
	return indent(wrap(text, max(10, w-2)), " ")
}

// codeWidth is the widest grouped code among the rows in view.
func (s *codesScreen) codeWidth(end int) int {
	w := 7
	for i := s.off; i < end; i++ {
		a := s.all[s.shown[i]].acc
		if a.Type != string(otp.TypeSteam) && a.Digits > 6 {
			w = max(w, len(group(strings.Repeat("0", min(a.Digits, 10)))))
		}
	}
	return w
}

// row renders one account: one line on wide terminals, two on narrow.
func (s *codesScreen) row(a *vault.Account, lc liveCode, selected bool, codeW int) []string {
	st := s.c.st
	mark, name := "  ", st.Issuer
	if selected {
		mark, name = st.Selected.Render("▸ "), st.Selected
	}
	pin := "  "
	if a.Pinned {
		pin = st.Pinned.Render("★ ")
	}
	issuer, account := safe(a.Issuer), safe(a.Name)
	if issuer == "" {
		issuer, account = account, ""
	}
	code := s.codeCell(lc, codeW)
	if s.rowHeight() == 1 {
		right := code + "  " + s.timeCell(lc, 10) + "  " + s.nextCell(lc, codeW)
		nameW := s.w - 4 - cellWidth(right) - 2
		iw, aw := splitWidth(cellWidth(issuer), cellWidth(account), nameW)
		left := name.Render(clip(issuer, iw))
		if aw > 0 {
			left += " " + st.Account.Render(clip(account, aw))
		}
		return []string{mark + pin + pad(left, nameW) + "  " + right}
	}
	nameW := s.w - 4 - codeW - 2
	line1 := mark + pin + pad(name.Render(clip(issuer, nameW)), nameW) + "  " + code
	right := s.timeCell(lc, 6)
	if lc.next != "" {
		right = s.nextCell(lc, codeW) + " " + right
	}
	accW := s.w - 4 - cellWidth(right) - 1
	line2 := "    " + pad(st.Account.Render(clip(account, accW)), accW) + " " + right
	return []string{line1, line2}
}

// splitWidth shares w cells between an issuer and an account name, a
// space apart, so that a long one does not hide the other: each keeps at
// least half when both are too long (cut with "…" by clip). aw is 0 when
// there is no account or no room for one.
func splitWidth(issuerW, accountW, w int) (iw, aw int) {
	if accountW == 0 || w < 8 {
		return w, 0
	}
	if issuerW+1+accountW <= w {
		return issuerW, accountW
	}
	iw = min(issuerW, max(w-1-accountW, (w-1)/2))
	return iw, w - 1 - iw
}

func (s *codesScreen) codeCell(lc liveCode, w int) string {
	st := s.c.st
	switch {
	case lc.hotp && lc.code == "":
		return st.Subtle.Render(pad("••• •••", w))
	case lc.urgent:
		return st.Urgent.Render(pad(lc.code, w))
	}
	return st.Code.Render(pad(lc.code, w))
}

// timeCell is the countdown bar and seconds, or the HOTP counter.
func (s *codesScreen) timeCell(lc liveCode, barW int) string {
	st := s.c.st
	if lc.hotp {
		text := "enter: code"
		if lc.code != "" { // the code's own counter, as otter code --json says
			text = "counter " + strconv.FormatUint(lc.counter, 10)
		}
		return st.Subtle.Render(pad(clip(text, barW+4), barW+4))
	}
	secs := pad(strconv.Itoa(seconds(lc.left))+"s", 3)
	if lc.urgent {
		secs = st.Urgent.Render(secs)
	} else {
		secs = st.Subtle.Render(secs)
	}
	return s.c.bar(lc, barW) + " " + secs
}

// nextCell shows the next code in the last seconds of a period; with a
// width it keeps that room reserved so columns do not jump.
func (s *codesScreen) nextCell(lc liveCode, codeW int) string {
	text := ""
	if lc.next != "" {
		text = "→ " + lc.next
	}
	if codeW > 0 {
		text = pad(text, codeW+2)
	}
	return s.c.st.Next.Render(text)
}
