package vault

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoBackup means no backup of the asked generation is kept.
var ErrNoBackup = errors.New("no backup of that generation")

// Backup is one generation kept under backups/, as its header says: it is
// read without decrypting anything.
type Backup struct {
	Generation uint64
	Path       string
	Updated    time.Time // when that generation was saved; zero if Err
	Err        error     // why the file cannot be read (ErrCorrupt …), or nil
}

// Backups lists the kept generations, newest first. It reads the files
// without any key and changes nothing.
func (v *Vault) Backups() []Backup {
	var out []Backup
	for _, gen := range v.st.backupGens() {
		b := Backup{Generation: gen, Path: v.st.backupPath(gen)}
		p, err := v.st.parseBackup(gen)
		if err == nil {
			b.Updated = p.hdr.Updated
		}
		b.Err = err
		out = append(out, b)
	}
	return out
}

// OpenBackup returns the data of the kept generation gen (or of the
// current one), decrypted with what this Vault holds: the identity of the
// slot that unlocked it (a slot keeps its key pair, so a backup opens
// while that slot is in it), or, for a format-1 backup, the format-1 slot
// keys this session learnt (ErrNoUsableSlot otherwise). It is a read: nothing is written
// and no high-water mark moves. The result is a copy the caller owns; it
// holds the account secrets, which the caller zeroes when done.
func (v *Vault) OpenBackup(gen uint64) (*Data, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return nil, errClosed
	}
	if gen == v.hdr.Generation {
		return v.data.clone(), nil
	}
	p, err := v.st.parseBackup(gen)
	if err != nil {
		return nil, err
	}
	if p.hdr.VaultID != v.hdr.VaultID {
		return nil, fmt.Errorf("%s belongs to another vault: %w", v.st.backupPath(gen), ErrNoUsableSlot)
	}
	s, sk := v.knownSlot(&p.hdr)
	if s == nil {
		return nil, fmt.Errorf("generation %d: the way you unlocked did not open it (it came later, or that backup is older than the vault format): unlock with a slot it had, such as the recovery key, to read it: %w", gen, ErrNoUsableSlot)
	}
	dek, pl, err := openWith(p, s, append([]byte(nil), sk...))
	if err != nil {
		return nil, &CorruptError{Path: v.st.backupPath(gen), Reason: err.Error()}
	}
	zero(dek)
	for _, k := range pl.SlotKeys {
		zero(k)
	}
	return pl.Data, nil
}

// parseBackup reads and checks the backup of generation gen.
func (s store) parseBackup(gen uint64) (*parsed, error) {
	if err := s.checkBackupDir(); err != nil {
		return nil, err
	}
	name := s.backupPath(gen)
	b, err := s.o.fs.ReadFile(name, maxFileSize)
	if err != nil {
		return nil, fmt.Errorf("generation %d: %w", gen, ErrNoBackup)
	}
	p, err := parse(b)
	var fe formatError
	if errors.As(err, &fe) {
		return nil, &CorruptError{Path: name, Reason: fe.Error()}
	}
	if err == nil && p.hdr.Generation != gen {
		return nil, &CorruptError{Path: name, Reason: fmt.Sprintf("holds generation %d", p.hdr.Generation)}
	}
	return p, err
}
