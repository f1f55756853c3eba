//go:build !linux

package main

import "time"

// Without getrusage's thread variant the CPU times read 0.
func processCPU() time.Duration { return 0 }

func threadCPU() time.Duration { return 0 }

func loadAverage() string { return "" }
