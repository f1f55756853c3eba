package detect

import "math"

// Detector network geometry (MODELS.md).
const (
	// InputSize is the side of the detector's square input, in pixels.
	InputSize = 256
	// NumAnchors is the number of anchors (rows of the decoded output).
	NumAnchors = 16*16*2 + 8*8*6
	// NumKeypoints is the number of keypoints per face.
	NumKeypoints = 6
	// regressors per anchor: box centre, size, 6 keypoints.
	numRegressors = 4 + 2*NumKeypoints
)

// Keypoint indices into Face.Keypoints. "Right" and "left" are the
// subject's: the right eye appears on the left of an upright photo.
const (
	RightEye = iota
	LeftEye
	NoseTip
	Mouth
	RightEar // right ear tragion
	LeftEar  // left ear tragion
)

// anchors holds the centres of the 896 anchors in input pixels, in the
// order of the decoded rows: 16x16 cells of stride 16 with 2 anchors each,
// then 8x8 cells of stride 32 with 6 anchors each, row-major, the anchors
// of one cell consecutive.
var anchors = makeAnchors()

func makeAnchors() [NumAnchors][2]float32 {
	var a [NumAnchors][2]float32
	i := 0
	for _, l := range []struct{ cells, stride, per int }{{16, 16, 2}, {8, 32, 6}} {
		for y := range l.cells {
			for x := range l.cells {
				for range l.per {
					a[i] = [2]float32{float32(l.stride) * (float32(x) + 0.5), float32(l.stride) * (float32(y) + 0.5)}
					i++
				}
			}
		}
	}
	return a
}

// candidate is one decoded anchor in detector input pixels.
type candidate struct {
	box   Box
	kps   [NumKeypoints]Point
	score float32
	seen  bool    // confirmed by a second pass
	turns int     // quarter turns of the pass that found it
	scale float32 // image pixels per input pixel of that pass
	// alt is the box of the best candidate that weightedNMS suppressed
	// for it from a pass at another orientation reading the face the
	// other way up (rolls more than 90 degrees apart), and altRoll that
	// candidate's roll (radians); hasAlt says whether there was one.
	alt     Box
	altRoll float64
	hasAlt  bool
}

// sigmoid returns 1/(1+exp(-clamp(x, -100, 100))).
func sigmoid(x float32) float32 {
	x = min(max(x, -100), 100)
	return float32(1 / (1 + math.Exp(-float64(x))))
}

// logit returns the inverse of sigmoid, clamped to [-100, 100].
func logit(p float32) float32 {
	if p <= 0 {
		return -100
	}
	if p >= 1 {
		return 100
	}
	return min(max(float32(math.Log(float64(p)/(1-float64(p)))), -100), 100)
}

// decode appends to dst the anchors whose score is at least minScore.
// scores16 [512] and boxes16 [512*16] are the stride-16 head, scores8
// [384] and boxes8 [384*16] the stride-32 head; the 512-anchor head comes
// first. Row i holds a score logit and 16 regressors r: the box centre is
// (r0+ax, r1+ay), its size (r2, r3), keypoint j at (r[4+2j]+ax,
// r[5+2j]+ay), (ax, ay) the anchor centre, all in input pixels.
func decode(dst []candidate, scores16, boxes16, scores8, boxes8 []float32, minScore float32) []candidate {
	lo := logit(minScore)
	heads := [2]struct{ s, b []float32 }{{scores16[:512], boxes16[:512*numRegressors]}, {scores8[:384], boxes8[:384*numRegressors]}}
	base := 0
	for _, h := range heads {
		for i, l := range h.s {
			if l < lo {
				continue
			}
			sc := sigmoid(l)
			if sc < minScore {
				continue
			}
			a := anchors[base+i]
			r := h.b[i*numRegressors:][:numRegressors]
			var c candidate
			c.score = sc
			cx, cy := r[0]+a[0], r[1]+a[1]
			c.box = Box{cx - r[2]/2, cy - r[3]/2, r[2], r[3]}
			for j := range NumKeypoints {
				c.kps[j] = Point{r[4+2*j] + a[0], r[5+2*j] + a[1]}
			}
			dst = append(dst, c)
		}
		base += len(h.s)
	}
	return dst
}

// weightedNMS suppresses overlapping candidates as MediaPipe does: the
// candidates are taken in order of decreasing score; each remaining one
// gathers every remaining candidate overlapping it with IoU above iou
// (itself included), and their boxes and keypoints are averaged weighted by
// score; the group keeps its best score. Overlapping candidates from passes
// at other orientations are suppressed without blending; the best of those
// that read the face the other way up is kept as the group's alt. cands is
// reordered; the result is appended to dst.
func weightedNMS(dst, cands []candidate, iou float32) []candidate {
	// Insertion sort by score, descending: a few dozen candidates at most
	// in practice, and it allocates nothing.
	for i := 1; i < len(cands); i++ {
		for j := i; j > 0 && cands[j].score > cands[j-1].score; j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
	rest := cands
	for len(rest) > 0 {
		top := rest[0]
		var b blender
		var alt candidate
		hasAlt := false
		keep := rest[:0]
		for k, c := range rest {
			if k > 0 && IoU(top.box, c.box) <= iou {
				keep = append(keep, c)
				continue
			}
			if c.turns != top.turns {
				// Seen at another orientation: its keypoints may be
				// labelled differently. Suppressed, not blended.
				if !hasAlt && math.Abs(wrapAngle(roll(c.kps)-roll(top.kps))) > math.Pi/2 {
					alt, hasAlt = c, true
				}
				continue
			}
			b.add(c)
		}
		m := b.blend(top)
		if hasAlt {
			m.alt, m.altRoll, m.hasAlt = alt.box, roll(alt.kps), true
		}
		dst = append(dst, m)
		rest = keep
	}
	return dst
}

// blender accumulates the score-weighted mean of candidates' boxes (their
// edges) and keypoints.
type blender struct {
	w, x0, y0, x1, y1 float64
	kx, ky            [NumKeypoints]float64
}

func (b *blender) add(c candidate) {
	s := float64(c.score)
	b.w += s
	b.x0 += s * float64(c.box.X)
	b.y0 += s * float64(c.box.Y)
	b.x1 += s * float64(c.box.X+c.box.W)
	b.y1 += s * float64(c.box.Y+c.box.H)
	for j := range NumKeypoints {
		b.kx[j] += s * float64(c.kps[j].X)
		b.ky[j] += s * float64(c.kps[j].Y)
	}
}

// blend returns c with the mean box and keypoints (c unchanged if nothing
// with a positive score was added).
func (b *blender) blend(c candidate) candidate {
	if b.w > 0 {
		c.box = Box{float32(b.x0 / b.w), float32(b.y0 / b.w), float32((b.x1 - b.x0) / b.w), float32((b.y1 - b.y0) / b.w)}
		for j := range NumKeypoints {
			c.kps[j] = Point{float32(b.kx[j] / b.w), float32(b.ky[j] / b.w)}
		}
	}
	return c
}

// dropContained removes every candidate whose box lies mostly (frac of its
// area or more) inside a larger candidate's box. It filters in place and
// returns the shortened slice.
func dropContained(cs []candidate, frac float32) []candidate {
	drop := make([]bool, len(cs))
	for i, c := range cs {
		for j, o := range cs {
			if i != j && o.box.Area() > c.box.Area() && Intersect(o.box, c.box) >= frac*c.box.Area() {
				drop[i] = true
				break
			}
		}
	}
	out := cs[:0]
	for i, c := range cs {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}
