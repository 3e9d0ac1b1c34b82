package vault

import (
	"time"

	"golang.org/x/crypto/argon2"
)

// CalibrateKDF returns the cost of a new password slot on this machine:
// DefaultKDF's memory and lanes, with as many passes as make one
// derivation take about target (at least DefaultKDF.Time, at most what the
// bounds allow). It times two derivations, of one and two passes, so it
// costs about three passes of work (0.25 s where target is 0.5 s).
//
// Lanes stay DefaultKDF.Threads (4) whatever the cores: they are part of
// the derivation, so a slot must open the same on a machine with fewer
// cores, and a machine with more derives faster, which only the defender
// gains from.
func CalibrateKDF(target time.Duration) KDFParams {
	return calibrate(target, timeKDF)
}

// calibrate is CalibrateKDF with the timing of one derivation passed in.
// A derivation costs fixed + passes × pass: fixed is the allocation of
// the memory (page faults in a fresh process) and the first block fill.
// The pass estimate is held between a quarter and a half of the two-pass
// time, so that noise from a busy machine cannot make it absurd.
func calibrate(target time.Duration, measure func(KDFParams) time.Duration) KDFParams {
	k := DefaultKDF
	k.Time = 1
	one := measure(k)
	k.Time = 2
	two := measure(k)
	pass := min(max(two-one, two/4), two/2)
	fixed := two - 2*pass
	passes := uint32(0)
	if pass > 0 && target > fixed {
		passes = uint32(min((target-fixed+pass/2)/pass, maxKDFTime))
	}
	k.Time = min(max(passes, DefaultKDF.Time), maxKDFPasses(k.Memory))
	return k
}

// maxKDFPasses is the most passes the bounds allow at memory m KiB.
func maxKDFPasses(m uint32) uint32 {
	return min(maxKDFTime, maxKDFWork/m)
}

// timeKDF times one derivation of cost k.
func timeKDF(k KDFParams) time.Duration {
	salt := make([]byte, 16)
	start := time.Now()
	argon2.IDKey([]byte("otter calibration"), salt, k.Time, k.Memory, k.Threads, keyLen)
	return time.Since(start)
}
