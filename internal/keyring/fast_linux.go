package keyring

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// errSlowPath asks Get to fall back to go-keyring, which knows how to
// prompt for and unlock a locked collection.
var errSlowPath = errors.New("keyring: use the general path")

type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// fastGet reads one item from the Secret Service in three round trips
// (SearchItems, OpenSession, GetSecrets) on a private connection, where
// go-keyring needs seven. otter's start-up time is mostly this call. A
// warm-up (Store.Warm) that succeeded hands over its connection with the
// session already open, which leaves SearchItems and GetSecrets; without
// one, or when it failed, the connection is made here as always.
func fastGet(w *warm, account string) ([]byte, error) {
	c := w.take()
	if c == nil {
		var err error
		if c, err = connect(context.Background()); err != nil {
			return nil, errSlowPath
		}
	}
	defer c.close()
	return c.get(account)
}

// ssConn is a private connection to the Secret Service and, once opened,
// the plain session secrets travel in (plain: the socket is private to
// this user, and the service ends the session with the connection).
type ssConn struct {
	conn    *dbus.Conn
	svc     dbus.BusObject
	session dbus.ObjectPath
}

// connect makes the private connection (connect, Auth, Hello); ctx ending
// closes it, whatever it is doing. It never launches a bus
// (DBUS_SESSION_BUS_ADDRESS=autolaunch: with none running): a warm-up would
// leave a daemon behind for nothing; Get then falls back to go-keyring, as
// it did.
func connect(ctx context.Context) (*ssConn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return &ssConn{conn: conn, svc: conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")}, nil
}

// openSession opens the plain session, unless a warm-up already did.
// flags is dbus.FlagNoAutoStart for a warm-up: the vault may have no
// keyring slot, and reading it must not start a Secret Service that is
// not running (the Get that needs one still may, as it always could).
func (c *ssConn) openSession(flags dbus.Flags) error {
	if c.session != "" {
		return nil
	}
	var out dbus.Variant
	return c.svc.Call("org.freedesktop.Secret.Service.OpenSession", flags, "plain", dbus.MakeVariant("")).Store(&out, &c.session)
}

// get looks account up and reads its secret; a missing entry is known
// before any session is opened.
func (c *ssConn) get(account string) ([]byte, error) {
	var unlocked, locked []dbus.ObjectPath
	attrs := map[string]string{"service": Service, "username": account}
	if err := c.svc.Call("org.freedesktop.Secret.Service.SearchItems", 0, attrs).Store(&unlocked, &locked); err != nil {
		return nil, errSlowPath
	}
	if len(unlocked) == 0 {
		if len(locked) == 0 {
			return nil, ErrNotFound
		}
		return nil, errSlowPath
	}
	if err := c.openSession(0); err != nil {
		return nil, errSlowPath
	}
	var secrets map[dbus.ObjectPath]ssSecret
	if err := c.svc.Call("org.freedesktop.Secret.Service.GetSecrets", 0, []dbus.ObjectPath{unlocked[0]}, c.session).Store(&secrets); err != nil {
		return nil, errSlowPath
	}
	s, ok := secrets[unlocked[0]]
	if !ok {
		return nil, errSlowPath
	}
	return s.Value, nil
}

func (c *ssConn) close() { c.conn.Close() }

// warm is a connection being made ahead of a Get (Store.Warm). Its
// goroutine ends by itself within the store's timeout; until the first
// Get takes the connection or close ends it, the connection stays open.
type warm struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the warm-up has ended, well or not

	mu sync.Mutex
	c  *ssConn // the ready connection, until taken
}

// startWarm connects and opens the session in a goroutine. A bus that
// does not answer within t makes it give up: the Get then connects itself
// and meets the same bus under its own timeout.
func startWarm(t time.Duration) *warm {
	ctx, cancel := context.WithCancel(context.Background())
	w := &warm{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		timer := time.AfterFunc(t, cancel)
		c, err := connect(ctx)
		if err != nil {
			timer.Stop()
			return
		}
		if err := c.openSession(dbus.FlagNoAutoStart); err != nil || !timer.Stop() {
			c.close() // failed, or the timeout has already cancelled it
			return
		}
		w.mu.Lock()
		w.c = c
		w.mu.Unlock()
	}()
	return w
}

// take waits for the warm-up and returns its connection, to the first
// caller only; nil when there was no warm-up, it failed, or it was taken.
func (w *warm) take() *ssConn {
	if w == nil {
		return nil
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.c
	w.c = nil
	return c
}

// close ends the warm-up and closes its connection if no Get took it. It
// returns once the goroutine has ended, which is at once: cancelling ctx
// closes the connection, which fails any call under way.
func (w *warm) close() {
	if w == nil {
		return
	}
	w.cancel()
	if c := w.take(); c != nil {
		c.close()
	}
}

// NoSession reports whether there is certainly no keyring session to ask:
// DBUS_SESSION_BUS_ADDRESS is unset (a headless login, ssh, cron).
func NoSession() bool { return os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" }
