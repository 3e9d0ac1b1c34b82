package errcat

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/internal/importers"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/mirror"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/internal/recoverycodes"
	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// sentinels names every exported sentinel of the packages the catalogue
// covers, with the exit code it must get (the CLI contract).
var sentinels = map[string]struct {
	err  error
	code int
}{
	"vault.ErrWrongCredential":    {vault.ErrWrongCredential, Unlock},
	"vault.ErrCorrupt":            {vault.ErrCorrupt, Corrupt},
	"vault.ErrUnsupportedVersion": {vault.ErrUnsupportedVersion, Corrupt},
	"vault.ErrNoUsableSlot":       {vault.ErrNoUsableSlot, Unlock},
	"vault.ErrNotExist":           {vault.ErrNotExist, Error},
	"vault.ErrExist":              {vault.ErrExist, Error},
	"vault.ErrTooFewSlots":        {vault.ErrTooFewSlots, Error},
	"vault.ErrLimit":              {vault.ErrLimit, Error},
	"vault.ErrControlChar":        {vault.ErrControlChar, Usage},
	"vault.ErrNoCodesLeft":        {vault.ErrNoCodesLeft, NotFound},
	"vault.ErrInvalid":            {vault.ErrInvalid, Error},
	"vault.ErrChanged":            {vault.ErrChanged, Sync},
	"vault.ErrRollback":           {vault.ErrRollback, Corrupt},
	"vault.ErrNoBackup":           {vault.ErrNoBackup, NotFound},
	"vault.ErrUnsafeBackups":      {vault.ErrUnsafeBackups, Error},
	"vault.ErrOtherVault":         {vault.ErrOtherVault, Error},
	"vault.ErrSlotRemoved":        {vault.ErrSlotRemoved, Unlock},
	"vault.ErrGenerationJump":     {vault.ErrGenerationJump, Corrupt},
	"vault.ErrUnvouched":          {vault.ErrUnvouched, Corrupt},

	"mirror.ErrNotDir":     {mirror.ErrNotDir, Usage},
	"mirror.ErrOwnBackups": {mirror.ErrOwnBackups, Usage},

	"recoverycodes.ErrNone":    {recoverycodes.ErrNone, Usage},
	"recoverycodes.ErrTooLong": {recoverycodes.ErrTooLong, Usage},

	"vaultops.ErrAccountGone":     {vaultops.ErrAccountGone, NotFound},
	"vaultops.ErrKeyGone":         {vaultops.ErrKeyGone, NotFound},
	"vaultops.ErrDuplicate":       {vaultops.ErrDuplicate, Error},
	"vaultops.ErrKeyNameTaken":    {vaultops.ErrKeyNameTaken, Error},
	"vaultops.ErrNoRecoveryCodes": {vaultops.ErrNoRecoveryCodes, NotFound},
	"vaultops.ErrLastWayIn":       {vaultops.ErrLastWayIn, Error},
	"vaultops.ErrNoName":          {vaultops.ErrNoName, Usage},
	"vaultops.ErrNotInTrash":      {vaultops.ErrNotInTrash, NotFound},
	"vaultops.ErrNoCode":          {vaultops.ErrNoCode, Error},

	"fido.ErrPinInvalid":         {fido.ErrPinInvalid, Error},
	"fido.ErrPinBlocked":         {fido.ErrPinBlocked, Error},
	"fido.ErrPinAuthBlocked":     {fido.ErrPinAuthBlocked, Error},
	"fido.ErrPinRequired":        {fido.ErrPinRequired, Error},
	"fido.ErrPinNotSet":          {fido.ErrPinNotSet, Error},
	"fido.ErrPinPolicy":          {fido.ErrPinPolicy, Error},
	"fido.ErrPinAuthInvalid":     {fido.ErrPinAuthInvalid, Error},
	"fido.ErrUVBlocked":          {fido.ErrUVBlocked, Error},
	"fido.ErrUVInvalid":          {fido.ErrUVInvalid, Error},
	"fido.ErrNoCredentials":      {fido.ErrNoCredentials, Error},
	"fido.ErrCredentialExcluded": {fido.ErrCredentialExcluded, Error},
	"fido.ErrKeyStoreFull":       {fido.ErrKeyStoreFull, Error},
	"fido.ErrActionTimeout":      {fido.ErrActionTimeout, Error},
	"fido.ErrOperationDenied":    {fido.ErrOperationDenied, Error},
	"fido.ErrNotAllowed":         {fido.ErrNotAllowed, Error},
	"fido.ErrCanceled":           {fido.ErrCanceled, Error},
	"fido.ErrUnsupported":        {fido.ErrUnsupported, Error},
	"fido.ErrKeyRemoved":         {fido.ErrKeyRemoved, Error},
	"fido.ErrTimeout":            {fido.ErrTimeout, Error},
	"fido.ErrRx":                 {fido.ErrRx, Error},
	"fido.ErrTx":                 {fido.ErrTx, Error},
	"fido.ErrInvalidSignature":   {fido.ErrInvalidSignature, Error},
	"fido.ErrInvalidArgument":    {fido.ErrInvalidArgument, Error},
	"fido.ErrNotFound":           {fido.ErrNotFound, Error},
	"fido.ErrBusy":               {fido.ErrBusy, Error},
	"fido.ErrDevice":             {fido.ErrDevice, Error},

	"importers.ErrPassphraseRequired": {importers.ErrPassphraseRequired, Usage},
	"importers.ErrWrongPassphrase":    {importers.ErrWrongPassphrase, Unlock},
	"importers.ErrTooLarge":           {importers.ErrTooLarge, Error},
	"importers.ErrImageTooLarge":      {importers.ErrImageTooLarge, Error},
	"importers.ErrUnknownFormat":      {importers.ErrUnknownFormat, Usage},
	"importers.ErrIdentityRequired":   {importers.ErrIdentityRequired, Usage},
	"importers.ErrWrongIdentity":      {importers.ErrWrongIdentity, Unlock},

	"lockout.ErrLocked":      {lockout.ErrLocked, LockedOut},
	"keyring.ErrNotFound":    {keyring.ErrNotFound, Error},
	"keyring.ErrUnavailable": {keyring.ErrUnavailable, Error},
	"paths.ErrNoHome":        {paths.ErrNoHome, Usage},
	"paths.ErrNoRuntimeDir":  {paths.ErrNoRuntimeDir, Error},

	"agent.ErrNotRunning":  {agent.ErrNotRunning, Error},
	"agent.ErrRunning":     {agent.ErrRunning, Error},
	"agent.ErrLocked":      {agent.ErrLocked, Unlock},
	"agent.ErrOtherVault":  {agent.ErrOtherVault, Error},
	"agent.ErrUnsupported": {agent.ErrUnsupported, Error},
	"agent.ErrUnsafeDir":   {agent.ErrUnsafeDir, Error},
	"agent.ErrCounter":     {agent.ErrCounter, Error},
	"agent.ErrProtocol":    {agent.ErrProtocol, Error},

	"gitrepo.ErrNoGit":       {gitrepo.ErrNoGit, Error},
	"gitrepo.ErrRejected":    {gitrepo.ErrRejected, Sync},
	"gitrepo.ErrRefChanged":  {gitrepo.ErrRefChanged, Sync},
	"gitrepo.ErrNotFound":    {gitrepo.ErrNotFound, NotFound},
	"gitrepo.ErrRemote":      {gitrepo.ErrRemote, Sync},
	"gitrepo.ErrURLPassword": {gitrepo.ErrURLPassword, Usage},

	"syncer.ErrRewound":     {syncer.ErrRewound, Sync},
	"syncer.ErrNotAttached": {syncer.ErrNotAttached, Error},
	"syncer.ErrEmptyRemote": {syncer.ErrEmptyRemote, NotFound},
	"syncer.ErrBusy":        {syncer.ErrBusy, Sync},
}

