//go:build linux

package cputime

import "time"

const threadKnown = true

// rusageThread is Linux's RUSAGE_THREAD, which package syscall lacks.
const rusageThread = 1

// Thread returns the user plus system CPU time the calling OS thread has
// used (hold runtime.LockOSThread around the measurement), or 0 where it
// cannot be measured.
func Thread() time.Duration { return rusage(rusageThread) }
