// Package tfjsref runs the original networks in their original runtime
// (TF.js 4.22.0, WASM backend, through Node) on input tensors a test built,
// for parity tests at the network level: gen/golden/golden.js's run mode,
// with the model files of the pinned npm packages in gen/golden's
// node_modules (`cd gen/golden && npm ci --ignore-scripts`).
//
// A test calling Dir is skipped with a message when node or those
// node_modules are missing, and fails instead when
// FACECLUSTER_REQUIRE_NODE=1 (CI's parity step sets it).
package tfjsref

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// EnvRequireNode names the variable that turns a missing node or
// node_modules into a failure.
const EnvRequireNode = "FACECLUSTER_REQUIRE_NODE"

// Runner runs gen/golden/golden.js.
type Runner struct {
	node, dir string
}

// New returns a Runner, skipping t (failing it when
// FACECLUSTER_REQUIRE_NODE=1) if node or gen/golden's node_modules are
// missing.
func New(t testing.TB) *Runner {
	t.Helper()
	_, file, _, _ := runtime.Caller(0) // internal/tfjsref/tfjsref.go
	dir := filepath.Join(filepath.Dir(file), "..", "..", "gen", "golden")
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv(EnvRequireNode) == "1" {
			t.Fatalf("%s (%s=1)", msg, EnvRequireNode)
		}
		t.Skipf("%s; set up with `cd gen/golden && npm ci --ignore-scripts` (`make parity-dev` does)", msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("tfjsref: node not found: %v", err)
	}
	for _, p := range []string{
		"@tensorflow/tfjs/package.json",
		"@tensorflow/tfjs-backend-wasm/package.json",
		"@vladmandic/human/models/blazeface.json",
		"@vladmandic/human/models/faceres.json",
		"@vladmandic/face-api/model/face_recognition_model-weights_manifest.json",
	} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p)); err != nil {
			missing("tfjsref: gen/golden/node_modules incomplete: %v", err)
		}
	}
	return &Runner{node: node, dir: dir}
}

// Run runs every <model>-<id>.input.npy in dir (float32 [1,H,W,3]; model
// blazeface, dlib or faceres) through the original network and leaves the
// outputs beside them (see golden.js). It fails t on any error.
func (r *Runner) Run(t testing.TB, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.node, filepath.Join(r.dir, "golden.js"), "run", dir)
	cmd.Dir = r.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("tfjsref: node golden.js run: %v\n%s", err, out.Bytes())
	}
	t.Logf("TF.js: %s (%.1fs)", strings.TrimSpace(strings.ReplaceAll(out.String(), "\n", "; ")), time.Since(start).Seconds())
}

// WriteNpy writes data with shape as a float32 .npy file (format 1.0).
func WriteNpy(path string, shape []int, data []float32) error {
	n := 1
	dims := make([]string, len(shape))
	for i, d := range shape {
		n *= d
		dims[i] = strconv.Itoa(d)
	}
	if n != len(data) {
		return fmt.Errorf("tfjsref: %d values for shape %v", len(data), shape)
	}
	d := strings.Join(dims, ", ")
	if len(shape) == 1 {
		d += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", d)
	header += strings.Repeat(" ", (64-(10+len(header)+1)%64)%64) + "\n"
	b := make([]byte, 10, 10+len(header)+4*len(data))
	copy(b, "\x93NUMPY\x01\x00")
	binary.LittleEndian.PutUint16(b[8:], uint16(len(header)))
	b = append(b, header...)
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return os.WriteFile(path, b, 0o644)
}

var npyHeader = regexp.MustCompile(`^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`)

// ReadNpy reads a float32 .npy file (format 1.0, little-endian, C order).
func ReadNpy(path string) (shape []int, data []float32, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		return nil, nil, fmt.Errorf("%s: not a .npy 1.0 file", path)
	}
	hl := int(binary.LittleEndian.Uint16(b[8:]))
	if 10+hl > len(b) {
		return nil, nil, fmt.Errorf("%s: short header", path)
	}
	m := npyHeader.FindStringSubmatch(string(b[10 : 10+hl]))
	if m == nil {
		return nil, nil, fmt.Errorf("%s: unsupported header %q", path, b[10:10+hl])
	}
	n := 1
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f != "" {
			d, err := strconv.Atoi(f)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: shape %q", path, m[1])
			}
			shape = append(shape, d)
			n *= d
		}
	}
	body := b[10+hl:]
	if 4*n != len(body) {
		return nil, nil, fmt.Errorf("%s: %d bytes for shape %v", path, len(body), shape)
	}
	data = make([]float32, n)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return shape, data, nil
}

