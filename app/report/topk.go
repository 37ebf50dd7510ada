package report

import (
	"cmp"
	"slices"
)

// topSketch is a Misra–Gries frequent-values summary with capacity k. It
// counts values exactly until it holds 2k of them; then it subtracts the
// (k+1)-th largest count c from every counter and drops those at or below
// zero, adding c to Err. Two summaries merge by adding their counters and
// reducing the same way to k (Agarwal et al., "Mergeable Summaries", 2012),
// so per-chunk summaries merge in any grouping with the same guarantee:
// every count is low by at most Err ≤ N/(k+1) for N counted values, and
// every value occurring more than Err times is kept. Err = 0 means every
// count is exact.
type topSketch struct {
	k     int
	items []TrackedValue
	index *hashIndex
	Err   int64
	// Values added by add live in arena (spans[i] for items[i]) until
	// values() makes strings of the survivors: no allocation per value.
	arena []byte
	spans []span
	// scratch holds counts for reduce, reused between reductions.
	scratch []int64
	// spare is the arena reduce copies the surviving values to.
	spare []byte
}

// span locates a value's display text in the arena; cut says it was
// shortened and ends in "…".
type span struct {
	off, n int32
	cut    bool
}

// newTopSketch makes a summary of capacity k for about n values (0: unknown),
// its index sized once for them: it never holds more than 2k.
func newTopSketch(k int, n int64) *topSketch {
	size := 2 * k
	if n > 0 && n < int64(size) {
		size = int(n)
	}
	if n <= 0 {
		size = 64
	}
	return &topSketch{k: k, index: newHashIndex(size)}
}

// add counts one occurrence of v, whose valueHash is h, and says whether v
// has a counter already (so was seen before).
func (s *topSketch) add(h uint64, v string) (counted bool) {
	if i, ok := s.index.get(h); ok {
		s.items[i].Count++
		return true
	}
	if len(s.items) >= 2*s.k {
		s.reduce(s.k)
	}
	s.index.put(h, int32(len(s.items))) // #nosec G115 -- len(items) < 2k, a small constant
	s.items = append(s.items, TrackedValue{Hash: h, Count: 1})
	text, cut := displayCut(v)
	s.spans = append(s.spans, span{off: int32(len(s.arena)), n: int32(len(text)), cut: cut}) // #nosec G115 -- the arena holds at most 2k values of at most topValueBytes
	s.arena = append(s.arena, text...)
	return false
}

// values gives the items added by add their display strings.
func (s *topSketch) values() {
	for i, sp := range s.spans {
		v := string(s.arena[sp.off : sp.off+sp.n])
		if sp.cut {
			v += "…"
		}
		s.items[i].Value = v
	}
	s.spans, s.arena, s.spare = nil, nil, nil
}

// merge adds o's counters and error, then reduces to k counters.
func (s *topSketch) merge(items []TrackedValue, err int64) {
	for _, t := range items {
		if i, ok := s.index.get(t.Hash); ok {
			s.items[i].Count += t.Count
			continue
		}
		s.index.put(t.Hash, int32(len(s.items))) // #nosec G115 -- at most 2k items
		s.items = append(s.items, t)
	}
	s.Err += err
	s.reduce(s.k)
}

// reduce keeps at most keep counters: it subtracts the (keep+1)-th largest
// count from every counter and drops the ones left without a positive count.
func (s *topSketch) reduce(keep int) {
	if len(s.items) <= keep {
		return
	}
	s.scratch = s.scratch[:0]
	for _, t := range s.items {
		s.scratch = append(s.scratch, t.Count)
	}
	slices.SortFunc(s.scratch, func(a, b int64) int { return cmp.Compare(b, a) })
	c := s.scratch[keep]
	s.Err += c
	kept := s.items[:0]
	var arena []byte
	if s.spans != nil {
		// The survivors move to the spare arena, and the old one becomes the spare.
		arena = s.spare[:0]
		s.spare = s.arena
	}
	n := 0
	for i, t := range s.items {
		if t.Count <= c {
			continue
		}
		t.Count -= c
		kept = append(kept, t)
		if s.spans != nil {
			sp := s.spans[i]
			s.spans[n] = span{off: int32(len(arena)), n: sp.n, cut: sp.cut} // #nosec G115 -- as in add
			arena = append(arena, s.arena[sp.off:sp.off+sp.n]...)
		}
		n++
	}
	clear(s.items[len(kept):])
	s.items = kept
	if s.spans != nil {
		s.spans, s.arena = s.spans[:n], arena
	}
	clear(s.index.keys)
	s.index.n = 0
	for i, t := range kept {
		s.index.put(t.Hash, int32(i)) // #nosec G115 -- at most 2k items
	}
}
