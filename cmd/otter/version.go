package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionCmd is `otter version`, the same text as `otter --version`.
func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print otter's version, the commit it was built from and the Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(a.stdout, cmd.Root().Version)
			return err
		},
	}
}

// buildVersion describes the running binary from its build info.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "otter (unknown version) " + runtime.Version()
	}
	return versionText(bi)
}

// versionText is "otter VERSION (commit REV[, modified], DATE) GOVERSION":
// the main module's version ("(devel)" for a build from a checkout) and
// the vcs settings go build stamps in, those it did not stamp left out.
func versionText(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	var vcs []string
	if rev := set["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		vcs = append(vcs, "commit "+rev)
	}
	if set["vcs.modified"] == "true" {
		vcs = append(vcs, "modified")
	}
	if t := set["vcs.time"]; t != "" {
		vcs = append(vcs, t)
	}
	s := "otter " + v
	if len(vcs) > 0 {
		s += " (" + strings.Join(vcs, ", ") + ")"
	}
	return s + " " + bi.GoVersion
}