// Stats compares an output with the reference's.
type Stats struct {
	MaxAbs float64 // largest |got - want|
	MaxMag float64 // largest |want|
	Cosine float64 // cosine similarity of got and want
}

// Rel returns MaxAbs / MaxMag, the error relative to the output's scale.
func (s Stats) Rel() float64 { return s.MaxAbs / s.MaxMag }

// Compare returns the statistics of got against want. A NaN in got makes
// MaxAbs and Cosine NaN, and different lengths make MaxAbs +Inf: both fail
// any bound written as !(x <= bound).
func Compare(got, want []float32) Stats {
	if len(got) != len(want) {
		return Stats{MaxAbs: math.Inf(1), Cosine: math.NaN()}
	}
	var s Stats
	var dot, ng, nw float64
	for i, w := range want {
		g, w := float64(got[i]), float64(w)
		s.MaxAbs = max(s.MaxAbs, math.Abs(g-w)) // max keeps a NaN
		s.MaxMag = max(s.MaxMag, math.Abs(w))
		dot += g * w
		ng += g * g
		nw += w * w
	}
	s.Cosine = dot / math.Sqrt(ng*nw)
	return s
}

// DevPhotos are the dev photos (paths under faces-dev, ../shared/DATA.md)
// of the parity tests: every slice of identity/ (full photos, a 12 MP JPEG,
// a WebP named .jpg, PNG TV crops, grayscale ORL PGMs, tight East-Asian
// crops), group photos from detection/, hard/ cases (masks, a child, an
// expression, an EXIF-oriented copy, a copy rotated 90 degrees without EXIF)
// and a photo without a face.
var DevPhotos = []string{
	"identity/deepface/Angelina_Jolie/img1.jpg",
	"identity/deepface/Elon_Musk/img18.jpg",
	"identity/deepface/George_Clooney/img40.jpg", // 12 MP
	"identity/deepface/Jack_Dorsey/img61.jpg",
	"identity/deepface/Katy_Perry/img26.jpg",
	"identity/deepface/Leonardo_DiCaprio/img36.jpg",
	"identity/deepface/Scarlett_Johansson/img47.jpg", // WebP
	"identity/dlib_faces/Tom_Cruise/Tom_Cruise_avp_2014_4.jpg",
	"identity/dlib_johns/John_Salley/000179_02159509.jpg",
	"identity/dlib_johns/John_Schneider/000326_00925765.jpg",
	"identity/dlib_johns/John_Simm/000310_00470421.jpg",
	"identity/face_recognition/Alex_Lacamoire/examples__alex-lacamoire.png",
	"identity/face_recognition/Barack_Obama/examples__obama-240p.jpg",
	"identity/face_recognition/Kit_Harington/examples__knn_examples__test__johnsnow_test1.jpg",
	"identity/face_recognition/Rose_Leslie/examples__knn_examples__train__rose_leslie__img2.jpg",
	"identity/faceapi/bbt_amy/amy1.png",
	"identity/faceapi/bbt_howard/howard1.png",
	"identity/faceapi/bbt_penny/penny1.png",
	"identity/faceapi/bbt_sheldon/sheldon1.png",
	"identity/orl/orl_s01/1.pgm",
	"identity/orl/orl_s21/1.pgm",
	"identity/orl/orl_s31/1.pgm",
	"identity/rmfd/rmfd_aidai/0_0_aidai_0014.jpg",
	"identity/rmfd/rmfd_aidai/1_0_aidai_0088.jpg",
	"identity/rmfd/rmfd_baibaihe/1_0_baibaihe_0028.jpg",
	"identity/rmfd/rmfd_dongchengpeng/0_0_dongchengpeng_0016.jpg",
	"identity/rmfd/rmfd_jiayuanyuan/0_0_jiayuanyuan_0175.jpg",
	"identity/rmfd/rmfd_liushishi/1_0_liushishi_0004.jpg",
	"identity/rmfd/rmfd_nieyuan/1_0_nieyuan_0088.jpg",
	"identity/rmfd/rmfd_sunyue/1_0_sunyue_0008.jpg",
	"detection/deepface/selfie-many-people.jpg",
	"detection/dlib_voc/2008_002470.jpg",
	"detection/dlib_voc/bald_guys.jpg",
	"detection/face_recognition/obama_and_biden.jpg",
	"detection/faceapi/bbt1.jpg",
	"hard/masks/1317.png",
	"hard/masks/with_mask029.jpg",
	"hard/children/58.jpg",
	"hard/expressions/surprised.jpg",
	"hard/exif_orientation/Angelina_Jolie_img1_orient6.jpg",
	"hard/rotated_no_exif/Jeff_Bezos_img20_rot90.jpg",
	"no_face/dogs.jpg",
}
