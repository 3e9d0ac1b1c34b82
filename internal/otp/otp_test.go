package otp

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	potp "github.com/pquerna/otp"
	photp "github.com/pquerna/otp/hotp"
	ptotp "github.com/pquerna/otp/totp"
)

// readVectors returns the whitespace-separated fields of each non-comment
// line of testdata/name.
func readVectors(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Fields(line))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var rfc4226Secret = []byte("12345678901234567890")

func TestHOTPRFC4226(t *testing.T) {
	rows := readVectors(t, "rfc4226.txt")
	if len(rows) != 10 {
		t.Fatalf("rfc4226.txt has %d vectors, want the complete table of 10", len(rows))
	}
	for _, r := range rows {
		count := uint64(atoi(t, r[0]))
		mac := hmac.New(sha1.New, rfc4226Secret)
		binary.Write(mac, binary.BigEndian, count)
		if got := hex.EncodeToString(mac.Sum(nil)); got != r[1] {
			t.Errorf("count %d: HMAC = %s, want %s", count, got, r[1])
		}
		if got := truncate(rfc4226Secret, count, SHA1); strconv.Itoa(int(got)) != r[2] {
			t.Errorf("count %d: truncated = %d, want %s", count, got, r[2])
		}
		if got := HOTP(rfc4226Secret, count, 6, SHA1); got != r[3] {
			t.Errorf("HOTP(count %d) = %s, want %s", count, got, r[3])
		}
	}
}

// TestHOTPLongCodes checks 7 to 10 digit codes against the RFC 4226
// truncated values: the value modulo 10^digits, zero-padded.
func TestHOTPLongCodes(t *testing.T) {
	for _, r := range readVectors(t, "rfc4226.txt") {
		count := uint64(atoi(t, r[0]))
		for digits := 7; digits <= 10; digits++ {
			v, _ := strconv.ParseUint(r[2], 10, 64)
			mod := uint64(1)
			for range digits {
				mod *= 10
			}
			want := fmt.Sprintf("%0*d", digits, v%mod)
			if got := HOTP(rfc4226Secret, count, digits, SHA1); got != want {
				t.Errorf("HOTP(count %d, %d digits) = %s, want %s", count, digits, got, want)
			}
		}
	}
}

var rfc6238Seeds = map[Algorithm][]byte{
	SHA1:   []byte("12345678901234567890"),
	SHA256: []byte("12345678901234567890123456789012"),
	SHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
}

func TestTOTPRFC6238(t *testing.T) {
	rows := readVectors(t, "rfc6238.txt")
	if len(rows) != 18 {
		t.Fatalf("rfc6238.txt has %d vectors, want the complete table of 18", len(rows))
	}
	for alg, seed := range rfc6238Seeds {
		if want := map[Algorithm]int{SHA1: 20, SHA256: 32, SHA512: 64}[alg]; len(seed) != want {
			t.Fatalf("%s seed has %d bytes, want %d", alg, len(seed), want)
		}
	}
	for _, r := range rows {
		sec, _ := strconv.ParseInt(r[0], 10, 64)
		tm := time.Unix(sec, 0)
		alg := Algorithm(r[4])
		if got := tm.UTC().Format(time.RFC3339); got != r[1] {
			t.Errorf("%d: UTC = %s, want %s", sec, got, r[1])
		}
		if got := fmt.Sprintf("%016X", Counter(tm, 30)); got != r[2] {
			t.Errorf("%d: T = %s, want %s", sec, got, r[2])
		}
		if got := TOTP(rfc6238Seeds[alg], tm, 30, 8, alg); got != r[3] {
			t.Errorf("TOTP(%d, %s) = %s, want %s", sec, alg, got, r[3])
		}
	}
}

