//go:build cgo

package fido

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// TestHardwareKey runs against the first real key plugged in, only with
// OTTER_FIDO_HW=1. It reads the key's info and, when the key supports
// hmac-secret, makes a non-resident credential and gets two assertions
// (three touches); OTTER_FIDO_HW_PIN_FILE gives the PIN of a key that has
// one. It never resets the key or changes its PIN.
func TestHardwareKey(t *testing.T) {
	if os.Getenv("OTTER_FIDO_HW") != "1" {
		t.Skip("hardware test: set OTTER_FIDO_HW=1 with a real FIDO2 key plugged in (it asks for three touches)")
	}
	devs, err := manifest()
	if err != nil || len(devs) == 0 {
		t.Fatalf("no hardware key found: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Open(ctx, devs[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info, err := d.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %+v", d.DeviceInfo(), info)
	if len(info.AAGUID) != 16 || len(info.Versions) == 0 {
		t.Errorf("implausible info: %+v", info)
	}
	if !info.Supports("hmac-secret") {
		t.Skip("the key has no hmac-secret: nothing more to test")
	}
	var pin []byte
	if f := os.Getenv("OTTER_FIDO_HW_PIN_FILE"); f != "" && info.HasPIN() {
		if pin, err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
		pin = bytes.TrimRight(pin, "\r\n")
	}
	t.Log("touch the key (1 of 3)")
	c, err := d.MakeCredential(ctx, CredentialOptions{RPID: "otter.test", UserID: []byte("hw"), UserName: "hw", HMACSecret: true, PIN: pin})
	if err != nil {
		t.Fatal(err)
	}
	salt := bytes.Repeat([]byte{7}, 32)
	var outs [][]byte
	for i := range 2 {
		t.Logf("touch the key (%d of 3)", i+2)
		as, err := d.GetAssertion(ctx, AssertionOptions{RPID: "otter.test", Allow: [][]byte{c.ID}, HMACSalt: salt, PIN: pin, PublicKey: c.PublicKey})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, as[0].HMACSecret)
	}
	if len(outs[0]) != 32 || !bytes.Equal(outs[0], outs[1]) {
		t.Error("the key's hmac-secret output is not stable for one salt")
	}
}
