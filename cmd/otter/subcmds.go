package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// strictSubcommands makes every command that has subcommands refuse an
// argument that names none of them: exit 2 with "did you mean" when one is
// close. Run bare, a command that does nothing itself prints its help
// (exit 0), as `git remote`-style cobra tools do.
func strictSubcommands(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		strictSubcommands(c)
	}
	if !cmd.HasSubCommands() {
		if cmd.Args != nil {
			cmd.Args = explainArgs(cmd.Args)
		}
		return
	}
	cmd.Args = unknownSubcommand
	if !cmd.Runnable() {
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
}

// unknownSubcommand is the Args check of commands with subcommands: they
// take no arguments, so an argument is a mistyped subcommand.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := "see " + cmd.CommandPath() + " --help"
	if s := closestSubcommand(cmd, args[0]); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	return &userError{code: exitUsage, msg: fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath()), hint: hint}
}

// closestSubcommand is the available subcommand of cmd nearest to typed:
// a name it begins, or one at most two edits away (a swap of two letters
// is one edit) and fewer edits than typed has letters. Of equally near
// names the first in the help wins; "" when none is near.
func closestSubcommand(cmd *cobra.Command, typed string) string {
	typed = strings.ToLower(typed)
	best, bestD := "", 3
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() {
			continue
		}
		for _, name := range append([]string{c.Name()}, c.Aliases...) {
			d := editDistance(typed, strings.ToLower(name))
			if strings.HasPrefix(name, typed) && typed != "" {
				d = 1
			}
			if d < bestD && d < len(typed) {
				best, bestD = c.Name(), d
			}
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of adjacent letters.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// explainArgs wraps a command's argument check so that a wrong count says
// what the command expects, from its usage line ("otter code needs QUERY"),
// instead of cobra's "accepts 1 arg(s), received 0": exit 2, with the
// usage as the hint.
func explainArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if check(cmd, args) == nil {
			return nil
		}
		want := strings.TrimSpace(strings.TrimPrefix(cmd.Use, cmd.Name()))
		path := cmd.CommandPath()
		var msg string
		switch {
		case want == "":
			msg = fmt.Sprintf("%s takes no arguments, got %q", path, strings.Join(args, " "))
		case len(args) == 0:
			msg = fmt.Sprintf("%s needs %s", path, want)
		default:
			msg = fmt.Sprintf("%s takes %s, got %d %s: %q", path, want, len(args), plural(len(args), "argument", "arguments"), strings.Join(args, " "))
		}
		hint := "usage: " + path
		if want != "" {
			hint += " " + want
		}
		return &userError{code: exitUsage, msg: msg, hint: hint + " (see " + path + " --help)"}
	}
}
