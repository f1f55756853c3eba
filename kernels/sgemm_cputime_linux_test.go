//go:build linux

package kernels

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used. On
// a machine shared with other work, GFLOP per CPU-second tracks the code,
// while GFLOP per wall-second tracks the load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
