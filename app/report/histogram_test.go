package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHistogram(t *testing.T) {
	tests := []struct {
		name   string
		csv    string
		lo, hi []float64
		counts []int64
	}{
		{"small integer range: a bin per value", "n\n1\n2\n2\n3\n3\n3\n", []float64{1, 2, 3}, []float64{2, 3, 4}, []int64{1, 2, 3}},
		{"one value", "n\n7\n7\n", []float64{7}, []float64{7}, []int64{2}},
		{
			"numbers: ten equal bins, max in the last", "n\n0\n0.5\n1.5\n5\n9.9\n10\n",
			[]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			[]int64{2, 1, 0, 0, 0, 1, 0, 0, 0, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := column(t, runCSV(t, tt.csv, nil, ScanOptions{}), "n").Histogram
			require.Len(t, h, len(tt.counts))
			for i, b := range h {
				require.InDelta(t, tt.lo[i], b.Lo, 1e-9, "bin %d lo", i)
				require.InDelta(t, tt.hi[i], b.Hi, 1e-9, "bin %d hi", i)
				require.Equal(t, tt.counts[i], b.Count, "bin %d count", i)
			}
		})
	}
	require.Empty(t, column(t, runCSV(t, "s\na\nb\n", nil, ScanOptions{}), "s").Histogram, "no histogram for strings")
	require.Nil(t, histogram(nil, 0, 1, false))
}
