// Package agentd is otter's agent: a server that holds one unlocked
// vaultops.Session and answers the requests of internal/agent's protocol
// on its socket until it locks or stops.
//
// The agent is a face over vaultops, like the CLI and the TUI: it resolves
// a query, calls one Session operation and sends the result.
package agentd

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// Config is what a Server needs from the face that starts it.
type Config struct {
	// Session is the unlocked vault the agent serves; the agent closes
	// its vault when it locks.
	Session *vaultops.Session
	// Resolve finds the one live account a query names (the CLI's rules).
	Resolve func(d *vault.Data, query string) (*vault.Account, error)
	// Describe words an operation's error (the face's catalogue).
	Describe func(err error) (exit int, msg, hint string)
	// Idle is how long the agent stays unlocked without a code or a
	// recovery code asked; zero means agent.DefaultIdle.
	Idle time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnReload, when set, is called after the server re-read the vault
	// because another process replaced its file (watchVault); tests wait
	// on it.
	OnReload func()
	// ExitOnLock ends Serve when the server locks, and ends a server
	// started without a Session after Idle: a socket-activated agent,
	// whose socket systemd keeps, so the next request starts a new one.
	ExitOnLock bool
}

// Server answers requests for one unlocked session until it is stopped.
// It locks (closes the vault: keys and secrets zeroed) on a lock request,
// after Idle without use, when the vault file changes in a way it cannot
// follow, when the machine is about to suspend (logind's PrepareForSleep
// on the system bus) and when the session's screen locks (a screensaver's
// ActiveChanged on the session bus); a locked server answers status and refuses the rest with
// agent.ErrLocked until it stops.
type Server struct {
	cfg   Config
	vault string // absolute path of the vault served

	mu   sync.Mutex // held for each Request: a lock never races an operation
	sess *vaultops.Session
	last time.Time // the last use

	triggers []agent.Trigger // the lock triggers watched (watchBuses)
	pin      pinner          // keeps the pages of the keys in RAM
	mem      agent.Memory    // what pin did last

	activated bool // the listener is systemd's (Status.Activated)

	memoData *vault.Data               // the snapshot memo was made on
	memo     map[string]*vault.Account // queries resolved on memoData

	stopOnce sync.Once
	stopped  chan struct{}
}

// New returns a server for cfg's unlocked session; with no Session it
// starts locked (a socket-activated agent that could not unlock answers
// "locked" at once, and clients unlock directly).
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Idle <= 0 {
		cfg.Idle = agent.DefaultIdle
	}
	s := &Server{cfg: cfg, sess: cfg.Session, last: cfg.Now(), stopped: make(chan struct{})}
	if cfg.Session != nil {
		p, err := filepath.Abs(cfg.Session.Vault().Path())
		if err != nil {
			p = cfg.Session.Vault().Path()
		}
		s.vault = p
	}
	s.repin()
	return s
}

// repin keeps the pages of the keys and secrets the vault holds now
// locked in RAM (they change when the vault is re-read or written).
func (s *Server) repin() {
	if s.sess != nil {
		s.mem = s.pin.pin(s.sess.Vault().KeyMemory())
	}
}

// Serve accepts connections on l until Stop (or a stop request), then
// locks and closes l (the socket is removed, the folder's lock released).
func (s *Server) Serve(l *agent.Listener) error {
	s.mu.Lock()
	s.activated = l.Activated()
	s.mu.Unlock()
	go s.idleLoop()
	s.watchBuses()
	if s.vault != "" {
		go s.watchVault()
	}
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				errc <- err
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serveConn(l, c)
			}()
		}
	}()
	var err error
	select {
	case <-s.stopped:
	case err = <-errc:
	}
	s.Lock()
	l.Close()
	wg.Wait()
	return err
}

// Stop makes Serve return; it may be called more than once.
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stopped) }) }

// Lock closes the vault: its keys and secrets are zeroed.
func (s *Server) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lock()
}

