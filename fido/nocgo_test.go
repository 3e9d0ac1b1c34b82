//go:build !cgo

package fido

import (
	"context"
	"errors"
	"testing"
)

func TestWithoutCgoEverythingIsUnsupported(t *testing.T) {
	if Supported() {
		t.Error("Supported() without cgo")
	}
	if _, err := List(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("List: %v, want ErrUnsupported", err)
	}
	if _, err := Select(context.Background(), []DeviceInfo{{Path: "/dev/hidraw0"}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Select: %v, want ErrUnsupported", err)
	}
}
