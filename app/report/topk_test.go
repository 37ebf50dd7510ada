package report

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTopSketchBounds checks the Misra–Gries guarantees on a skewed stream
// split into chunks and merged: counts are never high, low by at most Err,
// Err is at most N/(k+1), and every value seen more than Err times is kept.
func TestTopSketchBounds(t *testing.T) {
	const k = 50
	rng := rand.New(rand.NewPCG(3, 4))
	exact := map[string]int64{}
	merged := newTopSketch(k, 0)
	var n int64
	for range 7 {
		s := newTopSketch(k, 0)
		for range 5_000 {
			var v string
			if rng.IntN(3) == 0 {
				v = fmt.Sprintf("hot-%d", rng.IntN(8))
			} else {
				v = fmt.Sprintf("cold-%d", rng.IntN(20_000))
			}
			exact[v]++
			n++
			s.add(valueHash(v, false), v)
		}
		s.reduce(k)
		s.values()
		require.LessOrEqual(t, len(s.items), k)
		merged.merge(s.items, s.Err)
	}
	require.Positive(t, merged.Err)
	require.LessOrEqual(t, merged.Err, n/(k+1))
	require.LessOrEqual(t, len(merged.items), k)
	got := map[string]int64{}
	for _, it := range merged.items {
		got[it.Value] = it.Count
		require.LessOrEqual(t, it.Count, exact[it.Value], it.Value)
		require.GreaterOrEqual(t, it.Count, exact[it.Value]-merged.Err, it.Value)
	}
	for v, c := range exact {
		if c > merged.Err {
			require.Contains(t, got, v, "%s seen %d times, error bound %d", v, c, merged.Err)
		}
	}
}

// TestTopValuesLateFrequentValue: in every chunk a frequent value first
// appears after more distinct values than the summary holds; it still tops
// the report, with a count within the reported error.
func TestTopValuesLateFrequentValue(t *testing.T) {
	var b strings.Builder
	b.WriteString("v\n")
	const chunks, rowsPerChunk, hot = 4, 5_000, 900
	for c := range chunks {
		for i := range rowsPerChunk - hot {
			fmt.Fprintf(&b, "id-%d-%d\n", c, i)
		}
		for range hot {
			b.WriteString("late\n")
		}
	}
	rep := runCSV(t, b.String(), nil, ScanOptions{ChunkRows: rowsPerChunk})
	c := column(t, rep, "v")
	require.True(t, c.TopApprox)
	require.Positive(t, c.TopMaxError)
	require.LessOrEqual(t, c.TopMaxError, int64(chunks*rowsPerChunk/(topTrackLimit+1)))
	require.Equal(t, "late", c.Top[0].Value)
	require.LessOrEqual(t, c.Top[0].Count, int64(chunks*hot))
	require.GreaterOrEqual(t, c.Top[0].Count, int64(chunks*hot)-c.TopMaxError)
	require.Equal(t, []string{"distinct", "top"}, c.Approximate)
}

// TestApproximateList names exactly the estimated figures of each column.
func TestApproximateList(t *testing.T) {
	var b strings.Builder
	b.WriteString("n,s,big\n")
	for i := range 12_000 {
		fmt.Fprintf(&b, "%d,%s,u%d\n", i%7, []string{"a", "b"}[i%2], i)
	}
	rep := runCSV(t, b.String(), nil, ScanOptions{ChunkRows: 5_000})
	require.Equal(t, []string{"quantiles", "histogram"}, column(t, rep, "n").Approximate)
	require.Equal(t, []string{}, column(t, rep, "s").Approximate)
	require.Equal(t, []string{"distinct", "top"}, column(t, rep, "big").Approximate)
	require.Zero(t, column(t, rep, "s").TopMaxError)
}

// TestTopValuesMatchesFullSort: the single walk that keeps the best few returns what
// sorting every counter returns, ties (equal counts) broken by value.
func TestTopValuesMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for _, n := range []int{0, 1, topValues - 1, topValues, topValues + 1, 50, 1000} {
		for range 20 {
			m := &ColumnProfile{TopError: int64(n % 2)}
			for i := range n {
				m.Top = append(m.Top, TrackedValue{Hash: uint64(i), Value: fmt.Sprintf("v%03d", rng.IntN(400)), Count: rng.Int64N(8)})
			}
			sorted := slices.Clone(m.Top)
			slices.SortFunc(sorted, func(a, b TrackedValue) int {
				if c := cmp.Compare(b.Count, a.Count); c != 0 {
					return c
				}
				return cmp.Compare(a.Value, b.Value)
			})
			var want []TopValue
			for _, v := range sorted[:min(n, topValues)] {
				want = append(want, TopValue{Value: v.Value, Count: v.Count})
			}
			got, approx := m.topValues()
			require.Equal(t, n%2 == 1, approx)
			if len(want) == 0 {
				require.Empty(t, got)
				continue
			}
			require.Equal(t, want, got, "n=%d", n)
		}
	}
}
