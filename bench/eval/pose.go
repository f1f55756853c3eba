package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/facecluster/facecluster/detect"
)

// rotate returns img turned clockwise by deg degrees about its centre, on a
// canvas large enough to hold it (black outside), bilinear.
func rotate(img detect.Image, deg float64) detect.Image {
	s, c := math.Sincos(deg * math.Pi / 180)
	W, H := float64(img.Width), float64(img.Height)
	ow := int(math.Ceil(math.Abs(W*c) + math.Abs(H*s)))
	oh := int(math.Ceil(math.Abs(W*s) + math.Abs(H*c)))
	out := detect.Image{Width: ow, Height: oh, Stride: 3 * ow, Pix: make([]byte, 3*ow*oh)}
	for y := range oh {
		for x := range ow {
			// Continuous offsets from the output centre, turned back by -deg.
			dx, dy := float64(x)+0.5-float64(ow)/2, float64(y)+0.5-float64(oh)/2
			sx := c*dx + s*dy + W/2 - 0.5
			sy := -s*dx + c*dy + H/2 - 0.5
			sample(img, sx, sy, out.Pix[y*out.Stride+3*x:][:3])
		}
	}
	return out
}

func sample(img detect.Image, x, y float64, dst []byte) {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	var acc [3]float64
	for j := range 2 {
		for i := range 2 {
			xi, yi := int(x0)+i, int(y0)+j
			if xi < 0 || yi < 0 || xi >= img.Width || yi >= img.Height {
				continue
			}
			w := (1 - math.Abs(float64(i)-fx)) * (1 - math.Abs(float64(j)-fy))
			p := img.Pix[yi*img.Stride+3*xi:]
			for ch := range 3 {
				acc[ch] += w * float64(p[ch])
			}
		}
	}
	for ch := range 3 {
		dst[ch] = byte(min(max(math.Round(acc[ch]), 0), 255))
	}
}

func mirror(img detect.Image) detect.Image {
	out := detect.Image{Width: img.Width, Height: img.Height, Stride: 3 * img.Width, Pix: make([]byte, 3*img.Width*img.Height)}
	for y := range img.Height {
		for x := range img.Width {
			copy(out.Pix[y*out.Stride+3*x:][:3], img.Pix[y*img.Stride+3*(img.Width-1-x):][:3])
		}
	}
	return out
}

func largest(faces []detect.Face) (detect.Face, bool) {
	if len(faces) == 0 {
		return detect.Face{}, false
	}
	b := faces[0]
	for _, f := range faces[1:] {
		if f.Box.Area() > b.Box.Area() {
			b = f
		}
	}
	return b, true
}

// nearest returns the face whose box centre is nearest to p.
func nearest(faces []detect.Face, p detect.Point) (detect.Face, bool) {
	best, bd := detect.Face{}, math.Inf(1)
	for _, f := range faces {
		c := f.Box.Center()
		if d := math.Hypot(float64(c.X-p.X), float64(c.Y-p.Y)); d < bd {
			best, bd = f, d
		}
	}
	return best, !math.IsInf(bd, 1)
}

func wrap(a float64) float64 {
	for a >= 180 {
		a -= 360
	}
	for a < -180 {
		a += 360
	}
	return a
}

