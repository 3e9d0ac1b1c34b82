package highwater

import (
	"os"
	"sync"
	"testing"
)

func TestRaiseOnlyGrows(t *testing.T) {
	d := Dir(t.TempDir())
	const id = "0123456789abcdef0123456789abcdef"
	if g, err := d.Get(id); err != nil || g != 0 {
		t.Fatalf("Get on nothing = %d, %v; want 0, nil", g, err)
	}
	for _, gen := range []uint64{3, 7, 5} {
		if err := d.Raise(id, gen); err != nil {
			t.Fatal(err)
		}
	}
	if g, _ := d.Get(id); g != 7 {
		t.Fatalf("after raising to 3, 7, 5 the mark is %d, want 7", g)
	}
	if g, _ := d.Get("fedcba9876543210fedcba9876543210"); g != 0 {
		t.Fatalf("another vault's mark is %d, want 0", g)
	}
}

func TestRaiseConcurrent(t *testing.T) {
	d := Dir(t.TempDir())
	const id = "0123456789abcdef0123456789abcdef"
	var wg sync.WaitGroup
	for gen := uint64(1); gen <= 20; gen++ {
		wg.Add(1)
		go func() { defer wg.Done(); d.Raise(id, gen) }()
	}
	wg.Wait()
	if g, _ := d.Get(id); g != 20 {
		t.Fatalf("mark = %d after concurrent raises up to 20", g)
	}
}

func TestUnreadableIsAnError(t *testing.T) {
	d := Dir(t.TempDir())
	const id = "0123456789abcdef0123456789abcdef"
	if err := os.WriteFile(d.Path(id), []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if g, err := d.Get(id); err == nil {
		t.Fatalf("Get of a damaged record = %d, nil; want an error", g)
	}
}
