package embed

import (
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/imageio"
	"github.com/facecluster/facecluster/kernels"
)

// shrinkTo returns img area-averaged to fit in w x h (aspect kept; never
// enlarged; w x h turned for a portrait photo).
func shrinkTo(img detect.Image, w, h int) detect.Image {
	if img.Width < img.Height {
		w, h = h, w
	}
	sw, sh := imageio.Fit(imageio.Image(img), w, h)
	return detect.Image(imageio.Shrink(imageio.Image(img), sw, sh))
}

// pipelinePhotos returns up to n one-face deepface dev photos shrunk to fit
// 640x480, decoded.
func pipelinePhotos(b *testing.B, det *detect.Detector, n int) []detect.Image {
	dir := devdata.Dir(b)
	var imgs []detect.Image
	for _, l := range labels(b, dir) {
		if !strings.HasPrefix(l.file, "identity/deepface/") {
			continue
		}
		img := shrinkTo(loadJPEG(b, filepath.Join(dir, l.file)), 640, 480)
		if faces, err := det.Detect(img); err == nil && len(faces) == 1 {
			imgs = append(imgs, img)
			if len(imgs) == n {
				break
			}
		}
	}
	if len(imgs) == 0 {
		b.Fatal("no one-face photos")
	}
	return imgs
}

// BenchmarkPipeline runs detect + extract on decoded ~640x480 one-face dev
// photos with 1 and 2 workers (kernels single-threaded, one photo per
// worker at a time) and reports photos/s (wall), CPU ms per photo (whole
// process) and the CPU split between the stages (worker threads only).
// Wall time swings with the load of a shared machine; CPU time much less.
func BenchmarkPipeline(b *testing.B) {
	if devdata.Slow() {
		b.Skip("slow kernels")
	}
	det, err := detect.New()
	if err != nil {
		b.Fatal(err)
	}
	imgs := pipelinePhotos(b, det, 12)
	for _, mode := range []Mode{Fast, Accurate} {
		emb, err := New(WithMode(mode))
		if err != nil {
			b.Fatal(err)
		}
		for _, workers := range []int{1, 2} {
			b.Run(mode.String()+"/"+string(rune('0'+workers)), func(b *testing.B) {
				defer kernels.SetThreads(kernels.SetThreads(1))
				for range workers { // warm the pools
					f, _ := det.Detect(imgs[0])
					if _, err := emb.Extract(imgs[0], f[0]); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				var next, tDet, tExt atomic.Int64
				var wg sync.WaitGroup
				cpu0 := cputime.Process()
				b.ResetTimer()
				start := time.Now()
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						runtime.LockOSThread()
						defer runtime.UnlockOSThread()
						for {
							i := int(next.Add(1)) - 1
							if i >= b.N {
								return
							}
							img := imgs[i%len(imgs)]
							c0 := cputime.Thread()
							faces, err := det.Detect(img)
							c1 := cputime.Thread()
							if err != nil {
								b.Error(err)
								return
							}
							for _, f := range faces {
								if _, err := emb.Extract(img, f); err != nil {
									b.Error(err)
									return
								}
							}
							c2 := cputime.Thread()
							tDet.Add(int64(c1 - c0))
							tExt.Add(int64(c2 - c1))
						}
					}()
				}
				wg.Wait()
				wall := time.Since(start)
				b.StopTimer()
				cpu := cputime.Process() - cpu0
				n := float64(b.N)
				b.ReportMetric(n/wall.Seconds(), "photos/s")
				b.ReportMetric(cpu.Seconds()*1e3/n, "cpu-ms/photo")
				b.ReportMetric(time.Duration(tDet.Load()).Seconds()*1e3/n, "det-cpu-ms")
				b.ReportMetric(time.Duration(tExt.Load()).Seconds()*1e3/n, "ext-cpu-ms")
			})
		}
	}
}
