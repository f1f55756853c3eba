package sdk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Stored records, before sealing. Each is a kind byte, a version byte and
// fields: uvarints, little-endian float32s, and uvarint-length-prefixed
// strings and lists. Decoding checks every length against the bytes left
// and the limits below, so a damaged or hostile record is an error, never a
// panic or a large allocation. Faces, photos and people refer to faces by
// sequence number, which orders faces by arrival.

// Limits on what an album holds.
const (
	MaxIDLen         = 1024 // photo IDs, in bytes of UTF-8
	MaxNameLen       = 1024 // person names, in bytes of UTF-8
	MaxModelLen      = 64   // feature model tags
	MaxFeatureDim    = 4096 // feature vector elements
	MaxLandmarks     = 64   // keypoints per face
	MaxFacesPerPhoto = 1024 // faces per photo
)

const recVersion = 1

type faceRec struct {
	ID        string
	Photo     string
	Seq       uint64
	Box       Box
	Landmarks []Point
	Score     float32
	Pose      Pose
	Model     string
	Quality   float32
	Vector    []float32
}

type photoRec struct {
	ID    string
	Seq   uint64
	Faces []uint64
}

type personRec struct {
	ID      string
	Name    string
	Seq     uint64
	Members []uint64
}

// linksRec holds the user's decisions as constraints: groups of faces known
// to be one person (merges, confirmations) and pairs known to be different
// people (rejections).
type linksRec struct {
	Groups [][]uint64
	Cannot [][2]uint64
}

// stateRec authenticates the whole record set (count and digest of every
// data record; see recordDigest) and says whether freed pages still hold
// deleted records.
type stateRec struct {
	Count       uint64
	Digest      [16]byte
	WipePending bool
}

const (
	kindFace   = 'F'
	kindPhoto  = 'P'
	kindPerson = 'U'
	kindLinks  = 'L'
	kindState  = 'S'
)

type wr struct{ b []byte }

func (w *wr) uv(v uint64)   { w.b = binary.AppendUvarint(w.b, v) }
func (w *wr) f32(v float32) { w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(v)) }
func (w *wr) str(s string)  { w.uv(uint64(len(s))); w.b = append(w.b, s...) }
func (w *wr) u64s(v []uint64) {
	w.uv(uint64(len(v)))
	for _, x := range v {
		w.uv(x)
	}
}

func head(kind byte) *wr { return &wr{b: []byte{kind, recVersion}} }

func (r *faceRec) encode() []byte {
	w := head(kindFace)
	w.str(r.ID)
	w.str(r.Photo)
	w.uv(r.Seq)
	for _, v := range [...]float32{r.Box.X, r.Box.Y, r.Box.W, r.Box.H} {
		w.f32(v)
	}
	w.uv(uint64(len(r.Landmarks)))
	for _, p := range r.Landmarks {
		w.f32(p.X)
		w.f32(p.Y)
	}
	w.f32(r.Score)
	w.f32(r.Pose.Yaw)
	w.f32(r.Pose.Pitch)
	w.f32(r.Pose.Roll)
	w.str(r.Model)
	w.f32(r.Quality)
	w.uv(uint64(len(r.Vector)))
	for _, v := range r.Vector {
		w.f32(v)
	}
	return w.b
}

func (r *photoRec) encode() []byte {
	w := head(kindPhoto)
	w.str(r.ID)
	w.uv(r.Seq)
	w.u64s(r.Faces)
	return w.b
}

func (r *personRec) encode() []byte {
	w := head(kindPerson)
	w.str(r.ID)
	w.str(r.Name)
	w.uv(r.Seq)
	w.u64s(r.Members)
	return w.b
}

func (r *linksRec) encode() []byte {
	w := head(kindLinks)
	w.uv(uint64(len(r.Groups)))
	for _, g := range r.Groups {
		w.u64s(g)
	}
	w.uv(uint64(len(r.Cannot)))
	for _, p := range r.Cannot {
		w.uv(p[0])
		w.uv(p[1])
	}
	return w.b
}

