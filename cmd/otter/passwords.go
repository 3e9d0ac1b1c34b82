package main

import (
	"errors"
	"fmt"

	"github.com/otterauth/otter/internal/policy"
)

// checkNewPassword applies the master-password policy (internal/policy) to a new vault
// password; the refusal names the rule that failed.
func (a *app) checkNewPassword(p []byte) ([]byte, error) {
	if err := policy.Check(p); err != nil {
		wipe(p)
		var v *policy.Violation
		if errors.As(err, &v) {
			return nil, &userError{code: exitUsage, msg: v.Msg, err: err,
				hint: "use at least 10 characters with an uppercase letter and a digit or symbol; a few unrelated words work well"}
		}
		return nil, err
	}
	e := policy.Strength(p)
	fmt.Fprintf(a.stderr, "Password strength: %s\n", e.Label)
	return p, nil
}
