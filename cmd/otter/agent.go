package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/agentd"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/internal/vaultops"
)

func (a *app) agentCmd() *cobra.Command {
	var idle, startIdle time.Duration
	var readyFD int
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Hold the unlocked vault for this session and answer code requests (foreground)",
		Long: `Unlock the vault once and keep it unlocked in this process: otter code
and otter recovery use then ask the agent instead of unlocking. The agent
listens on a socket only you can reach, sends codes and never a secret,
and locks (zeroes its keys) after --idle without a code asked, or on
otter lock. Run it in the foreground (a terminal, a systemd user
service) or in the background with otter agent start. A command or the
TUI that unlocks at a terminal starts one by itself (otter agent auto).`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.runAgent(idle, readyFD) },
	}
	cmd.Flags().DurationVar(&idle, "idle", agent.DefaultIdle, "lock after this long without a code asked")
	cmd.Flags().IntVar(&readyFD, "ready-fd", 0, "report readiness on this file descriptor and detach (used by agent start)")
	cmd.Flags().MarkHidden("ready-fd")
	cmd.Flags().StringVar(&a.autoBy, "auto", "", "started by a command that unlocked this way: unlock only so, then listen")
	cmd.Flags().MarkHidden("auto")
	cmd.Flags().IntVar(&a.secretFD, "secret-fd", 0, "read the typed password or recovery key, or the key's hmac-secret output, from this inherited pipe (--auto)")
	cmd.Flags().MarkHidden("secret-fd")
	cmd.Flags().StringVar(&a.autoSlot, "slot", "", "the fido2 slot the handed hmac-secret output opens (--auto fido2)")
	cmd.Flags().MarkHidden("slot")
	start := &cobra.Command{
		Use: "start", Short: "Unlock the vault and start an agent in the background", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.agentStart(startIdle) },
	}
	start.Flags().DurationVar(&startIdle, "idle", agent.DefaultIdle, "lock after this long without a code asked")
	cmd.AddCommand(start, a.agentAutoCmd(), &cobra.Command{
		Use: "status", Short: "Say whether an agent runs and whether it is unlocked", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.agentStatus() },
	}, &cobra.Command{
		Use: "stop", Short: "Stop the agent (it zeroes its keys and removes its socket)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.agentStop() },
	})
	return cmd
}

func (a *app) lockCmd() *cobra.Command {
	return &cobra.Command{
		Use: "lock", Short: "Lock the agent now: it zeroes its keys and keeps running, locked", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			c, err := a.agentClient()
			if err == nil {
				err = c.Lock()
			}
			if errors.Is(err, agent.ErrNotRunning) || errors.Is(err, paths.ErrNoRuntimeDir) {
				fmt.Fprintln(a.stderr, "no agent is running: nothing to lock")
				return nil
			}
			if err == nil {
				fmt.Fprintln(a.stderr, "locked")
			}
			return err
		},
	}
}

// agentClient is the client of this user's agent folder.
func (a *app) agentClient() (agent.Client, error) {
	dir, err := paths.Runtime()
	return agent.Client{Dir: dir}, err
}

