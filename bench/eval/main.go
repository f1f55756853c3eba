// Command eval measures facecluster's detector and embedders on the
// labelled dev photos in $FACECLUSTER_DATA/faces-dev (default
// ../shared/data relative to the repository root):
//
//   - detection recall and precision on detection/boxes.csv (IoU >= 0.4;
//     detections on boxes marked ignore are neither hits nor false
//     positives), faces found on no_face/, and the share of labelled
//     identity photos in which a face is found, per slice;
//   - verification over every pair of labelled photos: ROC AUC, TAR at FAR
//     1e-2 and 1e-3, and the best threshold (maximal TPR-FPR) on the cosine
//     distance, for the whole set and per slice (pairs with both photos in
//     the slice; the exif slice pairs each EXIF-oriented or rotated copy
//     with every deepface photo), in each mode (fast: dlib; accurate:
//     fused), with and without flip augmentation;
//   - pose: roll error on synthetic rotations, yaw sign on mirrored photos;
//   - throughput of detect + extract on decoded ~640x480 one-face photos,
//     with the time split between the stages;
//   - clustering (see clustering): BCubed and pairwise F of our average
//     linkage outside identity/rmfd and inside it, the threshold sweep from
//     which the SDK's per-mode thresholds were chosen, Chinese Whispers and
//     DBSCAN beside it, and incremental Assign + Refine against batch.
//
// -features FILE keeps the identity photos' features in FILE (written after
// extraction; if it exists, only verification and clustering run, from it).
// It holds features of real people's faces: keep it out of the repository.
//
// Run it from the bench module: cd bench && go run ./eval. The photos are
// read in place and never copied.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/embed"
	"github.com/facecluster/facecluster/kernels"
)

var (
	flagData    = flag.String("data", "", "faces-dev directory (default $FACECLUSTER_DATA/faces-dev or ../shared/data/faces-dev)")
	flagEvery   = flag.Int("every", 1, "use every n-th labelled photo (quick runs)")
	flagFlip    = flag.Bool("flip", true, "also measure flip augmentation")
	flagThr     = flag.Int("throughput", 200, "photos per mode in the throughput run (0: skip)")
	flagVerbose = flag.Bool("v", false, "list misses and false positives")
	flagPose    = flag.Bool("pose", true, "measure pose")
	flagScore   = flag.Float64("score", 0, "detector score threshold (0: default)")
	flagCluster = flag.Bool("cluster", true, "measure clustering")
	flagOnlyThr = flag.Bool("throughput-only", false, "run only the throughput section")
	flagOnlyDet = flag.Bool("detection-only", false, "run only the detection section")
	flagOnlyPos = flag.Bool("pose-only", false, "run only the pose section")
	flagCache   = flag.String("features", "", "feature cache: if the file exists, take the identity photos' features from it and run only verification and clustering; else write it after extraction")
)

func dataDir() string {
	if *flagData != "" {
		return *flagData
	}
	root := os.Getenv("FACECLUSTER_DATA")
	if root == "" {
		// The repository root is the bench module's parent.
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "bench", "go.mod")); err == nil {
				root = filepath.Join(d, "..", "shared", "data")
				break
			}
			if filepath.Dir(d) == d {
				root = filepath.Join("..", "shared", "data")
				break
			}
		}
	}
	return filepath.Join(root, "faces-dev")
}

func readCSV(path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		fatal(err)
	}
	return rows[1:]
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "eval:", err)
	os.Exit(1)
}

// sliceOf names the slice of a labelled photo.
func sliceOf(file string) string {
	parts := strings.Split(file, "/")
	if parts[0] == "hard" {
		return "exif"
	}
	if len(parts) > 1 {
		return parts[1]
	}
	return parts[0]
}

type photo struct {
	file, id, slice string
	w, h            int
	faces           int
	face            detect.Face
	feat            map[string][]float32 // variant -> unit vector
	scores          []float32
	quality         float32
	err             error
}

