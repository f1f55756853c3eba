package sdk

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/facecluster/facecluster/cluster"
	"github.com/facecluster/facecluster/vec"
)

// model is an album in memory: faces in arrival order (row i of feats is
// face i's unit feature), photos, people, and the user's decisions as
// constraints. Methods that change it check their arguments first, then
// change it and return the records to write; if the write fails, the album
// rebuilds the model from its file.
//
// The clustering follows cluster.State (Assign on add, Merge, Reject,
// Confirm, Refine through cluster.Exact or cluster.Sparse, the same ID rule)
// but is kept here, because a State can be neither rebuilt as it was from
// stored records nor made to drop a face (see the package documentation).
type model struct {
	opt    *settings
	s      *sealer
	faces  []*face // by seq; faces[i].row == i
	byID   map[string]*face
	bySeq  map[uint64]*face
	photos map[string]*photo
	people map[string]*person
	groups map[*group]bool
	cannot map[[2]uint64]bool // face seqs, lower first
	feats  []float32          // never changed in place: a refine may read it
	dim    int
	tag    string

	nextFace, nextPhoto, nextPerson uint64
	sinceRefine                     int
}

type face struct {
	rec    faceRec
	key    []byte
	row    int
	photo  *photo
	person *person
	group  *group // must-link group, nil if none
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

// group is a set of faces the user said are one person (a merge or a
// confirmation); they are always in one person.
type group struct{ faces []*face }

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
	for _, g := range m.sortedGroups() {
		s := make([]uint64, len(g.faces))
		for i, f := range g.faces {
			s[i] = f.rec.Seq
		}
		r.Groups = append(r.Groups, s)
	}
	for p := range m.cannot {
		r.Cannot = append(r.Cannot, p)
	}
	slices.SortFunc(r.Cannot, func(a, b [2]uint64) int {
		if a[0] != b[0] {
			return cmpU(a[0], b[0])
		}
		return cmpU(a[1], b[1])
	})
	return r
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

func (m *model) sortedGroups() []*group {
	gs := make([]*group, 0, len(m.groups))
	for g := range m.groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].faces[0].rec.Seq < gs[j].faces[0].rec.Seq })
	return gs
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

func (m *model) newPerson() (*person, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	p := &person{id: id, seq: m.nextPerson, key: m.s.dbKey(kindPerson, id)}
	m.nextPerson++
	m.people[id] = p
	return p, nil
}

func insertBySeq(s []*face, f *face) []*face {
	i := sort.Search(len(s), func(i int) bool { return s[i].rec.Seq >= f.rec.Seq })
	return slices.Insert(s, i, f)
}

func removeFace(s []*face, f *face) []*face {
	return slices.DeleteFunc(s, func(g *face) bool { return g == f })
}

// setPerson moves f to p (nil: out of any person) and records the change.
func (m *model) setPerson(c *change, f *face, p *person) {
	if old := f.person; old != nil {
		old.members = removeFace(old.members, f)
		if len(old.members) == 0 {
			old.dead = true
			delete(m.people, old.id)
		}
		c.people[old] = true
	}
	f.person = p
	if p != nil {
		p.members = insertBySeq(p.members, f)
		c.people[p] = true
	}
}

// ungroup takes f out of its must-link group.
func (m *model) ungroup(f *face) {
	g := f.group
	if g == nil {
		return
	}
	f.group = nil
	g.faces = removeFace(g.faces, f)
	if len(g.faces) < 2 {
		for _, h := range g.faces {
			h.group = nil
		}
		delete(m.groups, g)
	}
}

// glue puts faces into one must-link group, absorbing the groups they are
// in.
func (m *model) glue(faces []*face) {
	g := &group{}
	seen := make(map[*face]bool)
	add := func(f *face) {
		if !seen[f] {
			seen[f] = true
			g.faces = append(g.faces, f)
		}
	}
	for _, f := range faces {
		if old := f.group; old != nil {
			delete(m.groups, old)
			for _, h := range old.faces {
				add(h)
			}
		}
		add(f)
	}
	if len(g.faces) < 2 {
		for _, f := range g.faces {
			f.group = nil
		}
		return
	}
	sort.Slice(g.faces, func(i, j int) bool { return g.faces[i].rec.Seq < g.faces[j].rec.Seq })
	for _, f := range g.faces {
		f.group = g
	}
	m.groups[g] = true
}

func pairOf(a, b uint64) [2]uint64 {
	if a > b {
		a, b = b, a
	}
	return [2]uint64{a, b}
}

func (m *model) matrix() vec.Matrix {
	return vec.Matrix{Rows: len(m.faces), Dim: m.dim, Data: m.feats[:len(m.faces)*m.dim]}
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
		row := unitRow(r.Vector)
		p := m.nearest(row, ph)
		if p == nil {
			var err error
			if p, err = m.newPerson(); err != nil {
				return nil, err
			}
		}
		f.row = len(m.faces)
		m.feats = append(m.feats, row...)
		m.faces = append(m.faces, f)
		m.byID[r.ID] = f
		m.bySeq[r.Seq] = f
		ph.faces = append(ph.faces, f)
		m.setPerson(c, f, p)
		c.newFaces = append(c.newFaces, f)
	}
	return c, nil
}