func (r *stateRec) encode() []byte {
	w := head(kindState)
	w.uv(r.Count)
	w.b = append(w.b, r.Digest[:]...)
	if r.WipePending {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
	return w.b
}

var errRecord = errors.New("malformed record")

// rd decodes; the first error sticks and later reads return zeros.
type rd struct {
	b   []byte
	err error
}

func (r *rd) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %w: "+format, append([]any{ErrCorrupt, errRecord}, args...)...)
	}
}

func (r *rd) head(kind byte) {
	if len(r.b) < 2 || r.b[0] != kind || r.b[1] != recVersion {
		r.fail("want kind %q version %d", kind, recVersion)
		return
	}
	r.b = r.b[2:]
}

func (r *rd) uv() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a list length, at most max and at most the bytes left divided
// by each element's smallest encoding.
func (r *rd) count(max, minBytes int) int {
	n := r.uv()
	if r.err == nil && (n > uint64(max) || n > uint64(len(r.b)/minBytes)) {
		r.fail("list of %d elements", n)
		return 0
	}
	return int(n)
}

func (r *rd) f32() float32 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 4 {
		r.fail("short float")
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(r.b))
	r.b = r.b[4:]
	if !finite32(v) {
		r.fail("non-finite float")
		return 0
	}
	return v
}

func (r *rd) str(max int) string {
	n := r.count(max, 1)
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	if !utf8.ValidString(s) {
		r.fail("invalid UTF-8")
		return ""
	}
	return s
}

func (r *rd) u64s(max int) []uint64 {
	n := r.count(max, 1)
	if r.err != nil {
		return nil
	}
	v := make([]uint64, n)
	for i := range v {
		v[i] = r.uv()
	}
	return v
}

func (r *rd) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	return r.err
}

// maxList bounds lists of faces (members of a person, constraint groups).
const maxList = 1 << 26

