package vault

import (
	"errors"
	"fmt"
)

// ErrRollback means the vault file is older than a generation already seen
// of the same vault: an older copy (a backup, a file from another machine)
// was put in place of a newer one. The error is a *RollbackError.
var ErrRollback = errors.New("vault file is older than one already seen")

// HighWater keeps, outside the vault file, the highest generation seen of
// each vault. Get returns 0 for a vault it holds nothing for; an error
// means the mark could not be read, which Load and Update do not take for
// "no mark". Raise records gen unless a higher one is held, atomically
// with respect to other processes.
type HighWater interface {
	Get(vaultID string) (uint64, error)
	Raise(vaultID string, gen uint64) error
}

// RollbackError describes a vault file older than the high-water mark.
// errors.Is(err, ErrRollback) is true for it.
type RollbackError struct {
	Path       string // the vault file
	Generation uint64 // the file's generation
	Seen       uint64 // the highest generation seen before
}

// Error implements error.
func (e *RollbackError) Error() string {
	return fmt.Sprintf("%v: %s is generation %d, generation %d was already seen",
		ErrRollback, e.Path, e.Generation, e.Seen)
}

// Is reports whether target is ErrRollback.
func (e *RollbackError) Is(target error) bool { return target == ErrRollback }

// seen returns the high-water mark of the vault vaultID, 0 when there is
// no HighWater or AllowRollback is set.
func (o *options) seen(vaultID string) (uint64, error) {
	if o.highWater == nil || o.allowRollback {
		return 0, nil
	}
	gen, err := o.highWater.Get(vaultID)
	if err != nil {
		return 0, fmt.Errorf("failed to read the highest generation seen of the vault: %w", err)
	}
	return gen, nil
}

// raise records gen as seen. It is best effort: it runs once the file is
// in place or was accepted, and a failure only weakens the next check.
func (o *options) raise(vaultID string, gen uint64) {
	if o.highWater != nil {
		o.highWater.Raise(vaultID, gen)
	}
}

// checkGeneration refuses h if its generation is lower than min or than
// the vault's high-water mark.
// It returns the mark it read.
func (s store) checkGeneration(h *header, min uint64) (uint64, error) {
	seen, err := s.o.seen(h.VaultID)
	if err != nil {
		return 0, err
	}
	if mark := max(seen, min); h.Generation < mark {
		return seen, &RollbackError{Path: s.path, Generation: h.Generation, Seen: mark}
	}
	return seen, nil
}