func (s *Server) lock() {
	if s.sess != nil {
		s.sess.Vault().Close()
		s.sess = nil
	}
	s.memoData, s.memo = nil, nil
	s.pin.release()
	s.mem = agent.Memory{}
	if s.cfg.ExitOnLock {
		s.Stop()
	}
}

// Locked reports whether the server holds no unlocked vault.
func (s *Server) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess == nil
}

// idleLoop locks the server once it has been idle for cfg.Idle.
func (s *Server) idleLoop() {
	t := time.NewTicker(min(max(s.cfg.Idle/8, 10*time.Millisecond), 10*time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-t.C:
			s.checkIdle()
		}
	}
}

// checkIdle locks the server if it has not been used for cfg.Idle.
func (s *Server) checkIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Now().Sub(s.last) < s.cfg.Idle {
		return
	}
	switch {
	case s.sess != nil:
		s.lock()
	case s.cfg.ExitOnLock:
		s.Stop() // started locked: make way for the next activation
	}
}

// serveConn answers the one request of c from a peer that passes the
// uid check; any other peer is closed on without a word.
func (s *Server) serveConn(l *agent.Listener, c net.Conn) {
	defer c.Close()
	if err := l.CheckPeer(c); err != nil {
		return
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var req agent.Request
	if err := agent.ReadFrame(c, &req); err != nil {
		return
	}
	resp := s.handle(&req)
	resp.V = agent.Version
	agent.WriteFrame(c, resp)
	if req.Op == agent.OpStop && resp.Err == nil {
		// The stopper waits for this connection to close: by then the
		// vault is closed, the socket removed and the lock released.
		s.Stop()
		<-l.Closed()
	}
}

// handle answers one request.
func (s *Server) handle(req *agent.Request) *agent.Response {
	if req.V != agent.Version {
		return &agent.Response{Err: &agent.Failure{Exit: 1, Msg: "the agent speaks another protocol version", Hint: "restart it: otter agent stop, then otter agent start"}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.Op {
	case agent.OpStatus:
		return &agent.Response{Status: s.status()}
	case agent.OpLock:
		s.lock()
		return &agent.Response{}
	case agent.OpStop:
		return &agent.Response{}
	case agent.OpCode, agent.OpTimedCode, agent.OpRecovery, agent.OpList:
		return s.onVault(req)
	}
	return &agent.Response{Err: &agent.Failure{Exit: 2, Msg: "the agent does not know the agent.Request " + req.Op}}
}

func (s *Server) status() *agent.Status {
	st := &agent.Status{PID: os.Getpid(), Locked: s.sess == nil, Idle: int64(s.cfg.Idle / time.Second),
		Triggers: append([]agent.Trigger(nil), s.triggers...), CoreDumps: coreDumps(), Activated: s.activated}
	if s.sess != nil {
		mem := s.mem
		st.Memory = &mem
		st.Vault = s.vault
		at := s.last.Add(s.cfg.Idle)
		st.LocksAt = &at
	}
	return st
}

// reload re-reads the vault after another process replaced its file, so
// that the next request finds it read (the re-read of 100 000 accounts
// takes about 70 ms). A vault it cannot follow locks the server, as a
// request's re-read does.
func (s *Server) reload() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return
	}
	changed, err := s.sess.Vault().Refresh()
	if err != nil {
		s.lock()
		return
	}
	if changed {
		s.repin()
		if s.cfg.OnReload != nil {
			s.cfg.OnReload()
		}
	}
}

// onVault runs a request on the unlocked vault, re-read first if another
// process wrote it. A vault it cannot follow locks the agent.
func (s *Server) onVault(req *agent.Request) *agent.Response {
	if s.sess == nil {
		return &agent.Response{Err: &agent.Failure{Kind: agent.KindLocked, Exit: 3, Msg: agent.ErrLocked.Error()}}
	}
	if req.Vault != s.vault {
		return &agent.Response{Err: &agent.Failure{Kind: agent.KindOtherVault, Exit: 1, Msg: agent.ErrOtherVault.Error()}}
	}
	changed, err := s.sess.Vault().Refresh()
	if err != nil {
		s.lock()
		return &agent.Response{Err: &agent.Failure{Kind: agent.KindLocked, Exit: 3, Msg: agent.ErrLocked.Error()}}
	}
	wrote := req.Op == agent.OpRecovery
	defer func() {
		// A re-read or a write (HOTP counter, recovery code) replaced the
		// secrets: pin the new ones. A TOTP code or a list changes nothing.
		if changed || wrote {
			s.repin()
		}
	}()
	if req.Op == agent.OpList {
		return &agent.Response{Names: names(s.sess.Data())}
	}
	acc, err := s.resolve(s.sess.Data(), req.Query)
	if err != nil {
		return s.failure(err)
	}
	s.last = s.cfg.Now()
	if req.Op == agent.OpRecovery {
		code, left, err := s.sess.UseRecovery(acc.ID)
		if err != nil {
			return s.failure(err)
		}
		return &agent.Response{Recovery: &agent.Recovery{Label: acc.Label(), Code: code, Left: left}}
	}
	hotp := acc.Type == string(otp.TypeHOTP)
	if hotp && req.Op == agent.OpTimedCode {
		return &agent.Response{Err: &agent.Failure{Kind: agent.KindCounter, Exit: 1, Msg: agent.ErrCounter.Error()}}
	}
	wrote = hotp
	c, err := s.code(acc)
	if err != nil {
		return s.failure(err)
	}
	return &agent.Response{Code: c}
}

// maxMemo bounds the queries remembered on one snapshot.
const maxMemo = 256

// resolve is Config.Resolve, remembered per data snapshot. A vault.Data
// is never changed once the Vault hands it out — a write or a re-read
// installs a new one —, so the same query on the same snapshot names the
// same account, and a repeated `otter code X` skips resolving it again
// (a scan of every label: 7 ms at 100 000 accounts). A new snapshot
// (an HOTP code, a recovery code used, another process's write) starts
// afresh; failures are not remembered; locking forgets everything.
func (s *Server) resolve(d *vault.Data, query string) (*vault.Account, error) {
	if s.memoData != d {
		s.memoData, s.memo = d, map[string]*vault.Account{}
	}
	if acc, ok := s.memo[query]; ok {
		return acc, nil
	}
	acc, err := s.cfg.Resolve(d, query)
	if err == nil {
		if len(s.memo) >= maxMemo {
			clear(s.memo)
		}
		s.memo[query] = acc
	}
	return acc, err
}

// code computes acc's code now: HOTP through Session.NextHOTP (the counter
// is on disk first), TOTP without a write.
func (s *Server) code(acc *vault.Account) (*agent.Code, error) {
	out := &agent.Code{ID: acc.ID, Issuer: acc.Issuer, Account: acc.Name, Type: acc.Type,
		ClipboardClear: int64(s.sess.Data().Settings.ClipboardClear / time.Second)}
	if acc.Type == string(otp.TypeHOTP) {
		c, err := s.sess.NextHOTP(acc.ID)
		if err != nil {
			return nil, err
		}
		out.Code, out.Counter = c.Code, &c.Counter
		return out, nil
	}
	c, err := vaultops.TOTP(acc, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	out.Code, out.Period, out.Until = c.Code, c.Period, &c.Until
	return out, nil
}

func (s *Server) failure(err error) *agent.Response {
	exit, msg, hint := s.cfg.Describe(err)
	return &agent.Response{Err: &agent.Failure{Exit: exit, Msg: msg, Hint: hint}}
}

// names lists the labels of the live accounts (for completion).
func names(d *vault.Data) []string {
	live := d.Live()
	out := make([]string, 0, len(live))
	for _, a := range live {
		out = append(out, a.Label())
	}
	return out
}
