package main

import (
	"os"
	"strings"
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
// goroutine to its thread first).
func threadCPU() time.Duration { return rusage(1) } // RUSAGE_THREAD

// loadAverage returns the 1, 5 and 15 minute load averages, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
