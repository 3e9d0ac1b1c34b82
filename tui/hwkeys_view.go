package tui

import (
	"strings"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/vault"
)

func (s *keysScreen) View() string {
	st := s.c.st
	var lines []string
	add := func(text string) { lines = append(lines, strings.Split(text, "\n")...) }
	add(" " + st.Bold.Render("Plugged in"))
	switch {
	case s.listErr != nil:
		add(wrapIndent(st.Error.Render("✗ "+keyErrText(s.listErr)), s.w))
	case !s.listed:
		add(" " + st.Subtle.Render("Looking for keys…"))
	case len(s.devs) == 0:
		add(wrapIndent(st.Subtle.Render("None. Plug a key in and press R."), s.w))
	}
	nameW, prodW := s.columns()
	for i, d := range s.devs {
		add(s.row(i, pad(clip(orDefault(d.Product), nameW), nameW)+" "+s.virtualTag(d)))
	}
	add(" " + st.Bold.Render("Registered in this vault"))
	reg := s.registered()
	if len(reg) == 0 {
		add(wrapIndent(st.Subtle.Render("None yet: select a key plugged in and press r."), s.w))
	}
	for i, k := range reg {
		text := pad(clip(k.Nickname, nameW), nameW)
		if prodW > 0 {
			text += " " + st.Subtle.Render(pad(clip(k.Product, prodW), prodW))
		}
		add(s.row(len(s.devs)+i, text+" "+s.regTag(k)))
	}
	add("")
	add(s.details())
	return strings.Join(lines, "\n")
}

// columns are the widths of the name and product columns (0: no product
// column on narrow terminals).
func (s *keysScreen) columns() (int, int) {
	nameW, prodW := 8, 0
	for _, d := range s.devs {
		nameW = max(nameW, cellWidth(orDefault(d.Product)))
	}
	for _, k := range s.registered() {
		nameW = max(nameW, cellWidth(k.Nickname))
		prodW = max(prodW, cellWidth(k.Product))
	}
	nameW = min(nameW, max(8, s.w/2-3))
	tagW := len("added 2006-01-02 lost")
	if prodW = min(prodW, 28, s.w-nameW-tagW-5); prodW < 10 || s.w < 60 {
		prodW = 0
	}
	return nameW, prodW
}

func orDefault(product string) string {
	if product == "" {
		return "FIDO key"
	}
	return product
}

// row is one line of the list, with the selection marker.
func (s *keysScreen) row(i int, text string) string {
	if i == s.sel {
		return clip(" "+s.c.st.Selected.Render("▸ ")+text, s.w)
	}
	return clip("   "+text, s.w)
}

func (s *keysScreen) virtualTag(d fido.DeviceInfo) string {
	if d.Virtual {
		return s.c.st.Subtle.Render("virtual")
	}
	return ""
}

// regTag is the right-hand side of a registered key's row.
func (s *keysScreen) regTag(k vault.HardwareKey) string {
	st := s.c.st
	tag := ""
	if s.w >= 60 {
		tag = st.Subtle.Render("added " + k.Added.Local().Format("2006-01-02"))
	}
	if k.Lost {
		tag = strings.TrimSpace(tag + " " + st.Error.Render("lost"))
	}
	return tag
}

// details describes the selected row, or asks to confirm marking it lost,
// or reports what marking it lost means.
func (s *keysScreen) details() string {
	st := s.c.st
	dev, reg := s.selected()
	switch {
	case s.confirming && reg != nil:
		return wrapIndent(st.Warning.Render("Mark “"+reg.Nickname+"” as lost? It stays in the inventory, flagged lost."), s.w) +
			"\n " + st.Bold.Render("y") + " mark lost · " + st.Bold.Render("n") + " keep"
	case s.note != "":
		return wrapIndent(st.Warning.Render(s.note), s.w)
	case dev != nil:
		return s.facts([][2]string{{"Path", keyPath(dev.Path)}, {"Maker", dev.Manufacturer}})
	case reg != nil:
		return s.facts(s.regFacts(reg))
	}
	return ""
}

func (s *keysScreen) regFacts(k *vault.HardwareKey) [][2]string {
	accounts := strings.Join(keyAccounts(s.sess.data, k), ", ")
	if accounts == "" {
		accounts = "none recorded"
	}
	slot := "none"
	if k.SlotID != "" {
		slot = "yes: it unlocks this vault"
	}
	return [][2]string{{"Product", k.Product}, {"Accounts", accounts}, {"Vault slot", slot},
		{"Added", k.Added.Local().Format("2006-01-02")}}
}

// facts lays out name/value rows, wrapping values under themselves.
func (s *keysScreen) facts(rows [][2]string) string {
	return factRows(s.c.st, rows, s.w)
}

func factRows(st *Styles, rows [][2]string, width int) string {
	var out []string
	for _, r := range rows {
		if r[1] == "" {
			continue
		}
		vals := strings.Split(wrap(r[1], max(10, width-13)), "\n")
		out = append(out, " "+st.Label.Render(pad(r[0], 10))+" "+vals[0])
		for _, v := range vals[1:] {
			out = append(out, strings.Repeat(" ", 12)+v)
		}
	}
	return strings.Join(out, "\n")
}

// keyPath writes a key's path with the home directory as ~.
func keyPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "virtual:"); ok {
		return "virtual:" + shortPath(rest)
	}
	return p
}
