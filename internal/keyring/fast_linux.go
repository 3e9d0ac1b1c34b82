package keyring

import (
	"errors"
	"os"

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
// go-keyring needs seven. otter's start-up time is mostly this call.
func fastGet(account string) ([]byte, error) {
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return nil, errSlowPath
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return nil, errSlowPath
	}
	if err := conn.Hello(); err != nil {
		return nil, errSlowPath
	}
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var unlocked, locked []dbus.ObjectPath
	attrs := map[string]string{"service": Service, "username": account}
	if err := svc.Call("org.freedesktop.Secret.Service.SearchItems", 0, attrs).Store(&unlocked, &locked); err != nil {
		return nil, errSlowPath
	}
	if len(unlocked) == 0 {
		if len(locked) == 0 {
			return nil, ErrNotFound
		}
		return nil, errSlowPath
	}
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		return nil, errSlowPath
	}
	var secrets map[dbus.ObjectPath]ssSecret
	if err := svc.Call("org.freedesktop.Secret.Service.GetSecrets", 0, []dbus.ObjectPath{unlocked[0]}, session).Store(&secrets); err != nil {
		return nil, errSlowPath
	}
	s, ok := secrets[unlocked[0]]
	if !ok {
		return nil, errSlowPath
	}
	return s.Value, nil
}

// NoSession reports whether there is certainly no keyring session to ask:
// DBUS_SESSION_BUS_ADDRESS is unset (a headless login, ssh, cron).
func NoSession() bool { return os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" }
