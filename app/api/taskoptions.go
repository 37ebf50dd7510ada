package api

import (
	"fmt"
	"time"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/jobs"
)

// taskOptions reads the run options of a create request: deadline_seconds, within
// jobs.MinDeadline and jobs.MaxDeadline, or the server's default.
func (h taskHandlers) taskOptions(in createTaskRequest) (jobs.TaskOptions, error) {
	opts := jobs.TaskOptions{Deadline: h.deadline}
	if in.DeadlineSeconds == nil {
		return opts, nil
	}
	lo, hi := int64(jobs.MinDeadline/time.Second), int64(jobs.MaxDeadline/time.Second)
	if s := *in.DeadlineSeconds; s < lo || s > hi {
		return opts, apperr.Invalid(fmt.Sprintf("deadline_seconds must be between %d and %d", lo, hi))
	}
	opts.Deadline = time.Duration(*in.DeadlineSeconds) * time.Second
	return opts, nil
}
