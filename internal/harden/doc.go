// Package harden keeps an otter process's memory out of core dumps and
// crash traces: every binary calls Process first thing in main (the CLI
// and TUI, and the small front that asks the agent for a code).
package harden