// pose measures roll on synthetic rotations of deepface photos and the
// yaw sign on their mirror images.
func pose(det *detect.Detector, dir string) {
	sweep, err := detect.New(detect.WithRotationSweep(true))
	if err != nil {
		fatal(err)
	}
	var files []string
	for _, r := range readCSV(filepath.Join(dir, "labels.csv")) {
		if strings.HasPrefix(r[0], "identity/deepface/") {
			files = append(files, r[0])
		}
	}
	angles := []float64{-90, -60, -45, -30, -15, -5, 5, 15, 30, 45, 60, 90, 180}
	var rollErr []float64
	signed := map[float64][]float64{} // angle -> signed roll errors
	var within, missed int
	var yawPairs, yawSign, yawBig int
	var yawSym []float64
	var yaws, pitches []float64
	for i, f := range files {
		img, err := loadPhoto(filepath.Join(dir, f))
		if err != nil {
			fatal(err)
		}
		faces, err := det.Detect(img)
		if err != nil {
			fatal(err)
		}
		base, ok := largest(faces)
		if !ok {
			continue
		}
		yaws = append(yaws, float64(base.Pose.Yaw))
		pitches = append(pitches, float64(base.Pose.Pitch))
		// Yaw on the mirror image.
		mf, err := det.Detect(mirror(img))
		if err != nil {
			fatal(err)
		}
		c := base.Box.Center()
		if m, ok := nearest(mf, detect.Point{X: float32(img.Width) - c.X, Y: c.Y}); ok {
			yawPairs++
			yawSym = append(yawSym, math.Abs(float64(base.Pose.Yaw+m.Pose.Yaw)))
			if math.Abs(float64(base.Pose.Yaw)) >= 5 {
				yawBig++
				if (base.Pose.Yaw > 0) == (m.Pose.Yaw > 0) { // a mirror must flip the sign
					yawSign++
					if *flagVerbose {
						fmt.Printf("  yaw sign: %s: yaw %.1f, mirrored %.1f\n", f, base.Pose.Yaw, m.Pose.Yaw)
					}
				}
			}
		}
		if i%3 != 0 { // rotations on a third of the photos
			continue
		}
		for _, a := range angles {
			r := rotate(img, a)
			// Where the face's centre goes.
			s, co := math.Sincos(a * math.Pi / 180)
			dx, dy := float64(c.X)-float64(img.Width)/2, float64(c.Y)-float64(img.Height)/2
			p := detect.Point{X: float32(co*dx - s*dy + float64(r.Width)/2), Y: float32(s*dx + co*dy + float64(r.Height)/2)}
			rf, err := sweep.Detect(r)
			if err != nil {
				fatal(err)
			}
			m, ok := nearest(rf, p)
			if !ok || math.Hypot(float64(m.Box.Center().X-p.X), float64(m.Box.Center().Y-p.Y)) > float64(base.Box.W)/2 {
				missed++
				continue
			}
			e := math.Abs(wrap(float64(m.Pose.Roll) - float64(base.Pose.Roll) - a))
			rollErr = append(rollErr, e)
			signed[a] = append(signed[a], wrap(float64(m.Pose.Roll)-float64(base.Pose.Roll)-a))
			if e <= 3 {
				within++
			} else if *flagVerbose {
				fmt.Printf("  roll miss: %s rotated %v: roll %.1f, base %.1f, error %.1f\n", f, a, m.Pose.Roll, base.Pose.Roll, wrap(float64(m.Pose.Roll)-float64(base.Pose.Roll)-a))
			}
		}
	}
	maxErr := 0.0
	for _, e := range rollErr {
		maxErr = max(maxErr, e)
	}
	fmt.Printf("pose: roll on synthetic rotations (%v degrees) of deepface photos: %d faces, mean |error| %.2f, max %.2f degrees, %d within 3 degrees, %d not found\n",
		angles, len(rollErr), mean(rollErr), maxErr, within, missed)
	fmt.Printf("pose: signed roll error by angle (mean, min, max; within 3):")
	for _, a := range angles {
		es := signed[a]
		lo, hi := math.Inf(1), math.Inf(-1)
		n := 0
		for _, e := range es {
			lo, hi = min(lo, e), max(hi, e)
			if math.Abs(e) <= 3 {
				n++
			}
		}
		fmt.Printf(" %v: %+.2f [%+.1f, %+.1f] %d/%d;", a, mean(es), lo, hi, n, len(es))
	}
	fmt.Println()
	fmt.Printf("pose: yaw on mirrored photos: %d pairs, mean |yaw + mirrored yaw| %.2f degrees; sign wrong on %d of %d faces with |yaw| >= 5\n",
		yawPairs, mean(yawSym), yawSign, yawBig)
	fmt.Printf("pose: deepface photos (mostly frontal): yaw mean %.1f sd %.1f; pitch mean %.1f sd %.1f degrees\n\n",
		mean(yaws), sd(yaws), mean(pitches), sd(pitches))
}

func sd(v []float64) float64 {
	m := mean(v)
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(max(len(v)-1, 1)))
}
