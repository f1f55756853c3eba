package detect

import (
	"fmt"
	"math"

	"slices"
	"sync"

	"github.com/facecluster/facecluster/kernels"
	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// Face is one detected face, in image pixels.
type Face struct {
	// Box is the face's box (it may extend past the image's edges).
	Box Box
	// Keypoints are indexed by RightEye, LeftEye, NoseTip, Mouth, RightEar
	// and LeftEar.
	Keypoints [NumKeypoints]Point
	// Score is the detector's confidence in [0, 1].
	Score float32
	// Pose is the face's orientation (see Pose for what is exact and what
	// is estimated).
	Pose Pose
}

// TileMode selects when Detect adds a tile pass.
type TileMode uint8

const (
	// TilesAuto runs the tile pass on photos whose longer side is at least
	// TileMinSide pixels, unless the minimum face size makes it pointless.
	TilesAuto TileMode = iota
	// TilesOff never runs the tile pass.
	TilesOff
	// TilesAlways runs it on every photo.
	TilesAlways
)

// Defaults and fixed parameters of the detector.
const (
	// DefaultScoreThreshold is the default minimum score of a face.
	DefaultScoreThreshold = 0.5
	// TileScoreThreshold is the minimum score of a face found only by the
	// tile pass: the tiles see small things large and, at the full pass's
	// threshold, take textures for faces. Faces scoring below 0.85 still
	// get their second look (verify), as every face does. At 0.75 the tile
	// pass found 5 of 9 faces 38 px wide pasted into a 2400x1600 street
	// photo, and 6 of 9 at 40 px (the full pass finds none below about 46
	// px there); at 0.6 it finds all of them, with no face added on that
	// photo, on no_face/ or on the identity photos (TestTilePass,
	// bench/eval).
	TileScoreThreshold = 0.6
	// TileMinSide is the longer side from which TilesAuto tiles a photo.
	TileMinSide = 1000
	// nmsIoU is the overlap above which detections are merged.
	nmsIoU = 0.3
	// containFrac: a face with this fraction of its box inside a larger
	// face's box is dropped.
	containFrac = 0.7
	// tightFrac: a face this large relative to the photo's shorter side,
	// and tightLongFrac relative to its longer side, marks a tight crop
	// (see WithZoomOut). Below tightLongFrac the full pass sees the face at
	// most some 140 input pixels wide, within its anchors' range and about
	// the size the refine pass shows faces at (see refined): on the dev
	// photos, crops (rmfd, face-api.js, dlib) measure 0.72-1.2 of the
	// longer side, the faces of ~640x480 portraits 0.29-0.51.
	tightFrac     = 0.5
	tightLongFrac = 0.55
	// zoomOutSide is the side of the zoomed-out square relative to the photo's
	// longer side.
	zoomOutSide = 2
	// verifyBelow: faces scoring less are looked at again (see verify).
	verifyBelow = 0.85
	// verifyMin is the least mean of a face's score and its second look's.
	verifyMin = 0.7
	// verifyZoom is the side of the second look's square relative to the
	// face's box.
	verifyZoom = 4
	// sweepMaxRoll (radians): the rotation sweep keeps from each pass only
	// faces within this roll of upright in the pass's own frame.
	sweepMaxRoll = 50 * math.Pi / 180
	// maxRefine is the number of faces (highest scores first) whose
	// keypoints are refined.
	maxRefine = 32
	// refineZoom is the side of the refining square relative to the box.
	refineZoom = 2
	// refinedSide and refinedRoll: a face found at least refinedSide input
	// pixels wide and within refinedRoll (radians) of upright is seen as
	// the refine pass would see it, and is not refined.
	refinedSide = 100
	refinedRoll = 5 * math.Pi / 180
	// refinePasses is the most refine passes a face gets (see refine), and
	// refineAgain (radians) the turn of its roll after which it gets
	// another.
	refinePasses = 3
	refineAgain  = 5 * math.Pi / 180
	// fullPassMinFace is the smallest face, as a fraction of the photo's
	// longer side, that the full pass finds reliably (MODELS.md: ~48 px in
	// a 1600 px photo).
	fullPassMinFace = 0.03
)

// Option configures a Detector.
type Option func(*config) error

type config struct {
	score    float32
	minFace  float32
	tiles    TileMode
	sweep    bool
	zoomOut  bool
	samples  int
	maxFaces int
}

// WithScoreThreshold sets the minimum score of a face, in (0, 1)
// (default DefaultScoreThreshold).
func WithScoreThreshold(t float32) Option {
	return func(c *config) error {
		if !(t > 0 && t < 1) {
			return fmt.Errorf("detect: score threshold %v not in (0, 1)", t)
		}
		c.score = t
		return nil
	}
}

// WithMinFaceSize drops faces whose box is narrower than px image pixels
// (default 0: keep all). It also lets TilesAuto skip the tile pass when the
// full pass alone finds faces that small.
func WithMinFaceSize(px float32) Option {
	return func(c *config) error {
		if !(px >= 0 && px <= MaxSide) {
			return fmt.Errorf("detect: minimum face size %v not in [0, %d]", px, MaxSide)
		}
		c.minFace = px
		return nil
	}
}

// WithTiles sets when the tile pass runs (default TilesAuto). The tile pass
// runs the detector on a 3x2 grid (2x3 for portrait photos) of overlapping
// squares (25% overlap) to find faces too small for the full pass; its
// hits must score at least TileScoreThreshold, and faces whose box lies
// inside a larger face's box are dropped.
func WithTiles(m TileMode) Option {
	return func(c *config) error {
		if m > TilesAlways {
			return fmt.Errorf("detect: unknown tile mode %d", m)
		}
		c.tiles = m
		return nil
	}
}

// WithRotationSweep also runs the detector on the photo turned by 90, 180
// and 270 degrees, for photos whose orientation is unknown, and merges the
// faces of the four passes (a face found in several passes is reported
// once). Each face it keeps is refined (see refine) with one more look,
// and a face the passes read different ways up is looked at both ways up
// on one or two squares, 2 or 4 more looks, so that an upside-down face is
// not reported as upright. Off by default: on the 63 deepface photos shrunk
// to 640x480 it runs 8.5 detector passes a photo against 2.0 without it
// (5.4 before the orientation check and the extra look), and the detector
// already finds most faces up to about 90 degrees of roll without it.
func WithRotationSweep(on bool) Option {
	return func(c *config) error { c.sweep = on; return nil }
}

// WithZoomOut sets whether Detect retries tight face crops on the photo
// shrunk into the middle of a black square twice its longer side (default
// on): when the full pass finds nothing, or a face at least half the
// photo's shorter side (and, for a photo larger than the detector's input
// with no other detection, 0.55 of its longer side). A face that fills the frame is larger than the
// detector's anchors expect: shrunk, it is found with better keypoints
// (measured on the dev photos' 95-160 px East-Asian crops: dlib ROC AUC
// 0.76 -> 0.88, fused 0.88 -> 0.91). The retry's faces replace the full
// pass's.
func WithZoomOut(on bool) Option {
	return func(c *config) error { c.zoomOut = on; return nil }
}

// WithMaxFaces caps the number of faces returned, highest scores first
// (default 0: no cap).
func WithMaxFaces(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("detect: negative face cap %d", n)
		}
		c.maxFaces = n
		return nil
	}
}

