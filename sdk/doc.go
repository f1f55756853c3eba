// Package sdk is facecluster's facade: what an app links to find the faces
// in a user's photos, describe them, and keep them grouped by person in an
// encrypted local album, under the user's control.
//
// # Consent
//
// Nothing is processed without the user's consent: New and OpenAlbum fail
// with ErrNoConsent unless WithConsent(true) is given, and OpenAlbum then
// does not even create the album file. Album.Destroy withdraws consent: the
// album's file is overwritten and removed.
//
// # Engine
//
// An Engine finds faces (DetectFaceShape: box, six landmarks, score, pose
// and a random ID each) and describes them (ExtractClusterFeature: a feature
// vector with its model tag and a quality score). New loads the embedded
// networks of packages detect and embed, each checked against its recorded
// SHA-256: BlazeFace for faces and, in ModeAccurate (the default), dlib's
// ResNet and faceres fused into a 1152-d feature, or in ModeFast dlib's
// ResNet alone (128-d). Info reports the version, the SIMD level the
// kernels run at and the models loaded. Image has detect.Image's layout, so
// pixels reach the networks without a copy.
//
// # Album
//
// OpenAlbum opens (or creates) an album file. Add (with an Engine, see
// WithEngine) or AddFeatures (for hosts that detect and describe faces
// elsewhere) adds a photo and its faces; each face joins the nearest person
// whose faces are, on average, within the threshold and who is not already
// in the photo, or starts a new person. The threshold depends on the
// features' model (see Threshold: 0.246 for ModeAccurate, 0.0630 for
// ModeFast, DefaultThreshold for a host's own features) unless
// WithThreshold sets it. Every so many
// faces (WithRefineEvery) and on demand (Album.Refine) the clustering is
// recomputed from scratch by agglomerative clustering (package cluster),
// which corrects the order-dependence of the incremental step.
//
// The user's corrections are kept as constraints honoured by every later
// step, across refines and reopening: Merge makes the faces of two people
// one group that is never split; Confirm puts a face with a person's faces
// for good; Reject keeps a face away from the faces the person had; Name
// names a person. People are identified by random IDs that survive a
// refine while more than half of a person's faces stay together (the rule
// of cluster.State), and a named person keeps their ID and name as long as
// any of their faces remain in a group no one else claims.
//
// The clustering is a cluster.State (Exact up to 8,192 faces, Sparse
// beyond), rebuilt from the stored records with cluster.Restore when the
// album opens; named people are pinned, Forget uses State.Remove and Refine
// State.RefineContext.
//
// # Storage
//
// An album is one bbolt database file. Every record (photo, face with its
// box, landmarks, pose, score and feature, person, the constraints) is
// sealed with AES-256-GCM under a key derived (HKDF-SHA-256) from the app's
// 32-byte key and a random per-album salt, with a fresh random nonce, and
// with the record's bucket and database key as associated data, so a
// record cannot be moved to another place. Database keys are truncated
// HMAC-SHA-256 values of the IDs, so no photo, face or person ID is stored
// in the clear. A key check (an HMAC under the derived key) makes a wrong
// key ErrWrongKey at open. A sealed manifest holds the number of records
// and a digest of every record's identity and tag, so a record removed,
// added, duplicated or rolled back on its own is detected too.
//
// OpenAlbum reads and authenticates every record and checks that they agree
// (every face in one photo and one person, every constraint naming existing
// faces...): a modified byte anywhere it matters is ErrCorrupt (or
// ErrWrongKey if it hits the key check or the salt), never garbage and
// never a panic. Two limits, inherent to a self-contained file: damage to
// the newest of bbolt's two meta pages makes bbolt fall back to the
// previous commit, a consistent older state, which is indistinguishable
// from a crash just before that commit; and replacing the whole file by an
// older copy of itself is not detected (that needs a counter kept outside
// the file).
//
// Crash safety: every AddFeatures, Add, correction and Forget is one bbolt
// transaction, synced before the call returns. A returned call survives a
// crash; an interrupted one leaves nothing of itself.
//
// # Deletion
//
// bbolt reuses the pages a transaction frees but does not erase them, so
// deleted records would linger in the file. Forget therefore, after
// deleting the photos' records in one transaction that also marks the
// album "wipe pending", copies the live records into a fresh file
// (album.compact), syncs it, renames it over the album, and overwrites
// every byte of the old file (still open) with zeros before closing it. A
// crash before the rename leaves the mark set and the next OpenAlbum redoes
// the wipe; a crash after it leaves only an unlinked inode. Destroy renames
// the album to album.destroy, overwrites it and removes it; OpenAlbum
// finishes an interrupted Destroy. On file systems that write in place
// (ext4, XFS, F2FS in its default mode) the old blocks are overwritten; on
// copy-on-write file systems (btrfs, ZFS, APFS) and behind flash
// translation layers the old blocks may survive outside any file until
// reused: there, the encryption is what protects them.
//
// # Concurrency and cancellation
//
// Every method of Engine and Album is safe for concurrent use. Album
// methods share a read lock for reads and take it alone for writes; Add runs
// detection and extraction outside the lock. Long calls (Add, AddFeatures,
// Refine, Forget, Export) take a context and return its error promptly when
// it is cancelled (a write either commits or leaves nothing).
//
// # Errors
//
// Every error wraps one of the Err values (errors.Is) with context naming
// the call and the value at fault; the package never panics on input,
// including a damaged album file.
//
// # Tests under emulation
//
// The crash test kills a child process at random points hundreds of times.
// Under `go test -short`, under qemu, or when FACECLUSTER_EMULATED=1 is set
// (as CI does for `GOARCH=arm64 go test -exec qemu-aarch64-static`; see
// internal/devdata), it runs fewer cycles; FACECLUSTER_CRASH_CYCLES sets the count (`make soak` runs
// thousands).
package sdk
