package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseUnit reads a systemd unit file as INI: [Section] headers, Key=Value
// lines, # and ; comments. Anything else is an error.
func parseUnit(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	units, section := map[string]map[string]string{}, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			units[section] = map[string]string{}
		case section != "" && strings.Contains(line, "="):
			k, v, _ := strings.Cut(line, "=")
			units[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
		default:
			t.Fatalf("%s:%d: not INI: %q", path, n, line)
		}
	}
	return units
}

// TestAgentSystemdUnit: the shipped user unit parses, runs the agent in the
// foreground (Type=simple), and its ExecStart is a command line this otter
// accepts.
func TestAgentSystemdUnit(t *testing.T) {
	u := parseUnit(t, filepath.Join("..", "..", "contrib", "systemd", "otter-agent.service"))
	svc := u["Service"]
	if u["Unit"]["Description"] == "" || svc["Type"] != "simple" || u["Install"]["WantedBy"] != "default.target" {
		t.Errorf("unit sections: %v", u)
	}
	argv := strings.Fields(svc["ExecStart"])
	if len(argv) < 2 || filepath.Base(argv[0]) != "otter" || argv[1] != "agent" {
		t.Fatalf("ExecStart=%q: want otter agent …", svc["ExecStart"])
	}
	for _, a := range argv[2:] {
		if a == "start" || strings.HasPrefix(a, "--ready-fd") {
			t.Errorf("ExecStart=%q: the agent must stay in the foreground", svc["ExecStart"])
		}
	}
	r := newEnv(t).run("", append(argv[1:], "--help")...)
	if r.code != 0 || !strings.Contains(r.stdout, "otter agent [flags]") {
		t.Errorf("otter %s --help: exit %d\n%s%s", strings.Join(argv[1:], " "), r.code, r.stdout, r.stderr)
	}
}

// TestAgentSocketUnit: the shipped socket unit listens where the agent
// checks (its folder 0700, the socket 0600) and activates the service of
// the same name; TestAgentSocketActivation runs an agent the way systemd
// starts it.
func TestAgentSocketUnit(t *testing.T) {
	u := parseUnit(t, filepath.Join("..", "..", "contrib", "systemd", "otter-agent.socket"))
	sock := u["Socket"]
	if sock["ListenStream"] != "%t/otter/agent.sock" || sock["SocketMode"] != "0600" || sock["DirectoryMode"] != "0700" {
		t.Errorf("[Socket] = %v: want ListenStream=%%t/otter/agent.sock, SocketMode=0600, DirectoryMode=0700", sock)
	}
	if sock["Service"] != "" || sock["Accept"] == "yes" || u["Install"]["WantedBy"] != "sockets.target" {
		t.Errorf("socket unit: %v: want one service of its own name (otter-agent.service), no Accept, WantedBy=sockets.target", u)
	}
	if _, err := os.Stat(filepath.Join("..", "..", "contrib", "systemd", "otter-agent.service")); err != nil {
		t.Errorf("the socket activates otter-agent.service: %v", err)
	}
}
