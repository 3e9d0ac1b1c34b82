//go:build linux || darwin

package agentd

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

var weakKDF = vault.KDFParams{Memory: 8, Time: 1, Threads: 1}

// seeds of the fixture's accounts: the agent must never send them.
var (
	totpSeed = []byte("12345678901234567890")
	hotpSeed = []byte("abcdefghijabcdefghij")
)

// fixture is an agent serving a fresh vault in a temporary folder, with a
// clock the test moves.
type fixture struct {
	t      *testing.T
	dir    string // the agent's folder
	path   string // the vault
	mu     sync.Mutex
	now    time.Time
	srv    *Server
	done   chan error
	client agent.Client
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

var errNoMatch = errors.New("no account matches")

func resolve(d *vault.Data, q string) (*vault.Account, error) {
	if hits := d.Find(q); len(hits) == 1 {
		return hits[0], nil
	}
	return nil, fmt.Errorf("%w %q", errNoMatch, q)
}

func describe(err error) (int, string, string) {
	if errors.Is(err, errNoMatch) {
		return 4, err.Error(), "see otter list"
	}
	return 1, err.Error(), ""
}

func newFixture(t *testing.T, config ...func(*Config)) *fixture {
	t.Helper()
	tmp := t.TempDir()
	f := &fixture{t: t, dir: filepath.Join(tmp, "run"), path: filepath.Join(tmp, "vault.otter"),
		now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), done: make(chan error, 1)}
	v, err := vault.Create(f.path, f.opts(), vault.Password{Secret: []byte("pw"), KDF: weakKDF}, vault.RecoveryKey{Key: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	s := vaultops.New(v, t.TempDir(), f.clock)
	_, err = s.Add([]vaultops.NewAccount{
		{Account: vault.Account{Issuer: "GitHub", Name: "ann", Secret: append([]byte(nil), totpSeed...), Type: "totp"}},
		{Account: vault.Account{Issuer: "Bank", Name: "ann", Secret: append([]byte(nil), hotpSeed...), Type: "hotp", Counter: 5},
			Recovery: []vault.RecoveryCode{{Code: "rec-one"}, {Code: "rec-two"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := agent.Listen(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Session: s, Resolve: resolve, Describe: describe, Idle: time.Hour, Now: f.clock}
	for _, c := range config {
		c(&cfg)
	}
	f.srv = New(cfg)
	go func() { f.done <- f.srv.Serve(l) }()
	f.client = agent.Client{Dir: f.dir}
	t.Cleanup(func() { f.srv.Stop(); <-f.done })
	return f
}

func (f *fixture) opts() *vault.Options { return &vault.Options{AllowWeakKDF: true, Now: f.clock} }

// reopen unlocks the vault from disk as another command would.
func (f *fixture) reopen() *vault.Vault {
	f.t.Helper()
	l, err := vault.Load(f.path, f.opts())
	if err != nil {
		f.t.Fatal(err)
	}
	v, err := l.Unlock(vault.Password{Secret: []byte("pw"), KDF: weakKDF})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(v.Close)
	return v
}

// wantTOTP asks ask for github's code and checks it against the vault's
// own TOTP of the fixture's clock.
func (f *fixture) wantTOTP(what string, ask func(vaultPath, query string) (*agent.Code, error)) {
	f.t.Helper()
	c, err := ask(f.path, "github")
	if err != nil {
		f.t.Fatal(err)
	}
	want, err := vaultops.TOTP(f.reopen().Data().Find("github")[0], f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	if c.Code != want.Code || c.Until == nil || !c.Until.Equal(want.Until) || c.Period != 30 {
		f.t.Errorf("%s through the agent = %+v, want code %s until %v", what, c, want.Code, want.Until)
	}
}

func TestCodes(t *testing.T) {
	f := newFixture(t)
	f.wantTOTP("code", f.client.Code)
	// HOTP: each code once, its counter on disk before the answer.
	for i, counter := range []uint64{5, 6} {
		c, err := f.client.Code(f.path, "bank")
		if err != nil {
			t.Fatal(err)
		}
		if c.Counter == nil || *c.Counter != counter {
			t.Fatalf("HOTP code %d: counter %v, want %d", i, c.Counter, counter)
		}
		if got := f.reopen().Data().Find("bank")[0].Counter; got != counter+1 {
			t.Errorf("HOTP code %d: counter on disk %d, want %d", i, got, counter+1)
		}
	}
}

// A timed code is a TOTP account's code; an HOTP account is refused
// before anything is written, so the front that asks can hand the command
// to the full otter, which advances the counter and syncs.
func TestTimedCode(t *testing.T) {
	f := newFixture(t)
	f.wantTOTP("timed code", f.client.TimedCode)
	before, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := f.client.TimedCode(f.path, "bank"); !errors.Is(err, agent.ErrCounter) || c != nil {
		t.Errorf("timed code of an HOTP account = %+v, %v; want agent.ErrCounter", c, err)
	}
	if after, _ := os.ReadFile(f.path); !bytes.Equal(before, after) {
		t.Error("a refused timed code wrote the vault")
	}
	if got := f.reopen().Data().Find("bank")[0].Counter; got != 5 {
		t.Errorf("HOTP counter after a refused timed code = %d, want 5 (unchanged)", got)
	}
}

func TestRecoveryAndList(t *testing.T) {
	f := newFixture(t)
	for _, want := range []string{"rec-one", "rec-two"} {
		r, err := f.client.UseRecovery(f.path, "bank")
		if err != nil {
			t.Fatal(err)
		}
		if r.Code != want || r.Label != "Bank:ann" {
			t.Errorf("recovery = %+v, want %s", r, want)
		}
	}
	names, err := f.client.List(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "GitHub:ann,Bank:ann" && strings.Join(names, ",") != "Bank:ann,GitHub:ann" {
		t.Errorf("names = %q", names)
	}
}

func TestFailures(t *testing.T) {
	f := newFixture(t)
	_, err := f.client.Code(f.path, "nothing")
	var fl *agent.Failure
	if !errors.As(err, &fl) || fl.Exit != 4 || !strings.Contains(fl.Msg, `"nothing"`) || fl.Hint != "see otter list" {
		t.Errorf("no match: %v (%+v), want the catalogue's exit 4, message and hint", err, fl)
	}
	if _, err := f.client.Code(filepath.Join(t.TempDir(), "other.otter"), "github"); !errors.Is(err, agent.ErrOtherVault) {
		t.Errorf("another vault: %v, want agent.ErrOtherVault", err)
	}
	var r agent.Response
	if err := ask(f, &agent.Request{V: agent.Version, Op: "export"}, &r); err != nil || r.Err == nil || !strings.Contains(r.Err.Msg, "does not know") {
		t.Errorf("unknown op: %v, %+v", err, r.Err)
	}
}

// The agent sends no seed whatever it is asked, in any encoding.
func TestNeverSendsSecrets(t *testing.T) {
	f := newFixture(t)
	var all bytes.Buffer
	for _, op := range []string{agent.OpStatus, agent.OpCode, agent.OpTimedCode, agent.OpRecovery, agent.OpList, "export", "secret", "vault", "data", "key", agent.OpLock, agent.OpStatus, agent.OpCode} {
		for _, q := range []string{"github", "bank", "", "ann"} {
			conn, err := net.Dial("unix", filepath.Join(f.dir, agent.SocketName))
			if err != nil {
				t.Fatal(err)
			}
			agent.WriteFrame(conn, &agent.Request{V: agent.Version, Op: op, Vault: f.path, Query: q})
			b, _ := io.ReadAll(conn)
			conn.Close()
			all.Write(b)
		}
	}
	for _, seed := range [][]byte{totpSeed, hotpSeed} {
		for _, enc := range []string{string(seed), base32.StdEncoding.EncodeToString(seed),
			strings.TrimRight(base32.StdEncoding.EncodeToString(seed), "="), base64.StdEncoding.EncodeToString(seed), fmt.Sprintf("%x", seed)} {
			if bytes.Contains(bytes.ToLower(all.Bytes()), bytes.ToLower([]byte(enc))) {
				t.Errorf("the agent sent a seed (%q)", enc)
			}
		}
	}
	if !bytes.Contains(all.Bytes(), []byte(`"code"`)) {
		t.Error("the test asked nothing: no code in the answers")
	}
}

func TestLockAndStop(t *testing.T) {
	f := newFixture(t)
	v := f.srv.cfg.Session.Vault()
	if err := f.client.Lock(); err != nil {
		t.Fatal(err)
	}
	if v.Data() != nil {
		t.Error("the vault is still open after lock")
	}
	if _, err := f.client.Code(f.path, "github"); !errors.Is(err, agent.ErrLocked) {
		t.Errorf("code when locked: %v, want agent.ErrLocked", err)
	}
	st, err := f.client.Status()
	if err != nil || !st.Locked || st.Vault != "" || st.PID != os.Getpid() {
		t.Errorf("status when locked: %+v, %v", st, err)
	}
	if err := f.client.Stop(); err != nil {
		t.Fatal(err)
	}
	// Stop returns once the agent is gone: socket removed, lock free.
	if _, err := os.Lstat(filepath.Join(f.dir, agent.SocketName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after stop: %v", err)
	}
	if err := <-f.done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	f.done <- nil
	if _, err := f.client.Status(); !errors.Is(err, agent.ErrNotRunning) {
		t.Errorf("status after stop: %v, want agent.ErrNotRunning", err)
	}
	l, err := agent.Listen(f.dir)
	if err != nil {
		t.Fatalf("a new agent after stop: %v", err)
	}
	l.Close()
}

func TestIdleLock(t *testing.T) {
	f := newFixture(t)
	f.advance(59 * time.Minute)
	f.srv.checkIdle()
	if _, err := f.client.Code(f.path, "github"); err != nil {
		t.Fatalf("after 59 min idle: %v", err)
	}
	f.advance(59 * time.Minute) // 59 min since that use
	f.srv.checkIdle()
	if f.srv.Locked() {
		t.Fatal("a use did not restart the idle time")
	}
	st, _ := f.client.Status()
	if st == nil || st.LocksAt == nil || !st.LocksAt.Equal(f.clock().Add(time.Minute)) {
		t.Errorf("status: %+v, want locks_at in a minute", st)
	}
	f.advance(time.Minute)
	f.srv.checkIdle()
	if !f.srv.Locked() {
		t.Fatal("not locked after an hour idle")
	}
	if _, err := f.client.Code(f.path, "github"); !errors.Is(err, agent.ErrLocked) {
		t.Errorf("code after the idle lock: %v", err)
	}
}

// The idle loop runs on its own with the real clock.
func TestIdleLoop(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Idle, c.Now = 50*time.Millisecond, time.Now })
	deadline := time.Now().Add(5 * time.Second)
	for !f.srv.Locked() {
		if time.Now().After(deadline) {
			t.Fatal("the idle loop did not lock within 5 s of a 50 ms timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A vault the agent cannot follow (here: replaced by another vault) locks it.
func TestVaultReplacedLocks(t *testing.T) {
	f := newFixture(t)
	other := filepath.Join(t.TempDir(), "v.otter")
	v, err := vault.Create(other, f.opts(), vault.Password{Secret: []byte("x"), KDF: weakKDF}, vault.RecoveryKey{Key: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	if err := os.Rename(other, f.path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Code(f.path, "github"); !errors.Is(err, agent.ErrLocked) {
		t.Errorf("code after the vault was replaced: %v, want agent.ErrLocked", err)
	}
	if !f.srv.Locked() {
		t.Error("the agent did not lock")
	}
}

// A vault written by another process is read again before answering.
func TestFollowsOtherWriters(t *testing.T) {
	f := newFixture(t)
	s := vaultops.New(f.reopen(), "", f.clock)
	if _, err := s.Add([]vaultops.NewAccount{{Account: vault.Account{Issuer: "Later", Name: "ann", Secret: []byte("0123456789abcdefghij"), Type: "totp"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Code(f.path, "later"); err != nil {
		t.Errorf("an account added by another process: %v", err)
	}
}

func TestModes(t *testing.T) {
	f := newFixture(t)
	for p, want := range map[string]os.FileMode{f.dir: os.ModeDir | 0o700, filepath.Join(f.dir, agent.SocketName): os.ModeSocket | 0o600} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
}

func TestUnsafeDir(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	private := t.TempDir()
	os.Chmod(private, 0o700)
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{open, link} {
		if _, err := agent.Listen(dir); !errors.Is(err, agent.ErrUnsafeDir) {
			t.Errorf("Listen(%s): %v, want agent.ErrUnsafeDir", dir, err)
		}
	}
	// A client does not talk to a socket in a folder others can write.
	os.WriteFile(filepath.Join(open, agent.SocketName), nil, 0o600)
	if _, err := (agent.Client{Dir: open}).Status(); !errors.Is(err, agent.ErrUnsafeDir) {
		t.Errorf("client in an open folder: %v, want agent.ErrUnsafeDir", err)
	}
}

func TestOneAgentPerFolder(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	if _, err := agent.Listen(f.dir); !errors.Is(err, agent.ErrRunning) {
		t.Errorf("second agent.Listen: %v, want agent.ErrRunning", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second agent.Listen took %v", d)
	}
	if _, err := f.client.Status(); err != nil {
		t.Errorf("the first agent after a second tried: %v", err)
	}
}

// A socket file nobody listens on: the client says so at once.
func TestStaleSocket(t *testing.T) {
	dir := privateDir(t)
	l := listenRaw(t, dir)
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	start := time.Now()
	if _, err := (agent.Client{Dir: dir}).Code("/v", "x"); !errors.Is(err, agent.ErrNotRunning) {
		t.Errorf("stale socket: %v, want agent.ErrNotRunning", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("stale socket: %v to fail", d)
	}
	// An agent starting there replaces it.
	al, err := agent.Listen(dir)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	al.Close()
}

// An agent that accepts and never answers: the client gives up within
// its timeout.
func TestHungAgent(t *testing.T) {
	dir := privateDir(t)
	l := listenRaw(t, dir)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c := agent.Client{Dir: dir, Answer: 200 * time.Millisecond, Write: 300 * time.Millisecond}
	for _, call := range []func() error{
		func() error { _, err := c.Status(); return err },
		func() error { _, err := c.Code("/v", "x"); return err },
	} {
		start := time.Now()
		err := call()
		d := time.Since(start)
		if err == nil || errors.Is(err, agent.ErrNotRunning) {
			t.Errorf("hung agent: %v, want a timeout", err)
		}
		if d < 150*time.Millisecond || d > time.Second {
			t.Errorf("hung agent: gave up after %v, want its timeout (200–300 ms)", d)
		}
	}
}

func TestNoAgent(t *testing.T) {
	if _, err := (agent.Client{Dir: filepath.Join(t.TempDir(), "none")}).Status(); !errors.Is(err, agent.ErrNotRunning) {
		t.Errorf("no folder: %v, want agent.ErrNotRunning", err)
	}
}

// listenRaw listens on the folder's socket with the agent's mode but
// without an agent behind it.
func listenRaw(t *testing.T, dir string) net.Listener {
	t.Helper()
	l, err := net.Listen("unix", filepath.Join(dir, agent.SocketName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, agent.SocketName), 0o600); err != nil {
		t.Fatal(err)
	}
	return l
}

func privateDir(t *testing.T) string {
	d := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// A query resolved on a data snapshot is remembered until the snapshot
// changes: a repeated TOTP request does not resolve again; a failure, an
// HOTP code (its counter makes a new snapshot) and another process's
// write do, and the answer then follows the new data.
func TestResolveRemembered(t *testing.T) {
	var calls int
	f := newFixture(t, func(c *Config) {
		c.Resolve = func(d *vault.Data, q string) (*vault.Account, error) { calls++; return resolve(d, q) }
	})
	code := func(q string, wantErr bool, wantCalls int) {
		t.Helper()
		_, err := f.client.Code(f.path, q)
		if (err != nil) != wantErr || calls != wantCalls {
			t.Fatalf("code %q: err %v, %d resolves, want error %v, %d resolves", q, err, calls, wantErr, wantCalls)
		}
	}
	code("github", false, 1)
	code("github", false, 1)
	code("GitHub:ann", false, 2)
	code("github", false, 2)
	code("nothing", true, 3)
	code("nothing", true, 4)
	code("bank", false, 5) // HOTP: a new snapshot
	code("bank", false, 6)
	code("github", false, 7)

	v := f.reopen()
	err := v.Update(func(d *vault.Data) error {
		for i := range d.Accounts {
			if d.Accounts[i].Issuer == "GitHub" {
				d.Accounts[i].Issuer = "Forge"
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code("github", true, 8) // renamed by another process: not served from memory
	code("forge", false, 9)
	code("forge", false, 9)
}

// ask sends req on a connection of its own and reads the answer into r.
func ask(f *fixture, req *agent.Request, r *agent.Response) error {
	conn, err := net.Dial("unix", filepath.Join(f.dir, agent.SocketName))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := agent.WriteFrame(conn, req); err != nil {
		return err
	}
	return agent.ReadFrame(conn, r)
}

// A server that exits on lock (socket activation) ends Serve when it
// locks, and one started without a session ends after its idle time.
func TestExitOnLock(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ExitOnLock = true })
	if err := f.client.Lock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-f.done:
		f.done <- err // for the fixture's cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("a server that exits on lock kept serving after a lock request")
	}

	dir := privateDir(t)
	l, err := agent.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Resolve: resolve, Describe: describe, Idle: 30 * time.Millisecond, ExitOnLock: true})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	if _, err := (agent.Client{Dir: dir}).Code(f.path, "github"); !errors.Is(err, agent.ErrLocked) {
		t.Errorf("a server started without a session: %v, want agent.ErrLocked", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a server started without a session kept serving past its idle time")
	}
}
