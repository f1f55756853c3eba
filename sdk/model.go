package sdk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/facecluster/facecluster/cluster"
)

// model is an album in memory: faces in arrival order (face i is face i of
// the cluster.State), photos, people and the user's decisions. The
// clustering itself (Assign on add, Merge, Reject, Confirm, Refine, the ID
// rule, Forget's removal) is the cluster.State's: person ID n of the State is
// the person of seq n-1, and named people are pinned. Methods that change it
// check their arguments first, then change it and return the records to
// write; if the write fails, the album rebuilds the model from its file.
type model struct {
	opt    *settings
	s      *sealer
	st     *cluster.State
	faces  []*face // by index in st, ascending seq
	byID   map[string]*face
	bySeq  map[uint64]*face
	photos map[string]*photo
	people map[string]*person
	byPID  map[cluster.PersonID]*person
	dim    int
	tag    string

	nextFace, nextPhoto, nextPerson uint64
	sinceRefine                     int
}

type face struct {
	rec    faceRec
	key    []byte
	photo  *photo
	person *person
}

type photo struct {
	id    string
	seq   uint64
	key   []byte
	faces []*face
}

type person struct {
	id      string
	name    string
	seq     uint64
	key     []byte
	members []*face // by seq
	stored  bool    // a record exists on disk
	dead    bool
}

func (p *person) pid() cluster.PersonID { return cluster.PersonID(p.seq + 1) }

// change lists the records a model change touched.
type change struct {
	m         *model
	newPhotos []*photo
	newFaces  []*face
	delPhotos [][]byte
	delFaces  [][]byte
	people    map[*person]bool
	links     bool
}

func (m *model) change() *change { return &change{m: m, people: make(map[*person]bool)} }