// Detector finds faces with BlazeFace (back-camera variant). It is safe for
// concurrent use: each call takes its buffers and network session from a
// pool.
type Detector struct {
	cfg  config
	exec *nn.Executor
	outs [4]int // output indices: scores16, boxes16, scores8, boxes8
	pool sync.Pool
}

// state is one goroutine's working memory.
type state struct {
	sess  *nn.Session
	in    []float32
	cands []candidate
	tmp   []candidate
}

// New returns a Detector with the embedded BlazeFace-back model.
func New(opts ...Option) (*Detector, error) {
	d := &Detector{cfg: config{score: DefaultScoreThreshold, zoomOut: true}}
	for _, o := range opts {
		if err := o(&d.cfg); err != nil {
			return nil, err
		}
	}
	m, err := models.BlazeFaceBack()
	if err != nil {
		return nil, err
	}
	for i, name := range []string{"scores16", "boxes16", "scores8", "boxes8"} {
		j := slices.Index(m.OutputNames, name)
		if j < 0 {
			return nil, fmt.Errorf("detect: model %s has no output %q", m.Name, name)
		}
		d.outs[i] = j
	}
	if d.exec, err = nn.NewExecutor(m); err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	d.pool.New = func() any {
		return &state{sess: d.exec.NewSession(), in: make([]float32, InputSize*InputSize*3)}
	}
	return d, nil
}