func main() {
	flag.Parse()
	if *flagCache != "" {
		if photos, err := loadFeatures(*flagCache); err == nil {
			fmt.Printf("facecluster eval: features of %d photos from %s\n\n", len(photos), *flagCache)
			verification(photos)
			if *flagCluster {
				clustering(photos)
			}
			return
		} else if !os.IsNotExist(err) {
			fatal(err)
		}
	}
	dir := dataDir()
	if _, err := os.Stat(filepath.Join(dir, "labels.csv")); err != nil {
		fatal(fmt.Errorf("dev photos not found (set FACECLUSTER_DATA or -data): %w", err))
	}
	var dopts []detect.Option
	if *flagScore > 0 {
		dopts = append(dopts, detect.WithScoreThreshold(float32(*flagScore)))
	}
	det, err := detect.New(dopts...)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("facecluster eval: %s, %s, GOMAXPROCS %d, kernels %v\n\n", dir, runtime.GOARCH, runtime.GOMAXPROCS(0), kernels.ISA())
	if *flagOnlyThr {
		throughput(dir, max(*flagThr, 1))
		return
	}
	if *flagOnlyDet || *flagOnlyPos {
		if *flagOnlyDet {
			detection(det, dir)
		}
		if *flagOnlyPos {
			pose(det, dir)
		}
		return
	}

	detection(det, dir)
	photos := identities(det, dir)
	if *flagCache != "" {
		if err := saveFeatures(*flagCache, photos); err != nil {
			fatal(err)
		}
	}
	if *flagVerbose {
		scoreReport(photos)
	}
	verification(photos)
	if *flagCluster {
		clustering(photos)
	}
	if *flagPose {
		pose(det, dir)
	}
	if *flagThr > 0 {
		throughput(dir, *flagThr)
	}
}

// detection reports recall and precision on boxes.csv and faces on no_face.
func detection(det *detect.Detector, dir string) {
	type gt struct {
		box    detect.Box
		ignore bool
	}
	boxes := map[string][]gt{}
	var files []string
	for _, r := range readCSV(filepath.Join(dir, "detection", "boxes.csv")) {
		var x, y, w, h float32
		fmt.Sscan(r[2], &x)
		fmt.Sscan(r[3], &y)
		fmt.Sscan(r[4], &w)
		fmt.Sscan(r[5], &h)
		if _, ok := boxes[r[0]]; !ok {
			files = append(files, r[0])
		}
		boxes[r[0]] = append(boxes[r[0]], gt{detect.Box{X: x, Y: y, W: w, H: h}, r[6] == "1"})
	}
	var nGT, hit, nDet, fp int
	var ious []float64
	for _, f := range files {
		img, err := loadPhoto(filepath.Join(dir, f))
		if err != nil {
			fatal(err)
		}
		faces, err := det.Detect(img)
		if err != nil {
			fatal(err)
		}
		used := make([]bool, len(faces))
		for _, g := range boxes[f] {
			if g.ignore {
				continue
			}
			nGT++
			best, bi := float32(0), -1
			for i, fc := range faces {
				if iou := detect.IoU(g.box, fc.Box); !used[i] && iou > best {
					best, bi = iou, i
				}
			}
			if best >= 0.4 {
				used[bi] = true
				hit++
				ious = append(ious, float64(best))
			} else if *flagVerbose {
				fmt.Printf("  missed %s %+v (best IoU %.2f)\n", f, g.box, best)
			}
		}
		for i, fc := range faces {
			if used[i] {
				continue
			}
			ignored := false
			for _, g := range boxes[f] {
				if g.ignore && detect.IoU(g.box, fc.Box) >= 0.4 {
					ignored = true
				}
			}
			if !ignored {
				fp++
				if *flagVerbose {
					fmt.Printf("  unmatched %s %+v score %.2f\n", f, fc.Box, fc.Score)
				}
			}
		}
		nDet += len(faces)
	}
	fmt.Printf("detection/boxes.csv: %d photos, %d faces: recall %.3f (%d/%d), precision %.3f (%d unmatched of %d; background faces are not all annotated), mean IoU of hits %.2f\n",
		len(files), nGT, ratio(hit, nGT), hit, nGT, 1-ratio(fp, nDet), fp, nDet, mean(ious))

	ents, err := os.ReadDir(filepath.Join(dir, "no_face"))
	if err != nil {
		fatal(err)
	}
	total := 0
	for _, e := range ents {
		img, err := loadPhoto(filepath.Join(dir, "no_face", e.Name()))
		if err != nil {
			fatal(err)
		}
		faces, err := det.Detect(img)
		if err != nil {
			fatal(err)
		}
		total += len(faces)
		if len(faces) > 0 {
			fmt.Printf("  no_face/%s: %d faces (best score %.2f)\n", e.Name(), len(faces), faces[0].Score)
		}
	}
	fmt.Printf("no_face/: %d photos, %d faces found\n\n", len(ents), total)
}

