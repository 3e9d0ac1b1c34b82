// Package agent is the protocol of otter's unlocked session and its
// client: the messages, the socket in a private folder (paths.Runtime) and
// the checks a client makes before trusting it. The server that holds the
// unlocked vault is internal/agentd. This package imports no vault, no
// cgo and nothing of the faces, so that the small front binary
// (cmd/otter-front) can ask the agent for a code without loading them.
//
// The agent sends codes, recovery codes and account names, never a seed,
// a key or the vault. Only the user who runs it may connect: the folder is
// 0700, the socket 0600, and each connection's peer uid is checked
// (SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS); elsewhere it refuses to
// serve (ErrUnsupported) and the client reports ErrNotRunning.
//
// The protocol is one Request and one Response per connection, each a
// 4-byte big-endian length and a JSON object carrying the protocol
// version ("v"). A client that gets no answer within its short timeout,
// finds no socket or a stale one, or an agent that is locked or holds
// another vault, returns an error: the face then unlocks directly.
package agent

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Version is the protocol version; a request or answer with another is
// refused.
const Version = 1

// DefaultIdle is how long an unused agent stays unlocked.
const DefaultIdle = 15 * time.Minute

// maxFrame bounds one message (a list of 100 000 names fits).
const maxFrame = 16 << 20

// Socket and lock file names inside the agent's folder.
const (
	SocketName = "agent.sock"
	lockName   = "agent.lock"
)

var (
	// ErrNotRunning means no agent answers: no socket, or a stale one.
	ErrNotRunning = errors.New("no agent is running")
	// ErrRunning means another agent holds the folder's lock already.
	ErrRunning = errors.New("an agent is already running")
	// ErrLocked means the agent runs but holds no unlocked vault.
	ErrLocked = errors.New("the agent is locked")
	// ErrOtherVault means the agent holds another vault than the one asked.
	ErrOtherVault = errors.New("the agent holds another vault")
	// ErrCounter means a timed code was asked of a counter-based (HOTP)
	// account: nothing was written; ask with Code.
	ErrCounter = errors.New("the account is counter-based")
	// ErrUnsupported means this system has no agent (no way to check a
	// peer's uid).
	ErrUnsupported = errors.New("the agent is not supported on this system")
	// ErrUnsafeDir means the agent's folder is not a private folder of
	// this user (a symlink, another owner, or open to others).
	ErrUnsafeDir = errors.New("the agent's folder is not private")
)

// ErrProtocol means a malformed, oversized or other-version message.
var ErrProtocol = errors.New("agent protocol error")

// Ops of the protocol.
const (
	OpStatus = "status"
	OpCode   = "code"
	// OpTimedCode is OpCode for a code that writes nothing: a TOTP or
	// Steam account's; an HOTP account is refused (ErrCounter) and its
	// counter stays. The front asks it: it can print a code, not sync
	// the change an HOTP code makes.
	OpTimedCode = "timed-code"
	OpRecovery  = "recovery-use"
	OpList      = "list"
	OpLock      = "lock"
	OpStop      = "stop"
)

// Request is what a client asks.
type Request struct {
	V     int    `json:"v"`
	Op    string `json:"op"`
	Vault string `json:"vault,omitempty"` // the vault the client means (absolute path)
	Query string `json:"query,omitempty"`
}

// Response is what the agent answers: Err, or the field of the op.
type Response struct {
	V        int       `json:"v"`
	Err      *Failure  `json:"error,omitempty"`
	Status   *Status   `json:"status,omitempty"`
	Code     *Code     `json:"code,omitempty"`
	Recovery *Recovery `json:"recovery,omitempty"`
	Names    []string  `json:"names,omitempty"`
}

// Failure kinds the client turns into its sentinels.
const (
	KindLocked     = "locked"
	KindOtherVault = "other-vault"
	KindCounter    = "counter"
)

// Failure is an operation's error as the agent words it: the exit code,
// message and hint the face's catalogue gave it.
type Failure struct {
	Kind string `json:"kind,omitempty"` // KindLocked, KindOtherVault, KindCounter, "" (the operation's own error)
	Exit int    `json:"exit"`
	Msg  string `json:"msg"`
	Hint string `json:"hint,omitempty"`
}

func (f *Failure) Error() string { return f.Msg }

// Status describes a running agent.
type Status struct {
	PID     int        `json:"pid"`
	Locked  bool       `json:"locked"`
	Vault   string     `json:"vault,omitempty"` // "" when locked
	Idle    int64      `json:"idle_seconds"`    // the idle timeout
	LocksAt *time.Time `json:"locks_at,omitempty"`
	// Triggers are the events that lock the agent besides the idle
	// timeout and otter lock, each watched or not, and why.
	Triggers []Trigger `json:"triggers,omitempty"`
	// Memory says whether the keys held are pinned in RAM (unlocked only).
	Memory *Memory `json:"memory,omitempty"`
	// Activated: systemd started the agent on its socket (socket
	// activation); locking ends it and the next request starts another.
	Activated bool `json:"activated,omitempty"`
	// CoreDumps is "off" when the agent can leave no core dump and is not
	// dumpable; "" when this system does not say.
	CoreDumps string `json:"core_dumps,omitempty"`
}

// Trigger is an event that locks the agent and whether it is watched.
type Trigger struct {
	Name   string `json:"name"` // "suspend", "screen lock"
	Bus    string `json:"bus"`  // "system", "session"
	Active bool   `json:"active"`
	Note   string `json:"note,omitempty"` // why it is not watched, or a caveat
}

// Memory says whether the agent's key material is pinned in RAM.
type Memory struct {
	Locked bool   `json:"locked"`
	Pages  int    `json:"pages,omitempty"` // pages pinned
	Note   string `json:"note,omitempty"`  // why not, or what failed
}

// Code is one account's current code and what a face shows with it.
type Code struct {
	ID      string     `json:"id"`
	Issuer  string     `json:"issuer"`
	Account string     `json:"account"`
	Type    string     `json:"type"`
	Code    string     `json:"code"`
	Counter *uint64    `json:"counter,omitempty"` // HOTP: the counter the code is for
	Period  int        `json:"period,omitempty"`  // TOTP
	Until   *time.Time `json:"until,omitempty"`   // TOTP: when the code expires
	// ClipboardClear is the vault's clipboard setting in seconds (0: the
	// default), for a face that copies the code.
	ClipboardClear int64 `json:"clipboard_clear_seconds,omitempty"`
}

// Recovery is a recovery code just marked used.
type Recovery struct {
	Label string `json:"label"`
	Code  string `json:"code"`
	Left  int    `json:"left"`
}

// WriteFrame sends v as one length-prefixed JSON message.
func WriteFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxFrame {
		return fmt.Errorf("%w: message of %d bytes", ErrProtocol, len(b))
	}
	buf := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(buf, uint32(len(b)))
	copy(buf[4:], b)
	_, err = w.Write(buf)
	clear(buf)
	clear(b)
	return err
}

// ReadFrame reads one length-prefixed JSON message into v.
func ReadFrame(r io.Reader, v any) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return fmt.Errorf("%w: message of %d bytes", ErrProtocol, n)
	}
	b := make([]byte, n)
	defer clear(b)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return nil
}
