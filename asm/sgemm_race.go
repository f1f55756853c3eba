//go:build race

package asm

// sgemmRace reports a race-detector build: SgemmKernel.Run then tells the
// detector which memory the assembly touches.
const sgemmRace = true
