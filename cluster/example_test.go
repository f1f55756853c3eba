package cluster_test

import (
	"fmt"

	"github.com/facecluster/facecluster/cluster"
)

// Example clusters five faces: two people, one of whom appears twice in one
// photo (which a cannot-link keeps apart).
func Example() {
	features, err := cluster.MatrixOf([][]float32{
		{1, 0, 0},      // face 0: person A
		{0.98, 0.2, 0}, // face 1: person A
		{0, 1, 0},      // face 2: person B
		{0.02, 1, 0},   // face 3: person B
		{0.3, 0.95, 0}, // face 4: looks like B, but in the same photo as face 3
	})
	if err != nil {
		panic(err)
	}
	in := &cluster.Input{
		Features: features,
		Photos:   []uint64{1, 2, 3, 4, 4},
	}
	res, err := cluster.Exact(in, cluster.Options{Threshold: 0.3})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.NumClusters, res.Labels)
	for _, m := range res.Merges {
		fmt.Printf("merged %d and %d at %.3f\n", m.A, m.B, m.Distance)
	}
	// Output:
	// 3 [0 0 1 1 2]
	// merged 0 and 1 at 0.020
	// merged 2 and 3 at 0.000
}

// ExampleState files faces as they arrive, takes a user's correction, and
// re-clusters without undoing it.
func ExampleState() {
	s, err := cluster.NewState(cluster.StateOptions{Options: cluster.Options{Threshold: 0.3}})
	if err != nil {
		panic(err)
	}
	faces := [][]float32{{1, 0}, {0.95, 0.3}, {0, 1}, {0.8, 0.6}}
	for i, f := range faces {
		p, err := s.Assign(cluster.Face{Feature: f, Photo: uint64(i + 1)})
		if err != nil {
			panic(err)
		}
		fmt.Printf("face %d -> person %d\n", i, p)
	}
	// The user says face 3 is not person 1.
	p, _ := s.Reject(3, s.Person(3))
	fmt.Printf("face 3 -> person %d\n", p)
	if err := s.Refine(); err != nil {
		panic(err)
	}
	fmt.Println(s.Labels())
	// Output:
	// face 0 -> person 1
	// face 1 -> person 1
	// face 2 -> person 2
	// face 3 -> person 1
	// face 3 -> person 3
	// [1 1 2 3]
}
