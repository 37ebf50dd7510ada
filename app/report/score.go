package report

import "math"

// Score weights; they add up to 1.
const (
	weightCompleteness = 0.35
	weightValidity     = 0.45
	weightUniqueness   = 0.20
)

// qualityCounts are the figures the dimensions are computed from.
type qualityCounts struct {
	rows          int64
	cells         int64
	nonNullCells  int64
	conforming    int64 // non-null cells that parse as their column's type
	rowsFailing   int64 // rows failing at least one rule
	hasRules      bool
	duplicateRows int64
}

// dimensions computes:
//   - completeness = non-null cells / cells (0 when there are no cells);
//   - validity = rows failing no rule / rows when there are rules, else
//     conforming non-null cells / non-null cells (1 when there are none);
//   - uniqueness = 1 − duplicate rows / rows.
func (q qualityCounts) dimensions() Dimensions {
	var d Dimensions
	if q.cells > 0 {
		d.Completeness = float64(q.nonNullCells) / float64(q.cells)
	}
	switch {
	case q.hasRules && q.rows > 0:
		d.Validity = float64(q.rows-q.rowsFailing) / float64(q.rows)
	case !q.hasRules && q.nonNullCells > 0:
		d.Validity = float64(q.conforming) / float64(q.nonNullCells)
	default:
		d.Validity = 1
	}
	d.Uniqueness = 1
	if q.rows > 0 {
		d.Uniqueness = 1 - float64(q.duplicateRows)/float64(q.rows)
	}
	return d
}

// score is 100 × (0.35·completeness + 0.45·validity + 0.20·uniqueness),
// rounded to one decimal.
func score(d Dimensions) float64 {
	x := 100 * (weightCompleteness*d.Completeness + weightValidity*d.Validity + weightUniqueness*d.Uniqueness)
	return math.Round(x*10) / 10
}
