//go:build linux || darwin

package agentd

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/dbustest"
)

// busFixture is an agent watching two private buses: one stands for the
// system bus, the other for the session bus.
func busFixture(t *testing.T) (f *fixture, system, session *dbus.Conn) {
	t.Helper()
	sysAddr, sessAddr := dbustest.Bus(t), dbustest.Bus(t)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", sysAddr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", sessAddr)
	f = newFixture(t)
	waitTriggers(t, f, "suspend", "screen lock")
	return f, dial(t, sysAddr), dial(t, sessAddr)
}

func dial(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitTriggers waits until the agent reports the named triggers watched.
func waitTriggers(t *testing.T, f *fixture, names ...string) []agent.Trigger {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := f.client.Status()
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, tr := range st.Triggers {
			for _, n := range names {
				if tr.Name == n && tr.Active {
					active++
				}
			}
		}
		if active == len(names) {
			return st.Triggers
		}
		if time.Now().After(deadline) {
			t.Fatalf("triggers %v not watched within 5 s: %+v", names, st.Triggers)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLocked waits up to 5 s for the agent to lock.
func waitLocked(t *testing.T, f *fixture, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f.srv.Locked() {
		if time.Now().After(deadline) {
			t.Fatalf("the agent did not lock within 5 s of %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := f.client.Code(f.path, "github"); !errors.Is(err, agent.ErrLocked) {
		t.Errorf("code after %s: %v, want agent.ErrLocked", what, err)
	}
}

// emit sends a signal with a bool argument and waits until the bus has
// taken it (a round trip on the same connection, which keeps order).
func emit(t *testing.T, c *dbus.Conn, path dbus.ObjectPath, name string, v bool) {
	t.Helper()
	if err := c.Emit(path, name, v); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := c.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil {
		t.Fatal(err)
	}
}

func TestLockOnSuspend(t *testing.T) {
	f, system, session := busFixture(t)
	// false (resuming) and the same signal on the session bus do not lock.
	emit(t, system, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", false)
	emit(t, session, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", true)
	time.Sleep(300 * time.Millisecond)
	if f.srv.Locked() {
		t.Fatal("locked on PrepareForSleep(false) or on PrepareForSleep from the session bus")
	}
	if _, err := f.client.Code(f.path, "github"); err != nil {
		t.Fatal(err)
	}
	emit(t, system, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", true)
	waitLocked(t, f, "PrepareForSleep(true)")
	if f.srv.cfg.Session.Vault().Data() != nil {
		t.Error("the vault is still open after the suspend lock")
	}
}

func TestLockOnScreenLock(t *testing.T) {
	for _, tc := range []struct{ path, iface string }{
		{"/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"},
		{"/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"},
	} {
		t.Run(tc.iface, func(t *testing.T) {
			f, system, session := busFixture(t)
			emit(t, session, dbus.ObjectPath(tc.path), tc.iface+".ActiveChanged", false)
			emit(t, system, dbus.ObjectPath(tc.path), tc.iface+".ActiveChanged", true)
			time.Sleep(300 * time.Millisecond)
			if f.srv.Locked() {
				t.Fatal("locked on ActiveChanged(false) or on ActiveChanged from the system bus")
			}
			emit(t, session, dbus.ObjectPath(tc.path), tc.iface+".ActiveChanged", true)
			waitLocked(t, f, tc.iface+".ActiveChanged(true)")
		})
	}
}

// No bus is no trigger, said in the status; the agent serves all the same.
func TestLockTriggersWithoutBuses(t *testing.T) {
	none := "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", none)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", none)
	f := newFixture(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := f.client.Status()
		if err != nil {
			t.Fatal(err)
		}
		settled := len(st.Triggers) == 2
		for _, tr := range st.Triggers {
			if tr.Active {
				t.Fatalf("trigger %+v watched without a bus", tr)
			}
			settled = settled && tr.Note != "connecting"
		}
		if settled {
			for _, tr := range st.Triggers {
				if !strings.HasPrefix(tr.Note, "no "+tr.Bus+" bus") {
					t.Errorf("trigger %+v: want a note saying there is no %s bus", tr, tr.Bus)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("triggers not settled within 5 s: %+v", st.Triggers)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := f.client.Code(f.path, "github"); err != nil {
		t.Errorf("code without buses: %v", err)
	}
}
