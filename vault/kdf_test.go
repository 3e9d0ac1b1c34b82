package vault

import (
	"errors"
	"testing"
	"time"
)

// fakeTiming times a derivation as fixed + passes × pass.
func fakeTiming(fixed, pass time.Duration) func(KDFParams) time.Duration {
	return func(k KDFParams) time.Duration {
		if k.Memory != DefaultKDF.Memory || k.Threads != DefaultKDF.Threads {
			panic("calibration at another memory or lane count")
		}
		return fixed + time.Duration(k.Time)*pass
	}
}

func TestCalibrateChoosesPasses(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name        string
		fixed, pass time.Duration
		want        uint32
	}{
		{"this machine", 10 * ms, 70 * ms, 7},              // (500-10)/70 = 7
		{"fresh-process page faults", 60 * ms, 55 * ms, 8}, // (500-60)/55 = 8
		{"slow machine: the floor", 0, 400 * ms, 3},
		{"slower than the target: the floor", 0, 2 * time.Second, 3},
		{"fast machine: the cap", 0, 5 * ms, 16},
		{"a clock that does not move", 0, 0, 3},
	}
	for _, tt := range tests {
		k := calibrate(500*ms, fakeTiming(tt.fixed, tt.pass))
		want := KDFParams{Memory: DefaultKDF.Memory, Time: tt.want, Threads: DefaultKDF.Threads}
		if k != want {
			t.Errorf("%s: calibrate = %v, want %v", tt.name, k, want)
		}
		if why := k.check(false); why != "" {
			t.Errorf("%s: calibrated cost out of bounds: %s", tt.name, why)
		}
	}
}

func TestCalibrateToleratesNoise(t *testing.T) {
	// The one-pass run was slowed by another process: the estimate of a
	// pass stays at least a quarter of the two-pass time.
	runs := []time.Duration{190 * time.Millisecond, 200 * time.Millisecond}
	k := calibrate(500*time.Millisecond, func(KDFParams) time.Duration {
		d := runs[0]
		runs = runs[1:]
		return d
	})
	if k.Time != 8 { // pass 10 ms held at 200/4 = 50 ms, fixed 100 ms: (500-100)/50
		t.Errorf("calibrate with noise = %v, want t=8", k)
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
