package vec_test

import (
	"fmt"

	"github.com/facecluster/facecluster/vec"
)

// Example searches three stored features for the two nearest to a query.
func Example() {
	m := vec.NewMatrix(3, 3)
	copy(m.Row(0), []float32{0, 2, 0})
	copy(m.Row(1), []float32{3, 4, 0})
	copy(m.Row(2), []float32{-1, 0, 0})
	for r := range m.Rows {
		vec.Normalize(m.Row(r)) // Cosine distances assume unit vectors
	}
	q := []float32{1, 0, 0}

	dist := make([]float32, m.Rows)
	vec.Distances(q, m, vec.Cosine, dist)
	for _, r := range vec.TopK(dist, 2) {
		fmt.Printf("row %d: %v %.2f\n", r, m.Row(r), dist[r])
	}
	fmt.Printf("%.2f\n", vec.CosineDistance([]float32{3, 4, 0}, q))
	// Output:
	// row 1: [0.6 0.8 0] 0.40
	// row 0: [0 1 0] 1.00
	// 0.40
}
