package cluster

import (
	"errors"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestEvaluateHandComputed(t *testing.T) {
	// truth {0,1,2} {3,4}; predicted {0,1} {2,3,4}.
	s, err := Evaluate([]int{7, 7, 9, 9, 9}, []int{0, 0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Pairs: predicted {01, 23, 24, 34}, true {01, 02, 12, 34}; common {01, 34}.
	// BCubed precision per face: 2/2 2/2 1/3 2/3 2/3; recall: 2/3 2/3 1/3 2/2 2/2.
	mi := 0.8*math.Log(5.0/3) + 0.2*math.Log(5.0/9)
	h := -(0.4*math.Log(0.4) + 0.6*math.Log(0.6))
	want := Scores{0.5, 0.5, 0.5, 11.0 / 15, 11.0 / 15, 11.0 / 15, mi / h, 2, 2}
	check := func(name string, got, want float64) {
		if !near(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("PairwisePrecision", s.PairwisePrecision, want.PairwisePrecision)
	check("PairwiseRecall", s.PairwiseRecall, want.PairwiseRecall)
	check("PairwiseF", s.PairwiseF, want.PairwiseF)
	check("BCubedPrecision", s.BCubedPrecision, want.BCubedPrecision)
	check("BCubedRecall", s.BCubedRecall, want.BCubedRecall)
	check("BCubedF", s.BCubedF, want.BCubedF)
	check("NMI", s.NMI, want.NMI)
	if s.Clusters != 2 || s.Classes != 2 {
		t.Errorf("Clusters, Classes = %d, %d, want 2, 2", s.Clusters, s.Classes)
	}
}

func TestEvaluateAsymmetric(t *testing.T) {
	// truth {0,1,2,3}; predicted {0,1,2} {3}.
	s, _ := Evaluate([]int{0, 0, 0, 1}, []int{5, 5, 5, 5})
	// Pairs: predicted 3, true 6, common 3.
	// BCubed recall per face: 3/4 3/4 3/4 1/4 -> 10/16.
	if !near(s.PairwisePrecision, 1) || !near(s.PairwiseRecall, 0.5) || !near(s.PairwiseF, 2.0/3) {
		t.Errorf("pairwise %v %v %v", s.PairwisePrecision, s.PairwiseRecall, s.PairwiseF)
	}
	if !near(s.BCubedPrecision, 1) || !near(s.BCubedRecall, 10.0/16) || !near(s.BCubedF, 2*(10.0/16)/(1+10.0/16)) {
		t.Errorf("bcubed %v %v %v", s.BCubedPrecision, s.BCubedRecall, s.BCubedF)
	}
	if s.NMI != 0 {
		t.Errorf("NMI = %v against a single class, want 0", s.NMI)
	}
}

func TestEvaluateEdges(t *testing.T) {
	s, _ := Evaluate([]int{3, 3, 1, 1, 2}, []int{0, 0, 4, 4, 9})
	if s.PairwiseF != 1 || s.BCubedF != 1 || !near(s.NMI, 1) {
		t.Errorf("identical partitions: %+v", s)
	}
	s, _ = Evaluate([]int{0, 1, 2}, []int{0, 0, 0})
	if s.PairwisePrecision != 1 || s.PairwiseRecall != 0 || s.PairwiseF != 0 || !near(s.BCubedRecall, 1.0/3) || s.NMI != 0 {
		t.Errorf("singletons against one person: %+v", s)
	}
	s, _ = Evaluate([]int{4}, []int{4})
	if s.PairwiseF != 1 || s.BCubedF != 1 || s.NMI != 1 || s.Clusters != 1 {
		t.Errorf("one face: %+v", s)
	}
	s, _ = Evaluate(nil, nil)
	if s.BCubedF != 1 || s.Clusters != 0 {
		t.Errorf("empty: %+v", s)
	}
	if _, err := Evaluate([]int{1}, nil); !errors.Is(err, ErrDimension) {
		t.Errorf("mismatched lengths: %v", err)
	}
}
