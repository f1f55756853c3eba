package sdk

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// precheck reads an album file's bbolt structure (format version 2, native
// little-endian) on its own before bbolt maps it: the meta pages, the
// freelist, and the whole page tree from the root. bbolt trusts these and
// would, on a damaged file, panic while holding the file's lock (a freelist
// of the wrong type), panic in a goroutine of its own, or loop forever (a
// page that points at itself). Here every page below the high-water mark
// must be exactly one of: a meta page, the freelist, a free page, or a page
// reached once from the root, of the right type and with its own ID;
// otherwise the file is ErrCorrupt. Which meta page is newest is chosen as
// bbolt chooses it.
func precheck(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return storageErr("opening album", err)
	}
	size := st.Size()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: database structure: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	// Meta pages: 0 at offset 0, 1 one page further.
	type meta struct {
		pageSize                  uint32
		root, freelist, hwm, txid uint64
		ok                        bool
	}
	readMeta := func(off int64) meta {
		var b [16 + 64]byte
		if _, err := f.ReadAt(b[:], off); err != nil {
			return meta{}
		}
		m := b[16:]
		le := binary.LittleEndian
		if le.Uint16(b[8:]) != 0x04 || le.Uint32(m[0:]) != 0xED0CDAED || le.Uint32(m[4:]) != 2 {
			return meta{}
		}
		h := fnv.New64a()
		h.Write(m[:56])
		if h.Sum64() != le.Uint64(m[56:]) {
			return meta{}
		}
		return meta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
			hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:]), ok: true}
	}
	m0 := readMeta(0)
	ps := int64(m0.pageSize)
	if !m0.ok {
		for _, try := range []int64{1024, 2048, 4096, 8192, 16384, 32768, 65536} {
			if m := readMeta(try); m.ok && int64(m.pageSize) == try {
				ps = try
				break
			}
		}
	}
	if ps < 1024 || ps > 65536 || ps&(ps-1) != 0 {
		return bad("no valid meta page")
	}
	m1 := readMeta(ps)
	if m0.ok && int64(m0.pageSize) != ps || m1.ok && int64(m1.pageSize) != ps {
		m0.ok = m0.ok && int64(m0.pageSize) == ps
		m1.ok = m1.ok && int64(m1.pageSize) == ps
	}
	m := m0
	if !m0.ok || (m1.ok && m1.txid > m0.txid) {
		m = m1
	}
	if !m.ok {
		return bad("no valid meta page")
	}
	if m.hwm < 3 || m.hwm > uint64(size/ps) || m.hwm > 1<<31 {
		return bad("high-water mark %d of a %d-byte file", m.hwm, size)
	}
	hwm := m.hwm
	owner := make([]byte, hwm) // 0 unseen, 1 meta, 2 freelist, 3 free, 4 tree
	owner[0], owner[1] = 1, 1
	claim := func(id uint64, n uint64, kind byte) error {
		if id < 2 || id+n > hwm || id+n < id {
			return bad("page %d (+%d) outside [2, %d)", id, n, hwm)
		}
		for i := id; i < id+n; i++ {
			if owner[i] != 0 {
				return bad("page %d used twice", i)
			}
			owner[i] = kind
		}
		return nil
	}
	readPage := func(id uint64) ([]byte, error) {
		var h [16]byte
		if _, err := f.ReadAt(h[:], int64(id)*ps); err != nil {
			return nil, bad("page %d unreadable", id)
		}
		if binary.LittleEndian.Uint64(h[0:]) != id {
			return nil, bad("page %d has ID %d", id, binary.LittleEndian.Uint64(h[0:]))
		}
		over := uint64(binary.LittleEndian.Uint32(h[12:]))
		if id+1+over > hwm {
			return nil, bad("page %d overflows the file", id)
		}
		p := make([]byte, (1+over)*uint64(ps))
		if _, err := f.ReadAt(p, int64(id)*ps); err != nil && err != io.EOF {
			return nil, bad("page %d unreadable", id)
		}
		return p, nil
	}
	le := binary.LittleEndian
	if m.freelist != ^uint64(0) {
		p, err := readPage(m.freelist)
		if err != nil {
			return err
		}
		if le.Uint16(p[8:]) != 0x10 {
			return bad("freelist page %d of type %#x", m.freelist, le.Uint16(p[8:]))
		}
		if err := claim(m.freelist, uint64(len(p))/uint64(ps), 2); err != nil {
			return err
		}
		count, at := uint64(le.Uint16(p[10:])), uint64(16)
		if count == 0xffff {
			count, at = le.Uint64(p[16:]), 24
		}
		if count > (uint64(len(p))-at)/8 {
			return bad("freelist of %d pages", count)
		}
		var prev uint64
		for i := uint64(0); i < count; i++ {
			id := le.Uint64(p[at+8*i:])
			if i > 0 && id <= prev {
				return bad("freelist out of order")
			}
			prev = id
			if err := claim(id, 1, 3); err != nil {
				return err
			}
		}
	}
	// The tree: buckets hold a root page ID (or, inline, a page in the
	// value); branch pages hold children.
	var walk func(id uint64, depth int) error
	var walkLeaf func(p []byte) error
	walkLeaf = func(p []byte) error {
		n := uint64(le.Uint16(p[10:]))
		if 16+n*16 > uint64(len(p)) {
			return bad("leaf of %d elements", n)
		}
		for i := uint64(0); i < n; i++ {
			e := 16 + i*16
			flags, pos, ks, vs := le.Uint32(p[e:]), uint64(le.Uint32(p[e+4:])), uint64(le.Uint32(p[e+8:])), uint64(le.Uint32(p[e+12:]))
			if e+pos+ks+vs > uint64(len(p)) {
				return bad("leaf element beyond its page")
			}
			if flags&1 == 0 {
				continue
			}
			v := p[e+pos+ks : e+pos+ks+vs]
			if len(v) < 16 {
				return bad("bucket header of %d bytes", len(v))
			}
			if root := le.Uint64(v); root != 0 {
				if err := walk(root, 0); err != nil {
					return err
				}
				continue
			}
			inline := v[16:]
			if len(inline) < 16 || le.Uint16(inline[8:]) != 0x02 {
				return bad("inline bucket is not a leaf")
			}
			if err := walkLeaf(inline); err != nil {
				return err
			}
		}
		return nil
	}
	walk = func(id uint64, depth int) error {
		if depth > 64 {
			return bad("tree deeper than 64")
		}
		p, err := readPage(id)
		if err != nil {
			return err
		}
		if err := claim(id, uint64(len(p))/uint64(ps), 4); err != nil {
			return err
		}
		switch le.Uint16(p[8:]) {
		case 0x02:
			return walkLeaf(p)
		case 0x01:
			n := uint64(le.Uint16(p[10:]))
			if n == 0 || 16+n*16 > uint64(len(p)) {
				return bad("branch of %d elements", n)
			}
			for i := uint64(0); i < n; i++ {
				e := 16 + i*16
				if err := walk(le.Uint64(p[e+8:]), depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return bad("page %d of type %#x in the tree", id, le.Uint16(p[8:]))
	}
	if err := walk(m.root, 0); err != nil {
		return err
	}
	for i, o := range owner {
		if o == 0 {
			return bad("page %d neither used nor free", i)
		}
	}
	return nil
}
