//go:build !race

package jobs

// Row counts of TestWorkerMemoryBounded, the sizes the product promises, in chunks of the
// production size (CHUNK_ROWS).
const (
	memRowsSmall, memRowsLarge = 1_000_000, 3_000_000
	memChunkRows               = 50_000
)
