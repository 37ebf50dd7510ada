package jobs

import (
	"encoding"
	"io"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/report"
)

// Enrich computes one chunk's column statistics and sketches.
const Enrich = jobPrefix + kindEnrich

func (r *Runner) enrich(job *work.Job) error {
	return r.runStep(job, r.chunkStage(kindEnrich,
		func(rd io.Reader, l *report.Layout, c report.Chunk, _ []report.Rule) (encoding.BinaryMarshaler, error) {
			return report.Enrich(rd, l, c)
		}))
}
