package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/cluster"
	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/kernels"
)

// labels returns labels.csv: file (relative to faces-dev) -> identity.
func labels(t testing.TB, dir string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[1]
	}
	return out
}

// copyPhotos copies the k smallest labelled photos of each identity from
// faces-dev into a fresh temporary folder (PERSON/FILE) and returns it.
// The photos are never copied into the repository.
func copyPhotos(t *testing.T, dir string, ids []string, k int) string {
	t.Helper()
	byID := map[string][]string{}
	for file, id := range labels(t, dir) {
		if strings.HasPrefix(file, "identity/deepface/") && slices.Contains(ids, id) {
			byID[id] = append(byID[id], file)
		}
	}
	out := t.TempDir()
	for _, id := range ids {
		files := byID[id]
		size := func(f string) int64 {
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			return st.Size()
		}
		sort.Slice(files, func(i, j int) bool { return size(files[i]) < size(files[j]) })
		if len(files) < k {
			t.Fatalf("%s: %d photos", id, len(files))
		}
		for _, f := range files[:k] {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(out, id, filepath.Base(f))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// runCLI runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func readReport(t *testing.T, path string) *Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// bcubed scores the report's grouping of photos against their folder names
// (PERSON/FILE), each photo counted by its largest face; a photo with no
// face is a cluster of its own.
func bcubed(t *testing.T, r *Report, truth map[string]string) cluster.Scores {
	t.Helper()
	type hit struct {
		person string
		area   float32
	}
	best := map[string]hit{}
	note := func(f ReportFace) {
		if a := f.Box.W * f.Box.H; a > best[f.Photo].area {
			best[f.Photo] = hit{f.Person, a}
		}
	}
	for _, p := range r.People {
		for _, f := range p.Faces {
			note(f)
		}
	}
	for _, f := range r.Unassigned {
		note(f)
	}
	var pred, want []int
	ids := map[string]int{}
	label := func(s string) int {
		if _, ok := ids[s]; !ok {
			ids[s] = len(ids)
		}
		return ids[s]
	}
	for photo, id := range truth {
		want = append(want, label("truth:"+id))
		if h, ok := best[photo]; ok {
			pred = append(pred, label("pred:"+h.person))
		} else {
			pred = append(pred, label("none:"+photo))
		}
	}
	s, err := cluster.Evaluate(pred, want)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestIndex runs index on a temporary copy of a few dev photos with bad
// files among them, validates the reports, and runs every subcommand.
func TestIndex(t *testing.T) {
	dir := devdata.Dir(t)
	ids, k := []string{"Angelina_Jolie", "Jack_Dorsey", "Katy_Perry"}, 3
	if devdata.Slow() {
		ids, k = ids[:2], 2
	}
	photos := copyPhotos(t, dir, ids, k)
	// Files index must skip with a message.
	good, err := os.ReadFile(filepath.Join(photos, ids[0], firstFile(t, filepath.Join(photos, ids[0]))))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := slices.Clone(good)
	for i := len(corrupt) / 3; i < len(corrupt); i += 7 {
		corrupt[i] ^= 0x55
	}
	bad := map[string][]byte{
		"notes.txt":           []byte("not a photo\n"),
		"truncated.jpg":       good[:len(good)/2],
		"corrupt.jpg":         append(good[:200:200], bytes.Repeat([]byte{0xff, 0x00, 0x13}, 100)...),
		"sub/flipped.jpg":     corrupt,
		"empty.png":           nil,
		"sub/header_only.png": []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"),
	}
	for name, data := range bad {
		p := filepath.Join(photos, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(envKey, "")
	code, stdout, stderr := runCLI(t, "index", photos)
	if code != 0 {
		t.Fatalf("index: exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("index:\n%s%s", stdout, stderr)
	for _, name := range []string{"notes.txt", "truncated.jpg", "corrupt.jpg", "empty.png", "sub/header_only.png"} {
		if !strings.Contains(stderr, "skipped "+name+": ") {
			t.Errorf("no skip message for %s", name)
		}
	}
	if !strings.Contains(stderr, "photos/s") || !strings.Contains(stderr, "decode") {
		t.Error("no throughput summary")
	}
	alb := filepath.Join(photos, albumDir)
	for _, f := range []string{albumFile, keyFile, jsonReport, htmlReport} {
		st, err := os.Stat(filepath.Join(alb, f))
		if err != nil {
			t.Fatal(err)
		}
		if f != albumFile && st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	jsonPath := filepath.Join(alb, jsonReport)
	checkSchema(t, jsonPath)
	rep := readReport(t, jsonPath)
	truth := map[string]string{}
	for _, id := range ids {
		entries, _ := os.ReadDir(filepath.Join(photos, id))
		for _, e := range entries {
			truth[id+"/"+e.Name()] = id
		}
	}
	if s := bcubed(t, rep, truth); s.BCubedF != 1 || len(rep.People) != len(ids) {
		t.Errorf("BCubed F %.3f, %d people, want 1 and %d", s.BCubedF, len(rep.People), len(ids))
	}
	if rep.Stats.SkippedFiles < 5 || rep.Stats.Photos < len(ids)*k {
		t.Errorf("stats %+v", rep.Stats)
	}
	for _, p := range rep.People {
		if !strings.Contains(stdout, short(p.ID)) {
			t.Errorf("table lacks person %s", short(p.ID))
		}
	}

	// Re-running adds nothing new.
	code, _, stderr = runCLI(t, "index", "-q", photos)
	if code != 0 || !strings.Contains(stderr, "0 photos added") {
		t.Errorf("second index: exit %d\n%s", code, stderr)
	}

	a := []string{"-album", photos}
	p0, p1 := rep.People[0], rep.People[1]
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"people", "-faces"}, "PHOTO"},
		{[]string{"name", p0.ID[:6], "Ann"}, `"Ann"`},
		{[]string{"people"}, "Ann"},
		{[]string{"reject", p0.Faces[0].ID[:8], "Ann"}, "is not"},
		{[]string{"merge", "Ann", p1.ID}, "merged"},
		{[]string{"forget", p1.Photos[0]}, "forgot 1"},
		{[]string{"export"}, "facecluster-album-export"},
	}
	for _, s := range steps {
		code, out, errs := runCLI(t, append(s.args, a...)...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d, want %q in\n%s%s", s.args, code, s.want, out, errs)
		}
	}
	code, out, _ := runCLI(t, "export", "-album", photos)
	if code != 0 || strings.Contains(out, p1.Photos[0]+`"`) {
		t.Errorf("export after forget still names %s", p1.Photos[0])
	}
	if code, _, _ := runCLI(t, "merge", "nobody", "Ann", "-album", photos); code != 1 {
		t.Errorf("merge of an unknown person: exit %d", code)
	}
	if code, _, _ := runCLI(t, "bogus"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	code, out, errs := runCLI(t, "destroy", "-y", "-album", photos)
	if code != 0 {
		t.Fatalf("destroy: %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(alb); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(alb)
		t.Errorf("after destroy %s holds %v", alb, entries)
	}
}

func firstFile(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("%s: %v", dir, err)
	}
	return entries[0].Name()
}

// TestDeepface: the measure, the whole deepface folder grouped into
// its 13 people with BCubed F >= 0.95. The photos are read in place (the
// album goes to a temporary directory).
func TestDeepface(t *testing.T) {
	dir := devdata.Dir(t)
	if devdata.Slow() || kernels.ISA() == asm.Generic {
		t.Skip("63 photos, some of 12 megapixels: too slow under emulation or without SIMD (TestIndex covers the path)")
	}
	src := filepath.Join(dir, "identity", "deepface")
	out := t.TempDir()
	t.Setenv(envKey, hex.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	code, stdout, stderr := runCLI(t, "index", "-q", "-album", filepath.Join(out, "album.fc"), "-json", filepath.Join(out, "r.json"), "-html", filepath.Join(out, "r.html"), src)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("%s", stderr)
	checkSchema(t, filepath.Join(out, "r.json"))
	rep := readReport(t, filepath.Join(out, "r.json"))
	truth := map[string]string{}
	for file, id := range labels(t, dir) {
		if rel, ok := strings.CutPrefix(file, "identity/deepface/"); ok {
			truth[rel] = id
		}
	}
	s := bcubed(t, rep, truth)
	t.Logf("deepface: %d photos, %d people found (13 true): BCubed P %.3f R %.3f F %.3f, pairwise F %.3f",
		len(truth), s.Clusters, s.BCubedPrecision, s.BCubedRecall, s.BCubedF, s.PairwiseF)
	if s.BCubedF < 0.95 {
		t.Errorf("BCubed F %.3f < 0.95", s.BCubedF)
	}
	if _, err := os.Stat(filepath.Join(src, albumDir)); !os.IsNotExist(err) {
		t.Errorf("index wrote into the dev photos: %v", err)
	}
}

func TestKeys(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key)} {
		got, err := parseKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("parseKey(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "abcd", hex.EncodeToString(key[:31]), "zz" + hex.EncodeToString(key)[2:]} {
		if _, err := parseKey(s); err == nil {
			t.Errorf("parseKey(%q) accepted", s)
		}
	}
	t.Setenv(envKey, "")
	p := filepath.Join(t.TempDir(), "d", "album.key")
	k1, err := loadKey(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", err, st.Mode())
	}
	if k2, err := loadKey(p, false); err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("reloaded key differs: %v", err)
	}
	os.Chmod(p, 0o644)
	if _, err := loadKey(p, false); err == nil {
		t.Error("a world-readable key file was accepted")
	}
	t.Setenv(envKey, base64.StdEncoding.EncodeToString(key))
	if got, err := loadKey(filepath.Join(t.TempDir(), "none"), false); err != nil || !bytes.Equal(got, key) {
		t.Errorf("key from %s: %v", envKey, err)
	}
}

// TestHTMLInChromium opens the page index writes in headless Chromium and
// checks the screenshot shows thumbnails: many distinct colours and a fair
// share of non-white pixels, not a blank page.
func TestHTMLInChromium(t *testing.T) {
	dir := devdata.Dir(t)
	if devdata.Slow() {
		t.Skip("no Chromium under emulation")
	}
	chromium := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		if os.Getenv("FACECLUSTER_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium not found (FACECLUSTER_REQUIRE_CHROMIUM=1)")
		}
		t.Skip("chromium not found: apt-get install chromium")
	}
	photos := copyPhotos(t, dir, []string{"Angelina_Jolie", "Katy_Perry"}, 2)
	t.Setenv(envKey, hex.EncodeToString(bytes.Repeat([]byte{2}, 32)))
	html := filepath.Join(t.TempDir(), "people.html")
	if code, out, errs := runCLI(t, "index", "-q", "-html", html, photos); code != 0 {
		t.Fatalf("index: %d\n%s%s", code, out, errs)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "data:image/jpeg;base64,"); n < 4 {
		t.Errorf("%d embedded thumbnails, want 4", n)
	}
	if strings.Contains(string(page), "http://") || strings.Contains(string(page), "https://") {
		t.Error("the page refers to the network")
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--screenshot="+shot, "--window-size=1200,900", "file://"+html)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours, nonWhite, total := screenshotStats(m)
	t.Logf("screenshot %v: %d distinct colours, %.1f%% non-white", m.Bounds().Size(), colours, 100*float64(nonWhite)/float64(total))
	// Text and borders alone give a few hundred colours and a few percent
	// of non-white pixels; four photo thumbnails give thousands.
	if colours < 2000 || float64(nonWhite) < 0.02*float64(total) {
		t.Errorf("the page looks blank: %d colours, %d of %d pixels non-white", colours, nonWhite, total)
	}
}

func screenshotStats(m image.Image) (colours, nonWhite, total int) {
	seen := map[[3]uint32]bool{}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA()
			c := [3]uint32{r >> 8, g >> 8, bl >> 8}
			seen[c] = true
			if c[0] < 235 || c[1] < 235 || c[2] < 235 {
				nonWhite++
			}
			total++
		}
	}
	return len(seen), nonWhite, total
}

// TestReadOnlyFolder: a folder without write permission is left untouched;
// the album goes to the user's config directory.
func TestReadOnlyFolder(t *testing.T) {
	photos := t.TempDir()
	if err := os.WriteFile(filepath.Join(photos, "notes.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(photos, 0o555)
	defer os.Chmod(photos, 0o755)
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", cfg)
	t.Setenv(envKey, "")
	code, out, errs := runCLI(t, "index", "-q", photos)
	if code != 0 || !strings.Contains(errs, "read-only") || !strings.Contains(errs, "skipped notes.txt") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(photos, albumDir)); !os.IsNotExist(err) {
		t.Errorf("index wrote into a read-only folder: %v", err)
	}
	albums, _ := filepath.Glob(filepath.Join(cfg, "facecluster", "albums", "*", albumFile))
	if len(albums) != 1 {
		t.Fatalf("albums in the config dir: %v", albums)
	}
	if code, out, errs := runCLI(t, "people", "-album", filepath.Dir(albums[0])); code != 0 || !strings.Contains(out, "0 people") {
		t.Errorf("people: %d\n%s%s", code, out, errs)
	}
}
