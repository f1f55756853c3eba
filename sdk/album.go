package sdk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Album is a user's photo collection as faces and people: an encrypted,
// crash-safe local store (see the package documentation) with the faces'
// clustering kept up to date as photos arrive and as the user corrects it.
//
// Every method is safe for concurrent use; reads share a lock, writes take
// it alone. After Close or Destroy every method returns ErrClosed.
type Album struct {
	mu     sync.RWMutex
	path   string
	key    []byte
	opt    *settings
	db     *bolt.DB
	s      *sealer
	state  stateRec
	closed bool
	broken error // a failed write left the file and memory possibly apart

	m *model
}

// FaceFeature is a face and its feature, as AddFeatures takes them.
type FaceFeature struct {
	// Face is the face. An empty ID is replaced by a fresh random one;
	// a given ID must be a lower-case UUID not yet in the album.
	Face Face
	// Feature describes the face; its FaceID must be empty or Face.ID.
	Feature Feature
}

// Person is a group of faces the album takes for one person.
type Person struct {
	// ID is random (UUID text) and stays the person's while most of their
	// faces stay together (see Album.Refine).
	ID string
	// Name is what the user called them ("" if not named).
	Name string
	// Faces are the person's face IDs, in the order the faces were added.
	Faces []string
	// Photos are the IDs of the photos the person is in, in the order
	// they were added.
	Photos []string
}

// FaceInfo is a face as the album holds it.
type FaceInfo struct {
	Face
	// Photo is the ID of the photo the face is in.
	Photo string
	// Person is the ID of the person the face is taken for.
	Person string
	// Model and Quality are those of the face's feature.
	Model   string
	Quality float32
}

// Photo is a photo as the album holds it.
type Photo struct {
	ID    string
	Faces []FaceInfo
}

// Stats counts what an album holds.
type Stats struct {
	Photos, Faces, People int
}

// OpenAlbum opens the album at path, creating it if the file does not exist,
// with the app's 32-byte key. It fails with ErrNoConsent unless
// WithConsent(true) is given (before touching the file), with ErrWrongKey if
// the album was created with another key, with ErrCorrupt if the file was
// modified or damaged, and with ErrLocked if another Album or process holds
// it. Opening reads and verifies every record, so its time grows with the
// album (a few milliseconds per thousand faces).
//
// Side files a crash may have left (see the package documentation) are
// finished first: an interrupted Destroy is completed, an interrupted
// Forget's wipe is redone.
func OpenAlbum(path string, key []byte, opts ...Option) (*Album, error) {
	s, err := newSettings(opts)
	if err != nil {
		return nil, fmt.Errorf("sdk.OpenAlbum: %w", err)
	}
	if len(s.engineOnly) > 0 {
		return nil, fmt.Errorf("sdk.OpenAlbum: %w: %s applies to New only", ErrInvalidOption, s.engineOnly[0])
	}
	if !s.consent {
		return nil, fmt.Errorf("sdk.OpenAlbum: %w: pass WithConsent(true) once the user has agreed", ErrNoConsent)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("sdk.OpenAlbum: %w: key of %d bytes, want %d", ErrInvalidArgument, len(key), KeySize)
	}
	if path == "" {
		return nil, fmt.Errorf("sdk.OpenAlbum: %w: empty path", ErrInvalidArgument)
	}
	for _, side := range []string{suffixDestroy, suffixCompact, suffixNew} {
		if err := wipeRemove(path + side); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := createAlbum(path, key, s.lockTimeout); err != nil {
			return nil, err
		}
	}
	a := &Album{path: path, key: slices.Clone(key), opt: s}
	if err := a.reopen(); err != nil {
		return nil, err
	}
	if a.state.WipePending {
		if err := a.compact(); err != nil {
			a.db.Close()
			return nil, err
		}
	}
	return a, nil
}

