package main

import "github.com/otterauth/otter/internal/termtext"

// esc makes text from the vault or from a file inert on a terminal: every
// control character is printed as an escape (see termtext.Escape). Older
// vaults and foreign files may hold escape sequences; every line the CLI
// prints with such text goes through esc.
func esc(s string) string { return termtext.Escape(s) }