// detNorm is the detector's input normalisation, x/127.5 - 1.
var detNorm = kernels.PixelNorm{Scale: [3]float32{1 / 127.5, 1 / 127.5, 1 / 127.5}, Bias: [3]float32{-1, -1, -1}}

// view is one pass of the detector: the map from input pixels to image
// pixels, its quarter turns, and its minimum score.
type view struct {
	a        affine
	turns    int
	minScore float32
	sweep    bool // one of the rotation sweep's passes
}

// Detect returns the faces in img, highest score first. An invalid image
// is an error (wrapping ErrInvalidImage), returned before any allocation.
func (d *Detector) Detect(img Image) ([]Face, error) {
	if err := img.Validate(); err != nil {
		return nil, err
	}
	st := d.pool.Get().(*state)
	defer d.pool.Put(st)
	st.cands = st.cands[:0]

	w, h := float64(img.Width), float64(img.Height)
	side := max(w, h)
	turns := 1
	if d.cfg.sweep {
		turns = 4
	}
	for t := range turns {
		if err := d.pass(st, img, view{a: squareView(w/2, h/2, side, InputSize, t), turns: t, minScore: d.cfg.score, sweep: d.cfg.sweep}); err != nil {
			return nil, err
		}
	}
	if d.tiling(img) {
		for _, v := range tileViews(w, h, max(d.cfg.score, TileScoreThreshold)) {
			if err := d.pass(st, img, v); err != nil {
				return nil, err
			}
		}
	}
	if d.cfg.zoomOut && (len(st.cands) == 0 || d.tight(st, img)) {
		// A large face seen again zoomed out has had its second look.
		seen := len(st.cands) > 0
		n := len(st.cands)
		for t := range turns {
			if err := d.pass(st, img, view{a: squareView(w/2, h/2, zoomOutSide*side, InputSize, t), turns: t, minScore: d.cfg.score, sweep: d.cfg.sweep}); err != nil {
				return nil, err
			}
		}
		// The zoomed-out pass sees a tight crop's face whole: its
		// detections replace the full pass's.
		if len(st.cands) > n {
			st.cands = st.cands[:copy(st.cands, st.cands[n:])]
			for i := range st.cands {
				st.cands[i].seen = seen
			}
		}
	}
	st.tmp = weightedNMS(st.tmp[:0], st.cands, nmsIoU)
	merged := dropContained(st.tmp, containFrac)
	faces := make([]Face, 0, len(merged))
	for _, c := range merged {
		if c.box.W < d.cfg.minFace {
			continue
		}
		if c.score < verifyBelow && !c.seen {
			v, err := d.verify(st, img, c.box)
			if err != nil {
				return nil, err
			}
			c.score = (c.score + v) / 2
			if c.score < max(d.cfg.score, verifyMin) {
				continue
			}
		}
		if len(faces) < maxRefine && (c.hasAlt || !refined(c)) {
			if err := d.refine(st, img, &c); err != nil {
				return nil, err
			}
		}
		faces = append(faces, Face{Box: c.box, Keypoints: c.kps, Score: c.score, Pose: detectedPose(c.kps)})
		if d.cfg.maxFaces > 0 && len(faces) == d.cfg.maxFaces {
			break
		}
	}
	return faces, nil
}

// tiling reports whether img gets a tile pass.
func (d *Detector) tiling(img Image) bool {
	long := float32(max(img.Width, img.Height))
	switch d.cfg.tiles {
	case TilesAlways:
		return true
	case TilesAuto:
		return long >= TileMinSide && d.cfg.minFace < fullPassMinFace*long
	}
	return false
}

// tileViews returns the tile pass's squares: 3 columns by 2 rows (2 by 3
// for a portrait photo), overlapping by a quarter of their side.
func tileViews(w, h float64, minScore float32) []view {
	cols, rows := 3, 2
	if h > w {
		cols, rows = 2, 3
	}
	const overlap = 0.25
	t := max(w/(float64(cols)-float64(cols-1)*overlap), h/(float64(rows)-float64(rows-1)*overlap))
	centre := func(i, n int, length float64) float64 {
		if t >= length || n == 1 {
			return length / 2
		}
		return t/2 + float64(i)*(length-t)/float64(n-1)
	}
	vs := make([]view, 0, cols*rows)
	for r := range rows {
		for c := range cols {
			vs = append(vs, view{a: squareView(centre(c, cols, w), centre(r, rows, h), t, InputSize, 0), minScore: minScore})
		}
	}
	return vs
}