// TestCrossCheckPquerna compares HOTP and TOTP with github.com/pquerna/otp,
// an independent implementation, on random inputs.
func TestCrossCheckPquerna(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	algs := map[Algorithm]potp.Algorithm{SHA1: potp.AlgorithmSHA1, SHA256: potp.AlgorithmSHA256, SHA512: potp.AlgorithmSHA512}
	digits := map[int]potp.Digits{6: potp.DigitsSix, 8: potp.DigitsEight}
	for i := range 300 {
		secret := make([]byte, 10+rng.IntN(60))
		for j := range secret {
			secret[j] = byte(rng.Uint32())
		}
		alg := []Algorithm{SHA1, SHA256, SHA512}[i%3]
		d := []int{6, 8}[rng.IntN(2)]
		period := []int{30, 60, 15, 1}[rng.IntN(4)]
		tm := time.Unix(rng.Int64N(1<<34), rng.Int64N(1e9))
		counter := rng.Uint64() >> rng.IntN(64)
		b32 := EncodeSecret(secret)

		want, err := ptotp.GenerateCodeCustom(b32, tm, ptotp.ValidateOpts{Period: uint(period), Digits: digits[d], Algorithm: algs[alg]})
		if err != nil {
			t.Fatal(err)
		}
		if got := TOTP(secret, tm, period, d, alg); got != want {
			t.Errorf("TOTP(%x, %v, %d, %d, %s) = %s, pquerna says %s", secret, tm.Unix(), period, d, alg, got, want)
		}
		want, err = photp.GenerateCodeCustom(b32, counter, photp.ValidateOpts{Digits: digits[d], Algorithm: algs[alg]})
		if err != nil {
			t.Fatal(err)
		}
		if got := HOTP(secret, counter, d, alg); got != want {
			t.Errorf("HOTP(%x, %d, %d, %s) = %s, pquerna says %s", secret, counter, d, alg, got, want)
		}
	}
}

// steamByHand computes a Steam Guard code without the package's HMAC
// helpers: RFC 4226 truncation written out, then repeated mod 26.
func steamByHand(secret []byte, unix int64) string {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(unix/30))
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	o := int(sum[19] & 0xf)
	v := int(sum[o]&0x7f)<<24 | int(sum[o+1])<<16 | int(sum[o+2])<<8 | int(sum[o+3])
	var code strings.Builder
	for range 5 {
		code.WriteByte("23456789BCDFGHJKMNPQRTVWXY"[v%26])
		v /= 26
	}
	return code.String()
}

func TestSteamVectors(t *testing.T) {
	for _, r := range readVectors(t, "steam.txt") {
		sec, _ := strconv.ParseInt(r[1], 10, 64)
		if got := Steam([]byte(r[0]), time.Unix(sec, 0)); got != r[2] {
			t.Errorf("Steam(%q, %d) = %s, want %s", r[0], sec, got, r[2])
		}
	}
}

func TestSteamCrossCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		secret := make([]byte, 20)
		for j := range secret {
			secret[j] = byte(rng.Uint32())
		}
		tm := time.Unix(rng.Int64N(1<<33), 0)
		got := Steam(secret, tm)
		if want := steamByHand(secret, tm.Unix()); got != want {
			t.Fatalf("Steam(%x, %d) = %s, by hand %s", secret, tm.Unix(), got, want)
		}
		want, err := ptotp.GenerateCodeCustom(EncodeSecret(secret), tm, ptotp.ValidateOpts{
			Period: 30, Digits: 5, Algorithm: potp.AlgorithmSHA1, Encoder: potp.EncoderSteam})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("Steam(%x, %d) = %s, pquerna says %s", secret, tm.Unix(), got, want)
		}
	}
}

func TestRemaining(t *testing.T) {
	tests := []struct {
		t      time.Time
		period int
		want   time.Duration
	}{
		{time.Unix(0, 0), 30, 30 * time.Second},
		{time.Unix(59, 0), 30, 1 * time.Second},
		{time.Unix(60, 0), 30, 30 * time.Second},
		{time.Unix(59, 500_000_000), 30, 500 * time.Millisecond},
		{time.Unix(1111111109, 0), 30, 1 * time.Second},
		{time.Unix(100, 0), 60, 20 * time.Second},
		{time.Unix(-1, 0), 30, 1 * time.Second},
		{time.Unix(100, 0), 0, 0},
	}
	for _, tt := range tests {
		if got := Remaining(tt.t, tt.period); got != tt.want {
			t.Errorf("Remaining(%v, %d) = %v, want %v", tt.t.UnixNano(), tt.period, got, tt.want)
		}
	}
}

