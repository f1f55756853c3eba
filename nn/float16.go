package nn

import "math"

// Float16ToFloat32 widens IEEE-754 binary16 bits to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // zero
		return math.Float32frombits(sign)
	}
	// Subnormal: frac * 2^-24.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// Float32ToFloat16 returns the binary16 bits of f and whether the
// conversion is exact. Inexact conversions round to nearest even; callers
// that must be lossless check exact.
func Float32ToFloat16(f float32) (h uint16, exact bool) {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	frac := b & 0x7fffff
	switch {
	case exp == 0xff: // infinity or NaN
		h = sign | 0x7c00
		if frac != 0 {
			h |= 0x200 | uint16(frac>>13)
		}
		return h, frac == 0 || frac&0x1fff == 0
	case exp == 0 && frac == 0:
		return sign, true
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00, false // overflow to infinity
	}
	var mant uint32
	var shift uint
	if e <= 0 {
		// Subnormal half: value = mant * 2^-24.
		if e < -10 {
			return sign, false // underflow to zero
		}
		mant = frac | 0x800000
		shift = uint(14 - e)
		e = 0
	} else {
		mant = frac
		shift = 13
	}
	rem := mant & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	m := mant >> shift
	if rem > half || (rem == half && m&1 == 1) {
		m++ // may carry into the exponent, which is still correct
	}
	h = sign | uint16(e)<<10 + uint16(m)
	return h, rem == 0
}
