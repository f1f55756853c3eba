//go:build gc && !purego && !noasm

package asm

// archLevels reports the vector levels this amd64 CPU can run.
func archLevels() []Level { return nil }
