// Package asm holds facecluster's SIMD primitives: for each one a generic Go
// reference that is always compiled, AVX2+FMA and AVX-512 versions generated
// by gen/asm (avo) for amd64, and hand-written NEON versions for arm64.
//
// The instruction-set level is chosen once, at package initialisation, from
// the CPU features reported by github.com/klauspost/cpuid/v2. The environment
// variable FACECLUSTER_ISA (generic, avx2, avx512, neon) caps it, and the
// build tags purego or noasm force the generic code. ISA reports the level in
// use.
//
// Primitives trust their inputs: they never allocate, never panic on their
// own and read only the lengths their doc comments name. Callers (kernels,
// vec) check shapes.
package asm

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
)

// Level is an instruction-set level.
type Level uint8

// The levels, in order of preference within an architecture. Generic is
// available everywhere; AVX2 and AVX512 only on amd64, NEON only on arm64.
const (
	Generic Level = iota // portable Go
	AVX2                 // AVX2 + FMA3 (+ AVX)
	AVX512               // AVX-512 F, BW, DQ, VL (+ AVX2, FMA3)
	NEON                 // arm64 Advanced SIMD
	numLevels
)

var levelNames = [numLevels]string{"generic", "avx2", "avx512", "neon"}

// String returns the level's name as FACECLUSTER_ISA spells it.
func (l Level) String() string {
	if l < numLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// ParseLevel returns the level with the given name (case-insensitive).
func ParseLevel(name string) (Level, error) {
	for l, n := range levelNames {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return Level(l), nil
		}
	}
	return Generic, fmt.Errorf("asm: unknown ISA level %q (want generic, avx2, avx512 or neon)", name)
}

// EnvISA is the environment variable that caps the level.
const EnvISA = "FACECLUSTER_ISA"

var (
	// supported lists, in ascending order, the levels this CPU and build
	// can run, below the FACECLUSTER_ISA cap. supported[0] is Generic.
	supported []Level
	// active is the level the exported primitives dispatch to.
	active atomic.Uint32
	// capErr records an unusable FACECLUSTER_ISA value.
	capErr error
)

func init() {
	hw := append([]Level{Generic}, archLevels()...)
	supported, capErr = applyCap(hw, os.Getenv(EnvISA))
	active.Store(uint32(supported[len(supported)-1]))
}

// applyCap keeps the levels of hw (ascending) at or below the level named by
// env. An empty env keeps all of hw. An unknown name, or a level of another
// architecture, keeps only Generic, the conservative choice, and is reported
// as an error.
func applyCap(hw []Level, env string) ([]Level, error) {
	if strings.TrimSpace(env) == "" {
		return hw, nil
	}
	want, err := ParseLevel(env)
	if err != nil {
		return hw[:1], err
	}
	if want != Generic && levelArch(want) != runtime.GOARCH {
		return hw[:1], fmt.Errorf("asm: %s=%s is not a %s level; using generic", EnvISA, want, runtime.GOARCH)
	}
	n := 0
	for n < len(hw) && hw[n] <= want {
		n++
	}
	return hw[:n], nil
}

// levelArch returns the GOARCH a vector level runs on.
func levelArch(l Level) string {
	switch l {
	case AVX2, AVX512:
		return "amd64"
	case NEON:
		return "arm64"
	}
	return ""
}

// ISA reports the level the primitives currently use.
func ISA() Level { return Level(active.Load()) }

// Levels returns the levels this CPU and build can run, ascending, capped by
// FACECLUSTER_ISA. The first is always Generic; the last is the default.
func Levels() []Level { return append([]Level(nil), supported...) }

// CapError reports why FACECLUSTER_ISA could not be honoured as written, or
// nil.
func CapError() error { return capErr }

// ErrUnsupported is returned by SetISA for a level this machine cannot run.
var ErrUnsupported = errors.New("asm: ISA level not supported here")

// SetISA switches every primitive to level l and returns the level that was
// in use. It is meant for tests, benchmarks and support; calls already
// running finish at the old level. A level missing from Levels is refused.
func SetISA(l Level) (prev Level, err error) {
	for _, s := range supported {
		if s == l {
			return Level(active.Swap(uint32(l))), nil
		}
	}
	return ISA(), fmt.Errorf("%w: %s (have %v)", ErrUnsupported, l, supported)
}
