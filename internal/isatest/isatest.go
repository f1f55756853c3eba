// Package isatest runs a test or benchmark once per instruction-set level
// this machine supports, so that every implementation is checked against the
// generic reference in one `go test` run.
//
// FACECLUSTER_REQUIRE_ISA (a comma-separated list such as "avx512,avx2")
// turns a missing level into a failure instead of a silent skip; CI sets it
// on machines known to have those levels.
package isatest

import (
	"os"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/asm"
)

// EnvRequire names the variable listing levels that must be present.
const EnvRequire = "FACECLUSTER_REQUIRE_ISA"

// Require fails t if a level named in FACECLUSTER_REQUIRE_ISA is not among
// asm.Levels, or if FACECLUSTER_ISA could not be honoured.
func Require(t testing.TB) {
	t.Helper()
	if err := asm.CapError(); err != nil {
		t.Errorf("isatest: %v", err)
	}
	for _, name := range strings.Split(os.Getenv(EnvRequire), ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		l, err := asm.ParseLevel(name)
		if err != nil {
			t.Fatalf("isatest: %s: %v", EnvRequire, err)
		}
		if !has(asm.Levels(), l) {
			t.Fatalf("isatest: %s requires %s, but this machine and build run only %v", EnvRequire, l, asm.Levels())
		}
	}
}

func has(ls []asm.Level, l asm.Level) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// ForEach runs f as a subtest named after each supported level, with every
// asm primitive switched to that level for its duration. The subtests must
// not call t.Parallel.
func ForEach(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	Require(t)
	for _, l := range asm.Levels() {
		t.Run(l.String(), func(t *testing.T) {
			defer use(t, l)()
			f(t)
		})
	}
}

// ForEachB is ForEach for benchmarks.
func ForEachB(b *testing.B, f func(b *testing.B)) {
	b.Helper()
	Require(b)
	for _, l := range asm.Levels() {
		b.Run(l.String(), func(b *testing.B) {
			defer use(b, l)()
			f(b)
		})
	}
}

// use switches to l and returns the function that switches back.
func use(t testing.TB, l asm.Level) func() {
	prev, err := asm.SetISA(l)
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := asm.SetISA(prev); err != nil {
			t.Fatal(err)
		}
	}
}
