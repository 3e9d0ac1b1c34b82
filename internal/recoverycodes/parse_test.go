package recoverycodes

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixture reads testdata/NAME.txt without its "#" comment lines (where the
// format comes from) and the codes of NAME.want, one a line.
func fixture(t testing.TB, path string) (in string, want []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	w, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".want")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, ""), strings.Split(strings.TrimSpace(string(w)), "\n")
}

func TestParseSites(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.txt")
	if len(paths) < 10 {
		t.Fatalf("found %d fixtures, want one per site", len(paths))
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txt"), func(t *testing.T) {
			in, want := fixture(t, p)
			if got := Parse(in); !reflect.DeepEqual(got, want) {
				t.Errorf("Parse = %q\nwant    %q", got, want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"1. aaaa-1111\n2. bbbb-2222\n", []string{"aaaa-1111", "bbbb-2222"}},
		{"aaaa1 bbbb2,cccc3;dddd4\r\neeee5", []string{"aaaa1", "bbbb2", "cccc3", "dddd4", "eeee5"}},
		// Google's "1234 5678" is one code, also in a list or two columns.
		{"- 1234 5678\n* 9012 3456\n• abcdefgh", []string{"1234 5678", "9012 3456", "abcdefgh"}},
		{"1234 5678\t2345 6789", []string{"1234 5678", "2345 6789"}},
		{"1234 5678, 2345 6789", []string{"1234 5678", "2345 6789"}},
		// A bullet, glued or not, ends a code: no pairs across items.
		{"1.abcd 2)efgh 10. ijkl", []string{"abcd", "efgh", "ijkl"}},
		// Prose lines are skipped.
		{"Backup codes\nKEEP THESE SAFE\ngenerated 2024-01-15\nabcd-1234", []string{"abcd-1234"}},
		{"codes\nab12", []string{"ab12"}},
		// A code inside a sentence is kept when it cannot be a word.
		{"Your code is (ABCD-1234-EFGH).", []string{"ABCD-1234-EFGH"}},
		{"  \n\t ", nil},
	} {
		if got := Parse(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("1. aaaa-1111\n2. bbbb-2222")
	paths, _ := filepath.Glob("testdata/*.txt")
	for _, p := range paths {
		in, _ := fixture(f, p)
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range Parse(s) {
			if c == "" || bulletRE.MatchString(c) || strings.ContainsAny(c, ",;\r\n") || strings.TrimSpace(c) != c {
				t.Fatalf("Parse(%q) returned %q", s, c)
			}
		}
	})
}

func TestReadRefusesNothingAndOverlongCodes(t *testing.T) {
	if _, err := Read(" \n, 1. \n"); !errors.Is(err, ErrNone) {
		t.Errorf("Read of bullets only: %v, want ErrNone", err)
	}
	if _, err := Read("Backup codes\nKeep these safe!"); !errors.Is(err, ErrNone) {
		t.Errorf("Read of prose only: %v, want ErrNone", err)
	}
	if _, err := Read("abcd-1234 " + strings.Repeat("x1", MaxLen)); !errors.Is(err, ErrTooLong) {
		t.Errorf("Read of a 256-byte code: %v, want ErrTooLong", err)
	}
	if got, err := Read("1. abcd-1234\n2. efgh-5678"); err != nil || len(got) != 2 {
		t.Errorf("Read = %q, %v", got, err)
	}
}
