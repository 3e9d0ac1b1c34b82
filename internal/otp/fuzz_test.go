package otp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// checkKey asserts the invariants of a successfully parsed key: it is
// valid, produces a code of the right length, and survives a trip through
// URI and ParseURI.
func checkKey(t *testing.T, k *Key) {
	t.Helper()
	if err := k.Validate(); err != nil {
		t.Fatalf("parsed key %v fails Validate: %v", k, err)
	}
	want := k.Digits
	if k.Type == TypeSteam {
		want = steamDigits
	}
	if code := k.Code(time.Unix(1234567890, 0)); len(code) != want {
		t.Fatalf("key %v gives code %q, want %d characters", k, code, want)
	}
	uri := k.URI()
	again, err := ParseURI(uri)
	if err != nil {
		t.Fatalf("ParseURI(URI()) of %v: %v\nURI: %q", k, err, uri)
	}
	if !again.Equal(k) {
		t.Fatalf("round trip changed the key:\n%v\n%v\nURI: %q", k, again, uri)
	}
}

// checkError asserts that a parser failed with a *ParseError naming a field.
func checkError(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Field == "" || pe.Msg == "" {
		t.Fatalf("error %#v is not a *ParseError with a field", err)
	}
}

func FuzzParseURI(f *testing.F) {
	for _, line := range readLines(f, "uris.txt") {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseURI(s)
		if err != nil {
			checkError(t, err)
			return
		}
		checkKey(t, k)
	})
}

func FuzzParseMigration(f *testing.F) {
	for _, ex := range readMigrationExamples(f) {
		f.Add(ex.URI)
	}
	f.Add(migrationURI(payload([]wireParams{
		{secret: hello, name: "Label: carol", algorithm: 3, digits: 2, typ: 1, counter: 42},
		{secret: hello, name: "x:y", issuer: "i"},
	}, 1, 2, 1, -7)))
	f.Add("otpauth-migration://offline?data=")
	f.Fuzz(func(t *testing.T, s string) {
		keys, batch, err := ParseMigration(s)
		if err != nil {
			checkError(t, err)
			return
		}
		if len(keys) == 0 || batch == nil {
			t.Fatalf("ParseMigration = %d keys, batch %v, no error", len(keys), batch)
		}
		for _, k := range keys {
			checkKey(t, k)
		}
		uri, err := EncodeMigration(keys, *batch)
		if err != nil {
			t.Fatalf("EncodeMigration of parsed keys: %v", err)
		}
		again, b, err := ParseMigration(uri)
		if err != nil {
			t.Fatalf("ParseMigration(EncodeMigration()): %v", err)
		}
		if *b != *batch || len(again) != len(keys) {
			t.Fatalf("round trip changed the batch: %+v, %d keys; want %+v, %d keys", *b, len(again), *batch, len(keys))
		}
		for i := range keys {
			if !again[i].Equal(keys[i]) {
				t.Fatalf("round trip changed key %d:\n%v\n%v", i, keys[i], again[i])
			}
		}
	})
}

// readLines returns the non-comment lines of testdata/name.
func readLines(t testing.TB, name string) []string {
	var lines []string
	for _, fields := range readVectors(t, name) {
		lines = append(lines, strings.Join(fields, " "))
	}
	return lines
}
