package sdk

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The album file is a bbolt database of five buckets. "meta" holds the
// format tag, the album's random salt and the key check in the clear, and
// the sealed state record (the manifest). "photos", "faces" and "people"
// map the truncated HMAC of an ID to the sealed record; "links" holds the
// sealed constraints under the key "links". Every sealed value carries its
// bucket and key as associated data.
var (
	bucketMeta   = []byte("meta")
	bucketPhotos = []byte("photos")
	bucketFaces  = []byte("faces")
	bucketPeople = []byte("people")
	bucketLinks  = []byte("links")

	dataBuckets = [][]byte{bucketPhotos, bucketFaces, bucketPeople, bucketLinks}

	keyFormat = []byte("format")
	keySalt   = []byte("salt")
	keyCheck  = []byte("check")
	keyState  = []byte("state")
	keyLinks  = []byte("links")

	formatTag = []byte("facecluster-album 1")
)

// Side files next to an album: a new album is built under .new and renamed
// into place; Forget compacts into .compact and renames it over the album;
// Destroy renames the album to .destroy before overwriting it. A leftover
// side file after a crash is overwritten and removed at the next OpenAlbum.
const (
	suffixNew     = ".new"
	suffixCompact = ".compact"
	suffixDestroy = ".destroy"
)

func boltOptions(timeout time.Duration) *bolt.Options {
	return &bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistArrayType}
}

// openDB opens an existing album database.
func openDB(path string, timeout time.Duration) (db *bolt.DB, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, storageErr("opening album", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrInvalidArgument, path)
	}
	if st.Size() == 0 {
		// bbolt would initialise an empty file; albums are never empty.
		return nil, fmt.Errorf("%w: %s is empty", ErrCorrupt, path)
	}
	// Check the structure before bbolt maps the file, under bbolt's lock
	// (taken on the file bbolt opens, through OpenFile).
	opts := boltOptions(timeout)
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		return os.OpenFile(name, flag, perm)
	}
	pf, err := os.Open(path)
	if err != nil {
		return nil, storageErr("opening album", err)
	}
	err = precheck(pf)
	pf.Close()
	if err != nil {
		return nil, fmt.Errorf("sdk: OpenAlbum: %s: %w", path, err)
	}
	err = guard("OpenAlbum", ErrCorrupt, func() error {
		var e error
		db, e = bolt.Open(path, 0o600, opts)
		return e
	})
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("sdk: OpenAlbum: %w: %s: %w", ErrLocked, path, err)
		case errors.Is(err, ErrCorrupt):
			return nil, err
		case isOSError(err):
			return nil, storageErr("opening album", err)
		default: // bbolt's ErrInvalid, ErrChecksum, ErrVersionMismatch, size errors...
			return nil, fmt.Errorf("sdk: OpenAlbum: %w: %w", ErrCorrupt, err)
		}
	}
	return db, nil
}

func isOSError(err error) bool {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	return errors.As(err, &pe) || errors.As(err, &le) || errors.As(err, &se)
}

func storageErr(what string, err error) error {
	return fmt.Errorf("sdk: %s: %w: %w", what, ErrStorage, err)
}