// runAgent unlocks the vault and serves it until stopped. With readyFD
// (agent start's child) it detaches once unlocked and says "ok PID" on
// that descriptor, or "running" when another agent holds the folder.
//
// An agent a command started (--auto) unlocks first, then listens: a
// command asking meanwhile finds no socket and unlocks directly instead of
// waiting on an agent still deriving its key; of two such agents racing,
// the second to listen closes its vault and exits. Such an agent has no
// one to tell why it could not unlock or listen: it leaves the reason in
// its folder for the next command (recordStartFailure). Any agent that
// comes up removes that record.
func (a *app) runAgent(idle time.Duration, readyFD int) error {
	a.inAgent = true
	started := a.now()
	var ready *os.File
	if readyFD > 0 {
		ready = os.NewFile(uintptr(readyFD), "ready")
		defer ready.Close()
	}
	dir, err := paths.Runtime()
	if err != nil {
		return err
	}
	if ready != nil && a.secretFD > 0 {
		fmt.Fprintln(ready, secretAsk) // undumpable since main began: send it now (asksForSecret)
	}
	var s *vaultops.Session
	if a.autoBy != "" {
		if s, err = a.session(); err != nil {
			a.recordStartFailure(dir, started, stepUnlock, err)
			return err
		}
	}
	l, err := agent.Activated(dir)
	if l == nil && err == nil {
		l, err = agent.Listen(dir)
	}
	if errors.Is(err, agent.ErrRunning) && ready != nil {
		a.close()
		fmt.Fprintln(ready, "running")
		return nil
	}
	if err != nil {
		a.close()
		a.recordStartFailure(dir, started, stepListen, err)
		return err
	}
	a.activated = l.Activated()
	cfg := agentd.Config{Resolve: resolve, Describe: describe, Idle: idle, Now: a.now, ExitOnLock: l.Activated()}
	if s == nil {
		if s, err = a.session(); err != nil && !l.Activated() {
			l.Close()
			return err
		}
	}
	if err != nil {
		// Socket-activated and not unlocked: answer "locked", so that
		// commands unlock directly at once instead of starting an agent
		// each. Only a keyring unlock (not counted: the login keyring may
		// just not be open yet) is tried again, by the next activation
		// after activatedRetry; a unit with credential files stays locked
		// until stopped, or every request would count a failed unlock
		// towards the lockout (a stale password file, say).
		a.recordStartFailure(dir, started, stepUnlock, err)
		if a.credentialFiles() {
			cfg.ExitOnLock = false
		} else {
			cfg.Idle = activatedRetry
		}
	} else {
		agent.ClearStartFailure(dir) // an agent is up: an older failure is news no more
	}
	cfg.Session = s
	srv := agentd.New(cfg)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() { <-sig; srv.Stop() }()
	if ready != nil {
		if err := detachAgent(); err != nil {
			l.Close()
			return err
		}
		fmt.Fprintf(ready, "ok %d\n", os.Getpid())
		ready.Close()
	} else {
		if s == nil {
			fmt.Fprintf(a.stderr, "otter: agent (pid %d) started by systemd could not unlock %s; it answers \"locked\"\n", os.Getpid(), esc(a.path()))
		} else {
			fmt.Fprintf(a.stderr, "otter: agent (pid %d) serving %s; locks after %s without use\n", os.Getpid(), esc(a.path()), idle)
		}
	}
	return srv.Serve(l)
}

// errActivated refuses to replace a socket-activated agent: its socket
// is systemd's, and another agent would take it away.
var errActivated = &userError{code: exitError, msg: "the agent runs under systemd (socket activation) and is locked or holds another vault",
	hint: "systemctl --user restart otter-agent (it unlocks from the keyring or the credentials in its unit)"}

// activatedRetry is how long a socket-activated agent that could not
// unlock answers "locked" before it exits and lets the next request try
// again (the login keyring may not have been open yet).
const activatedRetry = time.Minute

// agentStart starts `otter agent --ready-fd 3` with this command's
// streams, so that it can ask for a password, and waits until it has
// unlocked and detached. An unlocked agent of this vault is left as it is;
// a locked one, or one of another vault, is replaced. Of two starts racing,
// one agent runs: the folder's lock decides.
func (a *app) agentStart(idle time.Duration) error {
	a.inAgent = true
	c, err := a.agentClient()
	if err != nil {
		return err
	}
	vaultPath, _ := filepath.Abs(a.path())
	if st, err := c.Status(); err == nil {
		if !st.Locked && st.Vault == vaultPath {
			fmt.Fprintf(a.stderr, "an agent is already running (pid %d)\n", st.PID)
			return nil
		}
		if st.Activated {
			return errActivated
		}
		if err := c.Stop(); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(self, a.agentArgs(vaultPath, idle)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = fileOrNil(a.stdin), fileOrNil(a.stdout), fileOrNil(a.stderr)
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("failed to start the agent: %w", err)
	}
	line, _ := bufio.NewReader(r).ReadString('\n')
	switch f := strings.Fields(line); {
	case len(f) == 2 && f[0] == "ok":
		cmd.Process.Release()
		fmt.Fprintf(a.stderr, "agent started (pid %s); it locks after %s without use\n", f[1], idle)
		return nil
	case len(f) == 1 && f[0] == "running":
		cmd.Wait()
		fmt.Fprintln(a.stderr, "an agent is already running")
		return nil
	}
	err = cmd.Wait() // the child said why on stderr
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return silentExit(ee.ExitCode())
	}
	return fmt.Errorf("the agent did not start: %v", err)
}

