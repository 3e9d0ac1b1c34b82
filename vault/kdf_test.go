package vault

import (
	"errors"
	"testing"
	"time"
)

// fakeTiming times a derivation as fixed + passes × pass and counts the
// derivations timed.
func fakeTiming(fixed, pass time.Duration, runs *int) func(KDFParams) time.Duration {
	return func(k KDFParams) time.Duration {
		if k.Memory != DefaultKDF.Memory || k.Threads != DefaultKDF.Threads {
			panic("calibration at another memory or lane count")
		}
		*runs++
		return fixed + time.Duration(k.Time)*pass
	}
}

func TestCalibrateChoosesPasses(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name        string
		fixed, pass time.Duration
		want        uint32
		runs        int
	}{
		{"this machine: fresh-process page faults", 315 * ms, 45 * ms, 4, 2}, // (500-315)/45 = 4.1
		{"no fixed cost", 0, 100 * ms, 5, 2},
		{"fast machine: the cap", 20 * ms, 5 * ms, 16, 2},
		{"three passes reach the target: the floor, one run", 200 * ms, 100 * ms, 3, 1},
		{"slower than the target: the floor, one run", 0, 2 * time.Second, 3, 1},
		{"a clock that does not move", 0, 0, 3, 2},
	}
	for _, tt := range tests {
		runs := 0
		k := calibrate(500*ms, fakeTiming(tt.fixed, tt.pass, &runs))
		want := KDFParams{Memory: DefaultKDF.Memory, Time: tt.want, Threads: DefaultKDF.Threads}
		if k != want || runs != tt.runs {
			t.Errorf("%s: calibrate = %v after %d timings, want %v after %d", tt.name, k, runs, want, tt.runs)
		}
		if why := k.check(false); why != "" {
			t.Errorf("%s: calibrated cost out of bounds: %s", tt.name, why)
		}
	}
}

func TestCalibrateErrsTowardsFewerPasses(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		name       string
		three, one time.Duration
		want       uint32
	}{
		// The one-pass run was slowed by another process: no slope, the
		// pass is held at one/11 and the fixed cost leaves the floor.
		{"one pass slower than three", 450 * ms, 460 * ms, 3},
		// The three-pass run was slowed: pass 60 ms, fixed 300 ms:
		// (500-300)/60 = 3, where the truth (45, 315) would give 4.
		{"three passes slowed", 480 * ms, 360 * ms, 3},
		// The one-pass run was quick: the pass is held at three/3.
		{"one pass very quick", 300 * ms, 10 * ms, 5},
	} {
		runs := []time.Duration{tt.three, tt.one}
		k := calibrate(500*ms, func(KDFParams) time.Duration {
			d := runs[0]
			runs = runs[1:]
			return d
		})
		if k.Time != tt.want {
			t.Errorf("%s: calibrate = %v, want t=%d", tt.name, k, tt.want)
		}
	}
}

func TestCalibrateKDFOnThisMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("times real Argon2id derivations (about a second)")
	}
	start := time.Now()
	k := CalibrateKDF(500 * time.Millisecond)
	took := time.Since(start)
	if k.Memory != 128<<10 || k.Threads != 4 || k.Time < 3 || k.Time > 16 {
		t.Fatalf("CalibrateKDF = %v, want m=128 MiB, 3 to 16 passes, 4 lanes", k)
	}
	if took > 10*time.Second { // about three passes; generous for a busy machine
		t.Errorf("calibration took %v", took)
	}
	t.Logf("calibrated %v in %v", k, took)
}

func TestWrongPasswordOnAnotherSlotIsCounted(t *testing.T) {
	// Two password slots, one of them out of bounds: a password that the
	// other slot rejects is wrong (counted), not corrupt.
	v, _ := newVault(t)
	other := Password{Secret: []byte("another password"), KDF: weakKDF}
	if _, err := v.AddSlot(other, "second"); err != nil {
		t.Fatal(err)
	}
	path := v.Path()
	v.Close()
	b := rewriteHeader(t, readFile(t, path), func(h map[string]any) {
		h["slots"].([]any)[0].(map[string]any)["kdf"] = KDFParams{Memory: 1 << 20, Time: 3, Threads: 255}
	})
	writeFile(t, path, b)
	l, err := Load(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Unlock(Password{Secret: []byte("wrong")}); !errors.Is(err, ErrWrongCredential) {
		t.Errorf("wrong password = %v, want ErrWrongCredential", err)
	}
}
