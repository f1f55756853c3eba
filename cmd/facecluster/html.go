package main

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image"
	"image/jpeg"
	"io"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/facecluster/facecluster/internal/imageio"
)

// thumbSize is the side of a face thumbnail, in pixels.
const thumbSize = 96

// thumbnail crops face box (x, y, w, h) of img, enlarged to a square 1.4
// times the box's longer side, scales it to thumbSize by averaging, and
// encodes it as JPEG. Parts outside the photo are grey.
func thumbnail(img imageio.Image, b ReportBox) []byte {
	side := 1.4 * float64(max(b.W, b.H))
	if !(side >= 1) {
		side = 1
	}
	cx, cy := float64(b.X+b.W/2), float64(b.Y+b.H/2)
	x0, y0 := cx-side/2, cy-side/2
	step := side / thumbSize
	out := image.NewRGBA(image.Rect(0, 0, thumbSize, thumbSize))
	for ty := range thumbSize {
		sy0, sy1 := int(y0+float64(ty)*step), int(y0+float64(ty+1)*step)
		sy1 = max(sy1, sy0+1)
		for tx := range thumbSize {
			sx0, sx1 := int(x0+float64(tx)*step), int(x0+float64(tx+1)*step)
			sx1 = max(sx1, sx0+1)
			var r, g, bl, n int
			for sy := sy0; sy < sy1; sy++ {
				for sx := sx0; sx < sx1; sx++ {
					if sx < 0 || sy < 0 || sx >= img.Width || sy >= img.Height {
						r, g, bl = r+128, g+128, bl+128
					} else {
						p := img.Pix[sy*img.Stride+3*sx:]
						r, g, bl = r+int(p[0]), g+int(p[1]), bl+int(p[2])
					}
					n++
				}
			}
			o := out.Pix[ty*out.Stride+4*tx:]
			o[0], o[1], o[2], o[3] = uint8(r/n), uint8(g/n), uint8(bl/n), 255
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, out, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}

// thumbs holds face thumbnails by face ID; safe for concurrent use.
type thumbs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (t *thumbs) put(id string, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string][]byte{}
	}
	t.m[id] = b
}

func (t *thumbs) get(id string) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[id]
}

// fillThumbs decodes the photos of the report's faces that have no
// thumbnail yet (a report built later than the index run) and makes them.
func fillThumbs(r *Report, th *thumbs, workers int) {
	byPhoto := map[string][]ReportFace{}
	add := func(f ReportFace) {
		if th.get(f.ID) == nil {
			byPhoto[f.Photo] = append(byPhoto[f.Photo], f)
		}
	}
	for _, p := range r.People {
		for _, f := range p.Faces {
			add(f)
		}
	}
	for _, f := range r.Unassigned {
		add(f)
	}
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for photo := range jobs {
				img, _, err := imageio.DecodeFile(filepath.Join(r.Root, filepath.FromSlash(photo)))
				if err != nil {
					continue // the page shows a placeholder
				}
				for _, f := range byPhoto[photo] {
					th.put(f.ID, thumbnail(img, f.Box))
				}
			}
		})
	}
	for photo := range byPhoto {
		jobs <- photo
	}
	close(jobs)
	wg.Wait()
}

type htmlFace struct {
	Src   template.URL // data URI, "" if the photo could not be read
	Title string
}

type htmlPerson struct {
	Title string
	Count int
	Faces []htmlFace
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>People in {{.Root}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; }
.summary { color: #666; margin-bottom: 20px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
h2 { font-size: 16px; margin: 0 0 8px; }
h2 small { color: #777; font-weight: normal; }
.grid { display: flex; flex-wrap: wrap; gap: 6px; }
.grid img, .grid .missing { width: 96px; height: 96px; border-radius: 6px; object-fit: cover; }
.grid .missing { background: #ccc; display: inline-block; }
section.unassigned { background: #f3f3f3; }
</style>
</head>
<body>
<h1>People in {{.Root}}</h1>
<div class="summary">{{.Summary}}</div>
{{range .People}}<section class="person">
<h2>{{.Title}} <small>{{.Count}} photos</small></h2>
<div class="grid">{{range .Faces}}{{if .Src}}<img src="{{.Src}}" title="{{.Title}}" alt="{{.Title}}">{{else}}<span class="missing" title="{{.Title}}"></span>{{end}}{{end}}</div>
</section>
{{end}}{{if .Unassigned.Faces}}<section class="unassigned">
<h2>{{.Unassigned.Title}} <small>{{.Unassigned.Count}} faces</small></h2>
<div class="grid">{{range .Unassigned.Faces}}{{if .Src}}<img src="{{.Src}}" title="{{.Title}}" alt="{{.Title}}">{{else}}<span class="missing" title="{{.Title}}"></span>{{end}}{{end}}</div>
</section>
{{end}}</body>
</html>
`))

// writeHTML writes the report as one self-contained page: a grid of face
// thumbnails per person (JPEG data URIs; the photo's path on hover), the
// faces seen once at the end.
func writeHTML(w io.Writer, r *Report, th *thumbs) error {
	face := func(f ReportFace) htmlFace {
		hf := htmlFace{Title: f.Photo}
		if b := th.get(f.ID); b != nil {
			hf.Src = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b))
		}
		return hf
	}
	data := struct {
		Root, Summary string
		People        []htmlPerson
		Unassigned    htmlPerson
	}{Root: r.Root}
	s := r.Stats
	data.Summary = (plural(s.People, "person", "people") + " in " + plural(s.PhotosWithFaces, "photo", "photos") +
		"; " + plural(s.UnassignedFaces, "face", "faces") + " seen once; " + plural(s.Photos, "photo", "photos") + " in the album.")
	for i, p := range r.People {
		hp := htmlPerson{Title: "Person " + strconv.Itoa(i+1), Count: len(p.Photos)}
		if p.Name != "" {
			hp.Title = p.Name
		}
		hp.Title += " (" + short(p.ID) + ")"
		for _, f := range p.Faces {
			hp.Faces = append(hp.Faces, face(f))
		}
		data.People = append(data.People, hp)
	}
	data.Unassigned = htmlPerson{Title: "Seen once", Count: len(r.Unassigned)}
	for _, f := range r.Unassigned {
		data.Unassigned.Faces = append(data.Unassigned.Faces, face(f))
	}
	return page.Execute(w, data)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
