package tui

import (
	"strings"
	"testing"
)

// rowOrder returns the labels of the accounts in the order the codes list
// shows them.
func rowOrder(h *harness, labels ...string) []string {
	scr := h.screen()
	type at struct {
		label string
		i     int
	}
	var found []at
	for _, l := range labels {
		found = append(found, at{l, strings.Index(scr, l)})
	}
	var out []string
	for range found {
		best := -1
		for j, f := range found {
			if f.i >= 0 && (best < 0 || f.i < found[best].i) {
				best = j
			}
		}
		if best < 0 {
			break
		}
		out = append(out, found[best].label)
		found[best].i = -1
	}
	return out
}

// Copying a code keeps the list in place with the cursor on the copied
// account (usage reorders at the next start); s switches the order to
// issuer, then to account name, then back to usage.
func TestCopyKeepsOrderAndSortKey(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, totpAccount("Beta", "zed"), totpAccount("Alpha", "yan"), totpAccount("Gamma", "abe"))
	h.start()
	h.see("▸   Alpha yan")
	h.press("down", "down", "enter")
	h.see("✓ copied", "▸   Gamma abe")
	if got := strings.Join(rowOrder(h, "Alpha yan", "Beta zed", "Gamma abe"), ","); got != "Alpha yan,Beta zed,Gamma abe" {
		t.Fatalf("after a copy the list reads %s", got)
	}
	h.press("?")
	h.see("sort by issuer")
	h.press("?", "s")
	h.see("Codes (3, by issuer)", "▸   Gamma abe")
	h.press("s")
	h.see("Codes (3, by name)")
	if got := strings.Join(rowOrder(h, "Alpha yan", "Beta zed", "Gamma abe"), ","); got != "Gamma abe,Alpha yan,Beta zed" {
		t.Fatalf("sorted by name the list reads %s", got)
	}
	h.press("s")
	h.see("Codes (3)")
}
