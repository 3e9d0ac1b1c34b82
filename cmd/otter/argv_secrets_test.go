package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

const argvWarning = "on the command line is seen by other users"

// TestSecretInArgvWarns: a URI carrying a secret, or a --secret value, in
// argv is added with one warning naming the safe way; a URI pasted on
// stdin (add -) or a secret read through --secret - gets none.
func TestSecretInArgvWarns(t *testing.T) {
	e, pw, _ := passwordVault(t)
	uri := "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub"
	for _, tc := range []struct {
		name, stdin string
		args        []string
		warn        string // "" for none
	}{
		{"URI in argv", "", []string{"add", uri}, "otter add -"},
		{"migration URI in argv", "", []string{"add", "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACjr4JP9Bg%3D%3D"}, "otter add -"},
		{"--secret value", "", []string{"add", "--issuer", "A", "--account", "b", "--secret", "JBSWY3DPEHPK3PXQ"}, "--secret -"},
		{"add -", uri + "\n", []string{"add", "-"}, ""},
		{"--secret -", "JBSWY3DPEHPK3PXR\n", []string{"add", "--issuer", "C", "--account", "d", "--secret", "-"}, ""},
	} {
		r := e.run(tc.stdin, append([]string{"--password-file", pw}, tc.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, r.code, r.stderr)
		}
		n := strings.Count(r.stderr, argvWarning)
		switch {
		case tc.warn == "" && n != 0:
			t.Errorf("%s: unexpected warning:\n%s", tc.name, r.stderr)
		case tc.warn != "" && (n != 1 || !strings.Contains(r.stderr, tc.warn)):
			t.Errorf("%s: want one warning naming %q, stderr:\n%s", tc.name, tc.warn, r.stderr)
		}
	}
	if out := e.ok("", "--password-file", pw, "code", "C:d"); strings.TrimSpace(out) == "" {
		t.Error("--secret - added no account")
	}
	id := "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
	r := e.fails(exitUsage, "", "--password-file", pw, "slot", "add", "age", id)
	if !strings.Contains(r.stderr, "age identity (secret), not a recipient") {
		t.Errorf("an identity as the age recipient: %s", r.stderr)
	}
}

// secretInText finds a secret written out in documentation: a secret=
// parameter with a value, a --secret flag with a base32 value (not - nor
// the "string" of the flag list), or an age identity.
var secretInText = regexp.MustCompile(`secret=[A-Za-z0-9]|--secret[ =]+['"]?[A-Za-z2-7]{0,7}[A-Z2-7]|AGE-SECRET-KEY-1[A-Z0-9]{8}`)

// TestDocsKeepSecretsOffArgv: no example in README.md's code blocks nor in
// any command's help (otter help CMD, every command of the tree) puts a
// secret on the command line.
func TestDocsKeepSecretsOffArgv(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	must(t, err)
	for i, block := range codeBlocks(string(readme)) {
		if m := secretInText.FindString(block); m != "" {
			t.Errorf("README.md code block %d holds a secret on the command line (%q):\n%s", i+1, m, block)
		}
	}
	n := 0
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		var out, errb bytes.Buffer
		a := newApp(strings.NewReader(""), &out, &errb)
		if code := runApp(a, append([]string{"help"}, path...)); code != 0 || out.Len() == 0 {
			t.Fatalf("otter help %s: exit %d, %d bytes: %s", strings.Join(path, " "), code, out.Len(), errb.String())
		}
		n++
		if m := secretInText.FindString(out.String()); m != "" {
			t.Errorf("otter help %s shows a secret on the command line (%q):\n%s", strings.Join(path, " "), m, out.String())
		}
		for _, sub := range c.Commands() {
			walk(sub, append(path[:len(path):len(path)], sub.Name()))
		}
	}
	walk(newApp(nil, nil, nil).rootCmd(), nil)
	if n < 30 {
		t.Fatalf("checked the help of only %d commands", n)
	}
}

// codeBlocks returns the contents of a Markdown text's fenced code blocks.
func codeBlocks(md string) []string {
	var blocks []string
	parts := strings.Split(md, "```")
	for i := 1; i < len(parts); i += 2 {
		blocks = append(blocks, parts[i])
	}
	return blocks
}