// identities detects and extracts every labelled photo, reporting the
// detection rate per slice.
func identities(det *detect.Detector, dir string) []*photo {
	emb, err := embed.New()
	if err != nil {
		fatal(err)
	}
	var embFlip *embed.Embedder
	if *flagFlip {
		if embFlip, err = embed.New(embed.WithFlip(true)); err != nil {
			fatal(err)
		}
	}
	var photos []*photo
	for i, r := range readCSV(filepath.Join(dir, "labels.csv")) {
		if i%*flagEvery != 0 && !strings.HasPrefix(r[0], "hard/") {
			continue
		}
		photos = append(photos, &photo{file: r[0], id: r[1], slice: sliceOf(r[0])})
	}
	var (
		mu           sync.Mutex
		tDet, tExt   time.Duration
		next         int
		wg           sync.WaitGroup
		workers      = runtime.GOMAXPROCS(0)
		prevThreads  = kernels.SetThreads(1)
		start        = time.Now()
		extractCalls int
	)
	defer kernels.SetThreads(prevThreads)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(photos) {
					return
				}
				p := photos[i]
				img, err := loadPhoto(filepath.Join(dir, p.file))
				if err != nil {
					p.err = err
					continue
				}
				p.w, p.h = img.Width, img.Height
				t0 := time.Now()
				faces, err := det.Detect(img)
				t1 := time.Now()
				if err != nil {
					p.err = err
					continue
				}
				p.faces = len(faces)
				if len(faces) == 0 {
					mu.Lock()
					tDet += t1.Sub(t0)
					mu.Unlock()
					continue
				}
				// The labelled person: the largest face.
				p.face = faces[0]
				for _, f := range faces[1:] {
					if f.Box.Area() > p.face.Box.Area() {
						p.face = f
					}
				}
				p.feat = map[string][]float32{}
				f, err := emb.Extract(img, p.face)
				t2 := time.Now()
				if err != nil {
					p.err = err
					continue
				}
				p.feat["accurate"] = f.Vector
				p.quality = f.Quality
				p.feat["fast"] = dlibPart(f.Vector)
				p.feat["faceres"] = faceresPart(f.Vector)
				p.scores = nil
				for _, g := range faces {
					p.scores = append(p.scores, g.Score)
				}
				if embFlip != nil {
					f, err := embFlip.Extract(img, p.face)
					if err != nil {
						p.err = err
						continue
					}
					p.feat["accurate+flip"] = f.Vector
					p.feat["fast+flip"] = dlibPart(f.Vector)
				}
				mu.Lock()
				tDet += t1.Sub(t0)
				tExt += t2.Sub(t1)
				extractCalls++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	type count struct{ n, found, multi int }
	counts := map[string]*count{}
	var order []string
	var missed []string
	for _, p := range photos {
		if p.err != nil {
			fatal(fmt.Errorf("%s: %w", p.file, p.err))
		}
		for _, s := range []string{"all", p.slice} {
			c := counts[s]
			if c == nil {
				c = &count{}
				counts[s] = c
				order = append(order, s)
			}
			c.n++
			if p.faces > 0 {
				c.found++
			}
			if p.faces > 1 {
				c.multi++
			}
		}
		if p.faces == 0 {
			missed = append(missed, fmt.Sprintf("%s (%dx%d)", p.file, p.w, p.h))
		}
	}
	fmt.Println("identity photos: share with a face found (several faces: photos where more than one was found)")
	fmt.Printf("  %-18s %6s %8s %8s\n", "slice", "photos", "found", "several")
	for _, s := range order {
		c := counts[s]
		fmt.Printf("  %-18s %6d %8.4f %8d\n", s, c.n, ratio(c.found, c.n), c.multi)
	}
	for _, m := range missed {
		fmt.Println("  no face:", m)
	}
	fmt.Printf("  (time: detect %.1f ms/photo, extract accurate%s %.1f ms/face, CPU time over %d workers; wall %.1fs)\n\n",
		ms(tDet)/float64(len(photos)), map[bool]string{true: "+flip", false: ""}[embFlip != nil], ms(tExt)/float64(max(extractCalls, 1)), workers, elapsed.Seconds())
	return photos
}

// faceresPart returns the faceres half of a fused vector, renormalised.
func faceresPart(v []float32) []float32 { return unit(v[embed.DimDlib:]) }

// dlibPart returns the dlib half of a fused vector, renormalised (it is
// exactly the fast mode's feature).
func dlibPart(v []float32) []float32 { return unit(v[:embed.DimDlib]) }

