package agentd

import (
	"fmt"
	"os"

	"github.com/otterauth/otter/internal/agent"
)

// pinner keeps the pages under a set of buffers locked in RAM (mlock), so
// that the keys and secrets the agent holds are never written to swap. It
// follows the buffers as the vault replaces them: pages that no longer
// hold one are unlocked, so the locked set stays the size of the secrets.
type pinner struct {
	pages map[uintptr]bool
	err   error // the last refusal
}

// pin locks the pages of bufs and unlocks the pages it locked before that
// hold none of them; it returns the state to report.
func (p *pinner) pin(bufs [][]byte) agent.Memory {
	if !mlockSupported {
		return agent.Memory{Note: "not supported on this system"}
	}
	want := map[uintptr]bool{}
	for _, b := range bufs {
		for _, pg := range pagesOf(b) {
			want[pg] = true
		}
	}
	if p.pages == nil {
		p.pages = map[uintptr]bool{}
	}
	for pg := range p.pages {
		if !want[pg] {
			munlockPage(pg)
			delete(p.pages, pg)
		}
	}
	p.err = nil
	for pg := range want {
		if p.pages[pg] {
			continue
		}
		if err := mlockPage(pg); err != nil {
			p.err = err
			continue
		}
		p.pages[pg] = true
	}
	return p.state()
}

// release unlocks every page it locked.
func (p *pinner) release() {
	for pg := range p.pages {
		munlockPage(pg)
	}
	p.pages = nil
}

func (p *pinner) state() agent.Memory {
	if p.err != nil {
		return agent.Memory{Locked: false, Pages: len(p.pages), Note: fmt.Sprintf("mlock refused (%v; RLIMIT_MEMLOCK %s): keys may be swapped out", p.err, memlockLimit())}
	}
	return agent.Memory{Locked: true, Pages: len(p.pages)}
}

// pagesOf lists the start of every page b lies on.
func pagesOf(b []byte) []uintptr {
	if len(b) == 0 {
		return nil
	}
	size := uintptr(os.Getpagesize())
	start := bufAddr(b) &^ (size - 1)
	end := bufAddr(b) + uintptr(len(b))
	var out []uintptr
	for pg := start; pg < end; pg += size {
		out = append(out, pg)
	}
	return out
}
