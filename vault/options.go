package vault

import (
	"crypto/rand"
	"io"
	"time"
)

// Options tune Create and Load. A nil *Options means the defaults.
type Options struct {
	Now  func() time.Time // clock; default time.Now
	Rand io.Reader        // randomness; default crypto/rand.Reader
	// AllowWeakKDF skips the lower Argon2id bounds. For tests only: it lets
	// them use tiny costs. The upper bounds always apply.
	AllowWeakKDF bool
	// Backups is how many previous generations are kept under backups/;
	// 0 means 5, a negative number keeps none.
	Backups int
	// HighWater, when set, guards against rollback: Load refuses a file
	// older than the highest generation seen of its vault (*RollbackError),
	// Unlock and every save raise the mark, and a new generation is always
	// above it, so generation numbers never repeat.
	HighWater HighWater
	// AllowRollback lets Load open a file older than the high-water mark.
	// Only for deliberately making an older generation current again
	// (otter backup restore), which then saves a newer one.
	AllowRollback bool

	fs fsys // file system seam for fault injection; nil means the OS
}

// options are resolved Options.
type options struct {
	now     func() time.Time
	rand    io.Reader
	weak    bool
	backups int
	fs      fsys

	highWater     HighWater
	allowRollback bool
}

const defaultBackups = 5

func (o *Options) resolve() options {
	r := options{now: time.Now, rand: rand.Reader, backups: defaultBackups, fs: osFS{}}
	if o == nil {
		return r
	}
	if o.Now != nil {
		r.now = o.Now
	}
	if o.Rand != nil {
		r.rand = o.Rand
	}
	if o.fs != nil {
		r.fs = o.fs
	}
	r.weak = o.AllowWeakKDF
	r.highWater, r.allowRollback = o.HighWater, o.AllowRollback
	switch {
	case o.Backups > 0:
		r.backups = o.Backups
	case o.Backups < 0:
		r.backups = 0
	}
	return r
}

// clock returns the current time without its monotonic reading.
func (o *options) clock() time.Time {
	return o.now().Round(0)
}
