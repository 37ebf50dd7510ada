package report

import (
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/store"
	"github.com/axiomhq/hyperloglog"
)

const (
	// sketchAccuracy is the DDSketch relative accuracy of quantiles.
	sketchAccuracy = 0.01
	// sketchBins bounds sketch memory; with 1% accuracy it spans a factor
	// of about 10¹⁷ between the smallest and largest magnitude before the
	// lowest bins collapse.
	sketchBins = 2048
)

// NumericStats summarises the values that parse as numbers, in a form that
// merges exactly across chunks: count, min, max, mean and M2 (the sum of
// squared deviations from the mean, updated with Welford's method and merged
// with Chan et al.'s parallel formula, which stays accurate where a plain
// sum of squares would cancel catastrophically).
type NumericStats struct {
	Count int64
	Min   float64
	Max   float64
	Mean  float64
	M2    float64
}

func (s *NumericStats) add(x float64) {
	if s.Count == 0 {
		s.Min, s.Max = x, x
	} else {
		s.Min = min(s.Min, x)
		s.Max = max(s.Max, x)
	}
	s.Count++
	d := x - s.Mean
	s.Mean += d / float64(s.Count)
	s.M2 += d * (x - s.Mean)
}

func (s *NumericStats) merge(o NumericStats) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 {
		*s = o
		return
	}
	n := float64(s.Count + o.Count)
	d := o.Mean - s.Mean
	s.Mean += d * float64(o.Count) / n
	s.M2 += o.M2 + d*d*float64(s.Count)*float64(o.Count)/n
	s.Min = min(s.Min, o.Min)
	s.Max = max(s.Max, o.Max)
	s.Count += o.Count
}

// stddev is the population standard deviation.
func (s *NumericStats) stddev() float64 {
	if s.Count == 0 {
		return 0
	}
	return math.Sqrt(max(s.M2, 0) / float64(s.Count))
}

func sketchStore() store.Store { return store.NewCollapsingLowestDenseStore(sketchBins) }

func newSketch() *ddsketch.DDSketch {
	s, err := ddsketch.LogCollapsingLowestDenseDDSketch(sketchAccuracy, sketchBins)
	if err != nil {
		panic("report: invalid DDSketch parameters: " + err.Error())
	}
	return s
}

// newHLL returns the distinct-count sketch: precision 14, about 0.8%
// standard error, sparse while small.
func newHLL() *hyperloglog.Sketch { return hyperloglog.New14() }
