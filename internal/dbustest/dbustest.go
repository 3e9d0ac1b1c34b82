// Package dbustest starts private D-Bus daemons for tests: a bus with no
// service files (nothing is activated on it), or only those of a folder
// the test wrote, in a temporary folder, ended when the test ends.
package dbustest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%SOCK%</listen>
  <auth>EXTERNAL</auth>
%SERVICEDIR%  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Bus starts a private dbus-daemon and returns its address; the test is
// skipped when dbus-daemon is missing.
func Bus(t testing.TB) string {
	t.Helper()
	return BusActivating(t, "")
}

// BusActivating is Bus whose daemon activates the services described by
// the .service files in serviceDir (none when it is empty).
func BusActivating(t testing.TB, serviceDir string) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("no dbus-daemon to start a private bus")
	}
	dir, err := os.MkdirTemp("", "otter-bus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	sock := filepath.Join(dir, "bus")
	services := ""
	if serviceDir != "" {
		services = "  <servicedir>" + serviceDir + "</servicedir>\n"
	}
	text := strings.NewReplacer("%SOCK%", sock, "%SERVICEDIR%", services).Replace(config)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--nopidfile", "--nosyslog", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return addr
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start within 10 s")
	}
	return ""
}
