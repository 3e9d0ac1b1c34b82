package agentd

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/agent"
)

// TestPeerClientHelper is the client TestOtherUIDRefused runs as another
// user: it connects to the socket, asks for a code and prints what came
// back. It does nothing in a normal run.
func TestPeerClientHelper(t *testing.T) {
	sock, vaultPath := os.Getenv("OTTER_PEER_SOCK"), os.Getenv("OTTER_PEER_VAULT")
	if sock == "" {
		t.Skip("helper of TestOtherUIDRefused")
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		fmt.Printf("dial: %v\n", err)
		return
	}
	defer c.Close()
	fmt.Printf("connected as uid %d\n", os.Getuid())
	if err := agent.WriteFrame(c, &agent.Request{V: agent.Version, Op: agent.OpCode, Vault: vaultPath, Query: "github"}); err != nil {
		fmt.Printf("write: %v\n", err)
	}
	var resp agent.Response
	if err := agent.ReadFrame(c, &resp); err != nil {
		if err == io.EOF || strings.Contains(err.Error(), "connection reset") {
			fmt.Println("closed without an answer")
			return
		}
		fmt.Printf("read: %v\n", err)
		return
	}
	if resp.Code != nil {
		fmt.Printf("code %s\n", resp.Code.Code)
	} else {
		fmt.Printf("answer %+v\n", resp.Err)
	}
}

// A client running as another uid reaches the socket (the test opens the
// folder and the socket to everyone, so file modes do not stop it) and is
// refused by the peer-credential check: the agent closes without a word.
// The same helper run as this uid gets a code.
func TestOtherUIDRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another uid (setpriv --reuid)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a client as another uid")
	}
	// The helper is this test binary, copied where nobody can run it.
	binDir, err := os.MkdirTemp("", "otter-peer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "agent.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(binDir, 0o755)

	f := newFixture(t)
	sock := filepath.Join(f.dir, agent.SocketName)
	// Open every folder on the way and the socket itself to everyone: only
	// SO_PEERCRED is left to refuse.
	for d := f.dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if strings.HasPrefix(d, os.TempDir()+"/") || d == f.dir {
			os.Chmod(d, 0o755)
		}
	}
	if err := os.Chmod(sock, 0o777); err != nil {
		t.Fatal(err)
	}
	helper := func(prefix ...string) string {
		args := append(prefix, bin, "-test.run=^TestPeerClientHelper$", "-test.v")
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "OTTER_PEER_SOCK="+sock, "OTTER_PEER_VAULT="+f.path)
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	other := helper(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
	if !strings.Contains(other, "connected as uid 65534") {
		t.Fatalf("the other uid did not reach the socket (the test wants file modes out of the way):\n%s", other)
	}
	if !strings.Contains(other, "closed without an answer") || strings.Contains(other, "code ") {
		t.Errorf("a client of uid 65534 was not refused:\n%s", other)
	}
	same := helper()
	if !strings.Contains(same, "connected as uid 0") || !strings.Contains(same, "code ") {
		t.Errorf("the same helper as this uid got no code:\n%s", same)
	}
	if f.srv.Locked() {
		t.Error("the refused client locked the agent")
	}
}
