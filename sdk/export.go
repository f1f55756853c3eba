package sdk

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// ExportFormat names the JSON document Export writes.
const ExportFormat = "facecluster-album-export"

// The export document (version 1):
//
//	{
//	  "format": "facecluster-album-export",
//	  "version": 1,
//	  "photos": [                       // in the order added
//	    {"id": "IMG_0001.jpg",
//	     "faces": [
//	       {"id": "3f0c…",                // face ID (UUID)
//	        "person": "9a1e…",            // person ID (UUID)
//	        "box": {"x": 10, "y": 20, "w": 64, "h": 64},
//	        "landmarks": [[30, 40], …],   // keypoints, x then y
//	        "score": 0.98,
//	        "pose": {"yaw": 3, "pitch": -2, "roll": 1},
//	        "feature": {"model": "accurate", "quality": 0.9, "vector": [0.01, …]}}]}],
//	  "people": [                       // in the order first seen
//	    {"id": "9a1e…", "name": "Ann", "faces": ["3f0c…", …]}],
//	  "decisions": {
//	    "samePerson": [["3f0c…", "77b2…"], …],   // groups the user said are one person
//	    "notSamePerson": [["3f0c…", "c401…"], …] // pairs the user told apart
//	  }
//	}
type exportFace struct {
	ID        string       `json:"id"`
	Person    string       `json:"person"`
	Box       exportBox    `json:"box"`
	Landmarks [][2]float32 `json:"landmarks"`
	Score     float32      `json:"score"`
	Pose      exportPose   `json:"pose"`
	Feature   exportFeat   `json:"feature"`
}

type exportBox struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
	W float32 `json:"w"`
	H float32 `json:"h"`
}

type exportPose struct {
	Yaw   float32 `json:"yaw"`
	Pitch float32 `json:"pitch"`
	Roll  float32 `json:"roll"`
}

type exportFeat struct {
	Model   string    `json:"model"`
	Quality float32   `json:"quality"`
	Vector  []float32 `json:"vector"`
}

type exportPhoto struct {
	ID    string       `json:"id"`
	Faces []exportFace `json:"faces"`
}

type exportPerson struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Faces []string `json:"faces"`
}

type exportDecisions struct {
	SamePerson    [][]string  `json:"samePerson"`
	NotSamePerson [][2]string `json:"notSamePerson"`
}

// Export writes a JSON copy of every personal datum the album holds: each
// photo's ID and faces (box, landmarks, score, pose, feature vector, model
// tag, quality, person), each person's name and faces, and the user's
// corrections. The schema is the document above (see ExportFormat). It
// checks ctx between photos and returns its error if it is cancelled,
// having written part of the document.
func (a *Album) Export(ctx context.Context, w io.Writer) error {
	if w == nil {
		return fmt.Errorf("sdk: Album.Export: %w: nil writer", ErrInvalidArgument)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if err := a.check("Export"); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := a.export(ctx, bw); err != nil {
		return fmt.Errorf("sdk: Album.Export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("sdk: Album.Export: %w: %w", ErrStorage, err)
	}
	return nil
}

func (a *Album) export(ctx context.Context, w *bufio.Writer) error {
	m := a.m
	fmt.Fprintf(w, "{\"format\":%q,\"version\":1,\n\"photos\":[", ExportFormat)
	for i, ph := range m.sortedPhotos() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ep := exportPhoto{ID: ph.id, Faces: make([]exportFace, len(ph.faces))}
		for j, f := range ph.faces {
			r := &f.rec
			lm := make([][2]float32, len(r.Landmarks))
			for k, p := range r.Landmarks {
				lm[k] = [2]float32{p.X, p.Y}
			}
			ep.Faces[j] = exportFace{
				ID: r.ID, Person: f.person.id,
				Box:       exportBox{r.Box.X, r.Box.Y, r.Box.W, r.Box.H},
				Landmarks: lm, Score: r.Score,
				Pose:    exportPose{r.Pose.Yaw, r.Pose.Pitch, r.Pose.Roll},
				Feature: exportFeat{Model: r.Model, Quality: r.Quality, Vector: r.Vector},
			}
		}
		b, err := json.Marshal(ep)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
	}
	people := make([]exportPerson, 0, len(m.people))
	pub, _ := a.peopleLocked()
	for _, p := range pub {
		people = append(people, exportPerson{ID: p.ID, Name: p.Name, Faces: p.Faces})
	}
	d := exportDecisions{SamePerson: [][]string{}, NotSamePerson: [][2]string{}}
	l := m.linksRecord()
	for _, g := range l.Groups {
		ids := make([]string, len(g))
		for i, s := range g {
			ids[i] = m.bySeq[s].rec.ID
		}
		d.SamePerson = append(d.SamePerson, ids)
	}
	for _, pr := range l.Cannot {
		d.NotSamePerson = append(d.NotSamePerson, [2]string{m.bySeq[pr[0]].rec.ID, m.bySeq[pr[1]].rec.ID})
	}
	pb, err := json.Marshal(people)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	db, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	fmt.Fprintf(w, "],\n\"people\":%s,\n\"decisions\":%s}\n", pb, db)
	return nil
}