// TestEverySentinelIsCatalogued finds the exported Err… variables in the
// source of each package and checks that the catalogue knows each, with
// its exit code and words in the CLI's style.
func TestEverySentinelIsCatalogued(t *testing.T) {
	for pkg, dir := range map[string]string{"vault": "../../vault", "fido": "../../fido",
		"importers": "../importers", "vaultops": "../vaultops", "recoverycodes": "../recoverycodes", "lockout": "../lockout", "keyring": "../keyring", "paths": "../paths", "otp": "../otp", "mirror": "../mirror", "agent": "../agent", "gitrepo": "../gitrepo", "syncer": "../syncer"} {
		for _, name := range exportedErrVars(t, dir) {
			if _, ok := sentinels[pkg+"."+name]; !ok {
				t.Errorf("%s.%s is not in this test's list (and perhaps not in the catalogue)", pkg, name)
			}
		}
	}
	for name, s := range sentinels {
		e, known := Lookup(fmt.Errorf("doing something: %w", s.err))
		if !known {
			t.Errorf("%s: not in the catalogue", name)
			continue
		}
		if e.Code != s.code {
			t.Errorf("%s: exit code %d, want %d", name, e.Code, s.code)
		}
		checkStyle(t, name, e)
	}
}

func checkStyle(t *testing.T, name string, e Entry) {
	t.Helper()
	for _, s := range []string{e.Msg, e.Hint} {
		if s == "" {
			continue
		}
		if strings.HasSuffix(s, ".") || s[:1] != strings.ToLower(s[:1]) && !strings.HasPrefix(s, "PIN") {
			t.Errorf("%s: %q: want lower case and no final period", name, s)
		}
	}
	if e.Msg == "" {
		t.Errorf("%s: no message", name)
	}
}

