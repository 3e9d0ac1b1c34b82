package fido

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/otterauth/otter/fido/virtual"
)

// Virtual keys are software authenticators (package fido/virtual) that the
// binding plugs in behind the real libfido2 through its I/O hook. They come
// from the environment — OTTER_FIDO_VIRTUAL=STATE[:STATE…], one key per
// state file — or from AddVirtual. Simulation knobs, one comma-separated
// entry per key (the last entry applies to the rest):
//
//	OTTER_FIDO_VIRTUAL_PRESENCE=approve|deny|timeout   what a touch request gets
//	OTTER_FIDO_VIRTUAL_PRESENCE_TIMEOUT=DURATION       how long "timeout" waits
//	OTTER_FIDO_VIRTUAL_UNPLUG_AFTER=N                  unplug once the Nth CTAP2 request was sent
//	OTTER_FIDO_VIRTUAL_RESET_WINDOW=DURATION           how long after plugging in a reset is allowed
const (
	virtualPrefix  = "virtual:"
	virtualProduct = "otter virtual key"
)

// vkey is one registered virtual key and the demultiplexer that hands its
// reports to the libfido2 handle whose channel they belong to, as the
// kernel's per-file hidraw queues do for real keys.
type vkey struct {
	path string // "virtual:" + state file
	a    *virtual.Authenticator

	unplugAfter int // knob; 0: never

	mu       sync.Mutex
	handles  map[uintptr]*vhandle
	requests int // CTAPHID_CBOR requests written
	pumping  bool
	gone     chan struct{} // closed by markGone once the key is unplugged or closed
	goneOnce sync.Once
}

// vhandle is one libfido2 handle (an open fido_dev_t) on a virtual key.
type vhandle struct {
	k     *vkey
	in    chan []byte
	nonce []byte           // of the CTAPHID_INIT sent, awaiting its answer
	cids  map[[4]byte]bool // channels this handle uses
}

var reg struct {
	sync.Mutex
	keys    []*vkey
	handles map[uintptr]*vhandle
	next    uintptr
	envOnce bool
	envErr  error
}

// AddVirtual plugs in the virtual key with the given state file (created
// if missing) and returns it, so that tests can steer presence or unplug
// it. Adding the same file again returns the same key, unless it was
// unplugged: then it is plugged back in (a power cycle).
func AddVirtual(statePath string) (*virtual.Authenticator, error) {
	loadEnv()
	return addVirtual(statePath, knobs{})
}

// RemoveVirtual unplugs the virtual key with the given state file and
// forgets it.
func RemoveVirtual(statePath string) {
	reg.Lock()
	defer reg.Unlock()
	for i, k := range reg.keys {
		if k.path == virtualPrefix+statePath {
			k.a.Unplug()
			k.a.Close()
			k.markGone()
			reg.keys = append(reg.keys[:i], reg.keys[i+1:]...)
			return
		}
	}
}

// knobs are one key's simulation settings.
type knobs struct {
	presence       string
	presenceWait   time.Duration
	unplugAfter    int
	resetWindow    time.Duration
	hasResetWindow bool
}

func addVirtual(statePath string, kn knobs) (*virtual.Authenticator, error) {
	reg.Lock()
	defer reg.Unlock()
	for i, k := range reg.keys {
		if k.path != virtualPrefix+statePath {
			continue
		}
		if !k.unplugged() {
			return k.a, nil
		}
		reg.keys = append(reg.keys[:i], reg.keys[i+1:]...) // plugged back in
		break
	}
	a, err := virtual.Open(statePath)
	if err != nil {
		return nil, fmt.Errorf("failed to open the virtual key %s: %w", statePath, err)
	}
	if err := kn.apply(a); err != nil {
		a.Close()
		return nil, err
	}
	reg.keys = append(reg.keys, &vkey{path: virtualPrefix + statePath, a: a, unplugAfter: kn.unplugAfter,
		handles: map[uintptr]*vhandle{}, gone: make(chan struct{})})
	return a, nil
}