func decodeFace(b []byte) (faceRec, error) {
	r := &rd{b: b}
	var f faceRec
	r.head(kindFace)
	f.ID = r.str(36)
	f.Photo = r.str(MaxIDLen)
	f.Seq = r.uv()
	f.Box = Box{r.f32(), r.f32(), r.f32(), r.f32()}
	if n := r.count(MaxLandmarks, 8); r.err == nil && n > 0 {
		f.Landmarks = make([]Point, n)
		for i := range f.Landmarks {
			f.Landmarks[i] = Point{r.f32(), r.f32()}
		}
	}
	f.Score = r.f32()
	f.Pose = Pose{r.f32(), r.f32(), r.f32()}
	f.Model = r.str(MaxModelLen)
	f.Quality = r.f32()
	if n := r.count(MaxFeatureDim, 4); r.err == nil {
		f.Vector = make([]float32, n)
		for i := range f.Vector {
			f.Vector[i] = r.f32()
		}
	}
	if err := r.end(); err != nil {
		return faceRec{}, err
	}
	if err := f.check(); err != nil {
		return faceRec{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return f, nil
}

func decodePhoto(b []byte) (photoRec, error) {
	r := &rd{b: b}
	var p photoRec
	r.head(kindPhoto)
	p.ID = r.str(MaxIDLen)
	p.Seq = r.uv()
	p.Faces = r.u64s(MaxFacesPerPhoto)
	if err := r.end(); err != nil {
		return photoRec{}, err
	}
	if err := checkPhotoID(p.ID); err != nil {
		return photoRec{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return p, nil
}

func decodePerson(b []byte) (personRec, error) {
	r := &rd{b: b}
	var p personRec
	r.head(kindPerson)
	p.ID = r.str(36)
	p.Name = r.str(MaxNameLen)
	p.Seq = r.uv()
	p.Members = r.u64s(maxList)
	if err := r.end(); err != nil {
		return personRec{}, err
	}
	if !validID(p.ID) || len(p.Members) == 0 {
		return personRec{}, fmt.Errorf("%w: %w: person %q with %d members", ErrCorrupt, errRecord, p.ID, len(p.Members))
	}
	return p, nil
}

func decodeLinks(b []byte) (linksRec, error) {
	r := &rd{b: b}
	var l linksRec
	r.head(kindLinks)
	n := r.count(maxList, 1)
	if r.err == nil {
		l.Groups = make([][]uint64, n)
		for i := range l.Groups {
			l.Groups[i] = r.u64s(maxList)
		}
	}
	n = r.count(maxList, 2)
	if r.err == nil {
		l.Cannot = make([][2]uint64, n)
		for i := range l.Cannot {
			l.Cannot[i] = [2]uint64{r.uv(), r.uv()}
		}
	}
	return l, r.end()
}

func decodeState(b []byte) (stateRec, error) {
	r := &rd{b: b}
	var s stateRec
	r.head(kindState)
	s.Count = r.uv()
	if r.err == nil {
		if len(r.b) != 17 || r.b[16] > 1 {
			r.fail("bad state tail")
		} else {
			copy(s.Digest[:], r.b)
			s.WipePending = r.b[16] == 1
			r.b = r.b[17:]
		}
	}
	return s, r.end()
}

// check validates a face as AddFeatures takes it and as a store holds it.
func (f *faceRec) check() error {
	if !validID(f.ID) {
		return fmt.Errorf("%w: face ID %q is not a lower-case UUID", ErrInvalidArgument, f.ID)
	}
	if err := checkPhotoID(f.Photo); err != nil {
		return err
	}
	vals := []float32{f.Box.X, f.Box.Y, f.Box.W, f.Box.H, f.Score, f.Pose.Yaw, f.Pose.Pitch, f.Pose.Roll, f.Quality}
	for _, p := range f.Landmarks {
		vals = append(vals, p.X, p.Y)
	}
	for _, v := range vals {
		if !finite32(v) {
			return fmt.Errorf("%w: face %s holds %v", ErrInvalidArgument, f.ID, v)
		}
	}
	if len(f.Landmarks) > MaxLandmarks {
		return fmt.Errorf("%w: face %s has %d landmarks, at most %d", ErrInvalidArgument, f.ID, len(f.Landmarks), MaxLandmarks)
	}
	if f.Box.W < 0 || f.Box.H < 0 {
		return fmt.Errorf("%w: face %s has a box of negative size", ErrInvalidArgument, f.ID)
	}
	if f.Quality < 0 || f.Quality > 1 {
		return fmt.Errorf("%w: face %s has quality %v outside [0, 1]", ErrInvalidArgument, f.ID, f.Quality)
	}
	if f.Model == "" || len(f.Model) > MaxModelLen || !printable(f.Model) {
		return fmt.Errorf("%w: face %s has model tag %q (want 1 to %d printable ASCII bytes)", ErrInvalidArgument, f.ID, f.Model, MaxModelLen)
	}
	if len(f.Vector) == 0 || len(f.Vector) > MaxFeatureDim {
		return fmt.Errorf("%w: face %s has a feature of %d elements (want 1 to %d)", ErrInvalidArgument, f.ID, len(f.Vector), MaxFeatureDim)
	}
	var ss float64
	for _, v := range f.Vector {
		if !finite32(v) {
			return fmt.Errorf("%w: face %s has a feature holding %v", ErrInvalidArgument, f.ID, v)
		}
		ss += float64(v) * float64(v)
	}
	if ss == 0 || math.IsInf(ss, 0) {
		return fmt.Errorf("%w: face %s has a feature of norm %v", ErrInvalidArgument, f.ID, math.Sqrt(ss))
	}
	return nil
}

func checkPhotoID(id string) error {
	if id == "" || len(id) > MaxIDLen || !utf8.ValidString(id) {
		return fmt.Errorf("%w: photo ID of %d bytes (want 1 to %d bytes of UTF-8)", ErrInvalidArgument, len(id), MaxIDLen)
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