func TestKeyCode(t *testing.T) {
	now := time.Unix(1111111111, 0)
	tests := []struct {
		key  Key
		want string
	}{
		{Key{Type: TypeTOTP, Secret: rfc6238Seeds[SHA256], Algorithm: SHA256, Digits: 8, Period: 30}, "67062674"},
		{Key{Type: TypeHOTP, Secret: rfc4226Secret, Algorithm: SHA1, Digits: 6, Counter: 9}, "520489"},
		{Key{Type: TypeSteam, Secret: rfc4226Secret, Algorithm: SHA1, Digits: 5, Period: 30}, Steam(rfc4226Secret, now)},
		{Key{Type: TypeTOTP, Secret: rfc4226Secret, Algorithm: "MD5", Digits: 6, Period: 30}, ""},
		{Key{Type: TypeTOTP, Secret: rfc4226Secret, Algorithm: SHA1, Digits: 6, Period: 0}, ""},
		{Key{Type: TypeTOTP, Secret: nil, Algorithm: SHA1, Digits: 6, Period: 30}, ""},
		{Key{Type: TypeHOTP, Issuer: " spaced\t", Secret: rfc4226Secret, Algorithm: SHA1, Digits: 6, Counter: 9}, "520489"},
	}
	for _, tt := range tests {
		if got := tt.key.Code(now); got != tt.want {
			t.Errorf("%v.Code() = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestWeak(t *testing.T) {
	for n, want := range map[int]bool{10: true, 15: true, 16: false, 20: false} {
		k := Key{Secret: make([]byte, n)}
		if got := k.Weak(); got != want {
			t.Errorf("Weak() with %d-byte secret = %v, want %v", n, got, want)
		}
	}
}

// TestKeyRedacts checks that no way of printing or logging a Key shows the
// secret.
func TestKeyRedacts(t *testing.T) {
	secret := []byte("very secret bytes!!!")
	k := Key{Type: TypeTOTP, Issuer: "ACME", Account: "alice", Secret: secret, Algorithm: SHA1, Digits: 6, Period: 30}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		out = append(out, fmt.Sprintf(verb, k), fmt.Sprintf(verb, &k), fmt.Sprintf(verb, []*Key{&k}))
	}
	out = append(out, fmt.Sprint(k), fmt.Sprintln(&k))
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "k", k, "p", &k)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "k", k)
	out = append(out, logged.String())
	forms := []string{string(secret), EncodeSecret(secret), hex.EncodeToString(secret), fmt.Sprint(secret)[1:10]}
	for _, o := range out {
		if !strings.Contains(o, "ACME") {
			t.Errorf("output %q does not describe the key", o)
		}
		for _, f := range forms {
			if strings.Contains(strings.ToLower(o), strings.ToLower(f)) {
				t.Errorf("output %q contains the secret as %q", o, f)
			}
		}
	}
}

func TestDecodeSecret(t *testing.T) {
	tests := []struct {
		in   string
		want string // hex, or "error"
	}{
		{"JBSWY3DPEHPK3PXP", "48656c6c6f21deadbeef"},
		{"jbswy3dpehpk3pxp", "48656c6c6f21deadbeef"},
		{"jbsw y3dp ehpk 3pxp", "48656c6c6f21deadbeef"},
		{"JBSW-Y3DP-EHPK-3PXP", "48656c6c6f21deadbeef"},
		{"MZXW6===", "666f6f"},
		{"MZXW6", "666f6f"},
		{"mzxw6\n", "666f6f"},
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", hex.EncodeToString(rfc4226Secret)},
		{"", "error"},
		{"  - ", "error"},
		{"====", "error"},
		{"JBSWY3DPEHPK3PX1", "error"}, // 1 is not base32
		{"JBSWY3DPEHPK3PX0", "error"},
		{"MZ=XW6", "error"},
		{"A", "error"},   // impossible length
		{"ABC", "error"}, // impossible length
		{"ABCDEF", "error"},
		{"JBSWY3DPé", "error"},
	}
	for _, tt := range tests {
		got, err := DecodeSecret(tt.in)
		switch {
		case tt.want == "error" && err == nil:
			t.Errorf("DecodeSecret(%q) = %x, want error", tt.in, got)
		case tt.want != "error" && err != nil:
			t.Errorf("DecodeSecret(%q): %v", tt.in, err)
		case tt.want != "error" && hex.EncodeToString(got) != tt.want:
			t.Errorf("DecodeSecret(%q) = %x, want %s", tt.in, got, tt.want)
		}
	}
	if _, err := DecodeSecret("JBSWY3DPEHPK3PX1"); err == nil || strings.Contains(err.Error(), "JBSW") {
		t.Errorf("error %v repeats the secret", err)
	}
}

func TestEncodeSecret(t *testing.T) {
	if got := EncodeSecret([]byte("Hello!\xde\xad\xbe\xef")); got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("EncodeSecret = %s", got)
	}
	if got := EncodeSecret([]byte("foo")); got != "MZXW6" {
		t.Errorf("EncodeSecret(foo) = %s, want MZXW6 (no padding)", got)
	}
}

func BenchmarkTOTP(b *testing.B) {
	secret := rfc6238Seeds[SHA1]
	now := time.Unix(1234567890, 0)
	for b.Loop() {
		TOTP(secret, now, 30, 6, SHA1)
	}
}
