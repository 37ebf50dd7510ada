//go:build race

package jobs

// Row counts of TestWorkerMemoryBounded under the race detector, which makes the pipeline
// several times slower: a tenth of the sizes, in chunks of a fifth of the production size
// so that the files still have 10 and 30 chunks.
const (
	memRowsSmall, memRowsLarge = 100_000, 300_000
	memChunkRows               = 10_000
)
