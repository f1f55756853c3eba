//go:build gc && !purego && !noasm

package asm

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// avoFeatures maps the feature names avo writes in "// Requires:" lines to
// cpuid's. The amd64 baseline (SSE, SSE2, CMOV, MMX+) needs no gate.
var avoFeatures = map[string]cpuid.FeatureID{
	"AVX": cpuid.AVX, "AVX2": cpuid.AVX2, "FMA3": cpuid.FMA3,
	"AVX512F": cpuid.AVX512F, "AVX512BW": cpuid.AVX512BW,
	"AVX512DQ": cpuid.AVX512DQ, "AVX512VL": cpuid.AVX512VL,
	"BMI": cpuid.BMI1, "BMI2": cpuid.BMI2, "POPCNT": cpuid.POPCNT,
	"SSE3": cpuid.SSE3, "SSSE3": cpuid.SSSE3, "SSE4.1": cpuid.SSE4, "SSE4.2": cpuid.SSE42,
}

// avo tags PREFETCHT0/T1/T2/NTA "MMX+" (AMD's MMX extensions, where they
// first appeared); they are SSE instructions, x86-64 baseline.
var baseline = []string{"SSE", "SSE2", "CMOV", "MMX+"}

// TestGatesCoverRequires checks, for every generated function, that the
// gate of the level its name carries includes every feature avo says it
// requires, so that dispatch never runs an instruction the CPU may lack.
func TestGatesCoverRequires(t *testing.T) {
	files, err := filepath.Glob("*_amd64.s")
	if err != nil || len(files) == 0 {
		t.Fatalf("no amd64 assembly found: %v", err)
	}
	text := regexp.MustCompile(`^TEXT\s+·(\w+)\(SB\)`)
	checked := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		var requires []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if r, ok := strings.CutPrefix(line, "// Requires:"); ok {
				requires = strings.Split(r, ",")
				continue
			}
			m := text.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			fn := m[1]
			level := levelOf(fn)
			if level == Generic {
				t.Errorf("%s: %s: name names no level (want an AVX2 or AVX512 suffix)", name, fn)
			}
			gate := levelFeatures[level]
			for _, req := range requires {
				req = strings.TrimSpace(req)
				if slices.Contains(baseline, req) {
					continue
				}
				id, ok := avoFeatures[req]
				if !ok {
					t.Errorf("%s: %s requires %s, which the test does not know", name, fn, req)
					continue
				}
				if !slices.Contains(gate, id) {
					t.Errorf("%s: %s requires %s, missing from the %v gate", name, fn, req, level)
				}
			}
			requires = nil
			checked++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if checked == 0 {
		t.Fatal("no TEXT symbols found")
	}
}

// levelOf reads the level from a function name such as dotAVX512 or
// sgemmKernelAVX2_6x16.
func levelOf(fn string) Level {
	switch {
	case strings.Contains(fn, "AVX512"):
		return AVX512
	case strings.Contains(fn, "AVX2"):
		return AVX2
	}
	return Generic
}