func (kn knobs) apply(a *virtual.Authenticator) error {
	switch kn.presence {
	case "", "approve":
	case "deny":
		a.SetPresence(virtual.Deny)
	case "timeout":
		a.SetPresence(virtual.TimeOut)
	default:
		return fmt.Errorf("OTTER_FIDO_VIRTUAL_PRESENCE: %q is not approve, deny or timeout", kn.presence)
	}
	if kn.presenceWait > 0 {
		a.SetPresenceTimeout(kn.presenceWait)
	}
	if kn.hasResetWindow {
		a.SetResetWindow(kn.resetWindow)
	}
	return nil
}

// loadEnv registers the keys of OTTER_FIDO_VIRTUAL, once per process.
func loadEnv() error {
	reg.Lock()
	if reg.envOnce {
		defer reg.Unlock()
		return reg.envErr
	}
	reg.envOnce = true
	reg.Unlock()
	err := loadEnvKeys()
	reg.Lock()
	reg.envErr = err
	reg.Unlock()
	return err
}

func loadEnvKeys() error {
	v := os.Getenv("OTTER_FIDO_VIRTUAL")
	if v == "" {
		return nil
	}
	for i, p := range filepath.SplitList(v) {
		kn, err := envKnobs(i)
		if err != nil {
			return err
		}
		if _, err := addVirtual(p, kn); err != nil {
			return err
		}
	}
	return nil
}

// envKnobs reads the i-th entry of each simulation knob.
func envKnobs(i int) (knobs, error) {
	var kn knobs
	var err error
	kn.presence = strings.ToLower(knob("OTTER_FIDO_VIRTUAL_PRESENCE", i))
	if s := knob("OTTER_FIDO_VIRTUAL_PRESENCE_TIMEOUT", i); s != "" {
		if kn.presenceWait, err = time.ParseDuration(s); err != nil {
			return kn, fmt.Errorf("OTTER_FIDO_VIRTUAL_PRESENCE_TIMEOUT: %w", err)
		}
	}
	if s := knob("OTTER_FIDO_VIRTUAL_UNPLUG_AFTER", i); s != "" {
		if kn.unplugAfter, err = strconv.Atoi(s); err != nil {
			return kn, fmt.Errorf("OTTER_FIDO_VIRTUAL_UNPLUG_AFTER: %w", err)
		}
	}
	if s := knob("OTTER_FIDO_VIRTUAL_RESET_WINDOW", i); s != "" {
		if kn.resetWindow, err = time.ParseDuration(s); err != nil {
			return kn, fmt.Errorf("OTTER_FIDO_VIRTUAL_RESET_WINDOW: %w", err)
		}
		kn.hasResetWindow = true
	}
	return kn, nil
}

// knob returns the i-th comma-separated entry of the variable, or its last.
func knob(name string, i int) string {
	v := os.Getenv(name)
	if v == "" {
		return ""
	}
	parts := strings.Split(v, ",")
	return strings.TrimSpace(parts[min(i, len(parts)-1)])
}

// virtualInfos describes the virtual keys that are plugged in.
func virtualInfos() ([]DeviceInfo, error) {
	if err := loadEnv(); err != nil {
		return nil, err
	}
	reg.Lock()
	defer reg.Unlock()
	var out []DeviceInfo
	for _, k := range reg.keys {
		if !k.unplugged() {
			out = append(out, DeviceInfo{Path: k.path, Product: virtualProduct, Manufacturer: "otter", Virtual: true})
		}
	}
	return out, nil
}

// virtualPresent reports whether the virtual key at path is plugged in.
func virtualPresent(path string) bool {
	k := findKey(path)
	return k != nil && !k.unplugged()
}

func findKey(path string) *vkey {
	reg.Lock()
	defer reg.Unlock()
	for _, k := range reg.keys {
		if k.path == path {
			return k
		}
	}
	return nil
}

func (k *vkey) unplugged() bool {
	select {
	case <-k.gone:
		return true
	default:
		return false
	}
}