// nearest returns the person nearest to the unit feature q by average
// linkage (the mean cosine distance to their faces), if within the
// threshold, skipping people with a face in photo ph; nil if none.
func (m *model) nearest(q []float32, ph *photo) *person {
	n := len(m.faces)
	if n == 0 {
		return nil
	}
	dist := make([]float32, n)
	vec.Distances(q, m.matrix(), vec.Cosine, dist)
	banned := make(map[*person]bool)
	for _, f := range ph.faces {
		banned[f.person] = true
	}
	type agg struct {
		sum float64
		n   int
	}
	aggs := make(map[*person]*agg)
	for i, d := range dist {
		p := m.faces[i].person
		if banned[p] {
			continue
		}
		g := aggs[p]
		if g == nil {
			g = &agg{}
			aggs[p] = g
		}
		g.sum += float64(d)
		g.n++
	}
	var best *person
	bestD := math.Inf(1)
	for p, g := range aggs {
		d := g.sum / float64(g.n)
		if d < bestD || (d == bestD && p.seq < best.seq) {
			best, bestD = p, d
		}
	}
	if best == nil || !(float32(bestD) <= m.threshold()) {
		return nil
	}
	return best
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

// refine re-clusters every face from scratch and relabels the people.
func (m *model) refine(ctx context.Context) (*change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := len(m.faces)
	c := m.change()
	if n == 0 {
		return c, nil
	}
	in := &cluster.Input{
		Features: m.matrix(),
		Photos:   make([]uint64, n),
		Quality:  make([]float32, n),
	}
	for i, f := range m.faces {
		in.Photos[i] = f.photo.seq + 1
		in.Quality[i] = f.rec.Quality
	}
	for _, g := range m.sortedGroups() {
		for _, f := range g.faces[1:] {
			in.MustLink = append(in.MustLink, cluster.Pair{A: g.faces[0].row, B: f.row})
		}
	}
	for p := range m.cannot {
		in.CannotLink = append(in.CannotLink, cluster.Pair{A: m.bySeq[p[0]].row, B: m.bySeq[p[1]].row})
	}
	opt := cluster.Options{Threshold: m.threshold(), Workers: m.opt.workers, MinQuality: m.opt.minQuality}
	exact := n <= m.opt.exactLimit
	type result struct {
		res *cluster.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.err = guard("Refine", ErrInvalidArgument, func() error {
			var err error
			if exact {
				r.res, err = cluster.Exact(in, opt)
			} else {
				r.res, err = cluster.Sparse(in, cluster.SparseOptions{Options: opt})
			}
			return err
		})
		done <- r
	}()
	var r result
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r = <-done:
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: clustering: %w", ErrCorrupt, r.err)
	}
	if err := m.relabel(c, r.res); err != nil {
		return nil, err
	}
	return c, nil
}