// agentArgs are the child's arguments: the vault and the credentials this
// command was given.
func (a *app) agentArgs(vaultPath string, idle time.Duration) []string {
	args := append(testArgs(a), "agent", "--ready-fd", "3", "--idle", idle.String(), "--vault", vaultPath)
	for _, f := range []struct{ flag, val string }{{"--password-file", a.passwordFile},
		{"--recovery-key-file", a.recoveryKeyFile}, {"--identity-file", a.identityFile}, {"--pin-file", a.pinFile}} {
		if f.val != "" {
			p, _ := filepath.Abs(f.val)
			args = append(args, f.flag, p)
		}
	}
	return args
}

func fileOrNil(v any) *os.File {
	f, _ := v.(*os.File)
	return f
}

func (a *app) agentStatus() error {
	c, err := a.agentClient()
	if err != nil {
		a.reportStartFailure()
		return err
	}
	// Asked first: under socket activation the request is what starts the
	// agent, and its failure to unlock is recorded before it answers.
	st, err := c.Status()
	a.reportStartFailure()
	if err != nil {
		return err
	}
	if st.Locked {
		fmt.Fprintf(a.stdout, "agent running (pid %d), locked\n", st.PID)
	} else {
		fmt.Fprintf(a.stdout, "agent running (pid %d), unlocked: %s\n", st.PID, esc(st.Vault))
	}
	if st.LocksAt != nil {
		fmt.Fprintf(a.stdout, "locks at %s without use (idle timeout %s)\n", st.LocksAt.Local().Format("15:04:05"), time.Duration(st.Idle)*time.Second)
	}
	for _, t := range st.Triggers {
		switch {
		case t.Active && t.Note != "":
			fmt.Fprintf(a.stdout, "locks on %s: yes (%s bus; %s)\n", t.Name, t.Bus, esc(t.Note))
		case t.Active:
			fmt.Fprintf(a.stdout, "locks on %s: yes (%s bus)\n", t.Name, t.Bus)
		default:
			fmt.Fprintf(a.stdout, "locks on %s: no (%s)\n", t.Name, esc(t.Note))
		}
	}
	switch m := st.Memory; {
	case m == nil:
	case m.Locked:
		fmt.Fprintf(a.stdout, "key memory: locked in RAM (%d pages; never swapped)\n", m.Pages)
	default:
		fmt.Fprintf(a.stdout, "key memory: not locked in RAM (%s)\n", esc(m.Note))
	}
	if st.Activated {
		fmt.Fprintln(a.stdout, "started by systemd on its socket: locking ends it, the next request starts it again")
	}
	if st.CoreDumps != "" {
		fmt.Fprintf(a.stdout, "core dumps: %s\n", esc(st.CoreDumps))
	}
	return nil
}

func (a *app) agentStop() error {
	c, err := a.agentClient()
	if err == nil {
		err = c.Stop()
	}
	if errors.Is(err, agent.ErrNotRunning) || errors.Is(err, paths.ErrNoRuntimeDir) {
		fmt.Fprintln(a.stderr, "no agent is running")
		return nil
	}
	if err == nil {
		fmt.Fprintln(a.stderr, "agent stopped")
	}
	return err
}

// fromAgent says what an agent's answer means for a command: an
// operation's failure is the command's error; no agent, a locked one or
// one of another vault means unlocking directly (fallback), and so does an
// agent that does not answer, with a warning.
func (a *app) fromAgent(err error) (fallback bool, _ error) {
	var f *agent.Failure
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &f):
		return false, &userError{code: f.Exit, msg: f.Msg, hint: f.Hint, err: err}
	case errors.Is(err, agent.ErrNotRunning), errors.Is(err, agent.ErrLocked),
		errors.Is(err, agent.ErrOtherVault), errors.Is(err, paths.ErrNoRuntimeDir):
		return true, nil
	}
	a.warn("the agent did not answer (%v); unlocking the vault directly", err)
	return true, nil
}

// useAgent reports whether this command may ask the agent.
func (a *app) useAgent() (agent.Client, bool) {
	if a.noAgent {
		return agent.Client{}, false
	}
	c, err := a.agentClient()
	return c, err == nil
}
