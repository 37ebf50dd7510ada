package report

import (
	"cmp"
	"fmt"
	"slices"
)

const (
	// typeThreshold is the share of non-null values, in percent, that must
	// parse as a type (or match a format) for it to be reported.
	typeThreshold = 95
	topValues     = 5
)

// inferType picks the most specific type that at least 95% of the non-null
// values parse as, in the order integer, number, boolean, date, datetime;
// otherwise, and for a column with no non-null values, string.
func inferType(t ColumnTypes) string {
	if t.NonNull == 0 {
		return TypeString
	}
	for _, typ := range []string{TypeInteger, TypeNumber, TypeBoolean, TypeDate, TypeDateTime} {
		if t.count(typ)*100 >= t.NonNull*typeThreshold {
			return typ
		}
	}
	return TypeString
}

// buildColumn merges one column's partials into its report.
func buildColumn(name string, types ColumnTypes, profiles []*ColumnProfile) (ColumnReport, error) {
	cm := newColumnMerger()
	for _, p := range profiles {
		if err := cm.add(p); err != nil {
			return ColumnReport{}, err
		}
	}
	return cm.report(name, types), nil
}

// columnMerger combines one column's per-chunk profiles, one at a time in
// chunk order, in memory bounded by distinctExactLimit, topTrackLimit and
// the sketch sizes rather than by the number of chunks or rows.
type columnMerger struct {
	m     ColumnProfile
	union map[uint64]struct{}
	top   *topSketch
	added int
	// first is the first chunk's profile while it is the only one: its
	// distinct set and top values are already what merging them alone would
	// give, so they are merged only when a second chunk comes.
	first *ColumnProfile
}

func newColumnMerger() *columnMerger {
	return &columnMerger{
		m:     ColumnProfile{DistinctExact: true, quantiles: newSketch()},
		union: map[uint64]struct{}{},
		top:   newTopSketch(topTrackLimit, 0),
	}
}

// add merges the next chunk's profile. Exact distinct sets are unioned
// while the union stays within distinctExactLimit.
func (cm *columnMerger) add(p *ColumnProfile) error {
	m := &cm.m
	nonNull, pNonNull := m.Count-m.Nulls, p.Count-p.Nulls
	m.Count += p.Count
	m.Nulls += p.Nulls
	m.Numeric.merge(p.Numeric)
	m.Formats.merge(p.Formats)
	if pNonNull > 0 {
		if nonNull == 0 {
			m.MinLength, m.MaxLength = p.MinLength, p.MaxLength
		} else {
			m.MinLength = min(m.MinLength, p.MinLength)
			m.MaxLength = max(m.MaxLength, p.MaxLength)
		}
	}
	if err := m.quantiles.MergeWith(p.quantiles); err != nil {
		return fmt.Errorf("merge quantile sketch: %w", err)
	}
	cm.added++
	if cm.added == 1 && settled(p) {
		cm.first = p
		return nil
	}
	if f := cm.first; f != nil {
		cm.first = nil
		if err := cm.sets(f); err != nil {
			return err
		}
	}
	return cm.sets(p)
}

// settled says the distinct set and top values of p are within the bounds a
// merge keeps them in, as the partials of one chunk are.
func settled(p *ColumnProfile) bool {
	return len(p.Top) <= topTrackLimit && (!p.DistinctExact || len(p.DistinctHashes) <= distinctExactLimit)
}

// sets merges p's distinct values and top values.
func (cm *columnMerger) sets(p *ColumnProfile) error {
	if err := cm.m.mergeDistinct(p, cm.union); err != nil {
		return err
	}
	cm.top.merge(p.Top, p.TopError)
	return nil
}

