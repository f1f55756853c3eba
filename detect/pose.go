package detect

import "math"

// Pose is a face's orientation in degrees.
//
// Roll is exact given the keypoints: the angle of the line from the right
// eye (image left) to the left eye, positive clockwise in the image (y
// points down); 0 for level eyes, ±180 for an upside-down face. Measured
// on deepface photos turned by -90..180 degrees and detected with the
// rotation sweep (bench/eval pose), it follows the rotation of the upright
// photo's face within 2.8 degrees (mean error 0.65).
//
// Yaw and Pitch are estimates. The six keypoints, less the detector's
// mirror asymmetry (keypointBias), are fitted, by weighted
// least squares under scaled orthographic projection, with a generic 3D
// face (eyes 1 unit apart; nose tip 0.6 below the eye line and 0.4 in
// front; mouth 1.1 below and 0.2 in front; ear tragions 2.3 apart, 0.35
// below and 1.3 behind; ears at half weight); the fitted rotation gives the
// direction the nose points. Yaw is positive when the face turns towards
// the image's right (the subject's left), Pitch positive when it tilts up.
// Both are about the face's own axes (the image turned by -Roll). The
// generic face and the detector's keypoints (ears especially) limit them
// to a rough guide: use them to tell frontal from profile, not to measure.
type Pose struct {
	Roll, Yaw, Pitch float32
}

// poseModel holds the generic face: x right, y down, z away from the
// camera, in inter-ocular units, origin between the eyes; and each point's
// weight.
var poseModel = [NumKeypoints][4]float64{
	RightEye: {-0.5, 0, 0, 1},
	LeftEye:  {0.5, 0, 0, 1},
	NoseTip:  {0, 0.6, -0.4, 1},
	Mouth:    {0, 1.1, -0.2, 1},
	RightEar: {-1.15, 0.35, 1.3, 0.5},
	LeftEar:  {1.15, 0.35, 1.3, 0.5},
}

// poseMInv is the inverse of the model's weighted, centred second moment
// matrix, and poseMean its weighted centroid.
var poseMean, poseMInv = poseMoments()

func poseMoments() (mean [3]float64, inv [3][3]float64) {
	var w float64
	for _, p := range poseModel {
		for i := range 3 {
			mean[i] += p[3] * p[i]
		}
		w += p[3]
	}
	for i := range 3 {
		mean[i] /= w
	}
	var m [3][3]float64
	for _, p := range poseModel {
		for i := range 3 {
			for j := range 3 {
				m[i][j] += p[3] * (p[i] - mean[i]) * (p[j] - mean[j])
			}
		}
	}
	return mean, inv3(m)
}

func inv3(m [3][3]float64) [3][3]float64 {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	var r [3][3]float64
	for i := range 3 {
		for j := range 3 {
			// cofactor (j, i)
			a, b := (j+1)%3, (j+2)%3
			c, d := (i+1)%3, (i+2)%3
			r[i][j] = (m[a][c]*m[b][d] - m[a][d]*m[b][c]) / det
		}
	}
	return r
}

// keypointBias is BlazeFace's mirror asymmetry: the mean offset, along the
// eye line towards the left eye (image right) and in units of the eye
// distance, of the nose tip, mouth and ear tragions it reads on a face
// from where it reads them on the face's mirror image (mirrored back), half
// of it being the detector's own. A symmetric detector would read 0; it
// reads the nose tip and mouth towards image left and both ears towards
// image right, which biases yaw by about -2 degrees and, for faces turned
// a few degrees, flips its sign against the mirror image's. Measured on
// 272 identity photos other than deepface's (rmfd, ORL, face-api.js,
// dlib, face_recognition): nose -0.014, mouth -0.010, ears +0.024 and
// +0.025; on the 63 deepface photos -0.017, -0.012, +0.024, +0.025.
var keypointBias = [NumKeypoints]float64{NoseTip: -0.014, Mouth: -0.010, RightEar: 0.024, LeftEar: 0.025}

// detectedPose returns the pose of a face with keypoints kps as the
// detector reads them: estimatePose of the keypoints less keypointBias.
// Roll is unchanged (the eyes have no bias along their line). Measured on
// the 63 deepface photos and their mirror images (bench/eval pose), raw
// keypoints -> less the bias: mean yaw -2.4 -> -1.1 degrees, mean |yaw +
// mirrored yaw| 2.96 -> 1.93, yaw sign wrong on the mirror image of 1 of 27
// -> 0 of 25 faces with |yaw| >= 5.
func detectedPose(kps [NumKeypoints]Point) Pose {
	e0, e1 := kps[RightEye], kps[LeftEye]
	ux, uy := float64(e1.X-e0.X), float64(e1.Y-e0.Y)
	for j, b := range keypointBias {
		kps[j].X -= float32(b * ux)
		kps[j].Y -= float32(b * uy)
	}
	return estimatePose(kps)
}

// estimatePose returns the pose of a face with keypoints kps.
func estimatePose(kps [NumKeypoints]Point) Pose {
	var p Pose
	e0, e1 := kps[RightEye], kps[LeftEye]
	p.Roll = float32(math.Atan2(float64(e1.Y-e0.Y), float64(e1.X-e0.X)) * 180 / math.Pi)

	// Weighted centroid of the image points.
	var cx, cy, w float64
	for i, q := range kps {
		cx += poseModel[i][3] * float64(q.X)
		cy += poseModel[i][3] * float64(q.Y)
		w += poseModel[i][3]
	}
	cx, cy = cx/w, cy/w
	// A = (sum w p m^T) Minv, the 2x3 least-squares projection.
	var pm [2][3]float64
	for i, q := range kps {
		mw := poseModel[i]
		u, v := float64(q.X)-cx, float64(q.Y)-cy
		for j := range 3 {
			d := mw[3] * (mw[j] - poseMean[j])
			pm[0][j] += u * d
			pm[1][j] += v * d
		}
	}
	var a [2][3]float64
	for r := range 2 {
		for j := range 3 {
			for k := range 3 {
				a[r][j] += pm[r][k] * poseMInv[k][j]
			}
		}
	}
	// Orthonormalise the two rows symmetrically, then complete the
	// rotation with their cross product.
	r1, r2 := a[0], a[1]
	n1, n2 := norm3(r1), norm3(r2)
	if n1 == 0 || n2 == 0 {
		return p
	}
	for j := range 3 {
		r1[j] /= n1
		r2[j] /= n2
	}
	d := dot3(r1, r2)
	for j := range 3 {
		r1[j], r2[j] = r1[j]-d/2*r2[j], r2[j]-d/2*r1[j]
	}
	n1, n2 = norm3(r1), norm3(r2)
	for j := range 3 {
		r1[j] /= n1
		r2[j] /= n2
	}
	r3 := [3]float64{r1[1]*r2[2] - r1[2]*r2[1], r1[2]*r2[0] - r1[0]*r2[2], r1[0]*r2[1] - r1[1]*r2[0]}
	// The nose direction (0, 0, -1) in camera coordinates.
	// Turned by -Roll, so yaw and pitch are about the face's own axes.
	dx, dy, dz := -r1[2], -r2[2], -r3[2]
	sr, cr := math.Sincos(float64(p.Roll) * math.Pi / 180)
	dx, dy = cr*dx+sr*dy, -sr*dx+cr*dy
	p.Yaw = float32(math.Atan2(dx, -dz) * 180 / math.Pi)
	p.Pitch = float32(math.Atan2(-dy, math.Hypot(dx, dz)) * 180 / math.Pi)
	return p
}

func norm3(a [3]float64) float64 { return math.Sqrt(dot3(a, a)) }

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
