package agentd

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"
	"github.com/otterauth/otter/internal/agent"
)

// lockSignal is a D-Bus signal whose first argument true locks the agent.
type lockSignal struct{ iface, member string }

func (s lockSignal) name() string { return s.iface + "." + s.member }

// busWatch is what the agent watches on one bus.
type busWatch struct {
	trigger string
	bus     string
	address func() (string, error)
	signals []lockSignal
}

// watches: logind's PrepareForSleep(true) on the system bus, a
// screensaver's ActiveChanged(true) on the session bus. The match is on the
// interface and member, not on a sender: locking is the safe direction, so
// a forged signal costs an unlock, never a secret.
var watches = []busWatch{
	{trigger: "suspend", bus: "system", address: systemBusAddress,
		signals: []lockSignal{{"org.freedesktop.login1.Manager", "PrepareForSleep"}}},
	{trigger: "screen lock", bus: "session", address: sessionBusAddress,
		signals: []lockSignal{{"org.freedesktop.ScreenSaver", "ActiveChanged"}, {"org.gnome.ScreenSaver", "ActiveChanged"}}},
}

// systemBusAddress is DBUS_SYSTEM_BUS_ADDRESS or the standard socket.
func systemBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
		return a, nil
	}
	return "unix:path=/var/run/dbus/system_bus_socket", nil
}

// sessionBusAddress is DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus;
// never an autolaunched bus (that would start a daemon for nothing).
func sessionBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a, nil
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		p := filepath.Join(d, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode().Type() == os.ModeSocket {
			return "unix:path=" + p, nil
		}
	}
	return "", errors.New("no session bus")
}

// watchBuses starts watching every bus; each reports in s.triggers.
func (s *Server) watchBuses() {
	s.mu.Lock()
	s.triggers = make([]agent.Trigger, len(watches))
	for i, w := range watches {
		s.triggers[i] = agent.Trigger{Name: w.trigger, Bus: w.bus, Note: "connecting"}
	}
	s.mu.Unlock()
	for i, w := range watches {
		go s.watchBus(i, w)
	}
}

func (s *Server) setTrigger(i int, active bool, note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggers[i].Active, s.triggers[i].Note = active, note
}

// watchBus connects to w's bus and locks the server on any of w's signals
// carrying true, until the server stops or the bus goes away.
func (s *Server) watchBus(i int, w busWatch) {
	addr, err := w.address()
	var conn *dbus.Conn
	if err == nil {
		conn, err = dbus.Connect(addr)
	}
	if err != nil {
		s.setTrigger(i, false, "no "+w.bus+" bus: "+err.Error())
		return
	}
	go func() { <-s.stopped; conn.Close() }()
	for _, sig := range w.signals {
		if err := conn.AddMatchSignal(dbus.WithMatchInterface(sig.iface), dbus.WithMatchMember(sig.member)); err != nil {
			conn.Close()
			s.setTrigger(i, false, "the "+w.bus+" bus refused the match: "+err.Error())
			return
		}
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	note := ""
	if w.trigger == "suspend" {
		var has bool
		if conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.login1").Store(&has); !has {
			note = "logind is not on the bus now"
		}
	}
	s.setTrigger(i, true, note)
	for sig := range ch {
		for _, want := range w.signals {
			if sig.Name == want.name() && len(sig.Body) > 0 && sig.Body[0] == true {
				s.Lock()
			}
		}
	}
	select {
	case <-s.stopped:
	default:
		s.setTrigger(i, false, "the "+w.bus+" bus went away")
	}
}
