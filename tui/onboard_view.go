package tui

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/otterauth/otter/internal/policy"
)

func (o *onboardScreen) View() string {
	var b strings.Builder
	switch o.step {
	case stepWelcome:
		o.welcomeView(&b)
	case stepPassword:
		o.passwordView(&b)
	case stepShowKey:
		o.keyView(&b)
	case stepConfirm:
		o.confirmView(&b)
	case stepCreating:
		b.WriteString(" " + o.c.st.Subtle.Render("Creating the vault…"))
	}
	return b.String()
}

func (o *onboardScreen) para(b *strings.Builder, text string) {
	b.WriteString(indent(wrap(text, o.w-2), " ") + "\n")
}

func (o *onboardScreen) welcomeView(b *strings.Builder) {
	st := o.c.st
	b.WriteString(" " + st.Bold.Render("Welcome! There is no vault yet.") + "\n")
	o.para(b, "otter will create one at "+shortPath(o.cfg.VaultPath)+".")
	b.WriteString("\n " + st.Label.Render("Unlock it with:") + "\n")
	kr := "the OS keyring (silent unlock)"
	switch o.keyring {
	case keyringProbing:
		kr = "the OS keyring (checking…)"
	case keyringMissing:
		kr = "the OS keyring: none answered"
	}
	pw := "a password"
	if o.keyring == keyringMissing {
		pw = "a password (needed)"
	}
	b.WriteString(o.checkbox(0, o.useKeyring, kr) + "\n")
	b.WriteString(o.checkbox(1, o.usePassword, pw) + "\n")
	b.WriteString("   [x] a recovery key (always)\n")
	if o.err != "" {
		b.WriteString("\n")
		o.para(b, st.Error.Render("✗ "+o.err))
	}
}

func (o *onboardScreen) checkbox(i int, on bool, text string) string {
	st := o.c.st
	box := "[ ] "
	if on {
		box = "[x] "
	}
	if i == o.cursor {
		return " " + st.Selected.Render("▸ "+box+text)
	}
	return "   " + box + text
}

func (o *onboardScreen) passwordView(b *strings.Builder) {
	st := o.c.st
	b.WriteString(" " + st.Bold.Render("Choose the vault password") + "\n\n")
	fw := max(4, o.w-12)
	b.WriteString(o.fieldLine("Password", &o.pw, o.pwFocus == 0, fw) + "\n")
	b.WriteString(o.fieldLine("Confirm", &o.pw2, o.pwFocus == 1, fw) + "\n\n")
	pw := o.pw.Bytes()
	defer clear(pw)
	switch {
	case o.pwErr != "":
		o.para(b, st.Error.Render("✗ "+o.pwErr))
	case len(pw) == 0:
		o.para(b, st.Subtle.Render("10+ characters with an uppercase letter and a digit or symbol."))
	default:
		if err := policy.Check(pw); err != nil {
			o.para(b, st.Warning.Render("✗ "+policyText(err)))
		} else {
			o.para(b, st.OK.Render("✓ Meets the policy."))
		}
	}
	if len(pw) > 0 {
		e := policy.Strength(pw)
		b.WriteString(" " + st.Label.Render("Strength ") + strengthBar(e.Score) + " " + e.Label + "\n")
	}
}

func strengthBar(score int) string {
	return strings.Repeat("▰", score+1) + strings.Repeat("▱", 4-score)
}

func (o *onboardScreen) fieldLine(label string, f *field, focused bool, width int) string {
	st := o.c.st
	l := st.Label.Render(pad(label, 9))
	if focused {
		l = st.Focused.Render(pad(label, 9))
	}
	return " " + l + " " + f.View(width, focused, st)
}

func (o *onboardScreen) keyView(b *strings.Builder) {
	st := o.c.st
	b.WriteString(" " + st.Bold.Render("Your recovery key") + "\n\n")
	groups := strings.Split(o.display, "-")
	half := (len(groups) + 1) / 2
	if o.w >= 44 {
		half = len(groups)
	}
	for i := 0; i < len(groups); i += half {
		b.WriteString("   " + st.Key.Render(strings.Join(groups[i:min(i+half, len(groups))], "-")) + "\n")
	}
	b.WriteString("\n")
	o.para(b, "Write it down and keep it offline. It is shown only this once and opens the vault when all else is lost. No support team will ever ask you for it.")
}

func (o *onboardScreen) confirmView(b *strings.Builder) {
	st := o.c.st
	b.WriteString(" " + st.Bold.Render("Confirm your recovery key") + "\n\n")
	o.para(b, "Type the last group of the key (4 characters):")
	b.WriteString("\n " + st.Focused.Render("> ") + o.confirm.View(8, true, st) + "\n\n")
	if o.err != "" {
		o.para(b, st.Error.Render("✗ "+o.err))
	}
}

// shortPath writes the home directory as ~.
func shortPath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join("~", rel)
	}
	return p
}
