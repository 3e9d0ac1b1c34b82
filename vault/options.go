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
	// Backups is how many previous generations are kept under backups/.
	// 0 means the default policy: the 10 newest, plus the newest of each
	// day for the last 30 days (see keepBackups). A positive number keeps
	// that many newest and no daily ones; a negative number keeps none.
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
	// DeviceID is this installation's id (internal/localstate), which
	// stamps the changes this Vault makes (Data.DeviceID). "" means a
	// random id for each Create or Load.
	DeviceID string
	// AfterSave, when set, is called after every write that replaced the
	// vault file (Create included), with the new file's exact bytes (header
	// and sealed payload: nothing in them is in clear that the header does
	// not show) and its generation. It runs under the writers' lock, so
	// calls come in generation order; it must not keep file. It cannot fail
	// the write: a hook that copies the file elsewhere reports its own
	// failures.
	AfterSave func(vaultID string, gen uint64, file []byte)

	fs fsys // file system seam for fault injection; nil means the OS
}

// options are resolved Options.
type options struct {
	now     func() time.Time
	rand    io.Reader
	weak    bool
	backups int // the newest generations kept
	days    int // days for which the newest generation of each is kept
	device  string
	fs      fsys

	highWater     HighWater
	allowRollback bool
	afterSave     func(vaultID string, gen uint64, file []byte)
}

// The default backup policy: the newest defaultBackups generations, and
// the newest of each day for backupDays days.
const (
	defaultBackups = 10
	backupDays     = 30
)

func (o *Options) resolve() options {
	r := options{now: time.Now, rand: rand.Reader, backups: defaultBackups, days: backupDays, fs: osFS{}}
	if o == nil || o.DeviceID == "" {
		r.device = NewID(nil)
	} else {
		r.device = o.DeviceID
	}
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
	r.afterSave = o.AfterSave
	switch {
	case o.Backups > 0:
		r.backups, r.days = o.Backups, 0
	case o.Backups < 0:
		r.backups, r.days = 0, 0
	}
	return r
}

// clock returns the current time without its monotonic reading.
func (o *options) clock() time.Time {
	return o.now().Round(0)
}
