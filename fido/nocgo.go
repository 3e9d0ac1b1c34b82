//go:build !cgo

package fido

// Without cgo there is no libfido2: listing and opening keys fail with
// ErrUnsupported, so no conn is ever made and its methods are never
// reached.

const supported = false

func loaded() bool { return false }

type conn struct{}

func manifest() ([]DeviceInfo, error) {
	return nil, &Error{Op: "list keys", RetriesLeft: -1, Err: ErrUnsupported}
}

func openConn(string, bool, int) (*conn, error) {
	return nil, &Error{RetriesLeft: -1, Err: ErrUnsupported}
}

func unsupported() error { return &Error{RetriesLeft: -1, Err: ErrUnsupported} }

func (*conn) close()                        {}
func (*conn) cancel()                       {}
func (*conn) setTimeout(int) error          { return unsupported() }
func (*conn) retries() (int, error)         { return -1, unsupported() }
func (*conn) reset() error                  { return unsupported() }
func (*conn) touchBegin() error             { return unsupported() }
func (*conn) touchStatus(int) (bool, error) { return false, unsupported() }
func (*conn) info() (Info, error)           { return Info{}, unsupported() }
func (*conn) setPIN(_, _ []byte) error      { return unsupported() }

func (*conn) makeCredential(*CredentialOptions) (Credential, error) {
	return Credential{}, unsupported()
}

func (*conn) getAssertion(*AssertionOptions) ([]Assertion, error) { return nil, unsupported() }
func (*conn) metadata([]byte) (Metadata, error)                   { return Metadata{}, unsupported() }
func (*conn) rps([]byte) ([]RP, error)                            { return nil, unsupported() }
func (*conn) credentials(string, []byte) ([]Credential, error)    { return nil, unsupported() }
func (*conn) deleteCredential(_, _ []byte) error                  { return unsupported() }
