package report

import (
	"unicode/utf8"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/axiomhq/hyperloglog"
)

const (
	// distinctExactLimit is the largest distinct-value set kept exactly;
	// beyond it only the HyperLogLog estimate is available.
	distinctExactLimit = 10_000
	// topTrackLimit is the capacity k of the Misra–Gries summary behind the
	// top values: a column's top-value counts are low by at most N/(k+1).
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
	// Top holds the counters of a Misra–Gries summary of at most
	// topTrackLimit values: each count is low by at most TopError (0 when
	// every count is exact), and every value seen more than TopError times
	// is among them.
	Top      []TrackedValue
	TopError int64
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

// enrichment accumulates an EnrichPartial row by row, one enricher per column.
type enrichment []*enricher

// newEnrichment starts the columns of a chunk of rows rows.
func newEnrichment(ncols int, rows int64) enrichment {
	cols := make(enrichment, ncols)
	for i := range cols {
		cols[i] = newEnricher(rows)
	}
	return cols
}

// row takes one row.
func (e enrichment) row(c *cells) {
	for i, v := range c.vals {
		e[i].add(v, c.nulls[i], c.nums[i], c.isNum[i])
	}
}

func (e enrichment) partial(c Chunk) *EnrichPartial {
	p := &EnrichPartial{Chunk: c.Index, FirstRow: c.FirstRow, Rows: c.Rows, Columns: make([]*ColumnProfile, len(e))}
	for i, col := range e {
		p.Columns[i] = col.profile()
	}
	return p
}

// enricher accumulates a ColumnProfile. While exact, distinct holds every
// distinct value hash; past distinctExactLimit they go to the HyperLogLog
// sketch instead. Top values go to a Misra–Gries summary (see topSketch).
type enricher struct {
	p        ColumnProfile
	distinct *hashIndex
	top      *topSketch
}

// newEnricher starts a column of a chunk of rows rows, its sets sized for as
// many distinct values as they can hold.
func newEnricher(rows int64) *enricher {
	return &enricher{
		p:        ColumnProfile{quantiles: newSketch()},
		distinct: newHashIndex(int(min(max(rows, 64), distinctExactLimit+1))),
		top:      newTopSketch(topTrackLimit, rows),
	}
}

// add takes a trimmed value, whether it is null, and its number when it is one.
func (e *enricher) add(v string, null bool, x float64, isNum bool) {
	p := &e.p
	p.Count++
	if null {
		p.Nulls++
		return
	}
	h := valueHash(v, false)
	// A value the top values count was seen before, so is in the distinct set.
	if seen := e.top.add(h, v); e.distinct == nil {
		p.hll.InsertHash(h)
	} else if !seen && !e.distinct.has(h) {
		e.distinct.put(h, 0)
		if e.distinct.len() > distinctExactLimit {
			// Too many values to keep: switch to the sketch, fed everything so far.
			p.hll = hyperloglog.NewNoSparse()
			e.distinct.each(func(h uint64, _ int32) { p.hll.InsertHash(h) })
			e.distinct = nil
		}
	}
	if isNum {
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

func (e *enricher) profile() *ColumnProfile {
	p := e.p
	p.DistinctExact = e.distinct != nil
	if p.DistinctExact {
		p.DistinctHashes = make([]uint64, 0, e.distinct.len())
		e.distinct.each(func(h uint64, _ int32) {
			p.DistinctHashes = append(p.DistinctHashes, h)
		})
	}
	e.top.reduce(topTrackLimit)
	e.top.values()
	p.Top, p.TopError = e.top.items, e.top.Err
	return &p
}

// displayCut shortens v to topValueBytes on a rune boundary, saying
// whether it did; the shortened value is shown with a trailing "…".
func displayCut(v string) (string, bool) {
	if len(v) <= topValueBytes {
		return v, false
	}
	cut := topValueBytes
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut], true
}
