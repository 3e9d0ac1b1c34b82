package vault

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// TestAfterSaveSeesEveryWrittenFile checks that the hook gets the exact
// bytes of every generation that reached the disk, in order, and nothing
// for a change that was refused.
func TestAfterSaveSeesEveryWrittenFile(t *testing.T) {
	c := newCreds(t)
	path := filepath.Join(t.TempDir(), "otter", "vault.otter")
	type call struct {
		id   string
		gen  uint64
		file []byte
	}
	var calls []call
	o := testOptions()
	o.AfterSave = func(id string, gen uint64, file []byte) {
		calls = append(calls, call{id, gen, bytes.Clone(file)})
	}
	v, err := Create(path, o, c.pw, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	for _, issuer := range []string{"GitHub", "GitLab"} {
		addAccount(t, v, issuer)
		if got := calls[len(calls)-1].file; !bytes.Equal(got, readFile(t, path)) {
			t.Fatalf("after adding %s the hook saw other bytes than the file on disk", issuer)
		}
	}
	if err := v.Update(func(*Data) error { return errors.New("no") }); err == nil {
		t.Fatal("a failing change was saved")
	}
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3 (create and two adds; none for the refused change)", len(calls))
	}
	for i, cl := range calls {
		if cl.gen != uint64(i+1) || cl.id != v.VaultID() {
			t.Errorf("call %d: vault %s generation %d, want %s generation %d", i, cl.id, cl.gen, v.VaultID(), i+1)
		}
	}
}
