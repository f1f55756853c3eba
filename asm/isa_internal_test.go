package asm

import (
	"runtime"
	"slices"
	"testing"
)

func TestApplyCap(t *testing.T) {
	var hw []Level
	other := NEON
	switch runtime.GOARCH {
	case "amd64":
		hw = []Level{Generic, AVX2, AVX512}
	case "arm64":
		hw, other = []Level{Generic, NEON}, AVX2
	default:
		hw = []Level{Generic}
	}
	best := hw[len(hw)-1]
	for _, c := range []struct {
		env     string
		want    []Level
		wantErr bool
	}{
		{"", hw, false},
		{"  ", hw, false},
		{"generic", hw[:1], false},
		{"GENERIC", hw[:1], false},
		{best.String(), hw, false},
		{"bogus", hw[:1], true},
		{other.String(), hw[:1], true},
	} {
		got, err := applyCap(hw, c.env)
		if !slices.Equal(got, c.want) || (err != nil) != c.wantErr {
			t.Errorf("applyCap(%v, %q) = %v, %v; want %v, err %v", hw, c.env, got, err, c.want, c.wantErr)
		}
	}
	if runtime.GOARCH == "amd64" {
		got, err := applyCap(hw, "avx2")
		if !slices.Equal(got, []Level{Generic, AVX2}) || err != nil {
			t.Errorf("applyCap(avx2) = %v, %v", got, err)
		}
		// A CPU without AVX-512 capped at avx512 runs its best.
		got, err = applyCap([]Level{Generic, AVX2}, "avx512")
		if !slices.Equal(got, []Level{Generic, AVX2}) || err != nil {
			t.Errorf("applyCap(no avx512, avx512) = %v, %v", got, err)
		}
	}
}
