package sdk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// secrets collects byte strings that identify a photo's data: its ID, its
// faces' IDs, boxes and features in the clear, their database keys, and the
// sealed values (nonce and tag) of every record that holds any of it.
func secrets(t *testing.T, a *Album, photoID string) [][]byte {
	t.Helper()
	a.mu.RLock()
	defer a.mu.RUnlock()
	ph := a.m.photos[photoID]
	needles := [][]byte{[]byte(photoID), ph.key}
	sealed := func(bucket, key []byte) {
		if err := a.db.View(func(tx *bolt.Tx) error {
			v := tx.Bucket(bucket).Get(key)
			if v == nil {
				t.Fatalf("no record %s/%x", bucket, key)
			}
			needles = append(needles, bytes.Clone(v[1:1+nonceSize]), bytes.Clone(v[len(v)-tagSize:]))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	sealed(bucketPhotos, ph.key)
	sealed(bucketLinks, keyLinks)
	for _, f := range ph.faces {
		needles = append(needles, []byte(f.rec.ID), f.key, float32Bytes(f.rec.Vector[:4]),
			float32Bytes([]float32{f.rec.Box.X, f.rec.Box.Y, f.rec.Box.W, f.rec.Box.H}))
		sealed(bucketFaces, f.key)
		sealed(bucketPeople, f.person.key)
	}
	return needles
}

// scanDir returns the files in dir holding any needle.
func scanDir(t *testing.T, dir string, needles [][]byte) []string {
	t.Helper()
	var hits []string
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b := readFile(t, filepath.Join(dir, e.Name()))
		for i, n := range needles {
			if bytes.Contains(b, n) {
				hits = append(hits, e.Name()+": needle "+itoa(i))
				break
			}
		}
	}
	return hits
}

func privacyAlbum(t *testing.T, opts ...Option) (*Album, string, [][]byte) {
	path := tempAlbum(t)
	a := openTest(t, path, opts...)
	mustAdd(t, a, "keep-1.jpg", 0, 1)
	secret := photoFaces("secret-photo.jpg", 0, 2)
	secret[0].Face.Box = Box{1234.5, 2345.25, 345.125, 456.0625}
	secret[1].Face.Box = Box{3234.5, 4345.25, 545.125, 656.0625}
	if _, err := a.AddFeatures(context.Background(), "secret-photo.jpg", secret); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, a, "keep-2.jpg", 2, 3)
	// A correction involving the secret photo's faces.
	ph, _ := a.Photo("secret-photo.jpg")
	if _, err := a.Reject(ph.Faces[0].ID, ph.Faces[0].Person); err != nil && !errors.Is(err, ErrConflict) {
		t.Fatal(err)
	}
	if err := a.Name(ph.Faces[1].Person, "Secret Name"); err != nil {
		t.Fatal(err)
	}
	return a, path, secrets(t, a, "secret-photo.jpg")
}

func TestForgetLeavesNothing(t *testing.T) {
	a, path, needles := privacyAlbum(t)
	dir := filepath.Dir(path)
	if hits := scanDir(t, dir, needles); len(hits) == 0 {
		t.Fatal("before Forget the file holds none of the secret records: the scan is blind")
	}
	// A second name for the album's inode, to check what happens to the
	// old file's blocks.
	oldInode := filepath.Join(dir, "old-inode")
	if err := os.Link(path, oldInode); err != nil {
		t.Fatal(err)
	}
	before, _ := takeSnapshot(a)
	if err := a.Forget(context.Background(), "secret-photo.jpg"); err != nil {
		t.Fatal(err)
	}
	if hits := scanDir(t, dir, needles); len(hits) > 0 {
		t.Errorf("after Forget, files still hold the photo's data: %v", hits)
	}
	if old := readFile(t, oldInode); len(old) == 0 || !bytes.Equal(old, make([]byte, len(old))) {
		t.Errorf("the old album file (%d bytes) was not overwritten with zeros", len(old))
	}
	if _, err := a.Photo("secret-photo.jpg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Photo after Forget: %v", err)
	}
	after, _ := takeSnapshot(a)
	if len(after.photos) != len(before.photos)-1 {
		t.Errorf("%d photos after Forget, want %d", len(after.photos), len(before.photos)-1)
	}
	a.Close()
	a = openTest(t, path)
	reopened, _ := takeSnapshot(a)
	if !after.equal(reopened) {
		t.Errorf("the album changed across reopening after Forget")
	}
	// Destroy: the album is gone and its inode zeroed.
	if err := os.Remove(oldInode); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, oldInode); err != nil {
		t.Fatal(err)
	}
	if err := a.Destroy(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "old-inode" {
		t.Errorf("after Destroy the directory holds %v", ents)
	}
	if old := readFile(t, oldInode); len(old) == 0 || !bytes.Equal(old, make([]byte, len(old))) {
		t.Errorf("the destroyed album file was not overwritten with zeros")
	}
	for _, err := range []error{a.Close(), a.Destroy(), func() error { _, err := a.People(); return err }(),
		a.Name("x", "y"), func() error { _, err := a.AddFeatures(context.Background(), "p", nil); return err }()} {
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("after Destroy: %v, want ErrClosed", err)
		}
	}
	if _, err := a.People(); !errors.Is(err, ErrClosed) {
		t.Errorf("People after Destroy: %v", err)
	}
}

// Without the rewrite, bbolt's freed pages keep the deleted records: the
// scan above would catch it.
func TestForgetWithoutWipeLeaks(t *testing.T) {
	a, path, needles := privacyAlbum(t, func(s *settings) error { s.noCompact = true; return nil })
	defer a.Close()
	if err := a.Forget(context.Background(), "secret-photo.jpg"); err != nil {
		t.Fatal(err)
	}
	if hits := scanDir(t, filepath.Dir(path), needles); len(hits) == 0 {
		t.Errorf("without the rewrite no trace was found: the privacy test cannot tell")
	}
}

// An interrupted wipe is redone at the next open.
func TestWipePendingRedone(t *testing.T) {
	a, path, needles := privacyAlbum(t, func(s *settings) error { s.noCompact = true; return nil })
	if err := a.Forget(context.Background(), "secret-photo.jpg"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	// A half-written compaction left behind.
	if err := os.WriteFile(path+suffixCompact, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	a = openTest(t, path)
	defer a.Close()
	if hits := scanDir(t, filepath.Dir(path), needles); len(hits) > 0 {
		t.Errorf("after reopening, files still hold the forgotten photo: %v", hits)
	}
	if _, err := os.Stat(path + suffixCompact); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover compaction file: %v", err)
	}
}

func TestDestroyFinishedAtOpen(t *testing.T) {
	path := tempAlbum(t)
	a := openTest(t, path)
	mustAdd(t, a, "x.jpg", 1)
	a.Close()
	// A crash after Destroy renamed the album, before it removed it.
	if err := os.Rename(path, path+suffixDestroy); err != nil {
		t.Fatal(err)
	}
	a = openTest(t, path)
	st, _ := a.Stats()
	a.Close()
	if st.Photos != 0 {
		t.Errorf("a destroyed album came back: %+v", st)
	}
	if _, err := os.Stat(path + suffixDestroy); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the destroyed file is still there: %v", err)
	}
}
