package sdk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/facecluster/facecluster/internal/devdata"
)

// smallAlbum builds a small album with every kind of record and returns its
// path, the album's content after its last commit, and after the commit
// before (which bbolt falls back to if its newest meta page is damaged).
func smallAlbum(t *testing.T) (path string, last, prev *snapshot) {
	path = tempAlbum(t)
	a := openTest(t, path)
	mustAdd(t, a, "beach.jpg", 0, 1)
	mustAdd(t, a, "party.jpg", 0, 2, 3)
	mustAdd(t, a, "empty.jpg")
	mustAdd(t, a, "gone.jpg", 1)
	ps, _ := a.People()
	if err := a.Merge(ps[2].ID, ps[3].ID); err != nil && !errors.Is(err, ErrConflict) {
		t.Fatal(err)
	}
	ph, _ := a.Photo("beach.jpg")
	if _, err := a.Reject(ph.Faces[1].ID, ph.Faces[1].Person); err != nil && !errors.Is(err, ErrConflict) {
		t.Fatal(err)
	}
	if err := a.Forget(context.Background(), "gone.jpg"); err != nil {
		t.Fatal(err)
	}
	prev, err := takeSnapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Name(ps[0].ID, "Ann"); err != nil {
		t.Fatal(err)
	}
	if last, err = takeSnapshot(a); err != nil {
		t.Fatal(err)
	}
	a.Close()
	return path, last, prev
}

func TestWrongKey(t *testing.T) {
	path, _, _ := smallAlbum(t)
	other := make([]byte, KeySize)
	copy(other, testKey)
	other[31] ^= 1
	if _, err := OpenAlbum(path, other, WithConsent(true)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := OpenAlbum(path, testKey[:16], WithConsent(true)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short key: %v", err)
	}
	a := openTest(t, path) // the right key still works, the file untouched
	a.Close()
}

// TestEveryByteFlip flips each byte of a small album file in turn and opens
// and reads it: the result must be an error wrapping ErrCorrupt or
// ErrWrongKey, or the album's true content (a flip in unused space), or,
// for a flip in a meta page, the content of the commit before.
func TestEveryByteFlip(t *testing.T) {
	path, last, prev := smallAlbum(t)
	orig := readFile(t, path)
	pageSize := os.Getpagesize()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pageSize = db.Info().PageSize
	db.Close()
	stride := 1
	if devdata.Slow() {
		stride = 13
	}
	type tally struct{ corrupt, wrongKey, unused, fellBack int }
	var mu sync.Mutex
	var total tally
	start := time.Now()
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine tally
			dir := t.TempDir()
			p := filepath.Join(dir, "flip.fc")
			buf := make([]byte, len(orig))
			for off := w * stride; off < len(orig); off += workers * stride {
				copy(buf, orig)
				buf[off] ^= 0xff
				if err := os.WriteFile(p, buf, 0o600); err != nil {
					errc <- err
					return
				}
				got, err := openAndRead(p)
				switch {
				case errors.Is(err, ErrCorrupt):
					mine.corrupt++
				case errors.Is(err, ErrWrongKey):
					mine.wrongKey++
				case err != nil:
					errc <- errors.Join(errors.New("flip at "+itoa(off)+": error wraps neither ErrCorrupt nor ErrWrongKey"), err)
					return
				case got.equal(last):
					mine.unused++
				case off < 2*pageSize && got.equal(prev):
					mine.fellBack++
				default:
					errc <- errors.New("flip at " + itoa(off) + ": the album opened with content it never had")
					return
				}
			}
			mu.Lock()
			total.corrupt += mine.corrupt
			total.wrongKey += mine.wrongKey
			total.unused += mine.unused
			total.fellBack += mine.fellBack
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	n := total.corrupt + total.wrongKey + total.unused + total.fellBack
	t.Logf("%d single-byte flips of a %d-byte album (%d-byte pages) in %v: %d ErrCorrupt, %d ErrWrongKey, %d in unused space (content intact), %d in a meta page (previous commit)",
		n, len(orig), pageSize, time.Since(start).Round(time.Millisecond), total.corrupt, total.wrongKey, total.unused, total.fellBack)
	if total.corrupt == 0 || total.wrongKey == 0 {
		t.Errorf("the flips found no corruption or no key damage: the test is not reaching the records")
	}
}

func openAndRead(path string) (*snapshot, error) {
	a, err := OpenAlbum(path, testKey, WithConsent(true))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return takeSnapshot(a)
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}
