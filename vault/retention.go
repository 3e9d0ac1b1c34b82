package vault

import "time"

// keepBackups is the backup retention policy. Of gens (newest first) it
// keeps the newest recent ones and, for each of the last days days up to
// now (calendar days in now's time zone), the newest generation written
// that day. at returns when a generation was written (its header's
// Updated); it is called for the oldest recent generation, whose day is
// then covered, and for each older one. A generation whose time cannot be
// read is kept: a failed read must not cost history.
func keepBackups(gens []uint64, at func(gen uint64) (time.Time, bool), now time.Time, recent, days int) map[uint64]bool {
	keep := make(map[uint64]bool, len(gens))
	for _, gen := range gens[:min(recent, len(gens))] {
		keep[gen] = true
	}
	if days <= 0 || len(gens) <= recent {
		return keep
	}
	loc := now.Location()
	dayOf := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	since := dayOf(now).AddDate(0, 0, 1-days)
	seen := make(map[time.Time]bool, days+1)
	if recent > 0 {
		if t, ok := at(gens[recent-1]); ok {
			seen[dayOf(t)] = true
		}
	}
	for _, gen := range gens[recent:] {
		t, ok := at(gen)
		if !ok {
			keep[gen] = true
			continue
		}
		if t.Before(since) || seen[dayOf(t)] {
			continue
		}
		seen[dayOf(t)] = true
		keep[gen] = true
	}
	return keep
}

// backupTime returns when generation gen was written: the Updated time of
// its header.
func (s store) backupTime(gen uint64) (time.Time, bool) {
	b, err := s.o.fs.ReadFile(s.backupPath(gen), maxFileSize)
	if err != nil {
		return time.Time{}, false
	}
	p, err := parse(b)
	if err != nil {
		return time.Time{}, false
	}
	return p.hdr.Updated, true
}
