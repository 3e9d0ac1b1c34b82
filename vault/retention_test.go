package vault

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Three writes a day for 60 days, on a fake clock: the 10 newest backups
// remain, and the last backup of each of the 30 days up to the last write.
func TestBackupRetentionOverSixtyDays(t *testing.T) {
	day0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := day0.Add(8 * time.Hour)
	o := &Options{AllowWeakKDF: true, Now: func() time.Time { return now }}
	c := newCreds(t)
	v, err := Create(filepath.Join(t.TempDir(), "vault.otter"), o, c.pw, c.rk) // generation 1
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	// Generation 2+3D+k is written on day D at hour 9, 12 or 18 (k = 0, 1, 2).
	for d := range 60 {
		for _, h := range []int{9, 12, 18} {
			now = day0.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour)
			addAccount(t, v, fmt.Sprint(d, h))
		}
	}
	if v.Generation() != 181 {
		t.Fatalf("generation %d, want 181", v.Generation())
	}
	var want []uint64
	for g := uint64(180); g >= 171; g-- { // the 10 newest
		want = append(want, g)
	}
	// 171 is day 56's second write, so day 56 is covered; days 30 to 55
	// keep their 18:00 write, generation 3D+4.
	for d := uint64(55); d >= 30; d-- {
		want = append(want, 3*d+4)
	}
	if got := v.st.backupGens(); !slices.Equal(got, want) {
		t.Errorf("backups kept:\n got %v\nwant %v", got, want)
	}
	b := open(t, v.st.backupPath(94), c.pw) // day 30, 18:00
	if n := len(b.Data().Live()); n != 93 {
		t.Errorf("backup 94 holds %d accounts, want 93", n)
	}
}

// A backup whose date cannot be read (a failed read) is kept; with a
// count (Options.Backups > 0) no date is read at all.
func TestKeepBackupsUnreadableTimes(t *testing.T) {
	gens := []uint64{9, 8, 7, 6, 5}
	none := func(uint64) (time.Time, bool) { return time.Time{}, false }
	if keep := keepBackups(gens, none, time.Now(), 2, 30); len(keep) != 5 {
		t.Errorf("kept %v, want all five", keep)
	}
	keep := keepBackups(gens, func(uint64) (time.Time, bool) { panic("read a date") }, time.Now(), 2, 0)
	if len(keep) != 2 || !keep[9] || !keep[8] {
		t.Errorf("kept %v, want 9 and 8", keep)
	}
	if keep := keepBackups(gens, none, time.Now(), 0, 0); len(keep) != 0 {
		t.Errorf("Backups < 0 kept %v", keep)
	}
}
