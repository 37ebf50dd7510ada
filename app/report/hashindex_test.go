package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHashIndex(t *testing.T) {
	idx := newHashIndex(0)
	const n = 50_000
	for i := uint64(1); i <= n; i++ {
		// Multiples of 1024 collide in the low bits, exercising probing.
		idx.put(i*1024, int32(i))
	}
	require.Equal(t, n, idx.len())
	for i := uint64(1); i <= n; i++ {
		v, ok := idx.get(i * 1024)
		require.True(t, ok)
		require.EqualValues(t, i, v)
	}
	_, ok := idx.get(7)
	require.False(t, ok)
	seen := 0
	idx.each(func(h uint64, v int32) {
		require.Equal(t, uint64(v)*1024, h)
		seen++
	})
	require.Equal(t, n, seen)
}
