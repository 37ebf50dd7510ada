package report

import (
	"fmt"
	"math/bits"
)

const maxExamples = 5

// Aggregate merges the per-chunk partials, given in chunk order, into the
// final report. val may be empty when there are no rules.
func Aggregate(l *Layout, rules []Rule, norm []*NormalizePartial, enr []*EnrichPartial, val []*ValidatePartial) (*Report, error) {
	if err := checkPartials(l, rules, norm, enr, val); err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	rep := &Report{Rows: l.Rows, Columns: make([]ColumnReport, len(l.Columns)), Rules: []RuleResult{}}
	q := qualityCounts{rows: l.Rows, cells: l.Rows * int64(len(l.Columns)), hasRules: len(rules) > 0}

	for i, name := range l.Columns {
		var types ColumnTypes
		profiles := make([]*ColumnProfile, len(enr))
		for k := range norm {
			types.merge(norm[k].Columns[i])
			profiles[k] = enr[k].Columns[i]
		}
		col, err := buildColumn(name, types, profiles)
		if err != nil {
			return nil, fmt.Errorf("aggregate: column %q: %w", name, err)
		}
		rep.Columns[i] = col
		q.nonNullCells += types.NonNull
		q.conforming += types.NonNull - col.Invalid
	}

	q.duplicateRows = duplicateRows(norm)
	rep.DuplicateRows = q.duplicateRows

	if len(rules) > 0 {
		failing := newBitmap(l.Rows)
		for j, rule := range rules {
			res := RuleResult{Rule: rule, Examples: []int64{}}
			record := func(row int64) bool {
				res.FailedRows++
				if len(res.Examples) < maxExamples {
					res.Examples = append(res.Examples, row)
				}
				failing.set(row - 1)
				return true
			}
			if rule.Check == CheckUnique {
				uniqueFailures(val, j, record)
			} else {
				for _, p := range val {
					p.Rules[j].failed.each(record)
				}
			}
			res.Passed = res.FailedRows == 0
			rep.Rules = append(rep.Rules, res)
		}
		q.rowsFailing = failing.count()
	}

	rep.Dimensions = q.dimensions()
	rep.Score = score(rep.Dimensions)
	return rep, nil
}

// checkPartials makes sure the partials belong to this layout and rule set.
func checkPartials(l *Layout, rules []Rule, norm []*NormalizePartial, enr []*EnrichPartial, val []*ValidatePartial) error {
	n := len(l.Chunks)
	if len(norm) != n || len(enr) != n {
		return fmt.Errorf("have %d normalize and %d enrich partials for %d chunks", len(norm), len(enr), n)
	}
	if len(val) != n && !(len(rules) == 0 && len(val) == 0) {
		return fmt.Errorf("have %d validate partials for %d chunks", len(val), n)
	}
	ncols := len(l.Columns)
	var rows int64
	for i, c := range l.Chunks {
		rows += c.Rows
		np, ep := norm[i], enr[i]
		if np == nil || ep == nil {
			return fmt.Errorf("chunk %d: missing partial", i)
		}
		if np.Chunk != c.Index || np.Rows != c.Rows || np.FirstRow != c.FirstRow || len(np.Columns) != ncols || int64(len(np.RowHashes)) != c.Rows {
			return fmt.Errorf("chunk %d: normalize partial does not match the layout", i)
		}
		if ep.Chunk != c.Index || ep.Rows != c.Rows || ep.FirstRow != c.FirstRow || len(ep.Columns) != ncols {
			return fmt.Errorf("chunk %d: enrich partial does not match the layout", i)
		}
		for j := range ncols {
			if ep.Columns[j] == nil || ep.Columns[j].Count != c.Rows || ep.Columns[j].Nulls != np.Columns[j].Nulls {
				return fmt.Errorf("chunk %d, column %d: enrich and normalize partials disagree", i, j)
			}
		}
		if len(val) == 0 {
			continue
		}
		vp := val[i]
		if vp == nil || vp.Chunk != c.Index || vp.Rows != c.Rows || vp.FirstRow != c.FirstRow || len(vp.Rules) != len(rules) {
			return fmt.Errorf("chunk %d: validate partial does not match the layout and rules", i)
		}
		for j, r := range rules {
			if r.Check == CheckUnique && int64(len(vp.Rules[j].ValueHashes)) != c.Rows {
				return fmt.Errorf("chunk %d, rule %d: unique rule lacks value hashes", i, j+1)
			}
		}
	}
	if rows != l.Rows {
		return fmt.Errorf("chunks hold %d rows, the layout says %d", rows, l.Rows)
	}
	return nil
}

// duplicateRows counts rows whose hash equals an earlier row's.
func duplicateRows(norm []*NormalizePartial) int64 {
	var n int
	for _, p := range norm {
		n += len(p.RowHashes)
	}
	seen := newHashIndex(n)
	var dups int64
	for _, p := range norm {
		for _, h := range p.RowHashes {
			h = max(h, 1) // hashIndex reserves 0
			if _, dup := seen.get(h); dup {
				dups++
				continue
			}
			seen.put(h, 0)
		}
	}
	return dups
}

// uniqueFailures calls record, in row order, for each row whose non-null
// value of rule j occurred in an earlier row.
func uniqueFailures(val []*ValidatePartial, j int, record func(int64) bool) {
	var n int
	for _, p := range val {
		n += len(p.Rules[j].ValueHashes)
	}
	seen := newHashIndex(n)
	for _, p := range val {
		for k, h := range p.Rules[j].ValueHashes {
			if h == 0 {
				continue
			}
			if _, dup := seen.get(h); dup {
				record(p.FirstRow + int64(k))
				continue
			}
			seen.put(h, 0)
		}
	}
}

// bitmap is a fixed-size set of row indexes.
type bitmap []uint64

func newBitmap(n int64) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) set(i int64) { b[i/64] |= 1 << (uint(i) % 64) } // #nosec G115 -- i is a row index, >= 0

func (b bitmap) count() int64 {
	var n int
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return int64(n)
}
