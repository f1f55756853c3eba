package sdk

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
)

// KeySize is the length of an album key: AES-256.
const KeySize = 32

const (
	sealVersion = 1
	nonceSize   = 12
	tagSize     = 16
	saltSize    = 32
	dbKeySize   = 16 // truncated HMAC-SHA-256 of a record's ID
	sealedMin   = 1 + nonceSize + tagSize
)

// sealer holds the keys derived from the app's key and an album's salt: one
// for AES-256-GCM, one for the HMAC that turns IDs into database keys (so no
// ID is stored in the clear) and for the key check.
type sealer struct {
	aead  cipher.AEAD
	mac   []byte
	check []byte // HMAC(mac key, "key check"), stored in the clear
}

func newSealer(key, salt []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: key of %d bytes, want %d", ErrInvalidArgument, len(key), KeySize)
	}
	enc, err := hkdf.Key(sha256.New, key, salt, "facecluster album v1 record encryption", 32)
	if err != nil {
		return nil, err
	}
	mac, err := hkdf.Key(sha256.New, key, salt, "facecluster album v1 record keys", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &sealer{aead: aead, mac: mac}
	s.check = s.hmac([]byte("key check"))
	return s, nil
}

func (s *sealer) hmac(parts ...[]byte) []byte {
	var h hash.Hash = hmac.New(sha256.New, s.mac)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// dbKey is the database key of record id of kind ('p' photo, 'f' face, 'u'
// person).
func (s *sealer) dbKey(kind byte, id string) []byte {
	return s.hmac([]byte{kind}, []byte(id))[:dbKeySize]
}

func (s *sealer) checkMatches(stored []byte) bool {
	return len(stored) == len(s.check) && subtle.ConstantTimeCompare(stored, s.check) == 1
}

// ad is the associated data of a record: its identity (bucket and key), so a
// record moved to another key or bucket fails to open.
func ad(bucket, key []byte) []byte {
	a := make([]byte, 0, 8+len(bucket)+len(key))
	a = append(a, "fc1"...)
	a = append(a, byte(len(bucket)))
	a = append(a, bucket...)
	return append(a, key...)
}

// seal encrypts plain as the value of (bucket, key): version, random nonce,
// ciphertext and tag.
func (s *sealer) seal(bucket, key, plain []byte) []byte {
	out := make([]byte, 1+nonceSize, sealedMin+len(plain))
	out[0] = sealVersion
	rand.Read(out[1 : 1+nonceSize])
	return s.aead.Seal(out, out[1:1+nonceSize], plain, ad(bucket, key))
}

var errAuth = errors.New("record fails authentication")

// open decrypts the value of (bucket, key); any change to the value, the key
// or the bucket makes it fail.
func (s *sealer) open(bucket, key, sealed []byte) ([]byte, error) {
	if len(sealed) < sealedMin {
		return nil, fmt.Errorf("%w: sealed record of %d bytes", ErrCorrupt, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: sealed record version %d", ErrCorrupt, sealed[0])
	}
	plain, err := s.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], ad(bucket, key))
	if err != nil {
		return nil, fmt.Errorf("%w: %s/%x: %w", ErrCorrupt, bucket, key, errAuth)
	}
	return plain, nil
}

// recordDigest is a record's contribution to the manifest digest: it binds
// the bucket, the key and the GCM tag (which differs for every sealing).
func recordDigest(bucket, key, sealed []byte) [16]byte {
	h := sha256.New()
	h.Write([]byte{byte(len(bucket))})
	h.Write(bucket)
	h.Write([]byte{byte(len(key))})
	h.Write(key)
	if len(sealed) >= tagSize {
		h.Write(sealed[len(sealed)-tagSize:])
	}
	var d [16]byte
	copy(d[:], h.Sum(nil))
	return d
}

func xor16(a *[16]byte, b [16]byte) {
	for i := range a {
		a[i] ^= b[i]
	}
}
