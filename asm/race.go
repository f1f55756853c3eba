//go:build race

package asm

import (
	"runtime"
	"unsafe"
)

// raceRead tells the race detector that assembly reads s.
func raceRead(s []float32) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&s[0]), len(s)*4)
	}
}

// raceWrite tells the race detector that assembly writes s.
func raceWrite(s []float32) {
	if len(s) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s[0]), len(s)*4)
	}
}
