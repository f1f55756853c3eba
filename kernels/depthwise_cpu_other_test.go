//go:build !linux

package kernels_test

import "time"

func threadCPU() (time.Duration, bool) { return 0, false }
