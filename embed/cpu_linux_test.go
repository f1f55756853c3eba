package embed

import (
	"syscall"
	"time"
)

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU returns the CPU time of the process so far.
func processCPU() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// threadCPU returns the CPU time of the calling OS thread so far (lock the
// goroutine to its thread).
func threadCPU() time.Duration { return rusage(1) } // RUSAGE_THREAD
