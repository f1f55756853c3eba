package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"
	"github.com/facecluster/facecluster/internal/imageio"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/embed"
	"github.com/facecluster/facecluster/kernels"
)

// shrink returns img area-averaged to fit in w x h, keeping its aspect
// ratio (never enlarged).
func shrink(img detect.Image, w, h int) detect.Image {
	sw, sh := imageio.Fit(imageio.Image(img), w, h)
	return detect.Image(imageio.Shrink(imageio.Image(img), sw, sh))
}

// throughput runs detect + extract on n decoded one-face photos of about
// 640x480 with one worker per core (kernels single-threaded), per mode. It
// reports wall-clock photos/s and, since a shared machine's load skews the
// wall clock, the CPU time per photo of each stage (worker threads' CPU
// time) and the rate that CPU time allows on as many idle cores as workers.
func throughput(dir string, n int) {
	det, err := detect.New()
	if err != nil {
		fatal(err)
	}
	var imgs []detect.Image
	for _, r := range readCSV(filepath.Join(dir, "labels.csv")) {
		if !strings.HasPrefix(r[0], "identity/deepface/") {
			continue
		}
		img, err := loadPhoto(filepath.Join(dir, r[0]))
		if err != nil {
			fatal(err)
		}
		if img.Width < img.Height {
			img = shrink(img, 480, 640)
		} else {
			img = shrink(img, 640, 480)
		}
		if faces, err := det.Detect(img); err == nil && len(faces) == 1 {
			imgs = append(imgs, img)
		}
	}
	if len(imgs) == 0 {
		fatal(fmt.Errorf("no one-face photos for the throughput run"))
	}
	workers := runtime.GOMAXPROCS(0)
	prev := kernels.SetThreads(1)
	defer kernels.SetThreads(prev)
	fmt.Printf("throughput: %d photos per mode (%d distinct one-face deepface photos shrunk to fit 640x480, decoded), %d workers, kernels single-threaded\n", n, len(imgs), workers)
	for _, mode := range []embed.Mode{embed.Fast, embed.Accurate} {
		emb, err := embed.New(embed.WithMode(mode))
		if err != nil {
			fatal(err)
		}
		// Warm up every worker's sessions.
		for range workers {
			f, _ := det.Detect(imgs[0])
			emb.Extract(imgs[0], f[0])
		}
		var next atomic.Int64
		var tDet, tExt, cDet, cExt atomic.Int64
		var wg sync.WaitGroup
		load0 := loadAverage()
		cpu0 := cputime.Process()
		start := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread() // for the thread's CPU time
				defer runtime.UnlockOSThread()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					img := imgs[i%len(imgs)]
					c0 := cputime.Thread()
					t0 := time.Now()
					faces, err := det.Detect(img)
					t1 := time.Now()
					c1 := cputime.Thread()
					if err != nil {
						fatal(err)
					}
					for _, f := range faces {
						if _, err := emb.Extract(img, f); err != nil {
							fatal(err)
						}
					}
					c2 := cputime.Thread()
					tDet.Add(int64(t1.Sub(t0)))
					tExt.Add(int64(time.Since(t1)))
					cDet.Add(int64(c1 - c0))
					cExt.Add(int64(c2 - c1))
				}
			}()
		}
		wg.Wait()
		wall := time.Since(start)
		cpu := cputime.Process() - cpu0
		nf := float64(n)
		fmt.Printf("  %-8s %6.1f photos/s wall   per photo: CPU %.1f ms (detect %.1f + extract %.1f; process %.1f) -> %.1f photos/s on %d idle cores; wall on one worker: detect %.1f ms + extract %.1f ms   (load average %s)\n",
			mode, nf/wall.Seconds(), ms(time.Duration(cDet.Load()+cExt.Load()))/nf, ms(time.Duration(cDet.Load()))/nf, ms(time.Duration(cExt.Load()))/nf,
			ms(cpu)/nf, float64(workers)*1e3*nf/ms(time.Duration(cDet.Load()+cExt.Load())), workers,
			ms(time.Duration(tDet.Load()))/nf, ms(time.Duration(tExt.Load()))/nf, load0)
	}
}
