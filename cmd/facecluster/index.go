package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facecluster/facecluster/internal/imageio"
	"github.com/facecluster/facecluster/sdk"
)

// timing sums the time the workers spent in each stage.
type timing struct {
	decode, detect, extract, store atomic.Int64 // nanoseconds, summed over workers
}

func cmdIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlags("index", stderr, "[flags] PHOTOS_DIR")
	albumFlag := fset.String("album", "", "album file (default PHOTOS_DIR/.facecluster/album.fc)")
	jsonOut := fset.String("json", "", "write the JSON report here (default beside the album, people.json)")
	htmlOut := fset.String("html", "", "write the HTML page here (default beside the album, people.html)")
	workers := fset.Int("workers", runtime.GOMAXPROCS(0), "photos analysed at once")
	fast := fset.Bool("fast", false, "fast mode: dlib features only (about 3x cheaper extraction, less accurate; an album holds one mode)")
	minFace := fset.Float64("min-face", 0, "ignore faces narrower than this many pixels")
	quiet := fset.Bool("q", false, "no progress output")
	pos, err := parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	root := filepath.Clean(pos[0])
	if st, err := os.Stat(root); err != nil {
		return err
	} else if !st.IsDir() {
		return usagef("%s is not a directory", root)
	}
	if *workers < 1 {
		return usagef("-workers %d < 1", *workers)
	}
	paths, err := resolveAlbum(*albumFlag, root)
	if err != nil {
		return err
	}
	paths.root = root
	if *albumFlag == "" {
		// A folder without write permission is left alone even when the
		// user could write to it anyway (root).
		err := errors.New("read-only")
		if st, serr := os.Stat(root); serr == nil && st.Mode().Perm()&0o200 != 0 {
			err = os.MkdirAll(paths.dir, 0o700)
		}
		if err != nil {
			// A read-only folder (a mounted card, shared data): keep the
			// album in the user's config directory instead.
			if paths, err = fallbackAlbum(root); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "%s is read-only: the album goes to %s (pass -album %s -root %s to the other commands)\n", root, paths.dir, paths.album, root)
		}
	}
	if *jsonOut == "" {
		*jsonOut = filepath.Join(paths.dir, jsonReport)
	}
	if *htmlOut == "" {
		*htmlOut = filepath.Join(paths.dir, htmlReport)
	}

	start := time.Now()
	opts := []sdk.Option{sdk.WithConsent(true), sdk.WithMinFaceSize(float32(*minFace))}
	if *fast {
		opts = append(opts, sdk.WithMode(sdk.ModeFast))
	}
	eng, err := sdk.New(opts...)
	if err != nil {
		return err
	}
	// Refining is left to the end of the run (one exact clustering of
	// every face), so the time split can tell storing from clustering.
	album, err := openAlbum(paths, true, sdk.WithEngine(eng), sdk.WithRefineEvery(0))
	if err != nil {
		return err
	}
	defer album.Close()
	info := eng.Info()
	fmt.Fprintf(stderr, "facecluster %s (%s, %s features, %d workers): indexing %s into %s\n",
		info.Version, info.ISA, info.Mode, *workers, root, paths.album)

	files, err := listFiles(root, paths.dir)
	if err != nil {
		return err
	}
	var (
		skippedMu sync.Mutex
		skipped   []Skipped
		tm        timing
		th        thumbs
		done      atomic.Int64
		added     atomic.Int64
		already   atomic.Int64
	)
	prog := newProgress(stderr, len(files), *quiet)
	skip := func(path, reason string) {
		skippedMu.Lock()
		skipped = append(skipped, Skipped{Path: path, Reason: reason})
		skippedMu.Unlock()
		prog.log(fmt.Sprintf("skipped %s: %s", path, reason))
	}
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			for rel := range jobs {
				indexOne(ctx, album, eng, root, rel, &tm, &th, skip, &added, &already)
				prog.set(int(done.Add(1)))
			}
		})
	}
