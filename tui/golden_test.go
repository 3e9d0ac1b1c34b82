package tui

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/vault"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current views")

// sizes are the terminal sizes every golden view is rendered at.
var sizes = [][2]int{{40, 12}, {80, 24}, {120, 30}}

// sample is the vault most golden views show.
func sample() []vault.Account {
	s := func(issuer, name string) vault.Account {
		secret := sha256.Sum256([]byte(issuer + name)) // every account its own codes
		return vault.Account{Issuer: issuer, Name: name, Secret: secret[:20], Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}
	}
	gh := s("GitHub", "alice@example.com")
	gh.Pinned, gh.Tags, gh.Notes = true, []string{"work", "dev"}, "Personal account; the org requires 2FA since 2021."
	google := s("Google", "bob@gmail.com")
	google.UseCount, google.LastUsed = 12, t0.Add(-time.Hour)
	aws := s("AWS", "root-account")
	aws.Algorithm, aws.Digits, aws.UseCount = "SHA256", 8, 3
	bank := s("Bank", "checking")
	bank.Type, bank.Counter, bank.Period = "hotp", 7, 0
	steam := s("Steam", "player_one")
	steam.Type, steam.Digits = "steam", 5
	fm := s("", "alice@fastmail.com")
	fm.Period = 60
	long := s("Very Long Issuer Name Incorporated", "someone.with.a.long.address@example.org")
	out := []vault.Account{gh, google, aws, bank, steam, fm, long}
	for i := 1; i <= 8; i++ {
		out = append(out, s(fmt.Sprintf("Service %d", i), fmt.Sprintf("user%d", i)))
	}
	return out
}

// withSample seeds the sample vault (keyring included) with three
// recovery codes for GitHub and unlocks it.
func withSample(h *harness) {
	h.seed(true, sample()...)
	h.addRecovery("GitHub", "ab12-cd34", "ef56-gh78", "jk90-lm12")
	h.start()
}

var goldens = []struct {
	name  string
	setup func(h *harness)
}{
	{"onboard_welcome", func(h *harness) { h.start() }},
	{"onboard_no_keyring", func(h *harness) { h.store.down = true; h.start() }},
	{"onboard_password", func(h *harness) {
		h.store.down = true
		h.start()
		h.press("enter")
		h.typeText("otter-pass-1")
	}},
	{"onboard_key", func(h *harness) { h.start(); h.press("enter") }},
	{"onboard_confirm", func(h *harness) { h.start(); h.press("enter", "enter"); h.typeText("ZZZZ"); h.press("enter") }},
	{"unlock", func(h *harness) { h.seed(false); h.start() }},
	{"unlock_wrong", func(h *harness) { h.seed(false); h.start(); h.typeText("guess"); h.press("enter") }},
	{"unlock_recovery", func(h *harness) { h.seed(false); h.start(); h.press("tab"); h.typeText("7K3M-") }},
	{"unlock_keyring_failed", func(h *harness) { h.seed(true); h.store.down = true; h.start() }},
	{"locked", func(h *harness) { h.seed(true); h.start(); h.press("ctrl+l") }},
	{"fatal", func(h *harness) {
		if err := os.WriteFile(h.cfg.VaultPath, []byte("OTTERVLT not really a vault"), 0o600); err != nil {
			h.t.Fatal(err)
		}
		h.start()
	}},
	{"codes", withSample},
	{"codes_urgent", func(h *harness) { withSample(h); h.tick(16 * time.Second) }},
	{"codes_scrolled", func(h *harness) { withSample(h); h.press("G") }},
	{"codes_filter", func(h *harness) { withSample(h); h.press("/"); h.typeText("gi") }},
	{"codes_filter_none", func(h *harness) { withSample(h); h.press("/"); h.typeText("zzz"); h.press("enter") }},
	{"codes_copied", func(h *harness) { withSample(h); h.press("down", "enter") }},
	{"codes_empty", func(h *harness) { h.seed(true); h.start() }},
	{"help", func(h *harness) { withSample(h); h.press("?") }},
	{"detail", func(h *harness) { withSample(h); h.press("right") }},
	{"detail_delete", func(h *harness) { withSample(h); h.press("right", "x") }},
	{"detail_long", func(h *harness) { // a long issuer, pinned: "★ pinned" and the name stay
		withSample(h)
		h.press("/")
		h.typeText("very")
		h.press("enter", "right", "p")
	}},
	{"add", func(h *harness) { withSample(h); h.press("a") }},
	{"add_uri", func(h *harness) { withSample(h); h.press("a"); h.paste(githubURI + "&extra=ignored") }},
	{"add_error", func(h *harness) {
		withSample(h)
		h.press("a", "tab")
		h.typeText("Example")
		h.press("tab")
		h.typeText("me")
		h.press("tab")
		h.typeText("not base32!")
	}},
	{"add_advanced", func(h *harness) {
		withSample(h)
		h.press("a", "tab")
		h.typeText("Example")
		h.press("tab", "tab")
		h.typeText("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
		h.press("tab", "tab", "tab", "enter", "tab", "right")
	}},
	{"edit", func(h *harness) { withSample(h); h.press("right", "e") }},
	{"qr", func(h *harness) { h.seed(true, qrAccount()); h.start(); h.press("right", "Q") }},
	{"recovery", func(h *harness) { withSample(h); h.press("r") }},
	{"recovery_used", func(h *harness) { withSample(h); h.press("r", "u") }},
	{"recovery_add", func(h *harness) { withSample(h); h.press("down", "r") }},
	{"recovery_preview", func(h *harness) {
		withSample(h)
		h.press("r", "a")
		h.paste("SAVE YOUR BACKUP CODES\n1. 4821 7730    3. 9051 3386\n2. 1187 6642    4. 2764 0913\n")
		h.press("enter", "right")
	}},
}

// TestGolden renders every screen at 40, 80 and 120 columns and compares
// the text (ANSI stripped) with testdata/NAME.golden.
func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			var b strings.Builder
			for _, sz := range sizes {
				h := newHarness(t, sz[0], sz[1])
				g.setup(h)
				head := fmt.Sprintf("── %d×%d ", sz[0], sz[1])
				b.WriteString(head + strings.Repeat("─", sz[0]-len([]rune(head))) + "\n")
				b.WriteString(h.screen() + "\n")
			}
			compareGolden(t, g.name, b.String())
		})
	}
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the view; run go test ./tui -update and review the diff.\ngot:\n%s", path, got)
	}
}

// TestViewsFitTheTerminal checks every golden view at odd sizes: no line
// wider than the terminal, never more lines than rows.
func TestViewsFitTheTerminal(t *testing.T) {
	for _, g := range goldens {
		for _, sz := range [][2]int{{40, 12}, {57, 15}, {200, 50}, {20, 6}} {
			h := newHarness(t, sz[0], sz[1])
			g.setup(h)
			lines := strings.Split(h.screen(), "\n")
			if len(lines) > sz[1] {
				t.Errorf("%s at %v: %d lines", g.name, sz, len(lines))
			}
			for _, l := range lines {
				if w := cellWidth(l); w > sz[0] {
					t.Errorf("%s at %v: line of %d cells: %q", g.name, sz, w, l)
				}
			}
		}
	}
}
