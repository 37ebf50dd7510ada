package report

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSortedRecords: the radix sort orders records by (hash, row) exactly as a
// comparison sort does, whatever the size, with repeated hashes, hashes that share
// bytes, and zeros skipped or kept.
func TestSortedRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func() uint64{
		"random":        rng.Uint64,
		"few distinct":  func() uint64 { return uint64(rng.IntN(7)) << 40 },
		"shared bytes":  func() uint64 { return 0xabcd_0000_0000_0000 | uint64(rng.IntN(1<<16)) },
		"with zeros":    func() uint64 { return uint64(rng.IntN(3)) * rng.Uint64() },
		"all the same":  func() uint64 { return 42 },
		"high bit only": func() uint64 { return uint64(rng.IntN(2)) << 63 },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 5, 63, 64, 65, 1000, 50_000} {
			for _, skipZero := range []bool{false, true} {
				hashes := make([]uint64, n)
				for i := range hashes {
					hashes[i] = gen()
				}
				var want []hashRecord
				for i, h := range hashes {
					if h != 0 || !skipZero {
						want = append(want, hashRecord{Hash: h, Row: int64(i)})
					}
				}
				slices.SortFunc(want, compareRecords)
				got := sortedRecords(hashes, skipZero)
				if len(want) == 0 {
					require.Empty(t, got, "%s n=%d", name, n)
					continue
				}
				require.Equal(t, want, got, "%s n=%d skipZero=%v", name, n, skipZero)
			}
		}
	}
}

// BenchmarkSortedRecords sorts one 50,000-row chunk's row hashes.
func BenchmarkSortedRecords(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	hashes := make([]uint64, 50_000)
	for i := range hashes {
		hashes[i] = rng.Uint64()
	}
	b.ReportAllocs()
	for b.Loop() {
		sortedRecords(hashes, false)
	}
}
