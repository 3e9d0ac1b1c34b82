package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/otterauth/otter/internal/atomicfile"
)

// startFailureName is the file in the agent's folder that says why the
// last agent a command started in the background did not come up: that
// agent's streams are the null device, so this is the only way it can
// tell anyone.
const startFailureName = "start-failure"

// maxReason bounds the reason kept (bytes); maxStartFailure the file read.
const (
	maxReason       = 300
	maxStartFailure = 4096
)

// StartFailure is why an agent started in the background could not
// unlock or listen. It holds the face's own words for the error, as it
// would print them for a direct unlock: never a secret, never an account.
type StartFailure struct {
	At     time.Time `json:"at"`     // when the agent started
	Step   string    `json:"step"`   // "unlock" or "listen"
	Reason string    `json:"reason"` // cut to maxReason bytes
}

// RecordStartFailure writes f into dir (the agent's folder, made private
// if missing), replacing any earlier record, atomically and with mode 0600.
func RecordStartFailure(dir string, f StartFailure) error {
	if err := prepareDir(dir); err != nil {
		return err
	}
	f.Reason = cut(f.Reason, maxReason)
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return atomicfile.Write(atomicfile.OS, filepath.Join(dir, startFailureName), b)
}

// ClearStartFailure removes the record: an agent came up since.
func ClearStartFailure(dir string) {
	os.Remove(filepath.Join(dir, startFailureName))
}

// TakeStartFailure returns the record in dir and removes it, so that it
// is reported once; nil when there is none. The file is claimed by a
// rename before it is read: of two processes taking at once one gets it,
// and a record written meanwhile is kept for the next. Its text is the
// file's: the caller escapes it before it reaches a terminal.
func TakeStartFailure(dir string) (*StartFailure, error) {
	if err := checkDir(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	path := filepath.Join(dir, startFailureName)
	claimed := atomicfile.TempName(path)
	if err := os.Rename(path, claimed); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer os.Remove(claimed)
	fi, err := os.Lstat(claimed)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxStartFailure {
		return nil, fmt.Errorf("%s is not a start-failure record", path)
	}
	b, err := os.ReadFile(claimed)
	if err != nil {
		return nil, err
	}
	var f StartFailure
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Reason = cut(f.Reason, maxReason)
	return &f, nil
}

// cut shortens s to at most n bytes, on a character boundary, and marks
// the cut with an ellipsis.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
