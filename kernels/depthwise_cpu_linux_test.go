//go:build linux

package kernels_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used (user plus
// system), so that benchmarks on a shared machine can report throughput per
// CPU second beside wall-clock throughput. The caller must hold
// runtime.LockOSThread.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