// pass runs the detector on one view of img and appends its candidates,
// in image pixels, to st.cands.
func (d *Detector) pass(st *state, img Image, v view) error {
	kernels.WarpAffine(st.in, InputSize, InputSize, img.RGB(), v.a.warpMatrix(), detSamples(v.a), detNorm)
	outs, err := st.sess.Run(st.in)
	if err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	n := len(st.cands)
	st.cands = decode(st.cands, outs[d.outs[0]], outs[d.outs[1]], outs[d.outs[2]], outs[d.outs[3]], v.minScore)
	s := float32(v.a.scale())
	if v.sweep {
		// Another pass of the sweep sees this face within 45 degrees of
		// upright, where its keypoints are reliable.
		k := n
		for _, c := range st.cands[n:] {
			if math.Abs(roll(c.kps)) <= sweepMaxRoll {
				st.cands[k] = c
				k++
			}
		}
		st.cands = st.cands[:k]
	}
	for i := n; i < len(st.cands); i++ {
		c := &st.cands[i]
		c.turns = v.turns
		c.scale = s
		ctr := c.box.Center()
		x, y := v.a.apply(float64(ctr.X), float64(ctr.Y))
		bw, bh := c.box.W*s, c.box.H*s
		if v.turns&1 == 1 {
			bw, bh = bh, bw
		}
		c.box = Box{float32(x) - bw/2, float32(y) - bh/2, bw, bh}
		for j, p := range c.kps {
			x, y := v.a.apply(float64(p.X), float64(p.Y))
			c.kps[j] = Point{float32(x), float32(y)}
		}
	}
	return nil
}

// detSamples is the supersampling of the detector's input (1 when
// detAntialias is off): kernels.Supersample's one sample per source pixel
// up to 2 samples a side, then samples at most 2 source pixels apart. Each
// bilinear sample spreads over 2 pixels a side, so samples 2 pixels apart
// still weigh every source pixel (a tent filter as wide as the shrink),
// antialiasing enough for the detector at about a quarter of the cost of
// one sample per pixel: 9 -> 4 samples per input pixel for a 640 px photo,
// 25 -> 9 for its zoomed-out view, 49 -> 16 for a 1600 px photo. Shrinks
// by up to 2 (small photos, refine and second-look squares) are sampled as
// before.
func detSamples(a affine) int {
	if !detAntialias {
		return 1
	}
	s := kernels.Supersample(a.warpMatrix())
	return min(s, max(2, int(math.Ceil(a.scale()/2-1e-6))))
}

// detAntialias enables antialiasing when shrinking photos for the detector.
var detAntialias = true

// tight reports whether the photo looks like a tight face crop: a face at
// least tightFrac of the photo's shorter side and, when the photo is larger
// than the detector's input and the full pass found nothing else,
// tightLongFrac of its longer side. Other detections beside a face half
// the photo's height are usually textures taken for faces (measured: a
// 1480x832 portrait's background scores 0.87-0.89 in the full pass),
// which the zoomed-out retry drops.
func (d *Detector) tight(st *state, img Image) bool {
	short := float32(min(img.Width, img.Height))
	long := float32(max(img.Width, img.Height))
	for _, c := range st.cands {
		side := max(c.box.W, c.box.H)
		if side < tightFrac*short {
			continue
		}
		// Photos the full pass enlarges (small crops, such as ORL's
		// 92x112) look sharper zoomed out: for them the shorter side
		// alone decides.
		if side >= tightLongFrac*long || long <= InputSize {
			return true
		}
		for _, x := range st.cands {
			if IoU(x.box, c.box) <= nmsIoU {
				return true
			}
		}
	}
	return false
}

