package syncer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// world is what the property test knows of every device's operations:
// what must hold in the converged vault whatever the merges decided.
type world struct {
	added   map[string]bool   // account ids ever added
	deleted map[string]bool   // account ids some device deleted
	counter map[string]uint64 // HOTP account id → highest counter any device reached
	used    map[string]bool   // recovery codes some device used
	ord     map[string]int    // account id → order of its adding, so that a seed picks the same accounts every run (ids are random)
	texts   []string          // every issuer, name and note written
	n       int               // makes each name unique
}

// token is a unique piece of text that cannot appear in a hex digest, a
// device id or git's own words by chance.
func (w *world) token(dev string, kind string) string {
	w.n++
	s := fmt.Sprintf("Zq%s%sWx%dKj", kind, dev[:1], w.n)
	w.texts = append(w.texts, s)
	return s
}

// op does one random offline operation on d through a vaultops.Session.
func (w *world) op(t *testing.T, rng *rand.Rand, d *device) {
	t.Helper()
	s := vaultops.New(d.v, "", d.clock)
	live := d.v.Data().Live()
	var hotp, withCodes []string
	for _, a := range live {
		if a.Type == "hotp" {
			hotp = append(hotp, a.ID)
		}
	}
	data := d.v.Data()
	for _, r := range data.Recovery {
		if !r.Deleted && r.Unused() > 0 && data.Account(r.AccountID) != nil {
			withCodes = append(withCodes, r.AccountID)
		}
	}
	pick := func(ids []string) string {
		slices.SortFunc(ids, func(x, y string) int { return w.ord[x] - w.ord[y] })
		return ids[rng.IntN(len(ids))]
	}
	liveIDs := make([]string, len(live))
	for i, a := range live {
		liveIDs[i] = a.ID
	}
	k := rng.IntN(100)
	switch {
	case k < 25 || len(live) < 3: // add
		acc := vault.Account{Issuer: w.token(d.name, "i"), Name: w.token(d.name, "n"), Secret: []byte("12345678901234567890"), Type: "totp"}
		if rng.IntN(3) == 0 {
			acc.Type, acc.Counter = "hotp", uint64(rng.IntN(50))
		}
		var codes []vault.RecoveryCode
		for range rng.IntN(3) {
			codes = append(codes, vault.RecoveryCode{Code: w.token(d.name, "c")})
		}
		res, err := s.Add([]vaultops.NewAccount{{Account: acc, Recovery: codes}})
		if err != nil {
			t.Fatalf("%s: add: %v", d.name, err)
		}
		id := res.Added[0].ID
		w.added[id] = true
		w.ord[id] = len(w.ord) + 1
		if acc.Type == "hotp" {
			w.counter[id] = max(w.counter[id], acc.Counter)
		}
	case k < 50: // edit random fields
		var e vaultops.Edit
		for !(e.Issuer != nil || e.Name != nil || e.Notes != nil || e.Tags != nil || e.Pinned != nil) {
			if rng.IntN(3) == 0 {
				v := w.token(d.name, "i")
				e.Issuer = &v
			}
			if rng.IntN(3) == 0 {
				v := w.token(d.name, "n")
				e.Name = &v
			}
			if rng.IntN(2) == 0 {
				v := w.token(d.name, "o")
				e.Notes = &v
			}
			if rng.IntN(4) == 0 {
				v := []string{fmt.Sprintf("tag%d", rng.IntN(4))}
				e.Tags = &v
			}
			if rng.IntN(4) == 0 {
				v := rng.IntN(2) == 0
				e.Pinned = &v
			}
		}
		if _, err := s.Edit(pick(liveIDs), e); err != nil {
			t.Fatalf("%s: edit: %v", d.name, err)
		}
	case k < 60: // delete
		id := pick(liveIDs)
		if _, err := s.Delete(id); err != nil {
			t.Fatalf("%s: delete: %v", d.name, err)
		}
		w.deleted[id] = true
	case k < 75 && len(hotp) > 0: // HOTP counter +1 or +2
		id := pick(hotp)
		for range 1 + rng.IntN(2) {
			c, err := s.NextHOTP(id)
			if err != nil {
				t.Fatalf("%s: next HOTP code: %v", d.name, err)
			}
			w.counter[id] = max(w.counter[id], c.Counter+1)
		}
	case k < 87: // add recovery codes
		if _, err := s.AddRecovery(pick(liveIDs), []string{w.token(d.name, "c"), w.token(d.name, "c")}); err != nil {
			t.Fatalf("%s: add recovery codes: %v", d.name, err)
		}
	case len(withCodes) > 0: // use a recovery code
		code, _, err := s.UseRecovery(pick(withCodes))
		if err != nil {
			t.Fatalf("%s: use a recovery code: %v", d.name, err)
		}
		w.used[code] = true
	default:
		if _, err := s.TogglePin(pick(liveIDs)); err != nil {
			t.Fatalf("%s: pin: %v", d.name, err)
		}
	}
}

