package policy

import (
	"testing"
)

func TestStrength(t *testing.T) {
	tests := []struct {
		pw       string
		min, max int // expected score range
	}{
		{"", 0, 0},
		{"123456", 0, 0},
		{"password", 0, 0},
		{"Password123", 0, 0},  // listed, whatever the case
		{"Qwerty123456", 0, 0}, // listed
		{"Password123!", 0, 1}, // listed word + short suffix
		{"Iloveyou2024", 0, 1},
		{"aaaaaaaaaaaaaaaa", 0, 0},
		{"abcdefghijklmnop", 0, 0},
		{"9876543210abcdef", 0, 1},
		{"Abc1!Abc1!Abc1!Abc1!", 0, 2},
		{"qzmxkw", 1, 2},
		{"Xk9#mQ2$vL", 4, 4},
		{"correct horse battery staple", 4, 4},
		{"Äpfelbäume1", 4, 4},
		{"Abcdefghij\xff", 0, 0},
	}
	for _, tt := range tests {
		e := Strength([]byte(tt.pw))
		if e.Score < tt.min || e.Score > tt.max {
			t.Errorf("Strength(%q) = %+v, want score in [%d, %d]", tt.pw, e, tt.min, tt.max)
		}
		if e.Label != labels[e.Score] {
			t.Errorf("Strength(%q) label %q does not match score %d", tt.pw, e.Label, e.Score)
		}
	}
}

func TestStrengthOrdering(t *testing.T) {
	// Each pair: the first must be estimated as needing fewer guesses.
	pairs := [][2]string{
		{"password", "drowssap"},
		{"Password1!", "Xk9#mQ2$vL"},
		{"aaaaaaaaaa", "akqpzmxwnr"},
		{"abcdefghij", "akqpzmxwnr"},
		{"Abc1!Abc1!", "Abc1!Xyz2?"},
		{"Xk9#mQ2$vL", "Xk9#mQ2$vLp"},
	}
	for _, p := range pairs {
		a, b := Strength([]byte(p[0])), Strength([]byte(p[1]))
		if a.Guesses >= b.Guesses {
			t.Errorf("Strength(%q).Guesses = %.2f, not below Strength(%q).Guesses = %.2f", p[0], a.Guesses, p[1], b.Guesses)
		}
	}
}

func TestStrengthThresholds(t *testing.T) {
	for _, tt := range []struct {
		g     float64
		score int
	}{{0, 0}, {5.99, 0}, {6, 1}, {7.99, 1}, {8, 2}, {10, 3}, {11.99, 3}, {12, 4}, {300, 4}} {
		if e := fromGuesses(tt.g, false); e.Score != tt.score || e.Label != labels[tt.score] {
			t.Errorf("fromGuesses(%v) = %+v, want score %d", tt.g, e, tt.score)
		}
	}
	if e := fromGuesses(20, true); e.Score != 0 || e.Label != "very weak" {
		t.Errorf("compromised estimate = %+v, want very weak", e)
	}
}

func TestStrengthNFC(t *testing.T) {
	a := Strength([]byte("Äpfelbäume1"))
	b := Strength([]byte("A\u0308pfelba\u0308ume1"))
	if a != b {
		t.Errorf("NFC %+v != NFD %+v", a, b)
	}
}

func BenchmarkStrength(b *testing.B) {
	pw := []byte("Correct horse battery 9")
	ranks()
	b.ReportAllocs()
	for b.Loop() {
		_ = Strength(pw)
	}
}