// reopen opens the database at a.path and loads it into memory.
func (a *Album) reopen() error {
	db, err := openDB(a.path, a.opt.lockTimeout)
	if err != nil {
		return err
	}
	var l *loaded
	err = guard("OpenAlbum", ErrCorrupt, func() error {
		return db.View(func(tx *bolt.Tx) error {
			var e error
			l, e = load(tx, a.key)
			return e
		})
	})
	var m *model
	if err == nil {
		m, err = buildModel(l, a.opt)
	}
	if err != nil {
		db.Close()
		if !errors.Is(err, ErrWrongKey) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrInvalidArgument) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return fmt.Errorf("sdk.OpenAlbum: %s: %w", a.path, err)
	}
	a.db, a.s, a.state, a.m = db, l.s, l.state, m
	return nil
}

// check returns the error that stops every call on a closed or broken
// album; the caller holds a.mu.
func (a *Album) check(call string) error {
	if a.closed {
		return fmt.Errorf("sdk: Album.%s: %w", call, ErrClosed)
	}
	if a.broken != nil {
		return fmt.Errorf("sdk: Album.%s: %w", call, a.broken)
	}
	return nil
}

// commit runs one write transaction: build stages the changes through the
// writer. If the transaction fails, the album reloads itself from the file
// (which holds the last committed state), so memory never runs ahead of
// the disk.
func (a *Album) commit(call string, build func(w *writer) error) error {
	var next stateRec
	err := guard(call, ErrCorrupt, func() error {
		return a.db.Update(func(tx *bolt.Tx) error {
			w := &writer{tx: tx, s: a.s, state: a.state}
			if err := build(w); err != nil {
				return err
			}
			if err := w.finish(); err != nil {
				return err
			}
			next = w.state
			return nil
		})
	})
	if err == nil {
		a.state = next
		return nil
	}
	if !errors.Is(err, ErrCorrupt) {
		err = fmt.Errorf("%w: %w", ErrStorage, err)
	}
	err = fmt.Errorf("sdk: Album.%s: %w", call, err)
	a.db.Close()
	if rerr := a.reopen(); rerr != nil {
		a.broken = rerr
	}
	return err
}

// Close closes the album. Further calls return ErrClosed; closing twice is
// not an error.
func (a *Album) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.m = nil
	if a.db == nil {
		return nil
	}
	if err := a.db.Close(); err != nil {
		return storageErr("closing album", err)
	}
	return nil
}

// Destroy withdraws consent: it closes the album and removes its file after
// overwriting every byte of it, so no plaintext or ciphertext of the user's
// data remains in any file (see the package documentation for what a file
// system may still keep). Further calls return ErrClosed. If a crash
// interrupts it, the next OpenAlbum of the path finishes it.
func (a *Album) Destroy() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return fmt.Errorf("sdk: Album.Destroy: %w", ErrClosed)
	}
	a.closed = true
	a.m = nil
	if a.db != nil {
		a.db.Close()
		a.db = nil
	}
	gone := a.path + suffixDestroy
	if err := os.Rename(a.path, gone); err != nil && !errors.Is(err, os.ErrNotExist) {
		return storageErr("destroying album", err)
	}
	if err := syncDir(a.path); err != nil {
		return err
	}
	for _, p := range []string{gone, a.path + suffixCompact, a.path + suffixNew} {
		if err := wipeRemove(p); err != nil {
			return err
		}
	}
	return nil
}

