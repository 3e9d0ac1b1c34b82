package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/errcat"
)

func (a *app) rmCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "rm QUERY",
		Short: "Remove an account (it waits 30 days in the trash with its recovery codes: otter trash)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			s, acc, err := a.account(args[0])
			if err != nil {
				return err
			}
			name, id := acc.Label(), acc.ID
			q := fmt.Sprintf("Remove %s? Its codes stop working here. [y/N] ", esc(name))
			if err := a.confirmDestructive(yes, "remove "+esc(name), q, "removed"); err != nil {
				return err
			}
			if _, err := s.Delete(id); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed %s\n", esc(name))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// confirm asks a yes/no question on the terminal; anything but y/yes is
// no, ctrl+c is errcat.ErrInterrupted.
func (a *app) confirm(question string) (bool, error) {
	fmt.Fprint(a.stderr, question)
	line, err := interruptible(a.stdin, func() (string, error) { return bufio.NewReader(a.stdin).ReadString('\n') })
	if errors.Is(err, errcat.ErrInterrupted) {
		fmt.Fprintln(a.stderr)
		return false, err
	}
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes", nil
}
