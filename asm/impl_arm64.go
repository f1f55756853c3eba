//go:build gc && !purego && !noasm

package asm

// archLevels reports the vector levels this arm64 CPU can run.
func archLevels() []Level { return nil }