// compact rewrites the album into a fresh file and overwrites the old one,
// so the records deleted since (which bbolt's freed pages still hold) are
// gone from disk. The caller holds a.mu (or owns a).
func (a *Album) compact() error {
	if a.opt.noCompact {
		return nil
	}
	tmp := a.path + suffixCompact
	if err := wipeRemove(tmp); err != nil {
		return err
	}
	dst, err := bolt.Open(tmp, 0o600, boltOptions(a.opt.lockTimeout))
	if err != nil {
		return storageErr("compacting album", err)
	}
	st := a.state
	st.WipePending = false
	err = guard("Forget", ErrCorrupt, func() error { return copyDB(dst, a.db, a.s, st) })
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return storageErr("compacting album", err)
	}
	old, err := os.OpenFile(a.path, os.O_RDWR, 0)
	if err != nil {
		os.Remove(tmp)
		return storageErr("compacting album", err)
	}
	defer old.Close()
	a.db.Close()
	a.db = nil
	if err := os.Rename(tmp, a.path); err != nil {
		a.broken = storageErr("compacting album", err)
		if rerr := a.reopen(); rerr == nil {
			a.broken = nil
		}
		return storageErr("compacting album", err)
	}
	if err := syncDir(a.path); err != nil {
		a.broken = err
		return err
	}
	werr := overwrite(old)
	if err := a.reopen(); err != nil {
		a.broken = err
		return err
	}
	return werr
}

// --- reads ---

// Stats counts the album's photos, faces and people.
func (a *Album) Stats() (Stats, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("Stats"); err != nil {
		return Stats{}, err
	}
	return Stats{Photos: len(a.m.photos), Faces: len(a.m.faces), People: len(a.m.people)}, nil
}

// People returns every person, in the order they were first seen.
func (a *Album) People() ([]Person, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("People"); err != nil {
		return nil, err
	}
	return a.peopleLocked()
}

func (a *Album) peopleLocked() ([]Person, error) {
	ps := make([]*person, 0, len(a.m.people))
	for _, p := range a.m.people {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
	out := make([]Person, len(ps))
	for i, p := range ps {
		out[i] = p.public()
	}
	return out, nil
}

// Person returns the person with the given ID, or an error wrapping
// ErrNotFound.
func (a *Album) Person(id string) (Person, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("Person"); err != nil {
		return Person{}, err
	}
	p, err := a.m.person("Person", id)
	if err != nil {
		return Person{}, err
	}
	return p.public(), nil
}

// PhotosOf returns the IDs of the photos person id is in, in the order they
// were added.
func (a *Album) PhotosOf(id string) ([]string, error) {
	p, err := a.Person(id)
	if err != nil {
		return nil, err
	}
	return p.Photos, nil
}

// Photos returns the IDs of every photo, in the order they were added.
func (a *Album) Photos() ([]string, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("Photos"); err != nil {
		return nil, err
	}
	ps := a.m.sortedPhotos()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.id
	}
	return out, nil
}

// Photo returns the photo with the given ID and its faces, or an error
// wrapping ErrNotFound.
func (a *Album) Photo(id string) (Photo, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("Photo"); err != nil {
		return Photo{}, err
	}
	p, ok := a.m.photos[id]
	if !ok {
		return Photo{}, fmt.Errorf("sdk: Album.Photo: %w: photo %q", ErrNotFound, id)
	}
	out := Photo{ID: id, Faces: make([]FaceInfo, len(p.faces))}
	for i, f := range p.faces {
		out.Faces[i] = f.info()
	}
	return out, nil
}

// Face returns the face with the given ID, or an error wrapping ErrNotFound.
func (a *Album) Face(id string) (FaceInfo, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("Face"); err != nil {
		return FaceInfo{}, err
	}
	f, ok := a.m.byID[id]
	if !ok {
		return FaceInfo{}, fmt.Errorf("sdk: Album.Face: %w: face %q", ErrNotFound, id)
	}
	return f.info(), nil
}

// --- writes ---