// seeds are the property test's seeds: 1 to 3, or OTTER_SYNC_SEEDS=N runs
// seeds 1 to N (to search for a failing seed by hand).
func seeds() []uint64 {
	n := uint64(3)
	if s := os.Getenv("OTTER_SYNC_SEEDS"); s != "" {
		fmt.Sscan(s, &n)
	}
	var out []uint64
	for i := uint64(1); i <= n; i++ {
		out = append(out, i)
	}
	return out
}

// canonical encodes d's data with this device's id left out: equal
// encodings mean equal data.
func canonical(t *testing.T, d *device) []byte {
	t.Helper()
	data := d.v.Data()
	data.DeviceID = ""
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncAll syncs each device once, in a random order, and reports whether
// every sync found nothing to do.
func syncAll(t *testing.T, rng *rand.Rand, devs []*device) bool {
	t.Helper()
	quiet := true
	for _, i := range rng.Perm(len(devs)) {
		if rep := devs[i].sync(); rep.Action != "up to date" {
			quiet = false
		}
	}
	return quiet
}

// TestThreeDevicesRandomOperationsConverge: three devices on one remote
// each do 50 random offline operations (in 5 bursts of 10, a random
// subset of devices syncing between bursts so that later operations hit
// shared accounts), then sync in random orders until no sync has anything
// to do. Every seed must end with the same data on all three, the same
// file bytes, no HOTP counter below what any device reached, no used
// recovery code unused, every account added and never deleted present,
// and no issuer, name or note in any git object.
func TestThreeDevicesRandomOperationsConverge(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x077e5))
			remote := bareRemote(t)
			a := newDevice(t, "aaaa", remote)
			a.sync()
			devs := []*device{a, joinDevice(t, "bbbb", remote), joinDevice(t, "cccc", remote)}
			w := &world{added: map[string]bool{}, deleted: map[string]bool{}, counter: map[string]uint64{}, used: map[string]bool{}, ord: map[string]int{}}
			const bursts, perBurst = 5, 10
			for burst := range bursts {
				for _, d := range devs {
					for range perBurst {
						w.op(t, rng, d)
					}
				}
				if burst == bursts-1 {
					break
				}
				for _, i := range rng.Perm(len(devs))[:rng.IntN(len(devs)+1)] {
					devs[i].sync()
				}
			}
			rounds := 0
			for !syncAll(t, rng, devs) {
				if rounds++; rounds > 6 {
					t.Fatalf("still not quiescent after %d rounds of syncs", rounds)
				}
			}
			t.Logf("quiescent after %d rounds; %d accounts added, %d deleted, %d HOTP, %d codes used, %d texts",
				rounds, len(w.added), len(w.deleted), len(w.counter), len(w.used), len(w.texts))
			checkConverged(t, devs, w)
			checkNoText(t, remote, w.texts, 20)
		})
	}
}

// checkConverged checks what must hold once every device synced.
func checkConverged(t *testing.T, devs []*device, w *world) {
	t.Helper()
	want := canonical(t, devs[0])
	for _, d := range devs[1:] {
		if got := canonical(t, d); !bytes.Equal(got, want) {
			t.Errorf("%s's data differs from %s's after syncing", d.name, devs[0].name)
		}
		if !bytes.Equal(d.v.Raw(), devs[0].v.Raw()) {
			t.Errorf("%s's vault file differs from %s's", d.name, devs[0].name)
		}
	}
	for _, d := range devs {
		onDisk, err := os.ReadFile(d.path())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(onDisk, devs[0].v.Raw()) {
			t.Errorf("%s's vault file on disk is not the synced one", d.name)
		}
	}
	data := devs[0].v.Data()
	for id := range w.added {
		if !w.deleted[id] && data.Account(id) == nil {
			t.Errorf("account %s was added and never deleted, but is gone", id)
		}
	}
	for _, acc := range data.Live() {
		if !w.added[acc.ID] {
			t.Errorf("account %s appeared from nowhere", acc.ID)
		}
		if c, ok := w.counter[acc.ID]; ok && acc.Counter < c {
			t.Errorf("HOTP account %s: counter %d, but a device reached %d", acc.ID, acc.Counter, c)
		}
	}
	seenUsed := 0
	for _, r := range data.Recovery {
		if r.Deleted {
			continue
		}
		for _, c := range r.Codes {
			if w.used[c.Code] {
				seenUsed++
				if c.UsedAt.IsZero() {
					t.Errorf("recovery code %s was used on a device but is unused after syncing", c.Code)
				}
			}
		}
	}
	if len(w.used) > 0 && seenUsed == 0 {
		t.Errorf("none of the %d used recovery codes is in the vault: the check proves nothing", len(w.used))
	}
}

// checkNoText checks that no git object of the repository dir holds any
// of texts (in any case); fewer than min objects would prove nothing.
func checkNoText(t *testing.T, dir string, texts []string, min int) {
	t.Helper()
	r, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < min {
		t.Fatalf("%s holds %d objects: the check would prove nothing", dir, len(ids))
	}
	for _, id := range ids {
		b, err := r.Cat(id)
		if err != nil {
			t.Fatal(err)
		}
		lower := bytes.ToLower(b)
		for _, s := range texts {
			if bytes.Contains(lower, bytes.ToLower([]byte(s))) {
				t.Errorf("object %s of %s holds %q", id, dir, s)
			}
		}
	}
}