func unit(v []float32) []float32 {
	d := slices.Clone(v)
	var n float64
	for _, x := range d {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	for i := range d {
		d[i] = float32(float64(d[i]) / n)
	}
	return d
}

// verification reports ROC AUC, TAR at FAR 1e-2 and 1e-3 and the best
// threshold per slice and variant.
func verification(photos []*photo) {
	var with []*photo
	for _, p := range photos {
		if p.feat != nil {
			with = append(with, p)
		}
	}
	variants := []string{"fast", "accurate"}
	if *flagVerbose {
		variants = append(variants, "faceres")
	}
	if *flagFlip {
		variants = append(variants, "fast+flip", "accurate+flip")
	}
	slicesOrder := []string{"all", "outside rmfd", "deepface", "faceapi", "orl", "exif", "rmfd", "dlib_johns", "face_recognition"}
	in := func(s string, p *photo) bool {
		switch s {
		case "all":
			return true
		case "outside rmfd":
			return p.slice != "rmfd"
		}
		return p.slice == s
	}
	fmt.Printf("verification over all pairs of labelled photos with a face (%d of %d; cosine distance)\n", len(with), len(photos))
	fmt.Printf("  %-16s %-14s %7s %8s %7s %9s %9s %9s\n", "slice", "mode", "photos", "genuine", "AUC", "TAR@1e-2", "TAR@1e-3", "best thr")
	for _, s := range slicesOrder {
		for _, v := range variants {
			var gen, imp []float64
			n := 0
			for i, a := range with {
				ina := in(s, a)
				if ina {
					n++
				}
				for _, b := range with[i+1:] {
					inb := in(s, b)
					if s == "exif" {
						// A copy against every deepface photo and the other copies.
						if !(ina && (inb || b.slice == "deepface") || inb && a.slice == "deepface") {
							continue
						}
					} else if !ina || !inb {
						continue
					}
					d := dist(a.feat[v], b.feat[v])
					if a.id == b.id {
						gen = append(gen, d)
					} else {
						imp = append(imp, d)
					}
				}
			}
			if len(gen) == 0 || len(imp) == 0 {
				continue
			}
			auc, t2, t3, thr := roc(gen, imp)
			fmt.Printf("  %-16s %-14s %7d %8d %7.4f %9.4f %9.4f %9.4f\n", s, v, n, len(gen), auc, t2, t3, thr)
		}
	}
	fmt.Println()
}

func dist(a, b []float32) float64 {
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return 1 - s
}

// roc returns the ROC AUC of distances (genuine smaller is better), the
// TAR at FAR 1e-2 and 1e-3, and the threshold maximising TPR-FPR.
func roc(gen, imp []float64) (auc, tar2, tar3, best float64) {
	sort.Float64s(gen)
	sort.Float64s(imp)
	// AUC: P(genuine < impostor) + 0.5 P(equal).
	var wins float64
	j := 0
	for _, g := range gen {
		for j < len(imp) && imp[j] < g {
			j++
		}
		k := j
		for k < len(imp) && imp[k] == g {
			k++
		}
		wins += float64(len(imp)-k) + 0.5*float64(k-j)
	}
	auc = wins / float64(len(gen)) / float64(len(imp))
	tarAt := func(far float64) float64 {
		// Largest threshold t with at most far*len(imp) impostors below t.
		k := int(math.Floor(far * float64(len(imp))))
		t := imp[min(k, len(imp)-1)]
		return float64(sort.SearchFloat64s(gen, t)) / float64(len(gen))
	}
	tar2, tar3 = tarAt(1e-2), tarAt(1e-3)
	bestJ := -1.0
	gi, ii := 0, 0
	for gi < len(gen) {
		t := gen[gi]
		for gi < len(gen) && gen[gi] <= t {
			gi++
		}
		for ii < len(imp) && imp[ii] <= t {
			ii++
		}
		if y := float64(gi)/float64(len(gen)) - float64(ii)/float64(len(imp)); y > bestJ {
			bestJ = y
			next := 2.0
			if ii < len(imp) {
				next = imp[ii]
			}
			best = (t + next) / 2
		}
	}
	return auc, tar2, tar3, best
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// scoreReport prints, per slice, quantiles of the chosen face's score and
// of the other faces' scores (with -v).
func scoreReport(photos []*photo) {
	chosen := map[string][]float64{}
	others := map[string][]float64{}
	for _, p := range photos {
		for _, s := range p.scores {
			if s == p.face.Score {
				chosen[p.slice] = append(chosen[p.slice], float64(s))
			} else {
				others[p.slice] = append(others[p.slice], float64(s))
			}
		}
	}
	q := func(v []float64) string {
		if len(v) == 0 {
			return "-"
		}
		sort.Float64s(v)
		return fmt.Sprintf("n=%d min %.2f p5 %.2f p50 %.2f max %.2f", len(v), v[0], v[len(v)/20], v[len(v)/2], v[len(v)-1])
	}
	for s := range chosen {
		fmt.Printf("  scores %-16s chosen %s | others %s\n", s, q(chosen[s]), q(others[s]))
	}
}
