package recoverycodes

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"1. aaaa-1111\n2. bbbb-2222\n", []string{"aaaa-1111", "bbbb-2222"}},
		{"aaaa bbbb,cccc;dddd\r\neeee", []string{"aaaa", "bbbb", "cccc", "dddd", "eeee"}},
		{"- 1234 5678\n* 9012 3456\n• x", []string{"1234", "5678", "9012", "3456", "x"}},
		{"1.abcd 2)efgh 10. ijkl", []string{"abcd", "efgh", "ijkl"}},
		{"  \n\t ", nil},
	} {
		if got := Parse(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("1. aaaa-1111\n2. bbbb-2222")
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range Parse(s) {
			if c == "" || bulletRE.MatchString(c) {
				t.Fatalf("Parse(%q) returned %q", s, c)
			}
		}
	})
}

func TestReadRefusesNothingAndOverlongCodes(t *testing.T) {
	if _, err := Read(" \n, 1. \n"); !errors.Is(err, ErrNone) {
		t.Errorf("Read of bullets only: %v, want ErrNone", err)
	}
	if _, err := Read("abcd-1234 " + strings.Repeat("x", MaxLen+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("Read of a 129-byte code: %v, want ErrTooLong", err)
	}
	if got, err := Read("1. abcd-1234\n2. efgh-5678"); err != nil || len(got) != 2 {
		t.Errorf("Read = %q, %v", got, err)
	}
}