func exportedErrVars(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, sp := range g.Specs {
					for _, n := range sp.(*ast.ValueSpec).Names {
						if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	return names
}

// TestTypedErrors checks the errors whose words come from their fields.
func TestTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		err       error
		code      int
		msg, hint string
	}{
		{&vault.CorruptError{Path: "/v/vault.otter", Reason: "checksum mismatch"}, Corrupt,
			"the vault file is corrupt (checksum mismatch)", "keep a copy of the damaged file, then restore the newest file from the backups/ folder beside it"},
		{&vault.CorruptError{Path: "/v/vault.otter", Reason: "truncated", Backup: "/v/backups/1.otter"}, Corrupt,
			"the vault file is corrupt (truncated)", `the newest readable backup is /v/backups/1.otter; keep a copy of the damaged file, then: cp "/v/backups/1.otter" "/v/vault.otter"`},
		{&vault.CorruptError{Path: "/v/vault.otter", Reason: "truncated", Backup: "/v/backups/vault.otter.7"}, Corrupt,
			"the vault file is corrupt (truncated)", `the newest readable backup is /v/backups/vault.otter.7; keep a copy of the damaged file, then: cp "/v/backups/vault.otter.7" "/v/vault.otter" && otter backup restore 7`},
		{&vault.RollbackError{Path: "/v/vault.otter", Generation: 3, Seen: 7}, Corrupt,
			"refusing an older vault file: /v/vault.otter is generation 3, but otter already saw generation 7",
			"was an older copy put in its place? if that was intended, make it the newest generation with: otter backup restore 3"},
		{&otp.ParseError{Field: "digits", Msg: "must be between 1 and 10, got 11"}, Error, "digits: must be between 1 and 10, got 11", ""},
		{&otp.ParseError{Field: "uri", Msg: `the scheme is not "otpauth"`}, Error, `not an otpauth URI: the scheme is not "otpauth"`, ""},
		{&fido.Error{Op: "get assertion", RetriesLeft: 1, Err: fido.ErrPinInvalid}, Error, "wrong PIN: 1 attempt left before the key blocks its PIN", ""},
		{&fido.Error{Op: "get assertion", RetriesLeft: -1, Err: fido.ErrPinInvalid}, Error, "wrong PIN", ""},
		{&lockout.LockedError{Until: time.Now().Add(time.Hour), Failures: 10, Window: time.Hour}, LockedOut, "", "the lock protects the vault from guessing; the OS keyring still unlocks it"},
		{ErrInterrupted, Interrupted, "cancelled", ""},
		{fmt.Errorf("reading the PIN: %w", ErrInterrupted), Interrupted, "cancelled", ""},
	} {
		e, known := Lookup(tc.err)
		if tc.msg == "" {
			tc.msg = tc.err.Error()
		}
		if !known || e != (Entry{tc.code, tc.msg, tc.hint}) {
			t.Errorf("Lookup(%q) = %+v, %v; want {%d %q %q}", tc.err, e, known, tc.code, tc.msg, tc.hint)
		}
	}
	if _, known := Lookup(errors.New("something else")); known {
		t.Error("an unknown error is reported as known")
	}
}

// TestFIDOIsOnlyForKeys: FIDO reports false for errors that are not a
// key's, so that callers pass them on unchanged.
func TestFIDOIsOnlyForKeys(t *testing.T) {
	if _, ok := FIDO(vault.ErrWrongCredential); ok {
		t.Error("FIDO claims vault.ErrWrongCredential")
	}
	if e, ok := FIDO(fmt.Errorf("the key gave no hmac-secret output: %w", fido.ErrUnsupported)); !ok || e.Msg == "" {
		t.Errorf("FIDO(wrapped ErrUnsupported) = %+v, %v", e, ok)
	}
}

func TestSentence(t *testing.T) {
	for _, tc := range []struct {
		e    Entry
		want string
	}{
		{Entry{Msg: "wrong PIN"}, "Wrong PIN."},
		{Entry{Msg: "the OS keyring did not answer", Hint: "is a Secret Service running?"}, "The OS keyring did not answer. Is a Secret Service running?"},
		{Entry{Msg: "the key was not touched in time", Hint: "try again and touch the key when it blinks"}, "The key was not touched in time. Try again and touch the key when it blinks."},
	} {
		if got := tc.e.Sentence(); got != tc.want {
			t.Errorf("Sentence(%+v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}

// A member removed from a shared vault syncs: the error says the slot was
// removed (whichever of the vault's paths found it) and that nothing
// changed here, with exit code 3.
func TestRemovedMemberWording(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("%w (slot 1a2b3c4d)", vault.ErrSlotRemoved),
		fmt.Errorf("%w (slot 1a2b3c4d): %w", vault.ErrSlotRemoved, vault.ErrNoUsableSlot),
	} {
		e, ok := Lookup(err)
		if !ok || e.Code != Unlock {
			t.Errorf("%v: %+v, %t; want exit %d", err, e, ok, Unlock)
		}
		if !strings.Contains(e.Msg, "this device's unlock slot was removed from the vault") || !strings.Contains(e.Hint, "nothing was changed here") {
			t.Errorf("%v: says %q, hint %q", err, e.Msg, e.Hint)
		}
	}
}
