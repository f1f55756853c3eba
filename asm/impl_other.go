//go:build !gc || purego || noasm || !(amd64 || arm64)

package asm

// archLevels reports no vector levels: this build runs the generic code.
func archLevels() []Level { return nil }
