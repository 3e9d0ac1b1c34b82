package main

import (
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/journal"
	"github.com/otterauth/otter/vault"
)

// auditJSON is one event of `otter audit --json`.
type auditJSON struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
	// Pending: the event is in the unlock journal and reaches the vault
	// with its next write.
	Pending bool `json:"pending,omitempty"`
}

func (a *app) auditCmd() *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the vault's audit log: unlocks, failed attempts, exports, reveals, slot and key changes",
		Long: `Show the vault's audit log, oldest first: unlocks with a password, recovery
key or FIDO2 key (silent keyring unlocks are not logged), failed unlock
attempts, exports and QR codes shown, recovery codes revealed and used, unlock
slots added and removed, keys registered and lost. It never holds a secret.

Unlocks are kept in a journal beside the lockout record until the next change
to the vault carries them in; they are listed here as pending until then.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.audit(asJSON, limit) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 50, "show only the newest N events (0: all)")
	return cmd
}

func (a *app) audit(asJSON bool, limit int) error {
	if limit < 0 {
		return usageErr("--limit must be 0 (all) or more")
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	pending, err := a.pending(v)
	if err != nil {
		a.warn("cannot read the unlock journal: %v", err)
	}
	events := auditEvents(v.Data().Audit, pending)
	if limit > 0 && len(events) > limit {
		events = events[len(events)-limit:]
	}
	if asJSON {
		return writeJSON(a, events)
	}
	if len(events) == 0 {
		fmt.Fprintln(a.stdout, "The audit log is empty.")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tEVENT\tDETAIL")
	for _, e := range events {
		detail := e.Detail
		if e.Pending {
			detail += " (pending)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), esc(e.Kind), esc(detail))
	}
	return tw.Flush()
}

// auditEvents merges the vault's log and the journal's pending events in
// time order (the log's own order among equal times).
func auditEvents(log, pending []vault.AuditEvent) []auditJSON {
	out := make([]auditJSON, 0, len(log)+len(pending))
	for _, e := range log {
		out = append(out, auditJSON{ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Detail: e.Detail})
	}
	for _, e := range pending {
		out = append(out, auditJSON{ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Detail: e.Detail, Pending: true})
	}
	slices.SortStableFunc(out, func(x, y auditJSON) int { return x.At.Compare(y.At) })
	return out
}

// pending returns the unlock journal's events that v does not hold yet.
func (a *app) pending(v *vault.Vault) ([]vault.AuditEvent, error) {
	j, err := journal.Open(a.state, v)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	return j.Pending(v.Data())
}
