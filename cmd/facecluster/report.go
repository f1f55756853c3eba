package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/facecluster/facecluster/sdk"
)

// Report is the JSON report (report.schema.json describes it; fields are
// only ever added, and Version changes if one changes meaning).
type Report struct {
	Format  string `json:"format"` // "facecluster-report"
	Version int    `json:"version"`
	// Root is the photo folder; photo paths are relative to it, with
	// forward slashes.
	Root string `json:"root"`
	// Model is the feature model tag ("fused-v2" for the accurate mode).
	Model string `json:"model"`
	// Threshold is the clustering threshold used (average-linkage cosine
	// distance).
	Threshold float32     `json:"threshold"`
	Stats     ReportStats `json:"stats"`
	// People holds everyone seen in at least two photos, most photographed
	// first.
	People []ReportPerson `json:"people"`
	// Unassigned holds the faces of people seen in one photo only.
	Unassigned []ReportFace `json:"unassigned"`
	// Skipped lists the files index could not read, in this run.
	Skipped []Skipped `json:"skipped"`
}

type ReportStats struct {
	Photos           int `json:"photos"`
	PhotosWithFaces  int `json:"photos_with_faces"`
	Faces            int `json:"faces"`
	People           int `json:"people"`
	UnassignedFaces  int `json:"unassigned_faces"`
	SkippedFiles     int `json:"skipped_files"`
	PhotosThisRun    int `json:"photos_this_run"`
	PhotosAlreadyIn  int `json:"photos_already_in_album"`
	PhotosWithNoFace int `json:"photos_without_faces"`
}

type ReportPerson struct {
	ID     string       `json:"id"`
	Name   string       `json:"name"`
	Photos []string     `json:"photos"`
	Faces  []ReportFace `json:"faces"`
}

type ReportFace struct {
	ID        string        `json:"id"`
	Photo     string        `json:"photo"`
	Person    string        `json:"person"`
	Box       ReportBox     `json:"box"`
	Landmarks []ReportPoint `json:"landmarks"`
	Pose      ReportPose    `json:"pose"`
	Score     float32       `json:"score"`
	Quality   float32       `json:"quality"`
}

type ReportBox struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
	W float32 `json:"w"`
	H float32 `json:"h"`
}

type ReportPoint struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
}

type ReportPose struct {
	Yaw   float32 `json:"yaw"`
	Pitch float32 `json:"pitch"`
	Roll  float32 `json:"roll"`
}

// Skipped is a file index could not use, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// buildReport reads the album into a report.
func buildReport(a *sdk.Album, root string, skipped []Skipped) (*Report, error) {
	r := &Report{Format: "facecluster-report", Version: 1, Root: root, People: []ReportPerson{}, Unassigned: []ReportFace{}, Skipped: skipped}
	if r.Skipped == nil {
		r.Skipped = []Skipped{}
	}
	photos, err := a.Photos()
	if err != nil {
		return nil, err
	}
	faces := map[string]ReportFace{}
	for _, id := range photos {
		ph, err := a.Photo(id)
		if err != nil {
			return nil, err
		}
		if len(ph.Faces) > 0 {
			r.Stats.PhotosWithFaces++
		} else {
			r.Stats.PhotosWithNoFace++
		}
		for _, f := range ph.Faces {
			if r.Model == "" {
				r.Model = f.Model
			}
			faces[f.ID] = reportFace(f)
		}
	}
	people, err := a.People()
	if err != nil {
		return nil, err
	}
	sort.SliceStable(people, func(i, j int) bool { return len(people[i].Photos) > len(people[j].Photos) })
	for _, p := range people {
		if len(p.Photos) < 2 {
			for _, id := range p.Faces {
				r.Unassigned = append(r.Unassigned, faces[id])
			}
			continue
		}
		rp := ReportPerson{ID: p.ID, Name: p.Name, Photos: p.Photos, Faces: make([]ReportFace, len(p.Faces))}
		for i, id := range p.Faces {
			rp.Faces[i] = faces[id]
		}
		r.People = append(r.People, rp)
	}
	r.Threshold = sdk.DefaultThreshold
	if t, ok := sdk.Threshold(r.Model); ok {
		r.Threshold = t
	}
	r.Stats.Photos = len(photos)
	r.Stats.Faces = len(faces)
	r.Stats.People = len(r.People)
	r.Stats.UnassignedFaces = len(r.Unassigned)
	r.Stats.SkippedFiles = len(r.Skipped)
	return r, nil
}

