package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
)

// Aggregate merges every chunk's partials into the report and stores it as JSON.
const Aggregate = jobPrefix + kindAggregate

func (r *Runner) aggregate(job *work.Job) error { return r.runStep(job, r.aggregateStage) }

func (r *Runner) aggregateStage(ctx context.Context, run *stepRun) (*outcome, error) {
	t := run.Task
	l, err := r.layout(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	rules, err := taskRules(t)
	if err != nil {
		return nil, err
	}
	n := len(l.Chunks)
	norm := make([]*report.NormalizePartial, n)
	enr := make([]*report.EnrichPartial, n)
	val := make([]*report.ValidatePartial, n)
	for i := range n {
		if norm[i], err = loadPartial(ctx, r, t.ID, kindNormalize, i, report.UnmarshalNormalize); err != nil {
			return nil, err
		}
		if enr[i], err = loadPartial(ctx, r, t.ID, kindEnrich, i, report.UnmarshalEnrich); err != nil {
			return nil, err
		}
		if val[i], err = loadPartial(ctx, r, t.ID, kindValidate, i, report.UnmarshalValidate); err != nil {
			return nil, err
		}
	}
	rep, err := report.Aggregate(l, rules, norm, enr, val)
	if err != nil {
		var ie *report.InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, permanentf(fmt.Errorf("aggregate: %w", err), "the partial results could not be merged")
	}
	rep.TaskID, rep.DatasetID = t.ID, t.DatasetID
	rep.CheckRowCount(report.RowBounds{Min: t.MinRows, Max: t.MaxRows})
	rep.RuleSetVersion = t.RuleSetVersion
	body, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("aggregate: encode: %w", err)
	}
	key := reportKey(t.ID)
	if _, err := r.deps.Blobs.Put(ctx, key, bytes.NewReader(body)); err != nil {
		return nil, fmt.Errorf("aggregate: store: %w", err)
	}
	return &outcome{
		result: blobResult{Blob: key},
		commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
			return createSteps(ctx, tx, t, stepSpec{Kind: kindSave})
		},
	}, nil
}

// loadPartial reads and decodes one chunk's partial; a partial that does not decode is
// permanent, as a retry reads the same bytes.
func loadPartial[P any](ctx context.Context, r *Runner, taskID, kind string, chunk int, decode func([]byte) (P, error)) (P, error) {
	var zero P
	b, err := r.readBlob(ctx, partialKey(taskID, kind, chunk))
	if err != nil {
		return zero, err
	}
	p, err := decode(b)
	if err != nil {
		return zero, permanentf(fmt.Errorf("%s partial %d: %w", kind, chunk, err), "a stored intermediate result is unreadable")
	}
	return p, nil
}
