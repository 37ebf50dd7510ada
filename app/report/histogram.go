package report

import (
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
)

// histogramBins is the most bins a numeric column's histogram has.
const histogramBins = 10

// HistogramBin counts the values in [Lo, Hi); the last bin of a histogram
// also counts Hi. Counts come from the quantile sketch, so they are
// approximate: a value near a bin edge may be counted in its neighbour.
type HistogramBin struct {
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Count int64   `json:"count"`
}

// histogram spreads the sketch's values over equal-width bins from lo to hi.
// Integer columns spanning fewer than histogramBins values get one bin per
// value. It returns nil for an empty sketch or a range that is not finite.
func histogram(s *ddsketch.DDSketch, lo, hi float64, integer bool) []HistogramBin {
	if s == nil || s.IsEmpty() || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || hi < lo {
		return nil
	}
	n, width := histogramBins, (hi-lo)/histogramBins
	switch {
	case hi == lo:
		n, width = 1, 0
	case integer && hi-lo+1 <= histogramBins:
		n, width = int(hi-lo)+1, 1
	}
	counts := make([]float64, n)
	s.ForEach(func(v, c float64) bool {
		if integer {
			v = math.Round(v) // the sketch is 1% off; small integers come back exact
		}
		i := 0
		if width > 0 {
			i = int(math.Floor((v - lo) / width))
		}
		counts[max(0, min(i, n-1))] += c
		return false
	})
	bins := make([]HistogramBin, n)
	for i := range bins {
		b := HistogramBin{Lo: lo + float64(i)*width, Hi: lo + float64(i+1)*width, Count: int64(math.Round(counts[i]))}
		if i == n-1 && width != 1 {
			b.Hi = hi
		}
		bins[i] = b
	}
	return bins
}