// createAlbum writes a new empty album at path: built under a side name,
// synced, and renamed into place, so path only ever names a complete album.
func createAlbum(path string, key []byte, timeout time.Duration) error {
	tmp := path + suffixNew
	if err := wipeRemove(tmp); err != nil {
		return err
	}
	salt := make([]byte, saltSize)
	rand.Read(salt)
	s, err := newSealer(key, salt)
	if err != nil {
		return err
	}
	db, err := bolt.Open(tmp, 0o600, boltOptions(timeout))
	if err != nil {
		return storageErr("creating album", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		for _, b := range dataBuckets {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		if err := meta.Put(keyFormat, formatTag); err != nil {
			return err
		}
		if err := meta.Put(keySalt, salt); err != nil {
			return err
		}
		if err := meta.Put(keyCheck, s.check); err != nil {
			return err
		}
		links := (&linksRec{}).encode()
		sealed := s.seal(bucketLinks, keyLinks, links)
		if err := tx.Bucket(bucketLinks).Put(keyLinks, sealed); err != nil {
			return err
		}
		st := stateRec{Count: 1, Digest: recordDigest(bucketLinks, keyLinks, sealed)}
		return meta.Put(keyState, s.seal(bucketMeta, keyState, st.encode()))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return storageErr("creating album", err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return storageErr("creating album", err)
	}
	return syncDir(path)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return storageErr("syncing", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return storageErr("syncing", err)
	}
	return nil
}

// syncDir makes a rename or removal in path's directory durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return storageErr("syncing directory", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return storageErr("syncing directory", err)
	}
	return nil
}

// overwrite replaces every byte of the open file f with zeros and syncs it,
// so the blocks that held it no longer hold album data (on file systems that
// overwrite in place; see the package documentation).
func overwrite(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return storageErr("overwriting", err)
	}
	zero := make([]byte, 1<<20)
	for off := int64(0); off < st.Size(); off += int64(len(zero)) {
		n := min(int64(len(zero)), st.Size()-off)
		if _, err := f.WriteAt(zero[:n], off); err != nil {
			return storageErr("overwriting", err)
		}
	}
	if err := f.Sync(); err != nil {
		return storageErr("overwriting", err)
	}
	return nil
}

// wipeRemove overwrites and removes path if it exists.
func wipeRemove(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return storageErr("removing "+filepath.Base(path), err)
	}
	err = overwrite(f)
	f.Close()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return storageErr("removing "+filepath.Base(path), err)
	}
	return syncDir(path)
}

// loaded is an album's content as read and verified from its file.
type loaded struct {
	s      *sealer
	state  stateRec
	photos []photoRec
	faces  []faceRec
	people []personRec
	links  linksRec
}

