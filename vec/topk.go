package vec

// TopK returns the indices of the k smallest values of dist, in ascending
// order of distance. Ties keep index order: of equal distances the lower
// index comes first (and is the one kept when the tie straddles the k-th
// place). NaN distances sort after every number, +Inf included, so a NaN is
// returned only when fewer than k numbers are present; NaNs among themselves
// keep index order too. -0 and +0 are equal.
//
// k is clamped to len(dist); k <= 0 gives an empty slice. TopK does not
// modify dist. It runs in O(n log k) time with a bounded heap and allocates
// only the k-element result.
func TopK(dist []float32, k int) []int {
	k = min(k, len(dist))
	if k <= 0 {
		return []int{}
	}
	// h is a max-heap of the k best indices seen so far under before: h[0]
	// is the worst of them, the first to be displaced.
	h := make([]int, k)
	for i := range h {
		h[i] = i
	}
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(dist, h, i)
	}
	worst := dist[h[0]]
	for i := k; i < len(dist); i++ {
		v := dist[i]
		// Scanning in index order, i comes after every kept index, so it
		// displaces the worst only if strictly smaller, or a number where
		// the worst is NaN.
		if v < worst || (worst != worst && v == v) {
			h[0] = i
			siftDown(dist, h, 0)
			worst = dist[h[0]]
		}
	}
	// Heapsort in place: move the worst to the end, repeatedly.
	for end := k - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		siftDown(dist, h[:end], 0)
	}
	return h
}

// before reports whether index i sorts before index j: a smaller distance
// first, numbers before NaN, lower index first among equals.
func before(dist []float32, i, j int) bool {
	a, b := dist[i], dist[j]
	switch {
	case a < b:
		return true
	case a > b:
		return false
	case a == b || (a != a && b != b):
		return i < j
	}
	return b != b // exactly one is NaN: a number sorts first
}

// siftDown restores the max-heap order (under before) of h below index i.
func siftDown(dist []float32, h []int, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && before(dist, h[c], h[c+1]) {
			c++
		}
		if !before(dist, h[i], h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
