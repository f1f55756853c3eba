//go:build !linux

package embed

import "time"

// processCPU and threadCPU are 0 where getrusage's thread variant is
// missing: the benchmark's CPU metrics read 0.
func processCPU() time.Duration { return 0 }

func threadCPU() time.Duration { return 0 }
