package sdk

import "errors"

// Sentinel errors. Every error the package returns wraps one of them (test
// with errors.Is) together with context naming the call and the value at
// fault; errors of the operating system or of the database are wrapped as
// well, so errors.As reaches them.
var (
	// ErrNoConsent reports a call made without the user's consent: New and
	// OpenAlbum need WithConsent(true), and process nothing without it.
	ErrNoConsent = errors.New("sdk: no consent to process faces")
	// ErrInvalidOption reports an option with a bad value, or an option
	// given to a constructor it does not apply to.
	ErrInvalidOption = errors.New("sdk: invalid option")
	// ErrInvalidArgument reports a bad argument: an empty or overlong ID, a
	// key that is not 32 bytes, a feature holding NaN, a nil writer...
	ErrInvalidArgument = errors.New("sdk: invalid argument")
	// ErrInvalidImage reports an Image whose size, stride or pixel buffer
	// is inconsistent, or which exceeds MaxImageSide or MaxImagePixels.
	ErrInvalidImage = errors.New("sdk: invalid image")
	// ErrWrongKey reports an album opened with a key other than the one it
	// was created with.
	ErrWrongKey = errors.New("sdk: wrong album key")
	// ErrCorrupt reports an album file that was modified or damaged: a
	// record that fails authentication, does not decode, or contradicts
	// the others, or a database structure the store cannot read.
	ErrCorrupt = errors.New("sdk: album corrupt")
	// ErrClosed reports a call on an album after Close or Destroy.
	ErrClosed = errors.New("sdk: album closed")
	// ErrNotFound reports a photo, face or person the album does not hold.
	ErrNotFound = errors.New("sdk: not found")
	// ErrExists reports a photo added twice, or a face ID already in use.
	ErrExists = errors.New("sdk: already exists")
	// ErrConflict reports a correction that contradicts the album: merging
	// two people who share a photo, or a person a face was rejected from.
	ErrConflict = errors.New("sdk: conflicting correction")
	// ErrModelMismatch reports a feature whose model tag or dimension
	// differs from the features the album holds: features of different
	// models are never compared.
	ErrModelMismatch = errors.New("sdk: feature model mismatch")
	// ErrNoEngine reports face detection or feature extraction requested
	// without a detector and embedder: an album opened without WithEngine,
	// or an Engine built before the models are wired in.
	ErrNoEngine = errors.New("sdk: no face engine")
	// ErrStorage reports a failure of the file system under an album
	// (the operating system's error is wrapped too).
	ErrStorage = errors.New("sdk: album storage failed")
	// ErrLocked reports an album file held open by another Album or
	// process.
	ErrLocked = errors.New("sdk: album in use")
)
