package report

import (
	"fmt"
	"slices"
	"sync"
)

// Merger merges a dataset's partials one chunk at a time, in chunk order,
// into its report. It keeps the column summaries (bounded by the sketch
// sizes), the rule results and one bit per row for the rows failing any
// rule; the partials themselves can be dropped after Add. Duplicate rows
// and unique rules are decided by Finish from the stored hash runs.
type Merger struct {
	l       *Layout
	rules   []Rule
	next    int
	types   []ColumnTypes
	cols    []*columnMerger
	results []RuleResult
	failing bitmap
}

// NewMerger starts merging the partials of a dataset with layout l checked
// with rules.
func NewMerger(l *Layout, rules []Rule) *Merger {
	m := &Merger{l: l, rules: rules, types: make([]ColumnTypes, len(l.Columns)), cols: make([]*columnMerger, len(l.Columns))}
	for i := range m.cols {
		m.cols[i] = newColumnMerger()
	}
	m.results = make([]RuleResult, len(rules))
	for j, r := range rules {
		m.results[j] = RuleResult{Rule: r, Examples: []int64{}}
	}
	if len(rules) > 0 {
		m.failing = newBitmap(l.Rows)
	}
	return m
}

// Add merges the next chunk's partials; vp may be nil when there are no
// rules.
func (m *Merger) Add(np *NormalizePartial, ep *EnrichPartial, vp *ValidatePartial) error {
	if err := m.check(np, ep, vp); err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	m.next++
	for i, name := range m.l.Columns {
		m.types[i].merge(np.Columns[i])
		if err := m.cols[i].add(ep.Columns[i]); err != nil {
			return fmt.Errorf("aggregate: column %q: %w", name, err)
		}
	}
	for j, r := range m.rules {
		if r.Check != CheckUnique {
			vp.Rules[j].failed.each(func(row int64) bool {
				m.fail(j, row)
				return true
			})
		}
	}
	return nil
}

// fail records that row fails rule j. Rows of one rule may come in any
// order: Examples keeps the lowest.
func (m *Merger) fail(j int, row int64) {
	res := &m.results[j]
	res.FailedRows++
	m.failing.set(row - 1)
	ex := res.Examples
	if len(ex) == maxExamples && row > ex[maxExamples-1] {
		return
	}
	i, _ := slices.BinarySearch(ex, row)
	ex = slices.Insert(ex, i, row)
	res.Examples = ex[:min(len(ex), maxExamples)]
}

// check makes sure the next partials belong to this layout and rule set.
func (m *Merger) check(np *NormalizePartial, ep *EnrichPartial, vp *ValidatePartial) error {
	i := m.next
	if i >= len(m.l.Chunks) {
		return fmt.Errorf("more partials than the %d chunks", len(m.l.Chunks))
	}
	c := m.l.Chunks[i]
	if np == nil || ep == nil {
		return fmt.Errorf("chunk %d: missing partial", i)
	}
	ncols := len(m.l.Columns)
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
	if vp == nil {
		if len(m.rules) > 0 {
			return fmt.Errorf("chunk %d: missing validate partial", i)
		}
		return nil
	}
	if vp.Chunk != c.Index || vp.Rows != c.Rows || vp.FirstRow != c.FirstRow || len(vp.Rules) != len(m.rules) {
		return fmt.Errorf("chunk %d: validate partial does not match the layout and rules", i)
	}
	for j, r := range m.rules {
		if r.Check == CheckUnique && int64(len(vp.Rules[j].ValueHashes)) != c.Rows {
			return fmt.Errorf("chunk %d, rule %d: unique rule lacks value hashes", i, j+1)
		}
	}
	return nil
}

// Finish completes the report once every chunk was added. rowRuns holds
// each chunk's row-hash run (NewRowHashRun), in chunk order; uniqueRuns
// holds, for each unique rule in rule order, each chunk's value-hash run
// (NewUniqueHashRun). Rows whose hash equals an earlier row's are
// duplicates; with 64-bit hashes the chance of any false match is about
// n²/2⁶⁵ for n rows (under 3·10⁻⁶ for ten million).
func (m *Merger) Finish(rowRuns []*HashRun, uniqueRuns [][]*HashRun) (*Report, error) {
	l := m.l
	if m.next != len(l.Chunks) {
		return nil, fmt.Errorf("aggregate: have partials of %d of %d chunks", m.next, len(l.Chunks))
	}
	var rows int64
	for _, c := range l.Chunks {
		rows += c.Rows
	}
	if rows != l.Rows {
		return nil, fmt.Errorf("aggregate: chunks hold %d rows, the layout says %d", rows, l.Rows)
	}
	if len(rowRuns) != len(l.Chunks) {
		return nil, fmt.Errorf("aggregate: have %d row hash runs for %d chunks", len(rowRuns), len(l.Chunks))
	}
	rep := &Report{Rows: l.Rows, Columns: make([]ColumnReport, len(l.Columns)), Rules: []RuleResult{}}
	q := qualityCounts{rows: l.Rows, cells: l.Rows * int64(len(l.Columns)), hasRules: len(m.rules) > 0}
	// Duplicate rows are counted on a core of their own while the columns and the
	// unique rules are finished here: they share nothing.
	var (
		dups     sync.WaitGroup
		dupsErr  error
		dupCount int64
	)
	dups.Go(func() {
		dupsErr = mergeRuns(rowRuns, func(_ hashRecord, repeat bool) {
			if repeat {
				dupCount++
			}
		})
	})
	for i, name := range l.Columns {
		col := m.cols[i].report(name, m.types[i])
		rep.Columns[i] = col
		q.nonNullCells += m.types[i].NonNull
		q.conforming += m.types[i].NonNull - col.Invalid
	}
	err := m.uniques(uniqueRuns)
	dups.Wait()
	if dupsErr != nil {
		return nil, fmt.Errorf("aggregate: duplicate rows: %w", dupsErr)
	}
	if err != nil {
		return nil, err
	}
	q.duplicateRows, rep.DuplicateRows = dupCount, dupCount
	for j := range m.results {
		m.results[j].Passed = m.results[j].FailedRows == 0
	}
	rep.Rules = append(rep.Rules, m.results...)
	if len(m.rules) > 0 {
		q.rowsFailing = m.failing.count()
	}
	rep.Dimensions = q.dimensions()
	rep.Score = score(rep.Dimensions)
	return rep, nil
}

// uniques fails the rows of each unique rule whose value an earlier row has, from the
// rules' hash runs.
func (m *Merger) uniques(uniqueRuns [][]*HashRun) error {
	k := 0
	for j, r := range m.rules {
		if r.Check != CheckUnique {
			continue
		}
		if k >= len(uniqueRuns) || len(uniqueRuns[k]) != len(m.l.Chunks) {
			return fmt.Errorf("aggregate: rule %d: missing value hash runs", j+1)
		}
		err := mergeRuns(uniqueRuns[k], func(rec hashRecord, repeat bool) {
			if repeat {
				m.fail(j, rec.Row)
			}
		})
		if err != nil {
			return fmt.Errorf("aggregate: rule %d: %w", j+1, err)
		}
		k++
	}
	return nil
}
