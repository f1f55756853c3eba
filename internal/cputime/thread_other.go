//go:build !linux

package cputime

import "time"

const threadKnown = false

// Thread returns the user plus system CPU time the calling OS thread has
// used (hold runtime.LockOSThread around the measurement), or 0 where it
// cannot be measured.
func Thread() time.Duration { return 0 }