// relabel makes res's clusters the people. ID rule (cluster.State's): a
// person keeps their ID if more than half of their faces are in one new
// cluster; a cluster holding the majority of several people takes the ID of
// a named one if any, else of the one it shares the most faces with (the
// oldest on ties). A named person left without a majority passes their ID
// and name to the unclaimed cluster holding most of their faces. Every other
// cluster is a new person.
func (m *model) relabel(c *change, res *cluster.Result) error {
	clusters := res.Clusters()
	type key struct {
		p *person
		c int
	}
	overlap := make(map[key]int)
	for row, lab := range res.Labels {
		overlap[key{m.faces[row].person, lab}]++
	}
	better := func(a, b key) bool { // is claimant a better than b?
		if (a.p.name != "") != (b.p.name != "") {
			return a.p.name != ""
		}
		if overlap[a] != overlap[b] {
			return overlap[a] > overlap[b]
		}
		return a.p.seq < b.p.seq
	}
	owner := make([]*person, len(clusters))
	claim := make(map[int]key)
	for k, n := range overlap {
		if 2*n <= len(k.p.members) {
			continue
		}
		if cur, ok := claim[k.c]; !ok || better(k, cur) {
			claim[k.c] = k
		}
	}
	used := make(map[*person]bool)
	for cl, k := range claim {
		owner[cl] = k.p
		used[k.p] = true
	}
	// Named people without a cluster, oldest first.
	var named []*person
	for _, p := range m.people {
		if p.name != "" && !used[p] {
			named = append(named, p)
		}
	}
	sort.Slice(named, func(i, j int) bool { return named[i].seq < named[j].seq })
	for _, p := range named {
		best, bestN := -1, 0
		for k, n := range overlap {
			if k.p == p && owner[k.c] == nil && (n > bestN || (n == bestN && k.c < best)) {
				best, bestN = k.c, n
			}
		}
		if best >= 0 {
			owner[best] = p
			used[p] = true
		}
	}
	for cl := range owner {
		if owner[cl] == nil {
			p, err := m.newPerson()
			if err != nil {
				return err
			}
			owner[cl] = p
		}
	}
	// Apply: people whose members change are rewritten.
	for cl, rows := range clusters {
		p := owner[cl]
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
		}
		p.members = members
		c.people[p] = true
	}
	for cl, rows := range clusters {
		for _, r := range rows {
			m.faces[r].person = owner[cl]
		}
	}
	owned := make(map[*person]bool, len(owner))
	for _, p := range owner {
		owned[p] = true
	}
	for id, p := range m.people {
		if !owned[p] {
			p.dead = true
			p.members = nil
			delete(m.people, id)
			c.people[p] = true
		}
	}
	return nil
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
	for pr := range m.cannot {
		x, y := m.bySeq[pr[0]].person, m.bySeq[pr[1]].person
		if (x == pa && y == pb) || (x == pb && y == pa) {
			return nil, fmt.Errorf("%w: a face of %s was rejected from %s", ErrConflict, b, a)
		}
	}
	all := append(slices.Clone(pa.members), pb.members...)
	m.glue(all)
	for _, f := range slices.Clone(pb.members) {
		m.setPerson(c, f, pa)
	}
	if pa.name == "" {
		pa.name = pb.name
	}
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
	if len(p.members) == 1 && p.members[0] == f {
		return nil, "", fmt.Errorf("%w: face %s is the only face of person %s", ErrConflict, faceID, personID)
	}
	c := m.change()
	if f.person == p {
		m.ungroup(f)
	}
	for _, g := range p.members {
		if g != f {
			m.cannot[pairOf(f.rec.Seq, g.rec.Seq)] = true
		}
	}
	c.links = true
	if f.person == p {
		q, err := m.newPerson()
		if err != nil {
			return nil, "", err
		}
		m.setPerson(c, f, q)
	}
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
	for _, g := range p.members {
		delete(m.cannot, pairOf(f.rec.Seq, g.rec.Seq))
	}
	if f.person != p {
		m.ungroup(f)
		m.setPerson(c, f, p)
	}
	m.glue(p.members)
	c.links = true
	return c, nil
}

func (m *model) name(id, name string) (*change, error) {
	p, err := m.person("Name", id)
	if err != nil {
		return nil, err
	}
	c := m.change()
	if p.name != name {
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
	goneFace := make(map[uint64]bool)
	for ph := range gone {
		c.delPhotos = append(c.delPhotos, ph.key)
		delete(m.photos, ph.id)
		for _, f := range ph.faces {
			goneFace[f.rec.Seq] = true
			c.delFaces = append(c.delFaces, f.key)
			m.ungroup(f)
			m.setPerson(c, f, nil)
			delete(m.byID, f.rec.ID)
			delete(m.bySeq, f.rec.Seq)
		}
	}
	for pr := range m.cannot {
		if goneFace[pr[0]] || goneFace[pr[1]] {
			delete(m.cannot, pr)
		}
	}
	if len(goneFace) > 0 {
		kept := make([]*face, 0, len(m.faces)-len(goneFace))
		feats := make([]float32, 0, (len(m.faces)-len(goneFace))*m.dim)
		for _, f := range m.faces {
			if goneFace[f.rec.Seq] {
				continue
			}
			feats = append(feats, m.feats[f.row*m.dim:(f.row+1)*m.dim]...)
			f.row = len(kept)
			kept = append(kept, f)
		}
		m.faces, m.feats = kept, feats
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
		groups: make(map[*group]bool), cannot: make(map[[2]uint64]bool),
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
		f := &face{rec: r, key: l.s.dbKey(kindFace, r.ID), row: i, photo: ph}
		m.faces = append(m.faces, f)
		m.byID[r.ID] = f
		m.bySeq[r.Seq] = f
		ph.faces = append(ph.faces, f)
		m.feats = append(m.feats, unitRow(r.Vector)...)
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
		m.nextPerson = max(m.nextPerson, r.Seq+1)
	}
	for _, f := range m.faces {
		if f.person == nil {
			return nil, bad("face %s in no person", f.rec.ID)
		}
	}
	for _, gs := range l.links.Groups {
		if len(gs) < 2 {
			return nil, bad("constraint group of %d faces", len(gs))
		}
		g := &group{}
		for _, s := range gs {
			f := m.bySeq[s]
			if f == nil || f.group != nil || f.person != m.bySeq[gs[0]].person {
				return nil, bad("constraint group names a missing, repeated or separated face")
			}
			f.group = g
			g.faces = append(g.faces, f)
		}
		sort.Slice(g.faces, func(i, j int) bool { return g.faces[i].rec.Seq < g.faces[j].rec.Seq })
		m.groups[g] = true
	}
	for _, pr := range l.links.Cannot {
		a, b := m.bySeq[pr[0]], m.bySeq[pr[1]]
		if a == nil || b == nil || pr[0] >= pr[1] || a.person == b.person || m.cannot[pr] {
			return nil, bad("rejection names a missing, repeated or joined pair of faces")
		}
		m.cannot[pr] = true
	}
	return m, nil
}
