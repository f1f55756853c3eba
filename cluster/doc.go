// Package cluster groups face features into people.
//
// It is pure computation on top of package vec: it knows nothing of images,
// photos on disk or storage. A face is a row of a vec.Matrix of features
// (see Input), optionally with the ID of the photo it came from and a quality
// score, and the result is a partition of the faces into clusters (people).
//
// # Distance
//
// Faces are compared by cosine distance, 1 - dot(x, y), on unit vectors:
// 0 for identical directions, 1 for orthogonal ones, 2 for opposite ones.
// Features that are not of unit norm are normalised (in a copy) before use;
// a feature that is zero, or holds a NaN or an infinity, is an error naming
// the face.
//
// # Algorithms
//
// Exact runs agglomerative clustering with a distance threshold: starting
// from single faces, the two closest clusters are merged while their linkage
// distance is at most Options.Threshold. Average linkage (the mean distance
// between the members of two clusters, the default), complete linkage (the
// largest) and single linkage (the smallest) are available. It uses the
// nearest-neighbour-chain algorithm over a condensed float32 distance
// matrix with Lance-Williams updates: O(N²·Dim) time to fill the matrix,
// N(N-1)/2 float32 of memory, suited to albums of up to some 20,000 faces.
// The chain itself only visits, for each cluster, the clusters joined to it
// by a pair of faces within the threshold (for a reducible linkage no other
// cluster can come within it), which makes the agglomeration cheap beside
// the fill.
//
// Sparse runs average-linkage agglomeration over a k-nearest-neighbour graph,
// in O(N·k) memory beyond the features: two clusters may merge only if some
// graph edge joins them, and their distance is then the exact average
// linkage (computed from the clusters' feature sums, which cosine distance
// on unit vectors allows). With k >= N-1 the graph is complete and Sparse
// gives the partition Exact gives. The graph is exact (blocked one-vs-many
// products) or, for very large collections, approximate (an IVF index; see
// SparseOptions.Index).
//
// State keeps a clustering up to date as faces arrive (Assign) and re-runs
// the agglomeration on demand (Refine, or RefineContext), keeping user
// decisions and person IDs (pinned people first); Snapshot and Restore store
// and rebuild it exactly, and Remove drops faces.
//
// # Constraints
//
// Every algorithm honours two kinds of constraint between faces:
//
//   - must-link (a user's merge or confirmed face): the faces are put in one
//     cluster before anything else is merged (union-find); the initial
//     distance between two such groups is their linkage distance.
//   - cannot-link (faces of one photo, see Input.Photos; a user's "not this
//     person"): two clusters between which any cannot-link pair runs are at
//     infinite distance and are never merged. Cannot-link is sticky: a
//     cluster cannot link with anything any of its members could not. The
//     linkages stay reducible under this rule (a merged cluster is never
//     closer to a third than the nearer of its parts), so the
//     nearest-neighbour chain stays exact.
//
// A cannot-link pair inside one must-link group is a contradiction and an
// error (ErrConflict).
//
// # Determinism
//
// Results do not depend on scheduling or on the number of workers. Cluster
// labels are numbered by smallest member: the cluster holding face 0 is
// cluster 0, the cluster holding the lowest face outside it is cluster 1, and
// so on. The partition does not depend on the order of the faces unless
// distances tie exactly; exact ties are broken by face index (the lower
// index first), which is deterministic but order-dependent.
//
// # Errors
//
// Bad input (mismatched dimensions, non-finite or zero features, constraint
// indices out of range, contradictory constraints, a bad option) is reported
// as an error wrapping one of the Err values, naming the face or pair at
// fault. Functions panic, with a message starting "cluster: ", only on
// programmer error, such as an out-of-range face index passed to
// State.Person.
package cluster
