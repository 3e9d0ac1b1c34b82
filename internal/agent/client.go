package agent

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Client asks the agent of a folder. Every request has a short deadline: a
// missing, dead, hung or stale agent is an error soon, and the face
// unlocks directly.
type Client struct {
	Dir    string        // the agent's folder (paths.Runtime)
	Dial   time.Duration // to connect; zero: 200 ms
	Answer time.Duration // to get an answer that needs no write; zero: 200 ms
	Write  time.Duration // to get an answer that may write the vault (HOTP, recovery); zero: 1 s
}

// Status returns the running agent's state.
func (c Client) Status() (*Status, error) {
	r, err := c.do(&Request{Op: OpStatus}, c.Answer)
	if err != nil {
		return nil, err
	}
	if r.Status == nil {
		return nil, fmt.Errorf("%w: no status", ErrProtocol)
	}
	return r.Status, nil
}

// Code returns the current code of the account query names in the vault
// at vaultPath; an HOTP counter is on disk before the agent answers.
func (c Client) Code(vaultPath, query string) (*Code, error) {
	r, err := c.do(&Request{Op: OpCode, Vault: abs(vaultPath), Query: query}, or(c.Write, time.Second))
	if err == nil && r.Code == nil {
		err = fmt.Errorf("%w: no code", ErrProtocol)
	}
	if err != nil {
		return nil, err
	}
	return r.Code, nil
}

// TimedCode returns the current code of the time-based account query
// names; it writes nothing, and a counter-based account is ErrCounter. It
// waits only Answer for the agent.
func (c Client) TimedCode(vaultPath, query string) (*Code, error) {
	r, err := c.do(&Request{Op: OpTimedCode, Vault: abs(vaultPath), Query: query}, c.Answer)
	if err == nil && r.Code == nil {
		err = fmt.Errorf("%w: no code", ErrProtocol)
	}
	if err != nil {
		return nil, err
	}
	return r.Code, nil
}

// UseRecovery marks the next recovery code of the account query names used
// and returns it.
func (c Client) UseRecovery(vaultPath, query string) (*Recovery, error) {
	r, err := c.do(&Request{Op: OpRecovery, Vault: abs(vaultPath), Query: query}, or(c.Write, time.Second))
	if err == nil && r.Recovery == nil {
		err = fmt.Errorf("%w: no recovery code", ErrProtocol)
	}
	if err != nil {
		return nil, err
	}
	return r.Recovery, nil
}

// List returns the labels of the vault's live accounts.
func (c Client) List(vaultPath string) ([]string, error) {
	r, err := c.do(&Request{Op: OpList, Vault: abs(vaultPath)}, c.Answer)
	if err != nil {
		return nil, err
	}
	return r.Names, nil
}

// Lock makes the agent close its vault; it keeps running, locked.
func (c Client) Lock() error {
	_, err := c.do(&Request{Op: OpLock}, or(c.Write, time.Second))
	return err
}

// Stop ends the agent. It returns once the agent has closed its vault,
// removed its socket and released its folder's lock.
func (c Client) Stop() error {
	_, err := c.do(&Request{Op: OpStop}, or(c.Write, time.Second))
	return err
}

// do sends one request and reads the answer within the deadlines. The
// answer's own failure is a *Failure, or ErrLocked / ErrOtherVault.
func (c Client) do(req *Request, answer time.Duration) (*Response, error) {
	conn, err := c.dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(or(answer, 200*time.Millisecond)))
	req.V = Version
	if err := WriteFrame(conn, req); err != nil {
		return nil, fmt.Errorf("the agent did not take the Request: %w", err)
	}
	var resp Response
	if err := ReadFrame(conn, &resp); err != nil {
		return nil, fmt.Errorf("the agent did not answer: %w", err)
	}
	if resp.V != Version {
		return nil, fmt.Errorf("%w: version %d", ErrProtocol, resp.V)
	}
	if req.Op == OpStop && resp.Err == nil {
		io.Copy(io.Discard, conn) // the agent closes once it is gone
	}
	return &resp, resp.failure()
}

func (r *Response) failure() error {
	switch {
	case r.Err == nil:
		return nil
	case r.Err.Kind == KindLocked:
		return ErrLocked
	case r.Err.Kind == KindOtherVault:
		return ErrOtherVault
	case r.Err.Kind == KindCounter:
		return ErrCounter
	}
	return r.Err
}

// dial connects to the socket after checking the folder and the socket
// belong to this user; no socket, or one nobody listens on, is
// ErrNotRunning.
func (c Client) dial() (net.Conn, error) {
	if !supported {
		return nil, ErrNotRunning
	}
	sock := filepath.Join(c.Dir, SocketName)
	fi, err := os.Lstat(sock)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotRunning
	}
	if err != nil {
		return nil, err
	}
	if err := checkDir(c.Dir); err != nil {
		return nil, err
	}
	if err := checkOwned(sock, fi, false); err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("unix", sock, or(c.Dial, 200*time.Millisecond))
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w (stale socket %s)", ErrNotRunning, sock)
	}
	return conn, err
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
