package sdk

import (
	"bytes"
	"image"
	"reflect"
	"testing"
)

// FuzzImage checks that Validate accepts exactly the images whose every
// pixel can be indexed, and that FromImage converts small NRGBA images
// without panicking, within one level of the generic conversion.
func FuzzImage(f *testing.F) {
	f.Add(2, 2, 6, 12, []byte{1, 2, 3})
	f.Add(2, 2, 5, 12, []byte{})
	f.Add(3, 1, 9, 9, []byte{255, 0, 0, 128})
	f.Add(1, 3, 1<<40, 64, []byte{})
	f.Add(-1, 0, 0, 0, []byte{})
	f.Fuzz(func(t *testing.T, w, h, stride, n int, data []byte) {
		if n < 0 || n > 1<<16 {
			n = len(data)
		}
		m := Image{Width: w, Height: h, Stride: stride, Pix: make([]byte, n)}
		copy(m.Pix, data)
		if err := m.Validate(); err == nil {
			// Every pixel must be addressable.
			last := (h-1)*stride + 3*w - 1
			_ = m.Pix[last]
			_ = m.At(w-1, h-1)
			if w > MaxImageSide || h > MaxImageSide || w*h > MaxImagePixels || stride < 3*w {
				t.Fatalf("accepted %dx%d stride %d", w, h, stride)
			}
		} else if w > 0 && h > 0 && w <= 64 && h <= 64 && stride >= 3*w && stride <= 1<<12 && n >= (h-1)*stride+3*w {
			t.Fatalf("refused a valid image: %v", err)
		}
		// Small images from the bytes, through FromImage.
		if w > 0 && h > 0 && w <= 32 && h <= 32 {
			src := image.NewNRGBA(image.Rect(0, 0, w, h))
			copy(src.Pix, data)
			got, err := FromImage(src)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := NewImage(w, h)
			fromGeneric(want, src, src.Bounds())
			for i := range got.Pix {
				if d := int(got.Pix[i]) - int(want.Pix[i]); d > 1 || d < -1 {
					t.Fatalf("byte %d: %d, want %d", i, got.Pix[i], want.Pix[i])
				}
			}
		}
	})
}

// FuzzRecords feeds arbitrary bytes to every stored-record decoder, both as
// plaintext and as a sealed value: none may panic or allocate without
// bound, and whatever decodes must encode back to an equal record.
func FuzzRecords(f *testing.F) {
	fr := faceRec{ID: "3f0c0a52-1b7e-4b4e-9d2a-0c1e2f3a4b5c", Photo: "p.jpg", Seq: 3, Box: Box{1, 2, 3, 4},
		Landmarks: []Point{{1, 2}, {3, 4}}, Score: 0.5, Model: "m", Quality: 0.5, Vector: []float32{1, 0, 0}}
	f.Add(fr.encode())
	f.Add((&photoRec{ID: "p.jpg", Seq: 1, Faces: []uint64{3, 4}}).encode())
	f.Add((&personRec{ID: fr.ID, Name: "Ann", Seq: 2, Members: []uint64{3}}).encode())
	f.Add((&linksRec{Groups: [][]uint64{{1, 2}}, Cannot: [][2]uint64{{1, 3}}}).encode())
	f.Add((&stateRec{Count: 4, WipePending: true}).encode())
	f.Add([]byte{kindFace, recVersion, 0xff, 0xff, 0xff, 0xff, 0x0f})
	s, err := newSealer(testKey, make([]byte, saltSize))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(s.seal(bucketFaces, []byte("k"), fr.encode()))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip := func(v any, err error, enc func() []byte, dec func([]byte) (any, error)) {
			if err != nil {
				return
			}
			again, err := dec(enc())
			if err != nil {
				t.Fatalf("%T re-encoded does not decode: %v", v, err)
			}
			if !reflect.DeepEqual(v, again) {
				t.Fatalf("%T round trip: %+v != %+v", v, v, again)
			}
		}
		for _, in := range [][]byte{b, mustOpen(s, b)} {
			if in == nil {
				continue
			}
			fc, err := decodeFace(in)
			roundTrip(fc, err, fc.encode, func(x []byte) (any, error) { return decodeFace(x) })
			ph, err := decodePhoto(in)
			roundTrip(ph, err, ph.encode, func(x []byte) (any, error) { return decodePhoto(x) })
			pe, err := decodePerson(in)
			roundTrip(pe, err, pe.encode, func(x []byte) (any, error) { return decodePerson(x) })
			li, err := decodeLinks(in)
			roundTrip(li, err, li.encode, func(x []byte) (any, error) { return decodeLinks(x) })
			st, err := decodeState(in)
			roundTrip(st, err, st.encode, func(x []byte) (any, error) { return decodeState(x) })
		}
		// A sealed copy opens to the same bytes, and not under another key.
		sealed := s.seal(bucketPeople, []byte("k"), b)
		if got, err := s.open(bucketPeople, []byte("k"), sealed); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("seal/open: %v", err)
		}
		if _, err := s.open(bucketPeople, []byte("j"), sealed); err == nil {
			t.Fatal("a record opened under another key")
		}
	})
}

func mustOpen(s *sealer, b []byte) []byte {
	p, err := s.open(bucketFaces, []byte("k"), b)
	if err != nil {
		return nil
	}
	return p
}