feed:
	for _, rel := range files {
		select {
		case jobs <- rel:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	prog.finish()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted after %d of %d files (the photos added so far are kept): %w", done.Load(), len(files), err)
	}

	t0 := time.Now()
	if err := album.Refine(ctx); err != nil {
		return err
	}
	clusterTime := time.Since(t0)
	wall := time.Since(start)

	sort.Slice(skipped, func(i, j int) bool { return skipped[i].Path < skipped[j].Path })
	rep, err := buildReport(album, root, skipped)
	if err != nil {
		return err
	}
	rep.Stats.PhotosThisRun = int(added.Load())
	rep.Stats.PhotosAlreadyIn = int(already.Load())
	printTable(stdout, rep, false)
	if err := writeJSON(*jsonOut, rep); err != nil {
		return err
	}
	fillThumbs(rep, &th, *workers)
	if err := writeFileAtomic(*htmlOut, func(w io.Writer) error { return writeHTML(w, rep, &th) }); err != nil {
		return err
	}

	// The summary: what was skipped and why, throughput, time split.
	n := added.Load()
	fmt.Fprintf(stderr, "\n%d files: %d photos added, %d already in the album, %d skipped\n", len(files), n, already.Load(), len(skipped))
	if len(skipped) > 0 {
		why := map[string]int{}
		for _, s := range skipped {
			why[reasonClass(s.Reason)]++
		}
		keys := make([]string, 0, len(why))
		for k := range why {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(stderr, "  skipped %d: %s\n", why[k], k)
		}
	}
	sec := func(ns int64) float64 { return float64(ns) / 1e9 }
	rate := float64(n) / wall.Seconds()
	fmt.Fprintf(stderr, "%.1f s, %.2f photos/s; worker time: decode %.1f s, detect %.1f s, extract %.1f s, store %.1f s; cluster %.2f s\n",
		wall.Seconds(), rate, sec(tm.decode.Load()), sec(tm.detect.Load()), sec(tm.extract.Load()), sec(tm.store.Load()), clusterTime.Seconds())
	fmt.Fprintf(stderr, "report: %s\npage:   %s\n", *jsonOut, *htmlOut)
	return nil
}

// fallbackAlbum returns an album location for root in the user's config
// directory: CONFIG/facecluster/albums/NAME-HASH, HASH from root's absolute
// path.
func fallbackAlbum(root string) (albumPaths, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		return albumPaths{}, err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return albumPaths{}, err
	}
	sum := sha256.Sum256([]byte(abs))
	dir := filepath.Join(cfg, "facecluster", "albums", filepath.Base(abs)+"-"+hex.EncodeToString(sum[:4]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return albumPaths{}, err
	}
	p, err := resolveAlbum(filepath.Join(dir, albumFile), root)
	p.root = root
	return p, err
}

// reasonClass groups skip reasons for the summary.
func reasonClass(reason string) string {
	switch {
	case strings.Contains(reason, imageio.ErrFormat.Error()):
		return "not an image in a supported format"
	case strings.Contains(reason, imageio.ErrCorrupt.Error()):
		return "corrupt or truncated image"
	case strings.Contains(reason, imageio.ErrTooLarge.Error()):
		return "image too large"
	}
	return "other errors"
}

// listFiles returns the regular files under root (relative, slash
// separated, sorted), leaving out hidden files and directories (such as the
// album's own) and skip.
func listFiles(root, skip string) ([]string, error) {
	var out []string
	skipAbs, _ := filepath.Abs(skip)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // unreadable directory: skipped
		}
		name := d.Name()
		if path != root && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if abs, _ := filepath.Abs(path); abs == skipAbs {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(out)
	return out, err
}

// indexOne decodes one file and adds it to the album (detect, extract,
// store), timing each stage.
func indexOne(ctx context.Context, album *sdk.Album, eng *sdk.Engine, root, rel string, tm *timing, th *thumbs, skip func(string, string), added, already *atomic.Int64) {
	if _, err := album.Photo(rel); err == nil {
		already.Add(1)
		return
	}
	t0 := time.Now()
	img, _, err := imageio.DecodeFile(filepath.Join(root, filepath.FromSlash(rel)))
	tm.decode.Add(int64(time.Since(t0)))
	if err != nil {
		skip(rel, err.Error())
		return
	}
	simg := sdk.Image(img)
	t1 := time.Now()
	faces, err := eng.DetectFaceShape(simg)
	tm.detect.Add(int64(time.Since(t1)))
	if err != nil {
		skip(rel, err.Error())
		return
	}
	t2 := time.Now()
	ff := make([]sdk.FaceFeature, 0, len(faces))
	for _, f := range faces {
		feat, err := eng.ExtractClusterFeature(simg, f)
		if err != nil {
			skip(rel, err.Error())
			return
		}
		ff = append(ff, sdk.FaceFeature{Face: f, Feature: feat})
	}
	tm.extract.Add(int64(time.Since(t2)))
	t3 := time.Now()
	_, err = album.AddFeatures(ctx, rel, ff)
	tm.store.Add(int64(time.Since(t3)))
	switch {
	case errors.Is(err, sdk.ErrExists):
		already.Add(1)
		return
	case err != nil:
		if ctx.Err() == nil {
			skip(rel, err.Error())
		}
		return
	}
	added.Add(1)
	for _, f := range faces {
		th.put(f.ID, thumbnail(img, ReportBox{f.Box.X, f.Box.Y, f.Box.W, f.Box.H}))
	}
}
