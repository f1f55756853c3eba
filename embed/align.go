package embed

import (
	"math"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/kernels"
)

// dlibTemplate is where the dlib chip puts the right eye, left eye, nose
// tip and mouth centre, in chip pixels (integers at pixel centres): dlib's
// 150x150 template (padding 0.25: (100*(0.25+x), 100*(0.25+y)) for the unit
// points below) spread about the chip centre by dlibZoom.
var dlibTemplate = func() [4][2]float64 {
	unit := [4][2]float64{{0.225492, 0.215989}, {0.754762, 0.215989}, {0.490127, 0.515625}, {0.490127, 0.808573}}
	const c = (DlibChip - 1) / 2.0
	var t [4][2]float64
	for i, p := range unit {
		t[i] = [2]float64{c + (100*(0.25+p[0])-c)*dlibZoom, c + (100*(0.25+p[1])-c)*dlibZoom}
	}
	return t
}()

// dlibZoom enlarges the face in the dlib chip over dlib's own template
// (1/0.88: the chip shows 0.88 times the width, about dlib's padding 0.16
// instead of 0.25). Fitted to BlazeFace's four keypoints, dlib's template
// leaves the face smaller than the network works best with. Measured on
// the dev photos (bench/eval; 128-d features, identity/rmfd: verification
// AUC and BCubed F of average linkage at the eval rule's threshold) with
// the chip showing s times the template's width:
//
//	s          1.16   1.08   1.00   0.92   0.88   0.84   0.80
//	AUC        0.792  0.823  0.839  0.843  0.841  0.842  0.834
//	BCubed F   0.394  0.435  0.488  0.522  0.567  0.541  0.532
//
// while outside rmfd the AUC stays 0.9997-0.9998 and the BCubed F
// 0.983-0.994. In the fused feature it changes little (rmfd BCubed F 0.72
// either way).
const dlibZoom = 1 / 0.88

var (
	dlibNorm    = kernels.NewPixelNorm([3]float32{122.782, 117.001, 104.298}, [3]float32{255, 255, 255}, false)
	faceresNorm = kernels.NewPixelNorm([3]float32{103.939, 116.779, 123.68}, [3]float32{1, 1, 1}, true)
)

// similarity returns the least-squares similarity transform (rotation,
// uniform scale, translation) mapping the points src onto dst:
// dst ≈ [a -b; b a] src + (tx, ty), as the WarpAffine matrix
// {a, -b, tx, b, a, ty}.
func similarity(src, dst [][2]float64) [6]float64 {
	n := float64(len(src))
	var sx, sy, dx, dy float64
	for i := range src {
		sx += src[i][0]
		sy += src[i][1]
		dx += dst[i][0]
		dy += dst[i][1]
	}
	sx, sy, dx, dy = sx/n, sy/n, dx/n, dy/n
	var num1, num2, den float64
	for i := range src {
		u, v := src[i][0]-sx, src[i][1]-sy
		x, y := dst[i][0]-dx, dst[i][1]-dy
		num1 += u*x + v*y
		num2 += u*y - v*x
		den += u*u + v*v
	}
	if den == 0 {
		return [6]float64{1, 0, dx - sx, 0, 1, dy - sy}
	}
	a, b := num1/den, num2/den
	return [6]float64{a, -b, dx - (a*sx - b*sy), b, a, dy - (b*sx + a*sy)}
}

// faceresEnlarge is the faceres crop's side over the detector box's: HSE's
// preprocessing takes 1.2 (of MTCNN's boxes); of BlazeFace's boxes 1.3
// separates identities better on the dev photos (bench/eval, verification
// AUC of the fused feature on identity/rmfd: 1.1 0.893, 1.2 0.901, 1.3
// 0.906, 1.4 0.906; outside rmfd 0.9990-0.9993).
const faceresEnlarge = 1.3

// alignDlib returns the WarpAffine matrix from dlib chip pixels to image
// pixels for a face with keypoints kps (continuous coordinates, converted
// to the kernel's pixel-centre convention).
func alignDlib(kps [detect.NumKeypoints]detect.Point) [6]float64 {
	src := make([][2]float64, 4)
	dst := make([][2]float64, 4)
	for i, k := range []int{detect.RightEye, detect.LeftEye, detect.NoseTip, detect.Mouth} {
		src[i] = dlibTemplate[i]
		dst[i] = [2]float64{float64(kps[k].X) - 0.5, float64(kps[k].Y) - 0.5}
	}
	return similarity(src, dst)
}

// faceresCrop returns the WarpAffine matrix of the faceres crop and its
// supersampling: the detector box enlarged by faceresEnlarge (w, h) around
// its centre c, turned by the eye line's angle a; output pixel (u, v)
// samples the image at c + R(a) (-w/2 + (u+0.5) w/224, -h/2 + (v+0.5)
// h/224), with ceil(max(w, h)/224) (at most 8) samples a side.
func faceresCrop(f detect.Face) ([6]float64, int) {
	w, h := faceresEnlarge*float64(f.Box.W), faceresEnlarge*float64(f.Box.H)
	c := f.Box.Center()
	cx, cy := float64(c.X), float64(c.Y)
	e0, e1 := f.Keypoints[detect.RightEye], f.Keypoints[detect.LeftEye]
	sin, cos := math.Sincos(math.Atan2(float64(e1.Y-e0.Y), float64(e1.X-e0.X)))
	su, sv := w/FaceResCrop, h/FaceResCrop
	// Offsets in the crop: ou = -w/2 + (u+0.5)*su, ov likewise.
	ou0, ov0 := -w/2+0.5*su, -h/2+0.5*sv
	m := [6]float64{
		cos * su, -sin * sv, cx + cos*ou0 - sin*ov0 - 0.5,
		sin * su, cos * sv, cy + sin*ou0 + cos*ov0 - 0.5,
	}
	samples := min(max(int(math.Ceil(max(w, h)/FaceResCrop-1e-6)), 1), kernels.MaxSupersample)
	return m, samples
}
