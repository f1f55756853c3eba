// Package devdata gives tests the labelled dev photos (../shared/DATA.md)
// and tells them when the run is slow (emulation, generic kernels), where
// they take fewer samples.
//
// The photos are read from FACECLUSTER_DATA/faces-dev (default
// ../shared/data beside the module root). A test that needs them is skipped
// with a message when they are absent, and fails instead when
// FACECLUSTER_REQUIRE_DATA=1 (CI sets it).
package devdata

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/asm"
)

// Environment variables read by this package.
const (
	EnvData        = "FACECLUSTER_DATA"
	EnvRequireData = "FACECLUSTER_REQUIRE_DATA"
	EnvEmulated    = "FACECLUSTER_EMULATED"
)

// Dir returns the faces-dev directory, skipping t when it is absent unless
// FACECLUSTER_REQUIRE_DATA=1.
func Dir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(EnvData)
	if root == "" {
		_, file, _, _ := runtime.Caller(0) // internal/devdata/devdata.go
		root = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data")
	}
	dir := filepath.Join(root, "faces-dev")
	if _, err := os.Stat(filepath.Join(dir, "labels.csv")); err != nil {
		if os.Getenv(EnvRequireData) == "1" {
			t.Fatalf("dev photos missing (%s=1): %v", EnvRequireData, err)
		}
		t.Skipf("dev photos not found in %s (set %s): %v", dir, EnvData, err)
	}
	return dir
}

// Slow reports whether tests should take fewer samples because the run is
// slow: under emulation (FACECLUSTER_EMULATED set to anything but "" or
// "0", or, on a non-x86 build, an x86 /proc/cpuinfo, which is what
// qemu-user shows the guest), with -short, or with the kernels at the
// generic level (purego/noasm builds, FACECLUSTER_ISA=generic), where the
// networks run about 20x slower.
func Slow() bool {
	if v := os.Getenv(EnvEmulated); v != "" {
		return v != "0"
	}
	if testing.Testing() && testing.Short() {
		return true
	}
	if asm.ISA() == asm.Generic {
		return true
	}
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" {
		return false
	}
	b, err := os.ReadFile("/proc/cpuinfo")
	return err == nil && strings.Contains(string(b), "vendor_id")
}