// report builds the column's report from everything added.
func (cm *columnMerger) report(name string, types ColumnTypes) ColumnReport {
	m := &cm.m
	switch f := cm.first; {
	case f != nil:
		m.DistinctExact, m.DistinctHashes, m.hll = f.DistinctExact, f.DistinctHashes, f.hll
		m.Top, m.TopError = f.Top, f.TopError
	case m.DistinctExact:
		m.DistinctHashes = make([]uint64, 0, len(cm.union))
		for h := range cm.union {
			m.DistinctHashes = append(m.DistinctHashes, h)
		}
		fallthrough
	default:
		m.Top, m.TopError = cm.top.items, cm.top.Err
	}
	col := ColumnReport{
		Name:        name,
		Type:        inferType(types),
		Count:       m.Count,
		Nulls:       m.Nulls,
		Top:         []TopValue{},
		Formats:     []string{},
		Approximate: []string{},
	}
	col.Invalid = types.NonNull - types.count(col.Type)
	col.Distinct, col.DistinctApprox = m.distinct(types.NonNull)

	if (col.Type == TypeInteger || col.Type == TypeNumber) && m.Numeric.Count > 0 {
		s := m.Numeric
		sd := s.stddev()
		col.Min, col.Max, col.Mean, col.Stddev = &s.Min, &s.Max, &s.Mean, &sd
		if q, err := m.quantiles.GetValuesAtQuantiles([]float64{0.25, 0.5, 0.75}); err == nil {
			col.Quantiles = &Quantiles{P25: q[0], P50: q[1], P75: q[2]}
			col.QuantilesApprox = true
		}
		col.Histogram = histogram(m.quantiles, s.Min, s.Max, col.Type == TypeInteger)
	}

	col.Top, col.TopApprox = m.topValues()
	if col.TopApprox {
		col.TopMaxError = m.TopError
	}
	if nonNull := types.NonNull; nonNull > 0 {
		minLen, maxLen := m.MinLength, m.MaxLength
		col.MinLength, col.MaxLength = &minLen, &maxLen
		for _, f := range []struct {
			name  string
			count int64
		}{{FormatEmail, m.Formats.Email}, {FormatURL, m.Formats.URL}, {FormatUUID, m.Formats.UUID}} {
			if f.count*100 >= nonNull*typeThreshold {
				col.Formats = append(col.Formats, f.name)
			}
		}
	}
	for _, a := range []struct {
		figure string
		approx bool
	}{{"distinct", col.DistinctApprox}, {"quantiles", col.QuantilesApprox}, {"histogram", len(col.Histogram) > 0}, {"top", col.TopApprox}} {
		if a.approx {
			col.Approximate = append(col.Approximate, a.figure)
		}
	}
	return col
}

// mergeDistinct adds p's distinct values to union while the merged set is
// exact and small, and to the merged sketch otherwise.
func (m *ColumnProfile) mergeDistinct(p *ColumnProfile, union map[uint64]struct{}) error {
	if m.DistinctExact && p.DistinctExact {
		for _, h := range p.DistinctHashes {
			union[h] = struct{}{}
		}
		if len(union) <= distinctExactLimit {
			return nil
		}
	}
	if m.DistinctExact {
		m.DistinctExact = false
		m.hll = newHLL()
		for h := range union {
			m.hll.InsertHash(h)
		}
		clear(union)
		if p.DistinctExact {
			return nil // p's hashes were just inserted through union
		}
	}
	if p.DistinctExact {
		for _, h := range p.DistinctHashes {
			m.hll.InsertHash(h)
		}
		return nil
	}
	if err := m.hll.Merge(p.hll); err != nil {
		return fmt.Errorf("merge distinct sketch: %w", err)
	}
	return nil
}

// distinct returns the number of distinct non-null values and whether it is
// estimated. Estimates are clamped to what the counts make possible.
func (m *ColumnProfile) distinct(nonNull int64) (int64, bool) {
	if m.DistinctExact {
		return int64(len(m.DistinctHashes)), false
	}
	est := int64(m.hll.Estimate()) // #nosec G115 -- a cardinality estimate, far below MaxInt64, clamped below
	return max(min(est, nonNull), min(distinctExactLimit+1, nonNull)), true
}

// topValues returns the most frequent values, ties broken by value. It keeps the
// best few in order while it walks the counters once, rather than sorting them all.
func (m *ColumnProfile) topValues() ([]TopValue, bool) {
	first := func(a, b TrackedValue) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	}
	best := make([]TrackedValue, 0, topValues+1)
	for _, t := range m.Top {
		if len(best) == topValues && first(t, best[topValues-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, t, first)
		best = slices.Insert(best, i, t)
		best = best[:min(len(best), topValues)]
	}
	out := make([]TopValue, len(best))
	for i, t := range best {
		out[i] = TopValue{Value: t.Value, Count: t.Count}
	}
	return out, m.TopError > 0
}
