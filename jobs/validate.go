package jobs

import (
	"encoding"
	"io"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/report"
)

// Validate checks one chunk against the task's rules.
const Validate = jobPrefix + kindValidate

func (r *Runner) validate(job *work.Job) error {
	return r.runStep(job, r.chunkStage(kindValidate,
		func(rd io.Reader, l *report.Layout, c report.Chunk, rules []report.Rule) (encoding.BinaryMarshaler, error) {
			return report.Validate(rd, l, c, rules)
		}))
}