// verify takes a second look at a doubtful face: it runs the detector on a
// square four times the box's side centred on it, where the face is about
// 64 input pixels wide, a size the detector is sure of, and returns the
// best score of a detection overlapping the box (IoU > 0.3), or 0. Real
// faces keep their score or gain; the textures the full pass takes for
// faces (animals, cars) mostly lose it. Measured on the dev photos: every
// annotated face in detection/ scores at least 0.8 on the second look, the
// false positives in no_face/ 0 to 0.79.
func (d *Detector) verify(st *state, img Image, b Box) (float32, error) {
	n := len(st.cands)
	defer func() { st.cands = st.cands[:n] }()
	c := b.Center()
	side := verifyZoom * float64(max(b.W, b.H))
	if err := d.pass(st, img, view{a: squareView(float64(c.X), float64(c.Y), side, InputSize, 0), minScore: 0.05}); err != nil {
		return 0, err
	}
	best := float32(0)
	for _, x := range st.cands[n:] {
		if IoU(x.box, b) > nmsIoU {
			best = max(best, x.score)
		}
	}
	return best, nil
}

// refined reports whether candidate c was seen large and upright enough
// for refine to add nothing: refine's square shows a face about 128 input
// pixels wide and upright.
func refined(c candidate) bool {
	if c.scale <= 0 || max(c.box.W, c.box.H)/c.scale < refinedSide {
		return false
	}
	return math.Abs(roll(c.kps)) <= refinedRoll
}

// refine re-detects face c on a square twice its box's side, centred on it
// and turned by its roll, so the face stands upright about 128 input
// pixels wide, and takes the box and keypoints found there (the blend of
// the overlapping detections, as weightedNMS blends): the full pass sees a
// face in a 640x480 photo some 40-80 pixels wide, where one pixel of
// keypoint error is several degrees of roll and a visible misalignment of
// the embedders' chips. c is left unchanged if the face is not found again.
//
// When the look turns the roll by more than refineAgain, the starting roll
// was read far from upright or on a small face, and the look saw the face
// off upright itself: it is looked at again (see settle). On upright
// ~640x480 photos (the throughput set) no look turns a face by more than
// refineAgain, so the default path runs as many passes as before (125 for
// its 63 photos).
//
// With the rotation sweep, a refined face takes the mean of two readings:
// the last look's and one more look's, turned by the last look's roll.
// When the sweep's passes disagreed about which way up the face is
// (c.hasAlt), orientation decides, and a face found the wrong way up is
// turned round and refined again.
//
// Measured with bench/eval pose (the deepface photos rotated by -90..180
// degrees, bilinear, with the rotation sweep: 273 faces; the error is the
// roll's against the upright photo's roll plus the angle): before, the
// best single detection's keypoints, one look, no orientation check: 242
// faces within 3 degrees, at most 5.6 degrees off below 180 (a mean of -1.1
// to -1.9 at +-30..60 degrees: the single detection reads rolled faces a
// degree or two anticlockwise) and 167 and 169 at 180; blending alone: 270
// within 3; all of the above: all 273 within 3, at most 2.8 degrees, mean
// |error| 2.58 -> 0.65, mean signed error -0.3..+0.2 at every angle. On all
// 63 deepface photos and the face_recognition Obama photo turned by -90,
// -60, -25, 10, 40 and 90 degrees (nearest-neighbour, as the tests turn
// them), the mean of two readings took the sweep from 3 faces of 384
// beyond 3 degrees (at most 3.5, rms 1.11) to none (at most 2.8, rms 0.88).
func (d *Detector) refine(st *state, img Image, c *candidate) error {
	r := roll(c.kps)
	x, ok, err := d.look(st, img, *c, r)
	if err != nil || !ok {
		return err
	}
	if x, err = d.settle(st, img, x, r); err != nil {
		return err
	}
	if c.hasAlt {
		up, down, err := d.orientation(st, img, x)
		if err != nil {
			return err
		}
		if down > up {
			r := roll(x.kps) + math.Pi
			y, found, err := d.look(st, img, x, r)
			if err != nil {
				return err
			}
			if found {
				if x, err = d.settle(st, img, y, r); err != nil {
					return err
				}
			}
		}
	}
	if d.cfg.sweep {
		y, found, err := d.look(st, img, x, roll(x.kps))
		if err != nil {
			return err
		}
		if found {
			var b blender
			b.add(x)
			b.add(y)
			x = b.blend(x)
		}
	}
	c.box, c.kps = x.box, x.kps
	return nil
}

// settle looks at x again, turned by its roll, while the last look (turned
// by r) moved its roll by more than refineAgain, up to refinePasses looks
// in all, and returns the last reading.
func (d *Detector) settle(st *state, img Image, x candidate, r float64) (candidate, error) {
	for i := 1; i < refinePasses && math.Abs(wrapAngle(roll(x.kps)-r)) > refineAgain; i++ {
		r = roll(x.kps)
		y, ok, err := d.look(st, img, x, r)
		if err != nil || !ok {
			return x, err
		}
		x = y
	}
	return x, nil
}