// Add finds the faces in img with the album's Engine (see WithEngine),
// describes each, and adds them as photo photoID, as AddFeatures does. It
// returns the faces found. Without an engine it returns ErrNoEngine.
// Detection and extraction run outside the album's lock, so concurrent Adds
// overlap; ctx is checked between faces.
func (a *Album) Add(ctx context.Context, photoID string, img Image) ([]Face, error) {
	a.mu.RLock()
	err := a.check("Add")
	eng := a.opt.engine
	a.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if eng == nil {
		return nil, fmt.Errorf("sdk: Album.Add: %w: open the album WithEngine", ErrNoEngine)
	}
	if err := checkPhotoID(photoID); err != nil {
		return nil, fmt.Errorf("sdk: Album.Add: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sdk: Album.Add: %w", err)
	}
	faces, err := eng.detectCtx(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("sdk: Album.Add: %w", err)
	}
	ff := make([]FaceFeature, len(faces))
	for i, f := range faces {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("sdk: Album.Add: %w", err)
		}
		feat, err := eng.extractCtx(ctx, img, f)
		if err != nil {
			return nil, fmt.Errorf("sdk: Album.Add: %w", err)
		}
		ff[i] = FaceFeature{Face: f, Feature: feat}
	}
	if _, err := a.AddFeatures(ctx, photoID, ff); err != nil {
		return nil, err
	}
	return faces, nil
}

// AddFeatures adds photo photoID with faces found and described elsewhere,
// and files each face under the nearest person within the threshold, or a
// new person (faces of one photo never share a person). A photo with no faces
// is recorded too. It returns the faces' IDs, in order.
//
// The photo is added in one transaction: when AddFeatures returns nil the
// photo is on disk and survives a crash; if it returns an error nothing of
// it was added. It fails with ErrExists if the photo (or a given face ID) is
// already in the album, ErrModelMismatch if a feature's model tag or
// dimension differs from the album's, ErrInvalidArgument for bad values
// (non-finite numbers, a zero feature, an ID that is not a UUID...).
//
// Every so many faces (see WithRefineEvery) it then refines the clustering
// (see Refine); a cancelled ctx skips that step, not the add.
func (a *Album) AddFeatures(ctx context.Context, photoID string, faces []FaceFeature) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sdk: Album.AddFeatures: %w", err)
	}
	recs, err := prepareFaces(photoID, faces)
	if err != nil {
		return nil, fmt.Errorf("sdk: Album.AddFeatures: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.check("AddFeatures"); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sdk: Album.AddFeatures: %w", err)
	}
	ch, err := a.m.add(photoID, recs)
	if err != nil {
		return nil, fmt.Errorf("sdk: Album.AddFeatures: %w", err)
	}
	if err := a.commit("AddFeatures", ch.apply); err != nil {
		return nil, err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	a.m.sinceRefine += len(recs)
	if a.m.refineDue() {
		// Best effort: the photo is added; a failed or cancelled refine
		// is retried after the next add.
		_ = a.refineLocked(ctx)
	}
	return ids, nil
}

func prepareFaces(photoID string, faces []FaceFeature) ([]faceRec, error) {
	if err := checkPhotoID(photoID); err != nil {
		return nil, err
	}
	if len(faces) > MaxFacesPerPhoto {
		return nil, fmt.Errorf("%w: %d faces in one photo, at most %d", ErrInvalidArgument, len(faces), MaxFacesPerPhoto)
	}
	recs := make([]faceRec, len(faces))
	seen := make(map[string]bool, len(faces))
	for i, ff := range faces {
		id := ff.Face.ID
		if id == "" {
			var err error
			if id, err = newID(); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrStorage, err)
			}
		}
		if ff.Feature.FaceID != "" && ff.Feature.FaceID != id {
			return nil, fmt.Errorf("%w: face %d: feature of face %q, not %q", ErrInvalidArgument, i, ff.Feature.FaceID, id)
		}
		if seen[id] {
			return nil, fmt.Errorf("%w: face ID %s twice in one photo", ErrExists, id)
		}
		seen[id] = true
		r := faceRec{
			ID: id, Photo: photoID, Box: ff.Face.Box,
			Landmarks: slices.Clone(ff.Face.Landmarks), Score: ff.Face.Score, Pose: ff.Face.Pose,
			Model: ff.Feature.Model, Quality: ff.Feature.Quality, Vector: slices.Clone(ff.Feature.Vector),
		}
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("face %d: %w", i, err)
		}
		recs[i] = r
	}
	return recs, nil
}

