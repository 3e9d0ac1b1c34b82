package main

// Process hygiene of the real binary: no core file when an
// unlocked otter crashes, no secret in its environment or arguments, and
// (best effort) none left in its memory once it has locked.

import (
	"bufio"
	"bytes"
	"encoding/base32"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// child is a running `otter __test-…` hook that talks line by line.
type child struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startHook(t *testing.T, e *env, dir string, extraEnv []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(otterBin, append([]string{"--test-weak-kdf"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OTTER_VAULT="+e.vault, "XDG_STATE_HOME="+filepath.Join(e.dir, "state"),
		"OTTER_PASSWORD_FILE=", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(e.dir, "no-bus"))
	cmd.Env = append(cmd.Env, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	must(t, err)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	c := &child{t: t, cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return c
}

// expect waits for the child to print line.
func (c *child) expect(line string) {
	c.t.Helper()
	got, err := c.out.ReadString('\n')
	if strings.TrimSpace(got) != line {
		c.t.Fatalf("child said %q (%v), want %q; stderr: %s", got, err, line, c.cmd.Stderr)
	}
}

func (c *child) proc(name string) string {
	return "/proc/" + strconv.Itoa(c.cmd.Process.Pid) + "/" + name
}

// systemDumpsCores crashes a shell that allows core files in dir and
// reports whether the kernel wrote one, or why the check cannot run.
func systemDumpsCores(dir string) (bool, string) {
	pattern, _ := os.ReadFile("/proc/sys/kernel/core_pattern")
	if strings.HasPrefix(string(pattern), "|") {
		return false, "core_pattern pipes cores to " + strings.TrimSpace(string(pattern)) + ", not to a file this test can see"
	}
	sh := exec.Command("sh", "-c", "ulimit -c unlimited && kill -SEGV $$")
	sh.Dir = dir
	err := sh.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false, "the control shell did not crash: " + errString(err)
	}
	// The wait status says whether the kernel dumped core, wherever
	// core_pattern sent it.
	if ws := ee.Sys().(syscall.WaitStatus); !ws.CoreDump() {
		return false, "the control shell's crash dumped no core (core_pattern " +
			strings.TrimSpace(string(pattern)) + ", or a hard RLIMIT_CORE of 0)"
	}
	return true, ""
}

func errString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

func coreFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "core*"))
	return m
}

// allowCores raises this process's soft core-file limit to its hard limit,
// for the children started until restore is called.
func allowCores(t *testing.T) (restore func()) {
	var old unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_CORE, &old))
	must(t, unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: old.Max, Max: old.Max}))
	return func() { unix.Setrlimit(unix.RLIMIT_CORE, &old) }
}

// An unlocked otter that crashes (GOTRACEBACK=crash, so the Go runtime
// asks for a core dump) leaves no core file: core dumps are off and the
// process is undumpable.
func TestHygieneNoCoreOnCrash(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	control := t.TempDir()
	dumps, why := systemDumpsCores(control)
	for _, mode := range []string{"abort", "segv"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			// Start the child as a user who ran `ulimit -c unlimited`
			// would: only otter itself may turn core files off.
			restore := allowCores(t)
			c := startHook(t, e, dir, []string{"GOTRACEBACK=crash"}, "--password-file", pw, "__test-crash", mode)
			restore()
			c.expect("unlocked")
			limits, err := os.ReadFile(c.proc("limits"))
			must(t, err)
			if !strings.Contains(string(limits), "Max core file size        0                    0") {
				t.Errorf("the unlocked process allows core files:\n%s", limits)
			}
			io.WriteString(c.in, "crash\n")
			err = c.cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
				t.Fatalf("the child did not die by a signal: %v; stderr: %s", err, c.cmd.Stderr)
			}
			ws := ee.Sys().(syscall.WaitStatus)
			if !dumps {
				t.Skipf("died by %v with RLIMIT_CORE 0; the core-file check cannot run here: %s", ws.Signal(), why)
			}
			if ws.CoreDump() || len(coreFiles(dir)) > 0 {
				t.Fatalf("the crash of an unlocked otter (%v) dumped core: %v", ws.Signal(), coreFiles(dir))
			}
		})
	}
}

// The canary password of a running, unlocked otter is neither in its
// environment nor in its arguments; once it has locked, neither the
// password nor an account secret is left in its memory (best effort: Go
// may keep copies it never tells us about).
func TestHygieneCanary(t *testing.T) {
	const canary = "Canary-Otter-7f3a9c1e5b-Pass"
	const seed = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTENBV" // a 240-bit secret
	raw, _ := base32.StdEncoding.DecodeString(seed)
	e := newEnv(t).withoutKeyring()
	pw := e.file("pw", canary+"\n")
	e.ok("", "--password-file", pw, "init", "--no-keyring", "--recovery-key-out", filepath.Join(e.dir, "rk"))
	e.ok("", "--password-file", pw, "add", "otpauth://totp/Canary:me?secret="+seed+"&issuer=Canary")

	c := startHook(t, e, t.TempDir(), nil, "--password-file", pw, "__test-hold")
	c.expect("unlocked")
	for _, f := range []string{"environ", "cmdline"} {
		b, err := os.ReadFile(c.proc(f))
		if err != nil {
			t.Skipf("cannot read %s of the undumpable child (%v): run as root to check it", f, err)
		}
		for _, s := range []string{canary, seed, string(raw)} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("/proc/PID/%s of an unlocked otter holds a secret (%.12q…)", f, s)
			}
		}
	}
	io.WriteString(c.in, "lock\n")
	c.expect("locked")
	found, err := scanMemory(c.proc(""), map[string][]byte{"the account secret": raw, "the password": []byte(canary)})
	if err != nil {
		t.Skipf("cannot read the memory of the undumpable child: %v", err)
	}
	if len(found["the account secret"]) > 0 {
		t.Errorf("after lock, the child's memory still holds the account secret in %v", found["the account secret"])
	}
	// Known limitation: golang.org/x/crypto/argon2 hashes the password
	// with a blake2b state (and stack copies) it never zeroes; otter
	// cannot reach them. Reported, not failed, until that changes.
	if where := found["the password"]; len(where) > 0 {
		t.Logf("after lock the password is still in %d mapping(s), from the Argon2id KDF's internal buffers (x/crypto does not zero them): %v", len(where), where)
	}
	io.WriteString(c.in, "exit\n")
	must(t, c.cmd.Wait())
}

// scanMemory reads every readable mapping of the process at procDir and
// says in which mappings each needle occurs.
func scanMemory(procDir string, needles map[string][]byte) (map[string][]string, error) {
	maps, err := os.ReadFile(procDir + "maps")
	if err != nil {
		return nil, err
	}
	mem, err := os.Open(procDir + "mem")
	if err != nil {
		return nil, err
	}
	defer mem.Close()
	found := map[string][]string{}
	read := 0
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[1][0] != 'r' || strings.HasSuffix(line, "[vvar]") || strings.HasSuffix(line, "[vsyscall]") {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		buf := make([]byte, end-start)
		n, err := unix.Pread(int(mem.Fd()), buf, int64(start))
		if err != nil || n <= 0 {
			continue
		}
		read += n
		for name, nd := range needles {
			if bytes.Contains(buf[:n], nd) {
				found[name] = append(found[name], f[0]+" "+f[1])
			}
		}
	}
	if read == 0 {
		return nil, errors.New("no mapping could be read")
	}
	return found, nil
}
