package asm

// Element-wise primitives: the residual add with a fused clamp, and the
// clamp alone (ReLU is [0, +Inf], ReLU6 [0, 6], none [-Inf, +Inf]).

var (
	addClampImpl = dwTable(addClampGeneric)
	clampImpl    = dwTable(clampGeneric)
)

// AddClamp sets out[i] = min(max(a[i]+b[i], lo), hi) for i < len(a); NaN
// propagates. out may be a or b. It panics if len(b) < len(a) or len(out) <
// len(a); see eltwise_generic.go.
func AddClamp(out, a, b []float32, lo, hi float32) {
	if len(b) < len(a) || len(out) < len(a) {
		panic("asm: AddClamp: slice shorter than a")
	}
	raceRead(a)
	raceRead(b[:len(a)])
	raceWrite(out[:len(a)])
	addClampImpl[ISA()](out, a, b, lo, hi)
}

// Clamp sets out[i] = min(max(in[i], lo), hi) for i < len(in); NaN
// propagates. out may be in. It panics if len(out) < len(in); see
// eltwise_generic.go.
func Clamp(out, in []float32, lo, hi float32) {
	if len(out) < len(in) {
		panic("asm: Clamp: out shorter than in")
	}
	raceRead(in)
	raceWrite(out[:len(in)])
	clampImpl[ISA()](out, in, lo, hi)
}