// load reads, authenticates and decodes every record of the album in tx.
// A wrong key is ErrWrongKey; anything else wrong is ErrCorrupt.
func load(tx *bolt.Tx, key []byte) (*loaded, error) {
	// Exactly the five buckets.
	names := 0
	err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		names++
		if !bytes.Equal(name, bucketMeta) && !isDataBucket(name) {
			return fmt.Errorf("%w: unexpected bucket %q", ErrCorrupt, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	meta := tx.Bucket(bucketMeta)
	if meta == nil || names != 1+len(dataBuckets) {
		return nil, fmt.Errorf("%w: missing buckets", ErrCorrupt)
	}
	if !bytes.Equal(meta.Get(keyFormat), formatTag) {
		return nil, fmt.Errorf("%w: not a facecluster album (format %q)", ErrCorrupt, meta.Get(keyFormat))
	}
	salt := meta.Get(keySalt)
	if len(salt) != saltSize {
		return nil, fmt.Errorf("%w: salt of %d bytes", ErrCorrupt, len(salt))
	}
	s, err := newSealer(key, salt)
	if err != nil {
		return nil, err
	}
	if !s.checkMatches(meta.Get(keyCheck)) {
		return nil, fmt.Errorf("%w: the key check does not match", ErrWrongKey)
	}
	metaKeys := 0
	if err := meta.ForEach(func(k, v []byte) error {
		metaKeys++
		if v == nil {
			return fmt.Errorf("%w: nested bucket in meta", ErrCorrupt)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if metaKeys != 4 {
		return nil, fmt.Errorf("%w: %d meta records, want 4", ErrCorrupt, metaKeys)
	}
	plain, err := s.open(bucketMeta, keyState, meta.Get(keyState))
	if err != nil {
		return nil, err
	}
	l := &loaded{s: s}
	if l.state, err = decodeState(plain); err != nil {
		return nil, err
	}

	var count uint64
	var digest [16]byte
	haveLinks := false
	for _, bname := range dataBuckets {
		b := tx.Bucket(bname)
		err := b.ForEach(func(k, v []byte) error {
			if v == nil {
				return fmt.Errorf("%w: nested bucket in %s", ErrCorrupt, bname)
			}
			count++
			xor16(&digest, recordDigest(bname, k, v))
			plain, err := s.open(bname, k, v)
			if err != nil {
				return err
			}
			switch {
			case bytes.Equal(bname, bucketPhotos):
				r, err := decodePhoto(plain)
				if err != nil {
					return err
				}
				if !bytes.Equal(k, s.dbKey(kindPhoto, r.ID)) {
					return fmt.Errorf("%w: photo record under a foreign key", ErrCorrupt)
				}
				l.photos = append(l.photos, r)
			case bytes.Equal(bname, bucketFaces):
				r, err := decodeFace(plain)
				if err != nil {
					return err
				}
				if !bytes.Equal(k, s.dbKey(kindFace, r.ID)) {
					return fmt.Errorf("%w: face record under a foreign key", ErrCorrupt)
				}
				l.faces = append(l.faces, r)
			case bytes.Equal(bname, bucketPeople):
				r, err := decodePerson(plain)
				if err != nil {
					return err
				}
				if !bytes.Equal(k, s.dbKey(kindPerson, r.ID)) {
					return fmt.Errorf("%w: person record under a foreign key", ErrCorrupt)
				}
				l.people = append(l.people, r)
			default:
				if !bytes.Equal(k, keyLinks) {
					return fmt.Errorf("%w: unexpected key in links", ErrCorrupt)
				}
				if l.links, err = decodeLinks(plain); err != nil {
					return err
				}
				haveLinks = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if !haveLinks || count != l.state.Count || digest != l.state.Digest {
		return nil, fmt.Errorf("%w: the records (%d) do not match the manifest (%d)", ErrCorrupt, count, l.state.Count)
	}
	return l, nil
}

func isDataBucket(name []byte) bool {
	for _, b := range dataBuckets {
		if bytes.Equal(name, b) {
			return true
		}
	}
	return false
}

// writer stages a write transaction: every put and delete keeps the
// manifest (count and digest of the data records) in step, and commit
// writes it.
type writer struct {
	tx    *bolt.Tx
	s     *sealer
	state stateRec
}

func (w *writer) put(bucket, key, plain []byte) error {
	b := w.tx.Bucket(bucket)
	if old := b.Get(key); old != nil {
		xor16(&w.state.Digest, recordDigest(bucket, key, old))
	} else {
		w.state.Count++
	}
	sealed := w.s.seal(bucket, key, plain)
	xor16(&w.state.Digest, recordDigest(bucket, key, sealed))
	return b.Put(key, sealed)
}

func (w *writer) del(bucket, key []byte) error {
	b := w.tx.Bucket(bucket)
	old := b.Get(key)
	if old == nil {
		return fmt.Errorf("%w: deleting a missing record of %s", ErrCorrupt, bucket)
	}
	xor16(&w.state.Digest, recordDigest(bucket, key, old))
	w.state.Count--
	return b.Delete(key)
}

func (w *writer) finish() error {
	return w.tx.Bucket(bucketMeta).Put(keyState, w.s.seal(bucketMeta, keyState, w.state.encode()))
}

// copyDB copies every bucket and record of src into the empty dst in one
// transaction, setting the state record to st. The copy is written into
// fresh pages: nothing of src's freed pages comes along.
func copyDB(dst, src *bolt.DB, s *sealer, st stateRec) error {
	return dst.Update(func(dtx *bolt.Tx) error {
		return src.View(func(stx *bolt.Tx) error {
			err := stx.ForEach(func(name []byte, b *bolt.Bucket) error {
				nb, err := dtx.CreateBucket(name)
				if err != nil {
					return err
				}
				nb.FillPercent = 0.9
				return b.ForEach(func(k, v []byte) error {
					if bytes.Equal(name, bucketMeta) && bytes.Equal(k, keyState) {
						v = s.seal(bucketMeta, keyState, st.encode())
					}
					return nb.Put(k, v)
				})
			})
			return err
		})
	})
}