// orientZooms are the sides, relative to the face's box, of the squares
// on which orientation compares the two ways up.
var orientZooms = [...]float64{2.5, 3.5}

// orientClear is the difference of scores on the first square that
// decides without the second.
const orientClear = 0.1

// orientation returns the sums of the scores of face x looked at the way
// up its keypoints read and the other way up, on squares orientZooms times
// its box's side (a look that does not find it adds 0), the second square
// only when the first's scores differ by orientClear or less.
//
// The sweep's upright pass can read an upside-down face as upright and
// score it above the 180-degree pass's correct reading, and on the refine
// square (2 times the box) the wrong way scored as high as the right way
// on one face of 378 (the deepface photos turned by 0, -60, 40, 90, 180
// and -135 degrees; at 3 times the box it scored higher on 9). On all 63
// deepface photos turned by 0, -45, 30, 60, 180, -150 and 135 degrees (441
// faces) the right way up scored higher on every face, by at least 0.057
// at 2.5 times the box (under 0.1 on fewer than 1 in 20), 0.065 at 3.5
// and 0.144 summed; with orientation deciding, the sweep read all 441 the
// right way up, within 3 degrees of the upright photo's roll plus the
// angle.
func (d *Detector) orientation(st *state, img Image, x candidate) (up, down float32, err error) {
	r := roll(x.kps)
	for i, z := range orientZooms {
		if i > 0 && (up-down > orientClear || down-up > orientClear) {
			break
		}
		for k, a := range [2]float64{r, r + math.Pi} {
			y, ok, err := d.lookZ(st, img, x, a, z)
			if err != nil {
				return 0, 0, err
			}
			if !ok {
				continue
			}
			if k == 0 {
				up += y.score
			} else {
				down += y.score
			}
		}
	}
	return up, down, nil
}

// look runs the detector on a square refineZoom times c's box's side,
// centred on it and turned by angle (radians, clockwise), and returns the
// score-weighted blend of the detections overlapping c's box (IoU > 0.3)
// and the best one's score; false if there is none.
func (d *Detector) look(st *state, img Image, c candidate, angle float64) (candidate, bool, error) {
	return d.lookZ(st, img, c, angle, refineZoom)
}

// lookZ is look on a square zoom times c's box's side.
func (d *Detector) lookZ(st *state, img Image, c candidate, angle, zoom float64) (candidate, bool, error) {
	n := len(st.cands)
	defer func() { st.cands = st.cands[:n] }()
	sin, cos := math.Sincos(angle)
	ctr := c.box.Center()
	s := zoom * float64(max(c.box.W, c.box.H)) / InputSize
	h := float64(InputSize) / 2
	// Input offsets from the centre, scaled and turned by the angle.
	a := affine{
		cos * s, -sin * s, float64(ctr.X) - (cos-sin)*s*h,
		sin * s, cos * s, float64(ctr.Y) - (sin+cos)*s*h,
	}
	if err := d.pass(st, img, view{a: a, minScore: 0.3}); err != nil {
		return c, false, err
	}
	best := -1
	for i := n; i < len(st.cands); i++ {
		x := &st.cands[i]
		// pass mapped the box's centre through a; its size is in the
		// turned frame, close enough to compare.
		if IoU(x.box, c.box) > nmsIoU && (best < 0 || x.score > st.cands[best].score) {
			best = i
		}
	}
	if best < 0 {
		return c, false, nil
	}
	top := st.cands[best]
	var b blender
	for _, x := range st.cands[n:] {
		if IoU(x.box, top.box) > nmsIoU {
			b.add(x)
		}
	}
	return b.blend(top), true, nil
}

// roll returns the angle of the eye line of keypoints k, in radians.
func roll(k [NumKeypoints]Point) float64 {
	e0, e1 := k[RightEye], k[LeftEye]
	return math.Atan2(float64(e1.Y-e0.Y), float64(e1.X-e0.X))
}

// wrapAngle returns a (radians) in [-pi, pi).
func wrapAngle(a float64) float64 {
	return a - 2*math.Pi*math.Floor((a+math.Pi)/(2*math.Pi))
}