// TestConcurrentSyncsOnlyMoveTheRemoteForward: two devices add an account
// and sync, each in its own goroutine, many rounds at once, while a
// watcher samples the remote's branch. They converge, and every sampled
// remote commit (and every commit a sync reported) is an ancestor of the
// next sample and of the final commit: no sync ever rewound the remote.
func TestConcurrentSyncsOnlyMoveTheRemoteForward(t *testing.T) {
	// 25 rounds, not 100: on 2 shared cores a round of both devices takes
	// about half a second (more when one starves, see ErrBusy below).
	rounds := 25
	if testing.Short() {
		rounds = 8
	}
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	rr, err := gitrepo.Open(remote)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		reported []string
		samples  []string
		retries  int
		busy     int // syncs that gave up with ErrBusy
	)
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			if c, err := rr.Ref("refs/heads/main"); err == nil && c != "" && (len(samples) == 0 || samples[len(samples)-1] != c) {
				samples = append(samples, c)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for _, d := range []*device{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				d.add(d.name, fmt.Sprint("n", i))
				rep, err := New(d.repo, d.v, d.name, d.clock).Sync(context.Background())
				for try := 0; errors.Is(err, ErrBusy) && try < 20; try++ {
					// The other device pushed maxTries times while this one
					// merged: a person would run otter sync again.
					mu.Lock()
					busy++
					mu.Unlock()
					rep, err = New(d.repo, d.v, d.name, d.clock).Sync(context.Background())
				}
				if err != nil {
					t.Errorf("%s: round %d: %v", d.name, i, err)
					return
				}
				mu.Lock()
				reported = append(reported, rep.Commit)
				retries += rep.Retries
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	<-watched
	a.sync()
	b.sync()
	a.sync()
	if got := a.labels(); len(got) != 2*rounds || !slices.Equal(got, b.labels()) {
		t.Errorf("a has %d accounts, b %d; want %d on both", len(got), len(b.labels()), 2*rounds)
	}
	if !bytes.Equal(a.v.Raw(), b.v.Raw()) {
		t.Error("the two vault files differ after syncing")
	}
	final, err := rr.Ref("refs/heads/main")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range samples {
		next := final
		if i+1 < len(samples) {
			next = samples[i+1]
		}
		if ok, err := rr.IsAncestor(c, next); err != nil || !ok {
			t.Errorf("remote sample %d (%.12s) is not an ancestor of the next (%.12s): the remote moved back (%v)", i, c, next, err)
		}
	}
	for _, c := range reported {
		if ok, err := rr.IsAncestor(c, final); err != nil || !ok {
			t.Errorf("synced commit %.12s is not in the remote's final history (%v)", c, err)
		}
	}
	t.Logf("%d rounds per device, %d pushes rejected and retried, %d syncs gave up with ErrBusy (and were run again), %d distinct remote states sampled",
		rounds, retries, busy, len(samples))
	if len(samples) < 3 {
		t.Errorf("the watcher saw only %d remote states: the check proves little", len(samples))
	}
}

// TestRevivedAccountKeepsCounterAndUsedCodes: device a uses two HOTP codes
// and a recovery code, then deletes the account; device b, meanwhile,
// edits its notes. The merge revives the account (b edited it after the
// common base), and should keep what a used: a counter two higher, the
// code used: the tombstone keeps neither (vault.DeleteAccount clears every
// field), so vault.Merge takes them from the deleting side's trash copy.
func TestRevivedAccountKeepsCounterAndUsedCodes(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	sa := vaultops.New(a.v, "", a.clock)
	res, err := sa.Add([]vaultops.NewAccount{{
		Account:  vault.Account{Issuer: "Bank", Secret: []byte("12345678901234567890"), Type: "hotp", Counter: 7},
		Recovery: []vault.RecoveryCode{{Code: "code-one"}, {Code: "code-two"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Added[0].ID
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	for range 2 {
		if _, err := sa.NextHOTP(id); err != nil {
			t.Fatal(err)
		}
	}
	used, _, err := sa.UseRecovery(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sa.Delete(id); err != nil {
		t.Fatal(err)
	}
	notes := "edited on b"
	if _, err := vaultops.New(b.v, "", b.clock).Edit(id, vaultops.Edit{Notes: &notes}); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	a.sync()
	acc := b.v.Data().Account(id)
	if acc == nil {
		t.Fatal("the delete won over the later edit: the edit must survive")
	}
	if acc.Counter < 9 {
		t.Errorf("revived HOTP account: counter %d, but device a used codes up to 8 (counter 9)", acc.Counter)
	}
	for _, c := range b.v.Data().RecoveryFor(id).Codes {
		if c.Code == used && c.UsedAt.IsZero() {
			t.Errorf("revived account: recovery code %q, used on a, is unused again", used)
		}
	}
}
