package sdk

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/imageio"
)

// benchPhotos decodes up to n labelled dev photos (in path order: the
// full-size deepface photos, then the smaller crops), cycling if there are
// fewer.
func benchPhotos(b *testing.B, n int) []Image {
	dir := devdata.Dir(b)
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		b.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var files []string
	for _, r := range rows[1:] {
		files = append(files, r[0])
	}
	sort.Strings(files)
	files = files[:min(n, len(files))]
	imgs := make([]Image, len(files))
	var wg sync.WaitGroup
	sem := make(chan bool, runtime.GOMAXPROCS(0))
	for i, file := range files {
		wg.Go(func() {
			sem <- true
			defer func() { <-sem }()
			img, _, err := imageio.DecodeFile(filepath.Join(dir, file))
			if err != nil {
				b.Error(err)
				return
			}
			imgs[i] = Image(img)
		})
	}
	wg.Wait()
	for len(imgs) < n {
		imgs = append(imgs, imgs[len(imgs)%len(files)])
	}
	return imgs
}

// parallel runs f on every index in [0, n) with GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// BenchmarkAlbumAdd measures issue 7's overhead target: adding N decoded
// photos through Album.Add (detect, extract, a synced transaction per
// photo, incremental assignment, the periodic refines and a final Refine)
// against bare detect+extract of the same photos, both on GOMAXPROCS
// goroutines. N is FACECLUSTER_BENCH_PHOTOS (default 1000). Run it with
//
//	go test -run '^$' -bench AlbumAdd -benchtime 1x -cpu 2 ./sdk
//
// "overhead" is album wall time over bare wall time (target <= 1.2);
// "cpu-overhead" the same for the process's CPU time, which other load on
// the machine disturbs less (wall times on a shared machine swing by tens
// of percent from run to run). The fsync of each Add costs wall time, not
// CPU time: compare the two.
func BenchmarkAlbumAdd(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("FACECLUSTER_BENCH_PHOTOS")); err == nil && v > 0 {
		n = v
	}
	imgs := benchPhotos(b, n)
	eng, err := realEngine()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Warm up the networks' sessions.
	parallel(runtime.GOMAXPROCS(0), func(i int) { eng.DetectFaceShape(imgs[i]) })

	var bare, album, bareCPU, albumCPU time.Duration
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			t0, c0 := time.Now(), cputime.Process()
			parallel(n, func(i int) {
				faces, err := eng.DetectFaceShape(imgs[i])
				if err != nil {
					b.Error(err)
				}
				for _, f := range faces {
					if _, err := eng.ExtractClusterFeature(imgs[i], f); err != nil {
						b.Error(err)
					}
				}
			})
			bare, bareCPU = time.Since(t0), cputime.Process()-c0
		}
		b.ReportMetric(float64(n)/bare.Seconds(), "photos/s")
	})
	b.Run("album", func(b *testing.B) {
		for b.Loop() {
			path := filepath.Join(b.TempDir(), "bench.fc")
			a, err := OpenAlbum(path, testKey, WithConsent(true), WithEngine(eng))
			if err != nil {
				b.Fatal(err)
			}
			t0, c0 := time.Now(), cputime.Process()
			parallel(n, func(i int) {
				if _, err := a.Add(ctx, "photo-"+strconv.Itoa(i), imgs[i]); err != nil {
					b.Error(err)
				}
			})
			if err := a.Refine(ctx); err != nil {
				b.Error(err)
			}
			album, albumCPU = time.Since(t0), cputime.Process()-c0
			st, _ := a.Stats()
			b.ReportMetric(float64(st.Faces), "faces")
			b.ReportMetric(float64(st.People), "people")
			a.Close()
		}
		b.ReportMetric(float64(n)/album.Seconds(), "photos/s")
		if bare > 0 && bareCPU > 0 {
			b.ReportMetric(album.Seconds()/bare.Seconds(), "overhead")
			b.ReportMetric(albumCPU.Seconds()/bareCPU.Seconds(), "cpu-overhead")
		}
	})
}
