package report

// hashIndex maps 64-bit value hashes to int32s by open addressing with
// linear probing. The keys are xxhash values, already uniformly spread, so
// they index the table directly; this beats a Go map, which hashes them
// again, in the per-value hot loop. Key 0 marks a free slot: callers never
// insert 0 (see valueHash).
type hashIndex struct {
	keys []uint64
	vals []int32
	n    int
}

func newHashIndex(capacity int) *hashIndex {
	size := 16
	for size*5 < capacity*8 { // keep the load factor at most 5/8
		size *= 2
	}
	return &hashIndex{keys: make([]uint64, size), vals: make([]int32, size)}
}

func (t *hashIndex) len() int { return t.n }

func (t *hashIndex) get(h uint64) (int32, bool) {
	mask := uint64(len(t.keys) - 1) // #nosec G115 -- keys is never empty (a power of two)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case h:
			return t.vals[i], true
		case 0:
			return 0, false
		}
	}
}

func (t *hashIndex) has(h uint64) bool {
	_, ok := t.get(h)
	return ok
}

// put inserts h, which must not be present yet.
func (t *hashIndex) put(h uint64, v int32) {
	if (t.n+1)*8 > len(t.keys)*5 {
		t.grow()
	}
	mask := uint64(len(t.keys) - 1) // #nosec G115 -- keys is never empty (a power of two)
	i := h & mask
	for t.keys[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.vals[i] = h, v
	t.n++
}

func (t *hashIndex) grow() {
	old := *t
	*t = hashIndex{keys: make([]uint64, 2*len(old.keys)), vals: make([]int32, 2*len(old.vals))}
	old.each(t.put)
}

// each calls fn for every entry, in no particular order.
func (t *hashIndex) each(fn func(h uint64, v int32)) {
	for i, k := range t.keys {
		if k != 0 {
			fn(k, t.vals[i])
		}
	}
}
