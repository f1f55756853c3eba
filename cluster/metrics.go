package cluster

import (
	"fmt"
	"math"
)

// Scores compares a predicted partition with the true one.
type Scores struct {
	// PairwisePrecision is the fraction of pairs of faces put in one
	// cluster that are one person; PairwiseRecall the fraction of pairs of
	// faces of one person that are put in one cluster; PairwiseF their
	// harmonic mean. With no predicted (true) pairs, precision (recall) is 1.
	PairwisePrecision, PairwiseRecall, PairwiseF float64
	// BCubedPrecision is the mean over faces of the fraction of the face's
	// cluster that is its person; BCubedRecall the mean over faces of the
	// fraction of its person that is in its cluster (each face counting
	// itself); BCubedF their harmonic mean (Bagga and Baldwin 1998, Amigó
	// et al. 2009).
	BCubedPrecision, BCubedRecall, BCubedF float64
	// NMI is the mutual information between the two partitions divided by
	// the arithmetic mean of their entropies (scikit-learn's default
	// normalisation); 1 if both partitions are a single set.
	NMI float64
	// Clusters is the number of predicted clusters, Classes the number of
	// true people.
	Clusters, Classes int
}

// Evaluate scores the predicted labels against the true labels, one label
// per face in each; labels are arbitrary integers naming sets. It returns an
// error if the slices differ in length. Empty input scores 1 everywhere.
func Evaluate(pred, truth []int) (Scores, error) {
	if len(pred) != len(truth) {
		return Scores{}, fmt.Errorf("%w: %d predicted labels, %d true labels", ErrDimension, len(pred), len(truth))
	}
	n := len(pred)
	if n == 0 {
		return Scores{1, 1, 1, 1, 1, 1, 1, 0, 0}, nil
	}
	type cell struct{ p, t int }
	cells := make(map[cell]int)
	a := make(map[int]int) // predicted cluster sizes
	b := make(map[int]int) // true class sizes
	for i := range pred {
		cells[cell{pred[i], truth[i]}]++
		a[pred[i]]++
		b[truth[i]]++
	}
	pairs := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	var tp, pp, tpairs, bp, br, mi float64
	nf := float64(n)
	for c, k := range cells {
		kf := float64(k)
		tp += pairs(k)
		bp += kf * kf / float64(a[c.p])
		br += kf * kf / float64(b[c.t])
		mi += kf / nf * math.Log(kf*nf/(float64(a[c.p])*float64(b[c.t])))
	}
	var ha, hb float64
	for _, k := range a {
		pp += pairs(k)
		ha -= float64(k) / nf * math.Log(float64(k)/nf)
	}
	for _, k := range b {
		tpairs += pairs(k)
		hb -= float64(k) / nf * math.Log(float64(k)/nf)
	}
	s := Scores{Clusters: len(a), Classes: len(b)}
	s.PairwisePrecision, s.PairwiseRecall = ratio(tp, pp), ratio(tp, tpairs)
	s.PairwiseF = harmonic(s.PairwisePrecision, s.PairwiseRecall)
	s.BCubedPrecision, s.BCubedRecall = bp/nf, br/nf
	s.BCubedF = harmonic(s.BCubedPrecision, s.BCubedRecall)
	switch {
	case ha == 0 && hb == 0:
		s.NMI = 1
	case ha == 0 || hb == 0:
		s.NMI = 0
	default:
		s.NMI = max(0, min(1, 2*mi/(ha+hb)))
	}
	return s, nil
}

func ratio(num, den float64) float64 {
	if den == 0 {
		return 1
	}
	return num / den
}

func harmonic(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
