package nn_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/facecluster/facecluster/nn"
)

// FuzzRead feeds arbitrary bytes to the reader, as they are and with the
// header's size and hash made consistent (so that mutations reach the
// payload parser and Build instead of failing the hash). Decoding must
// return a Model or an ErrFormat error: never panic, hang or allocate out
// of proportion to the input.
func FuzzRead(f *testing.F) {
	valid, err := nn.Encode(testFile())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:nn.HeaderSize])
	f.Add(valid[:len(valid)/2])
	f.Add([]byte(nn.Magic))
	f.Add([]byte{})
	small := testFile()
	small.Layers = small.Layers[:1]
	small.Tensors = small.Tensors[:2]
	small.Outputs = small.Outputs[1:]
	if data, err := nn.Encode(small); err == nil {
		f.Add(data)
	} else {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, rehash(data)} {
			m, err := nn.Decode(in)
			if err != nil {
				if !errors.Is(err, nn.ErrFormat) {
					t.Fatalf("error not wrapping ErrFormat: %v", err)
				}
				continue
			}
			if len(m.Inputs) == 0 || len(m.Outputs) == 0 || len(m.Values) != len(m.Inputs)+len(m.Layers) {
				t.Fatalf("accepted an inconsistent model")
			}
			if m.MACs > nn.MaxMACs {
				t.Fatalf("accepted %d MACs", m.MACs)
			}
			// What was accepted re-encodes to the same bytes.
			ff, err := nn.DecodeFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := nn.Encode(ff)
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("accepted file does not re-encode identically (err %v)", err)
			}
		}
	})
}
