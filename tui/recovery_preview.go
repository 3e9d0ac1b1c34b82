package tui

import (
	"fmt"
	"strings"

	"github.com/otterauth/otter/vault"
)

// previewView shows what was read from the pasted block before it is
// saved: the count and the first and last codes (as the CLI does), and,
// when the account has codes, whether the new ones are added or replace
// them (above the reminder, so that it shows on a small terminal).
func (r *recoveryScreen) previewView(a *vault.Account) string {
	st := r.c.st
	n := len(r.preview)
	lines := []string{" " + st.Issuer.Render(clip(safe(a.Label()), r.w-2)),
		wrapIndent(st.Bold.Render(fmt.Sprintf("%d recovery %s read from what you pasted:", n, plural(n, "code"))), r.w),
		"   " + st.Subtle.Render("first ") + st.Code.Render(clip(r.preview[0], max(8, r.w-10)))}
	if n > 1 {
		lines = append(lines, "   "+st.Subtle.Render("last  ")+st.Code.Render(clip(r.preview[n-1], max(8, r.w-10))))
	}
	if old := r.sess.data.RecoveryFor(r.id); old != nil && len(old.Codes) > 0 {
		lines = append(lines,
			r.choiceLine(!r.replace, fmt.Sprintf("add them to the %d %s it has (%d unused)", len(old.Codes), plural(len(old.Codes), "code"), old.Unused())),
			r.choiceLine(r.replace, "replace those: the site generated a new batch"))
	}
	lines = append(lines, strings.Split(wrapIndent(st.Warning.Render(supportReminder), r.w), "\n")...)
	lines = append(lines, "", wrapIndent(st.Subtle.Render("Check them against the site's sheet; enter saves, esc goes back to the paste."), r.w))
	return strings.Join(lines, "\n")
}

func (r *recoveryScreen) choiceLine(on bool, text string) string {
	st := r.c.st
	if on {
		return " " + st.Selected.Render("▸ "+clip(text, max(8, r.w-4)))
	}
	return "   " + clip(text, max(8, r.w-4))
}
