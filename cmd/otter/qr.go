package main

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/qrterm"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

type qrFlags struct {
	google bool
	batch  int
	invert bool
}

func (a *app) qrCmd() *cobra.Command {
	var fl qrFlags
	cmd := &cobra.Command{
		Use:   "qr QUERY | qr --google [QUERY...]",
		Short: "Show an account as a QR code in the terminal, to scan it with a phone",
		Long: `Draw the account QUERY names as an otpauth:// QR code that any
authenticator app scans. With --google, draw Google Authenticator transfer
codes for the accounts named (all accounts when none is), a few accounts per
code; on a terminal, Enter shows the next code.

Anyone who sees the code can copy the account: show it only to your phone.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if fl.google {
				return a.runQRGoogle(args, &fl)
			}
			if len(args) != 1 {
				return usageErr("give one account (or --google for several)")
			}
			return a.runQR(args[0], &fl)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&fl.google, "google", false, "draw Google Authenticator transfer codes (otpauth-migration://)")
	f.IntVar(&fl.batch, "batch", 10, "at most this many accounts per transfer code")
	f.BoolVar(&fl.invert, "invert", false, "for light terminal backgrounds when colors are off (NO_COLOR)")
	return cmd
}

func (a *app) runQR(query string, fl *qrFlags) error {
	v, err := a.open()
	if err != nil {
		return err
	}
	acc, err := resolve(v.Data(), query)
	if err != nil {
		return err
	}
	code, err := qrterm.Encode(vaultops.KeyOf(acc).URI())
	if err != nil {
		return err
	}
	name := acc.Label()
	if err := a.logQR("otpauth, " + name); err != nil {
		return err
	}
	a.checkFits(code.Width())
	fmt.Fprintln(a.stdout, esc(name))
	code.Render(a.stdout, a.colorOut(), fl.invert)
	code.Wipe()
	fmt.Fprintln(a.stderr, qrterm.Reminder, supportReminder)
	return nil
}

func (a *app) runQRGoogle(queries []string, fl *qrFlags) error {
	if fl.batch < 1 {
		return usageErr("--batch must be at least 1")
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	accs, err := pickAccounts(v.Data(), queries)
	if err != nil {
		return err
	}
	var keys []*otp.Key
	var names []string
	for _, acc := range accs {
		k := vaultops.KeyOf(acc)
		if why := migrationUnfit(k); why != "" {
			a.warn("%s cannot be moved with a Google Authenticator code (%s): scan it alone with otter qr %q", acc.Label(), why, vaultops.ShortID(acc.ID))
			continue
		}
		keys, names = append(keys, k), append(names, acc.Label())
	}
	if len(keys) == 0 {
		return &userError{code: exitNotFound, msg: "no account can be moved with a Google Authenticator code"}
	}
	batches, err := packMigration(keys, fl.batch, a.termWidth())
	if err != nil {
		return err
	}
	if err := a.logQR(fmt.Sprintf("google, %s in %d codes", accounts(len(keys)), len(batches))); err != nil {
		return err
	}
	return a.showBatches(batches, names, fl)
}

// migrationBatch is one transfer code: its modules and which keys it holds.
type migrationBatch struct {
	code       qrterm.Code
	first, end int
}

func (a *app) showBatches(batches []migrationBatch, names []string, fl *qrFlags) error {
	in := bufio.NewReader(a.stdin)
	for i, b := range batches {
		fmt.Fprintf(a.stdout, "Code %d of %d: %s\n", i+1, len(batches), strings.Join(names[b.first:b.end], ", "))
		a.checkFits(b.code.Width())
		b.code.Render(a.stdout, a.colorOut(), fl.invert)
		b.code.Wipe()
		if i < len(batches)-1 && a.interactive() {
			fmt.Fprint(a.stderr, "Scan it, then press Enter for the next code… ")
			if _, err := in.ReadString('\n'); err != nil {
				return &userError{code: exitError, msg: "stopped before the last code"}
			}
		}
	}
	fmt.Fprintln(a.stderr, qrterm.Reminder, supportReminder)
	return nil
}

// packMigration splits keys into transfer codes of at most max keys that
// fit the terminal width where possible; the batch fields say "i of n".
func packMigration(keys []*otp.Key, limit, width int) ([]migrationBatch, error) {
	var spans [][2]int
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && end-start < limit {
			u, err := otp.EncodeMigration(keys[start:end+1], otp.Batch{Version: 1, Size: 99, Index: 98, ID: -1 << 31})
			if err != nil {
				return nil, err
			}
			if c, err := qrterm.Encode(u); err != nil || c.Width() > width {
				break
			}
			end++
		}
		spans = append(spans, [2]int{start, end})
		start = end
	}
	id := int(int32(binary.BigEndian.Uint32(randomBytes(4))))
	out := make([]migrationBatch, len(spans))
	for i, s := range spans {
		u, err := otp.EncodeMigration(keys[s[0]:s[1]], otp.Batch{Version: 1, Size: len(spans), Index: i, ID: id})
		if err != nil {
			return nil, err
		}
		c, err := qrterm.Encode(u)
		if err != nil {
			return nil, err
		}
		out[i] = migrationBatch{code: c, first: s[0], end: s[1]}
	}
	return out, nil
}

// migrationUnfit says why Google's format cannot carry k, or "".
func migrationUnfit(k *otp.Key) string {
	switch {
	case k.Type == otp.TypeSteam:
		return "Steam codes"
	case k.Digits != 6 && k.Digits != 8:
		return fmt.Sprintf("%d digits", k.Digits)
	case k.Type == otp.TypeTOTP && k.Period != otp.DefaultPeriod:
		return fmt.Sprintf("a %d-second period", k.Period)
	}
	return ""
}

// pickAccounts resolves each query (all live accounts when none), without
// repeats, in the order given.
func pickAccounts(d *vault.Data, queries []string) ([]*vault.Account, error) {
	if len(queries) == 0 {
		return d.Live(), nil
	}
	var out []*vault.Account
	seen := map[string]bool{}
	for _, q := range queries {
		acc, err := resolve(d, q)
		if err != nil {
			return nil, err
		}
		if !seen[acc.ID] {
			seen[acc.ID] = true
			out = append(out, acc)
		}
	}
	return out, nil
}

func (a *app) logQR(detail string) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	return s.Log("qr", detail)
}

// termWidth is stdout's width, or 80 when it is not a terminal.
func (a *app) termWidth() int {
	if f, ok := a.stdout.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

func (a *app) checkFits(w int) {
	if tw := a.termWidth(); w > tw {
		a.warn("the code is %d columns wide and the terminal %d: widen the window or make the font smaller", w, tw)
	}
}

// colorOut reports whether stdout is a terminal that takes colors.
func (a *app) colorOut() bool {
	f, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
