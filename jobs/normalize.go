package jobs

import (
	"encoding"
	"io"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/report"
)

// Normalize parses one chunk: trimmed values, nulls, type candidates, row hashes.
const Normalize = jobPrefix + kindNormalize

func (r *Runner) normalize(job *work.Job) error {
	return r.runStep(job, r.chunkStage(kindNormalize,
		func(rd io.Reader, l *report.Layout, c report.Chunk, _ []report.Rule) (encoding.BinaryMarshaler, error) {
			return report.Normalize(rd, l, c)
		}))
}