// Refine re-runs the clustering over every face from scratch (exact
// agglomerative clustering up to a few thousand faces, a sparse
// nearest-neighbour variant beyond), honouring every correction, and stores
// the result. A person keeps their ID (and name) if more than half of their
// faces stay together; see the package documentation. It returns promptly
// with ctx's error if ctx is cancelled, leaving the album as it was (the
// computation then finishes in the background and is dropped).
func (a *Album) Refine(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.check("Refine"); err != nil {
		return err
	}
	return a.refineLocked(ctx)
}

func (a *Album) refineLocked(ctx context.Context) error {
	ch, err := a.m.refine(ctx)
	if err != nil {
		return fmt.Errorf("sdk: Album.Refine: %w", err)
	}
	if err := a.commit("Refine", ch.apply); err != nil {
		return err
	}
	a.m.sinceRefine = 0
	return nil
}

// Merge records that people a and b are one person: b's faces join a, which
// keeps its ID (and takes b's name if a has none); b's ID retires. The faces
// of both stay together through every later refine. It fails with
// ErrConflict, changing nothing, if a and b share a photo or one of b's faces
// was rejected from a's (or the reverse), and with ErrNotFound for unknown
// IDs.
func (a *Album) Merge(personA, personB string) error {
	return a.write("Merge", func(m *model) (*change, error) { return m.merge(personA, personB) })
}

// Reject records that face faceID is not person personID: the face leaves
// the person (for a new person of its own) if it is in it, and is never put
// with the person's present faces again, across refines and reopening. It
// returns the face's person afterwards. Rejecting the only face of a person
// is ErrConflict.
func (a *Album) Reject(faceID, personID string) (string, error) {
	var out string
	err := a.write("Reject", func(m *model) (*change, error) {
		ch, p, err := m.reject(faceID, personID)
		out = p
		return ch, err
	})
	return out, err
}

// Confirm records that face faceID is person personID: the face moves to
// the person if it is elsewhere and stays with the person's present faces
// through every later refine; an earlier Reject between them is dropped (the
// newer decision wins). It fails with ErrConflict if the face shares a photo
// with one of the person's faces.
func (a *Album) Confirm(faceID, personID string) error {
	return a.write("Confirm", func(m *model) (*change, error) { return m.confirm(faceID, personID) })
}

// Name names person id (at most MaxNameLen bytes of UTF-8); "" removes the
// name.
func (a *Album) Name(id, name string) error {
	if len(name) > MaxNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("sdk: Album.Name: %w: name of %d bytes (want at most %d bytes of UTF-8)", ErrInvalidArgument, len(name), MaxNameLen)
	}
	return a.write("Name", func(m *model) (*change, error) { return m.name(id, name) })
}

func (a *Album) write(call string, plan func(m *model) (*change, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.check(call); err != nil {
		return err
	}
	ch, err := plan(a.m)
	if err != nil {
		return fmt.Errorf("sdk: Album.%s: %w", call, err)
	}
	return a.commit(call, ch.apply)
}

// Forget removes photos from the album: their faces, their features, their
// place in people (people left with no faces disappear) and in corrections.
// Then it rewrites the album file and overwrites the old one, so nothing of
// the removed photos remains in any file (see the package documentation);
// that takes time proportional to the album's size. It fails with
// ErrNotFound, removing nothing, if a photo is not in the album. If a crash
// interrupts the rewrite, the next OpenAlbum redoes it.
func (a *Album) Forget(ctx context.Context, photoIDs ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sdk: Album.Forget: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.check("Forget"); err != nil {
		return err
	}
	ch, err := a.m.forget(photoIDs)
	if err != nil {
		return fmt.Errorf("sdk: Album.Forget: %w", err)
	}
	err = a.commit("Forget", func(w *writer) error {
		if err := ch.apply(w); err != nil {
			return err
		}
		w.state.WipePending = true
		return nil
	})
	if err != nil {
		return err
	}
	if err := a.compact(); err != nil {
		return fmt.Errorf("sdk: Album.Forget: the photos are removed but the file is not yet rewritten: %w", err)
	}
	return nil
}
