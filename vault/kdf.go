package vault

import (
	"runtime/debug"
	"time"

	"golang.org/x/crypto/argon2"
)

// CalibrateKDF returns the cost of a new password slot on this machine:
// DefaultKDF's memory and lanes, with as many passes as make one
// derivation in a fresh process take about target (at least
// DefaultKDF.Time, at most what the bounds allow). It times at most two
// derivations, of three passes and of one (about target × 1.6 on a machine
// that needs more than three passes, target or more on one that does not).
//
// Lanes stay DefaultKDF.Threads (4) whatever the cores: they are part of
// the derivation, so a slot must open the same on a machine with fewer
// cores, and a machine with more derives faster, which only the defender
// gains from.
func CalibrateKDF(target time.Duration) KDFParams {
	return calibrate(target, timeKDF)
}

// calibrate is CalibrateKDF with the timing of one derivation passed in.
//
// A derivation costs fixed + passes × pass, where fixed is mostly the
// kernel handing the process its memory (at 128 MiB on a 2-core VM, about
// seven passes' worth). Three passes (the floor) are timed first, and are
// the answer if they already reach target; else one pass gives the slope.
// A busy machine makes either timing noisy, so the pass estimate is held
// between a third of the three-pass time and an eleventh of the one-pass
// time (fixed at most ten passes): noise then errs towards fewer passes.
func calibrate(target time.Duration, measure func(KDFParams) time.Duration) KDFParams {
	k := DefaultKDF
	three := measure(k)
	if three >= target {
		return k
	}
	k.Time = 1
	one := measure(k)
	pass := min(max((three-one)/2, one/11), three/3)
	fixed := max(one-pass, 0)
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

// timeKDF times one derivation of cost k from memory returned to the
// system, as a password unlock in a fresh process pays for it.
func timeKDF(k KDFParams) time.Duration {
	debug.FreeOSMemory()
	salt := make([]byte, 16)
	start := time.Now()
	argon2.IDKey([]byte("otter calibration"), salt, k.Time, k.Memory, k.Threads, keyLen)
	return time.Since(start)
}
