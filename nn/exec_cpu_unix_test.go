//go:build unix

package nn_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user plus system) of the whole process,
// so that benchmarks on a shared, loaded machine can report the work of an
// inference beside its wall-clock latency.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