func (c *change) apply(w *writer) error {
	for _, p := range c.newPhotos {
		if err := w.put(bucketPhotos, p.key, p.record().encode()); err != nil {
			return err
		}
	}
	for _, f := range c.newFaces {
		if err := w.put(bucketFaces, f.key, f.rec.encode()); err != nil {
			return err
		}
	}
	for _, k := range c.delPhotos {
		if err := w.del(bucketPhotos, k); err != nil {
			return err
		}
	}
	for _, k := range c.delFaces {
		if err := w.del(bucketFaces, k); err != nil {
			return err
		}
	}
	// In a stable order, so a transaction's page layout does not depend on
	// map iteration.
	ps := make([]*person, 0, len(c.people))
	for p := range c.people {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
	for _, p := range ps {
		if p.dead || len(p.members) == 0 {
			if p.stored {
				if err := w.del(bucketPeople, p.key); err != nil {
					return err
				}
				p.stored = false
			}
			continue
		}
		if err := w.put(bucketPeople, p.key, p.record().encode()); err != nil {
			return err
		}
		p.stored = true
	}
	if c.links {
		return w.put(bucketLinks, keyLinks, c.m.linksRecord().encode())
	}
	return nil
}

func (p *photo) record() *photoRec {
	r := &photoRec{ID: p.id, Seq: p.seq, Faces: make([]uint64, len(p.faces))}
	for i, f := range p.faces {
		r.Faces[i] = f.rec.Seq
	}
	return r
}

func (p *person) record() *personRec {
	r := &personRec{ID: p.id, Name: p.name, Seq: p.seq, Members: make([]uint64, len(p.members))}
	for i, f := range p.members {
		r.Members[i] = f.rec.Seq
	}
	return r
}

func (m *model) linksRecord() *linksRec {
	r := &linksRec{}
	for _, g := range m.st.Groups() {
		s := make([]uint64, len(g))
		for i, f := range g {
			s[i] = m.faces[f].rec.Seq
		}
		r.Groups = append(r.Groups, s)
	}
	// Faces are in seq order, so the pairs stay ordered and sorted.
	for _, pr := range m.st.CannotLinks() {
		r.Cannot = append(r.Cannot, [2]uint64{m.faces[pr.A].rec.Seq, m.faces[pr.B].rec.Seq})
	}
	return r
}

func (m *model) sortedPhotos() []*photo {
	ps := make([]*photo, 0, len(m.photos))
	for _, p := range m.photos {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
	return ps
}

func (p *person) public() Person {
	out := Person{ID: p.id, Name: p.name, Faces: make([]string, len(p.members))}
	seen := make(map[*photo]bool)
	var photos []*photo
	for i, f := range p.members {
		out.Faces[i] = f.rec.ID
		if !seen[f.photo] {
			seen[f.photo] = true
			photos = append(photos, f.photo)
		}
	}
	sort.Slice(photos, func(i, j int) bool { return photos[i].seq < photos[j].seq })
	out.Photos = make([]string, len(photos))
	for i, ph := range photos {
		out.Photos[i] = ph.id
	}
	return out
}

func (f *face) info() FaceInfo {
	return FaceInfo{
		Face: Face{
			ID: f.rec.ID, Box: f.rec.Box, Landmarks: slices.Clone(f.rec.Landmarks),
			Score: f.rec.Score, Pose: f.rec.Pose,
		},
		Photo: f.photo.id, Person: f.person.id, Model: f.rec.Model, Quality: f.rec.Quality,
	}
}

func (m *model) person(call, id string) (*person, error) {
	p, ok := m.people[id]
	if !ok {
		return nil, fmt.Errorf("sdk: Album.%s: %w: person %q", call, ErrNotFound, id)
	}
	return p, nil
}

func (m *model) stateOptions() cluster.StateOptions {
	return cluster.StateOptions{
		Options:    cluster.Options{Threshold: m.threshold(), Workers: m.opt.workers, MinQuality: m.opt.minQuality},
		ExactLimit: m.opt.exactLimit,
	}
}

// sync makes the people of State IDs ids (and the faces' persons) what the
// State says, creating people for new IDs and retiring the ones the State
// no longer has; it records the people whose members changed.
func (m *model) sync(c *change, ids ...cluster.PersonID) error {
	seen := make(map[cluster.PersonID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		rows := m.st.Members(id)
		p := m.byPID[id]
		if len(rows) == 0 {
			if p != nil {
				m.retire(c, p)
			}
			continue
		}
		if p == nil {
			sid, err := newID()
			if err != nil {
				return err
			}
			seq := uint64(id - 1)
			p = &person{id: sid, seq: seq, key: m.s.dbKey(kindPerson, sid)}
			m.nextPerson = max(m.nextPerson, seq+1)
			m.people[sid] = p
			m.byPID[id] = p
		}
		same := len(p.members) == len(rows)
		for i := 0; same && i < len(rows); i++ {
			same = p.members[i] == m.faces[rows[i]]
		}
		if same {
			continue
		}
		members := make([]*face, len(rows))
		for i, r := range rows {
			members[i] = m.faces[r]
			members[i].person = p
		}
		p.members = members
		c.people[p] = true
	}
	return nil
}

func (m *model) retire(c *change, p *person) {
	p.dead = true
	p.members = nil
	delete(m.people, p.id)
	delete(m.byPID, p.pid())
	c.people[p] = true
}

// add adds a photo and its (validated) faces and files each face.
func (m *model) add(photoID string, recs []faceRec) (*change, error) {
	if _, ok := m.photos[photoID]; ok {
		return nil, fmt.Errorf("%w: photo %q", ErrExists, photoID)
	}
	tag, dim := m.tag, m.dim
	for i, r := range recs {
		if _, ok := m.byID[r.ID]; ok {
			return nil, fmt.Errorf("%w: face ID %s", ErrExists, r.ID)
		}
		if len(m.faces) == 0 && i == 0 {
			tag, dim = r.Model, len(r.Vector)
		}
		if r.Model != tag || len(r.Vector) != dim {
			return nil, fmt.Errorf("%w: face %d is %q of %d elements; the album holds %q of %d", ErrModelMismatch, i, r.Model, len(r.Vector), tag, dim)
		}
	}
	if len(m.faces) == 0 && len(recs) > 0 {
		// The threshold follows the album's feature tag, which an empty
		// album takes from its first face.
		st, err := cluster.Restore(m.withTag(tag).stateOptions(), &cluster.Snapshot{NextID: cluster.PersonID(m.nextPerson + 1)})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
		}
		m.st = st
	}
	// Checked: from here on nothing fails but reading random bytes.
	c := m.change()
	ph := &photo{id: photoID, seq: m.nextPhoto, key: m.s.dbKey(kindPhoto, photoID)}
	m.nextPhoto++
	m.photos[photoID] = ph
	c.newPhotos = append(c.newPhotos, ph)
	if len(recs) > 0 {
		m.tag, m.dim = tag, dim
	}
	for _, r := range recs {
		r.Seq = m.nextFace
		m.nextFace++
		f := &face{rec: r, key: m.s.dbKey(kindFace, r.ID), photo: ph}
		id, err := m.st.Assign(cluster.Face{Feature: unitRow(r.Vector), Photo: ph.seq + 1, Quality: r.Quality})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
		}
		m.faces = append(m.faces, f)
		m.byID[r.ID] = f
		m.bySeq[r.Seq] = f
		ph.faces = append(ph.faces, f)
		if err := m.sync(c, id); err != nil {
			return nil, err
		}
		c.newFaces = append(c.newFaces, f)
	}
	return c, nil
}

// withTag returns a copy of m with tag, for its threshold.
func (m *model) withTag(tag string) *model {
	cp := *m
	cp.tag = tag
	return &cp
}

func (m *model) refineDue() bool {
	switch every := m.opt.refineEvery; {
	case every == 0:
		return false
	case every > 0:
		return m.sinceRefine >= every
	default:
		return m.sinceRefine >= max(64, len(m.faces)/8)
	}
}

// refine re-clusters every face from scratch and relabels the people by
// cluster.State's ID rule (named people pinned).
func (m *model) refine(ctx context.Context) (*change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := m.change()
	if len(m.faces) == 0 {
		return c, nil
	}
	var cerr error
	err := guard("Refine", ErrInvalidArgument, func() error {
		cerr = m.st.RefineContext(ctx)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cerr != nil {
		if ctx.Err() != nil && errors.Is(cerr, ctx.Err()) {
			return nil, cerr
		}
		return nil, fmt.Errorf("%w: clustering: %w", ErrCorrupt, cerr)
	}
	ids := make([]cluster.PersonID, 0, len(m.byPID))
	for id := range m.st.People() {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if err := m.sync(c, ids...); err != nil {
		return nil, err
	}
	for _, p := range m.people {
		if _, ok := m.byPID[p.pid()]; !ok || len(m.st.Members(p.pid())) == 0 {
			m.retire(c, p)
		}
	}
	return c, nil
}

func (m *model) merge(a, b string) (*change, error) {
	pa, err := m.person("Merge", a)
	if err != nil {
		return nil, err
	}
	pb, err := m.person("Merge", b)
	if err != nil {
		return nil, err
	}
	c := m.change()
	if pa == pb {
		return c, nil
	}
	inA := make(map[*photo]bool)
	for _, f := range pa.members {
		inA[f.photo] = true
	}
	for _, f := range pb.members {
		if inA[f.photo] {
			return nil, fmt.Errorf("%w: people %s and %s are both in photo %q", ErrConflict, a, b, f.photo.id)
		}
	}
	if err := m.st.Merge(pa.pid(), pb.pid()); err != nil {
		if errors.Is(err, cluster.ErrConflict) {
			return nil, fmt.Errorf("%w: a face of %s was rejected from %s", ErrConflict, b, a)
		}
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if pa.name == "" {
		pa.name = pb.name
	}
	if err := m.sync(c, pa.pid(), pb.pid()); err != nil {
		return nil, err
	}
	c.people[pa] = true
	c.links = true
	return c, nil
}

func (m *model) reject(faceID, personID string) (*change, string, error) {
	f, ok := m.byID[faceID]
	if !ok {
		return nil, "", fmt.Errorf("sdk: Album.Reject: %w: face %q", ErrNotFound, faceID)
	}
	p, err := m.person("Reject", personID)
	if err != nil {
		return nil, "", err
	}
	// cluster.State lets the only face of a person leave it; the album
	// does not (the person would vanish for a new one of the same face).
	if len(p.members) == 1 && p.members[0] == f {
		return nil, "", fmt.Errorf("%w: face %s is the only face of person %s", ErrConflict, faceID, personID)
	}
	c := m.change()
	old := f.person.pid()
	id, err := m.st.Reject(m.row(f), p.pid())
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err := m.sync(c, old, id); err != nil {
		return nil, "", err
	}
	c.links = true
	return c, f.person.id, nil
}

func (m *model) confirm(faceID, personID string) (*change, error) {
	f, ok := m.byID[faceID]
	if !ok {
		return nil, fmt.Errorf("sdk: Album.Confirm: %w: face %q", ErrNotFound, faceID)
	}
	p, err := m.person("Confirm", personID)
	if err != nil {
		return nil, err
	}
	for _, g := range p.members {
		if g != f && g.photo == f.photo {
			return nil, fmt.Errorf("%w: face %s is in photo %q with a face of person %s", ErrConflict, faceID, f.photo.id, personID)
		}
	}
	c := m.change()
	old := f.person.pid()
	if err := m.st.Confirm(m.row(f), p.pid()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err := m.sync(c, old, p.pid()); err != nil {
		return nil, err
	}
	c.links = true
	return c, nil
}

// row returns f's index in the State (faces are in seq order).
func (m *model) row(f *face) int {
	i, _ := slices.BinarySearchFunc(m.faces, f.rec.Seq, func(g *face, s uint64) int { return cmpU(g.rec.Seq, s) })
	return i
}

func (m *model) name(id, name string) (*change, error) {
	p, err := m.person("Name", id)
	if err != nil {
		return nil, err
	}
	c := m.change()
	if p.name != name {
		if len(p.members) > 0 {
			if err := m.st.Pin(p.pid(), name != ""); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
		}
		p.name = name
		c.people[p] = true
	}
	return c, nil
}

func (m *model) forget(ids []string) (*change, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no photo named", ErrInvalidArgument)
	}
	gone := make(map[*photo]bool, len(ids))
	for _, id := range ids {
		ph, ok := m.photos[id]
		if !ok {
			return nil, fmt.Errorf("%w: photo %q", ErrNotFound, id)
		}
		gone[ph] = true
	}
	c := m.change()
	goneFace := make(map[*face]bool)
	for ph := range gone {
		c.delPhotos = append(c.delPhotos, ph.key)
		delete(m.photos, ph.id)
		for _, f := range ph.faces {
			goneFace[f] = true
			c.delFaces = append(c.delFaces, f.key)
			delete(m.byID, f.rec.ID)
			delete(m.bySeq, f.rec.Seq)
		}
	}
	if len(goneFace) > 0 {
		var rows []int
		var touched []cluster.PersonID
		kept := make([]*face, 0, len(m.faces)-len(goneFace))
		for i, f := range m.faces {
			if goneFace[f] {
				rows = append(rows, i)
				touched = append(touched, f.person.pid())
				continue
			}
			kept = append(kept, f)
		}
		if err := m.st.Remove(rows...); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		m.faces = kept
		if err := m.sync(c, touched...); err != nil {
			return nil, err
		}
		if len(kept) == 0 {
			m.tag, m.dim = "", 0
		}
	}
	c.links = true
	return c, nil
}

// buildModel checks that the loaded records agree with each other and
// builds the model; any disagreement is ErrCorrupt.
func buildModel(l *loaded, opt *settings) (*model, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	m := &model{
		opt: opt, s: l.s,
		byID: make(map[string]*face), bySeq: make(map[uint64]*face),
		photos: make(map[string]*photo), people: make(map[string]*person),
		byPID: make(map[cluster.PersonID]*person),
	}
	photoSeq := make(map[uint64]bool)
	for _, r := range l.photos {
		if _, ok := m.photos[r.ID]; ok || photoSeq[r.Seq] {
			return nil, bad("photo %q twice", r.ID)
		}
		photoSeq[r.Seq] = true
		m.photos[r.ID] = &photo{id: r.ID, seq: r.Seq, key: l.s.dbKey(kindPhoto, r.ID)}
		m.nextPhoto = max(m.nextPhoto, r.Seq+1)
	}
	faces := slices.Clone(l.faces)
	sort.Slice(faces, func(i, j int) bool { return faces[i].Seq < faces[j].Seq })
	for i, r := range faces {
		if _, ok := m.byID[r.ID]; ok || m.bySeq[r.Seq] != nil {
			return nil, bad("face %s twice", r.ID)
		}
		ph, ok := m.photos[r.Photo]
		if !ok {
			return nil, bad("face %s of a missing photo", r.ID)
		}
		if i == 0 {
			m.tag, m.dim = r.Model, len(r.Vector)
		} else if r.Model != m.tag || len(r.Vector) != m.dim {
			return nil, bad("face %s of another model", r.ID)
		}
		f := &face{rec: r, key: l.s.dbKey(kindFace, r.ID), photo: ph}
		m.faces = append(m.faces, f)
		m.byID[r.ID] = f
		m.bySeq[r.Seq] = f
		ph.faces = append(ph.faces, f)
		m.nextFace = r.Seq + 1
	}
	for _, r := range l.photos {
		ph := m.photos[r.ID]
		if len(ph.faces) != len(r.Faces) {
			return nil, bad("photo %q lists %d faces, holds %d", r.ID, len(r.Faces), len(ph.faces))
		}
		for i, f := range ph.faces {
			if f.rec.Seq != r.Faces[i] {
				return nil, bad("photo %q lists other faces", r.ID)
			}
		}
	}
	personSeq := make(map[uint64]bool)
	for _, r := range l.people {
		if _, ok := m.people[r.ID]; ok || personSeq[r.Seq] {
			return nil, bad("person %s twice", r.ID)
		}
		personSeq[r.Seq] = true
		p := &person{id: r.ID, name: r.Name, seq: r.Seq, key: l.s.dbKey(kindPerson, r.ID), stored: true}
		for i, s := range r.Members {
			f := m.bySeq[s]
			if f == nil || f.person != nil || (i > 0 && s <= r.Members[i-1]) {
				return nil, bad("person %s lists a missing, repeated or unordered face", r.ID)
			}
			f.person = p
			p.members = append(p.members, f)
		}
		m.people[r.ID] = p
		m.byPID[p.pid()] = p
		m.nextPerson = max(m.nextPerson, r.Seq+1)
	}
	for _, f := range m.faces {
		if f.person == nil {
			return nil, bad("face %s in no person", f.rec.ID)
		}
	}
	snap := &cluster.Snapshot{NextID: cluster.PersonID(m.nextPerson + 1)}
	row := make(map[*face]int, len(m.faces))
	for i, f := range m.faces {
		row[f] = i
		snap.Faces = append(snap.Faces, cluster.Face{Feature: unitRow(f.rec.Vector), Photo: f.photo.seq + 1, Quality: f.rec.Quality})
		snap.Labels = append(snap.Labels, f.person.pid())
	}
	inGroup := make(map[*face]bool)
	for _, gs := range l.links.Groups {
		if len(gs) < 2 {
			return nil, bad("constraint group of %d faces", len(gs))
		}
		var g []int
		for _, s := range gs {
			f := m.bySeq[s]
			if f == nil || inGroup[f] || f.person != m.bySeq[gs[0]].person {
				return nil, bad("constraint group names a missing, repeated or separated face")
			}
			inGroup[f] = true
			g = append(g, row[f])
		}
		slices.Sort(g)
		snap.Groups = append(snap.Groups, g)
	}
	cannot := make(map[[2]uint64]bool)
	for _, pr := range l.links.Cannot {
		a, b := m.bySeq[pr[0]], m.bySeq[pr[1]]
		if a == nil || b == nil || pr[0] >= pr[1] || a.person == b.person || cannot[pr] {
			return nil, bad("rejection names a missing, repeated or joined pair of faces")
		}
		cannot[pr] = true
		snap.CannotLink = append(snap.CannotLink, cluster.Pair{A: row[a], B: row[b]})
	}
	for _, p := range m.people {
		if p.name != "" && len(p.members) > 0 {
			snap.Pinned = append(snap.Pinned, p.pid())
		}
	}
	st, err := cluster.Restore(m.stateOptions(), snap)
	if err != nil {
		return nil, bad("%w", err)
	}
	m.st = st
	return m, nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// unitRow returns v normalised (in float64, rounded once).
func unitRow(v []float32) []float32 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	inv := 1 / math.Sqrt(ss)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}
