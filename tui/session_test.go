package tui

import (
	"testing"
	"time"

	"github.com/otterauth/otter/vault"
)

func TestKeyOfZeroParametersShowsADefaultCode(t *testing.T) {
	a := &vault.Account{Issuer: "Zero", Secret: []byte("12345678901234567890")}
	// RFC 6238 Appendix B, SHA1, cut to the default 6 digits and 30 s.
	if got := keyOf(a).Code(time.Unix(59, 0)); got != "287082" {
		t.Errorf("code of an account storing zero parameters = %q, want 287082", got)
	}
}
