package report

import (
	"fmt"
	"math/bits"
)

const maxExamples = 5

// Aggregate merges the per-chunk partials, given in chunk order, into the
// final report. val may be empty when there are no rules. It is Merger fed
// from memory; the pipeline feeds a Merger one chunk at a time instead.
func Aggregate(l *Layout, rules []Rule, norm []*NormalizePartial, enr []*EnrichPartial, val []*ValidatePartial) (*Report, error) {
	n := len(l.Chunks)
	if len(norm) != n || len(enr) != n {
		return nil, fmt.Errorf("aggregate: have %d normalize and %d enrich partials for %d chunks", len(norm), len(enr), n)
	}
	if len(val) != n && !(len(rules) == 0 && len(val) == 0) {
		return nil, fmt.Errorf("aggregate: have %d validate partials for %d chunks", len(val), n)
	}
	m := NewMerger(l, rules)
	for i := range n {
		var vp *ValidatePartial
		if len(val) > 0 {
			vp = val[i]
		}
		if err := m.Add(norm[i], enr[i], vp); err != nil {
			return nil, err
		}
	}
	rowRuns := make([]*HashRun, n)
	for i, p := range norm {
		rowRuns[i] = p.RowHashRun()
	}
	var uniqueRuns [][]*HashRun
	for j, r := range rules {
		if r.Check != CheckUnique {
			continue
		}
		runs := make([]*HashRun, n)
		for i, p := range val {
			runs[i] = p.UniqueHashRun(j)
		}
		uniqueRuns = append(uniqueRuns, runs)
	}
	return m.Finish(rowRuns, uniqueRuns)
}

// RowHashRun is NewRowHashRun for a partial in memory.
func (p *NormalizePartial) RowHashRun() *HashRun {
	return &HashRun{recs: sortedRecords(p.RowHashes, false), first: p.FirstRow}
}

// UniqueHashRun is NewUniqueHashRun for a partial in memory; rule is the
// index of a unique rule.
func (p *ValidatePartial) UniqueHashRun(rule int) *HashRun {
	return &HashRun{recs: sortedRecords(p.Rules[rule].ValueHashes, true), first: p.FirstRow}
}

// bitmap is a fixed-size set of row indexes.
type bitmap []uint64

func newBitmap(n int64) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) set(i int64) { b[i/64] |= 1 << (uint(i) % 64) } // #nosec G115 -- i is a row index, >= 0

func (b bitmap) has(i int64) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 } // #nosec G115 -- i is a row index, >= 0

func (b bitmap) count() int64 {
	var n int
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return int64(n)
}