func reportFace(f sdk.FaceInfo) ReportFace {
	out := ReportFace{
		ID: f.ID, Photo: f.Photo, Person: f.Person,
		Box:       ReportBox{f.Box.X, f.Box.Y, f.Box.W, f.Box.H},
		Landmarks: make([]ReportPoint, len(f.Landmarks)),
		Pose:      ReportPose{f.Pose.Yaw, f.Pose.Pitch, f.Pose.Roll},
		Score:     f.Score, Quality: f.Quality,
	}
	for i, p := range f.Landmarks {
		out.Landmarks[i] = ReportPoint{p.X, p.Y}
	}
	return out
}

// printTable prints the people, one row per photo.
func printTable(w io.Writer, r *Report, showFaces bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tPERSON\tNAME\tPHOTOS\tPHOTO")
	for i, p := range r.People {
		name := p.Name
		if name == "" {
			name = "-"
		}
		faceOf := map[string]string{}
		for _, f := range p.Faces {
			faceOf[f.Photo] = f.ID
		}
		for j, ph := range p.Photos {
			if showFaces {
				ph += "  (face " + short(faceOf[ph]) + ")"
			}
			if j == 0 {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", i+1, short(p.ID), name, len(p.Photos), ph)
			} else {
				fmt.Fprintf(tw, "\t\t\t\t%s\n", ph)
			}
		}
	}
	tw.Flush()
	s := r.Stats
	fmt.Fprintf(w, "\n%d people in %d photos; %d faces seen in one photo only; %d photos without a face; %d photos in the album.\n",
		s.People, s.PhotosWithFaces, s.UnassignedFaces, s.PhotosWithNoFace, s.Photos)
}

// short is an ID's first 8 characters, enough to name it in a command.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// writeFileAtomic writes data to path (0600) through a temporary file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func writeJSON(path string, r *Report) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}

// findPerson resolves a person argument: a full ID, a unique ID prefix of
// at least 4 characters, or a unique name.
func findPerson(a *sdk.Album, arg string) (sdk.Person, error) {
	people, err := a.People()
	if err != nil {
		return sdk.Person{}, err
	}
	var hits []sdk.Person
	for _, p := range people {
		if p.ID == arg {
			return p, nil
		}
		if len(arg) >= 4 && strings.HasPrefix(p.ID, arg) || p.Name != "" && p.Name == arg {
			hits = append(hits, p)
		}
	}
	switch len(hits) {
	case 0:
		return sdk.Person{}, fmt.Errorf("no person %q", arg)
	case 1:
		return hits[0], nil
	}
	return sdk.Person{}, fmt.Errorf("%q names %d people: give more of the ID", arg, len(hits))
}

// findFace resolves a face argument: a full ID or a unique prefix of at
// least 4 characters.
func findFace(a *sdk.Album, arg string) (string, error) {
	if f, err := a.Face(arg); err == nil {
		return f.ID, nil
	}
	if len(arg) < 4 {
		return "", fmt.Errorf("no face %q (give at least 4 characters of its ID)", arg)
	}
	people, err := a.People()
	if err != nil {
		return "", err
	}
	var hits []string
	for _, p := range people {
		for _, f := range p.Faces {
			if strings.HasPrefix(f, arg) {
				hits = append(hits, f)
			}
		}
	}
	switch len(hits) {
	case 0:
		return "", fmt.Errorf("no face %q", arg)
	case 1:
		return hits[0], nil
	}
	return "", fmt.Errorf("%q names %d faces: give more of the ID", arg, len(hits))
}
