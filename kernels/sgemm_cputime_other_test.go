//go:build !linux

package kernels

import "time"

// processCPU is unknown here: the CPU-time metric is not reported.
func processCPU() time.Duration { return 0 }
