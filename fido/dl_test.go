//go:build cgo && linux

package fido

import (
	"debug/elf"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The binding does not link libfido2 (dl.c loads it on first use), so that
// commands without FIDO2 do not pay for loading it and its dependencies.
// This test binary is linked like bin/otter.
func TestBinaryDoesNotLinkLibfido2(t *testing.T) {
	f, err := elf.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if strings.Contains(l, "fido2") || strings.Contains(l, "crypto") {
			t.Errorf("the binary links %s (all: %v): a libfido2 function is missing from FIDO_FUNCS in dl.c", l, libs)
		}
	}
}

// libfido2 is mapped only once a FIDO2 operation runs: checked in a fresh
// process, since other tests of this package load it.
func TestLibfido2LoadsOnFirstUse(t *testing.T) {
	if os.Getenv("OTTER_FIDO_LOAD_CHILD") != "" {
		if mapped(t) {
			t.Fatal("libfido2 is mapped before any FIDO2 operation")
		}
		if _, err := List(); err != nil {
			t.Fatalf("List: %v", err)
		}
		if !mapped(t) || !Supported() {
			t.Fatal("libfido2 is not mapped after List")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLibfido2LoadsOnFirstUse$", "-test.v")
	cmd.Env = append(os.Environ(), "OTTER_FIDO_LOAD_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func mapped(t *testing.T) bool {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), "libfido2")
}
