package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/axiomhq/hyperloglog"
)

const (
	// distinctExactLimit is the largest distinct-value set kept exactly;
	// beyond it only the HyperLogLog estimate is available.
	distinctExactLimit = 10_000
	// topTrackLimit is how many distinct values per chunk get exact counts
	// for the top-values list.
	topTrackLimit = 1_000
	// topValueBytes caps the stored text of a top value.
	topValueBytes = 200
)

// EnrichPartial is the Enrich result for one chunk.
type EnrichPartial struct {
	Chunk    int
	FirstRow int64
	Rows     int64
	Columns  []*ColumnProfile
}

// ColumnProfile holds the mergeable statistics of one column in one chunk
// (or, after merging, in several). Nulls are excluded from everything but
// Count and Nulls.
type ColumnProfile struct {
	Count int64
	Nulls int64
	// DistinctExact says DistinctHashes holds the xxhash of every distinct
	// value, which stands in for the HyperLogLog sketch; otherwise only the
	// sketch (fed the same hashes) counts.
	DistinctExact  bool
	DistinctHashes []uint64
	Numeric        NumericStats
	// Top holds exact counts for the first topTrackLimit distinct values
	// seen; TopTruncated says other values were seen and not counted.
	Top          []TrackedValue
	TopTruncated bool
	// MinLength and MaxLength are value lengths in runes.
	MinLength int64
	MaxLength int64
	Formats   FormatCounts

	hll       *hyperloglog.Sketch
	quantiles *ddsketch.DDSketch
}

// TrackedValue is a value with its occurrence count. Hash identifies the
// full value; Value is cut to topValueBytes with a trailing "…".
type TrackedValue struct {
	Hash  uint64
	Value string
	Count int64
}

// Enrich profiles one chunk, whose bytes r yields exactly: counts, nulls,
// distinct values, numeric statistics and quantiles, top values, value
// lengths and recognisable formats for every column.
func Enrich(r io.Reader, l *Layout, c Chunk) (*EnrichPartial, error) {
	cr, err := newChunkReader(r, l, c)
	if err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	cols := make([]*enricher, len(l.Columns))
	for i := range cols {
		cols[i] = newEnricher()
	}
	for {
		rec, err := cr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("enrich: %w", err)
		}
		for i, f := range rec {
			cols[i].add(strings.TrimSpace(f))
		}
	}
	p := &EnrichPartial{Chunk: c.Index, FirstRow: c.FirstRow, Rows: c.Rows, Columns: make([]*ColumnProfile, len(cols))}
	for i, e := range cols {
		p.Columns[i] = e.profile()
	}
	return p, nil
}

// enricher accumulates a ColumnProfile. seen maps a value hash to its index
// in p.Top, or -1 for a value seen but not tracked; while exact it holds
// every distinct hash, afterwards only the tracked ones. Once inexact,
// most values of a high-cardinality column are untracked, and the tracked
// bitset rules most of them out without probing the map.
type enricher struct {
	p       ColumnProfile
	seen    *hashIndex
	exact   bool
	tracked *[1024]uint64
}

func newEnricher() *enricher {
	return &enricher{
		p:     ColumnProfile{quantiles: newSketch()},
		seen:  newHashIndex(64),
		exact: true,
	}
}

func (e *enricher) add(v string) {
	p := &e.p
	p.Count++
	if isNull(v) {
		p.Nulls++
		return
	}
	h := valueHash(v, false)
	if !e.exact && e.tracked[h%65536/64]&(1<<(h%64)) == 0 {
		p.hll.InsertHash(h)
		p.TopTruncated = true
	} else if idx, ok := e.seen.get(h); ok {
		if idx >= 0 {
			p.Top[idx].Count++
		}
	} else {
		if !e.exact {
			p.hll.InsertHash(h)
		}
		e.track(h, v)
	}
	if x, ok := parseNumber(v); ok {
		p.Numeric.add(x)
		// Values beyond the sketch's range only miss from the quantiles.
		_ = p.quantiles.Add(x)
	}
	n := int64(utf8.RuneCountInString(v))
	if p.Count-p.Nulls == 1 {
		p.MinLength, p.MaxLength = n, n
	} else {
		p.MinLength = min(p.MinLength, n)
		p.MaxLength = max(p.MaxLength, n)
	}
	p.Formats.add(v)
}

// track records a value not yet in seen.
func (e *enricher) track(h uint64, v string) {
	p := &e.p
	if len(p.Top) < topTrackLimit {
		e.seen.put(h, int32(len(p.Top))) // #nosec G115 -- len(p.Top) < topTrackLimit
		p.Top = append(p.Top, TrackedValue{Hash: h, Value: displayValue(v), Count: 1})
		return
	}
	p.TopTruncated = true
	if !e.exact {
		return
	}
	if e.seen.len() < distinctExactLimit {
		e.seen.put(h, -1)
		return
	}
	// Too many values to keep: switch to the sketch, fed everything so far.
	e.exact = false
	p.hll = hyperloglog.NewNoSparse()
	p.hll.InsertHash(h)
	tracked := newHashIndex(len(p.Top))
	e.tracked = new([1024]uint64)
	e.seen.each(func(h uint64, idx int32) {
		p.hll.InsertHash(h)
		if idx >= 0 {
			tracked.put(h, idx)
			e.tracked[h%65536/64] |= 1 << (h % 64)
		}
	})
	e.seen = tracked
}

func (e *enricher) profile() *ColumnProfile {
	p := e.p
	p.DistinctExact = e.exact
	if e.exact {
		p.DistinctHashes = make([]uint64, 0, e.seen.len())
		e.seen.each(func(h uint64, _ int32) {
			p.DistinctHashes = append(p.DistinctHashes, h)
		})
	}
	return &p
}

// displayValue copies v so it does not pin the parser's record buffer, and
// shortens it to topValueBytes on a rune boundary.
func displayValue(v string) string {
	if len(v) <= topValueBytes {
		return strings.Clone(v)
	}
	cut := topValueBytes
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}
