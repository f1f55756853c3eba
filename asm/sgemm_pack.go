package asm

// sgemmPackBFunc is a vector B packing for slivers nr wide.
type sgemmPackBFunc struct {
	nr int
	fn func(kc, slivers int, b *float32, ldb int, dst *float32)
}

// sgemmPackBImpl holds, per level, the vector B packings (widths without
// one use the generic copy).
var sgemmPackBImpl [numLevels][]sgemmPackBFunc

// SgemmPackB copies a kc x slivers*nr block of row-major B (row stride ldb)
// into dst as slivers of nr columns, each stored k-major:
//
//	for s := 0; s < slivers; s++ {
//		for q := 0; q < kc; q++ {
//			copy(dst[s*nr*kc+q*nr:][:nr], b[q*ldb+s*nr:][:nr])
//		}
//	}
//
// It reads B row by row. It panics if b or dst is too short. A vector level
// with a kernel of width nr copies with vector registers; others use Go.
func SgemmPackB(nr, kc, slivers int, b []float32, ldb int, dst []float32) {
	if kc <= 0 || slivers <= 0 {
		return
	}
	if len(b) < (kc-1)*ldb+slivers*nr || len(dst) < slivers*nr*kc {
		panic("asm: SgemmPackB: slice too short")
	}
	for _, im := range sgemmPackBImpl[ISA()] {
		if im.nr != nr {
			continue
		}
		if sgemmRace {
			for q := range kc {
				raceRead(b[q*ldb : q*ldb+slivers*nr])
			}
			raceWrite(dst[:slivers*nr*kc])
		}
		im.fn(kc, slivers, &b[0], ldb, &dst[0])
		return
	}
	sgemmPackBGeneric(nr, kc, slivers, b, ldb, dst)
}

// sgemmPackBGeneric is the reference for SgemmPackB.
func sgemmPackBGeneric(nr, kc, slivers int, b []float32, ldb int, dst []float32) {
	for q := range kc {
		src := b[q*ldb : q*ldb+slivers*nr]
		for s := range slivers {
			copy(dst[s*nr*kc+q*nr:s*nr*kc+(q+1)*nr], src[s*nr:(s+1)*nr])
		}
	}
}
