package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/task"
)

// Save records the result in one transaction: the Report row, the task completed with
// its score, and the outbox message for the web app; then notify runs. The report is
// the one aggregate made, in memory when this worker ran aggregate.
const Save = jobPrefix + kindSave

func (r *Runner) saveStage(ctx context.Context, run *stepRun) (*outcome, error) {
	t := run.Task
	made := run.made
	if made == nil {
		var err error
		if made, err = r.storedReport(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	rep, body := made.rep, made.body
	return &outcome{
		ends: true,
		commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
			// Still pending if marking it processing failed: it has run all the same.
			done := *t
			score := rep.Score
			done.Status, done.Score, done.Progress, done.Stage, done.Error = task.StatusCompleted, &score, 1, kindSave, ""
			at := now()
			done.FinishedAt = &at
			n, err := tx.Task.Update().
				Where(task.ID(t.ID), task.StatusIn(activeStatuses...)).
				SetStatus(done.Status).
				SetScore(score).
				SetProgress(done.Progress).
				SetStage(done.Stage).
				SetError(done.Error).
				SetFinishedAt(at).
				Save(ctx)
			if err != nil || n == 0 {
				return nil, err
			}
			if err := insertReport(ctx, tx, t, rep, body); err != nil {
				return nil, err
			}
			// The task as the update left it (the transaction holds its row), and the
			// dataset as this run read it, if it did.
			next, deliveries, err := announce(ctx, tx, r.deps.MaxRunning, &done, run.dataset)
			if err != nil {
				return nil, err
			}
			run.ended = &endedRun{task: &done, deliveries: append([]string{}, deliveries...)}
			// After the admission lock (announce), in the order task creation takes them.
			if err := usage.Add(ctx, tx, t.OrgID, now(), usage.Delta{Rows: rep.Rows}); err != nil {
				return nil, err
			}
			return next, nil
		},
	}, nil
}

// insertReport writes the Report row of t; one already there (a re-run) is kept.
func insertReport(ctx context.Context, tx *entapi.Tx, t *entapi.Task, rep *report.Report, body []byte) error {
	err := tx.Report.Create().
		SetOrgID(t.OrgID).
		SetTaskID(t.ID).
		SetDatasetID(t.DatasetID).
		SetScore(rep.Score).
		SetRows(rep.Rows).
		SetBody(body).
		OnConflict(sql.ConflictColumns(entreport.FieldTaskID)).
		DoNothing().
		Exec(ctx)
	if err := ignoreNoRows(err); err != nil {
		return fmt.Errorf("save: report row: %w", err)
	}
	return nil
}

// storedReport reads the report aggregate recorded for taskID: in its step's result, or
// in the blob that names.
func (r *Runner) storedReport(ctx context.Context, taskID string) (*madeReport, error) {
	var agg reportResult
	if err := r.stepResult(ctx, taskID, kindAggregate, &agg); err != nil {
		return nil, err
	}
	body := []byte(agg.Report)
	if len(body) == 0 {
		var err error
		if body, err = r.readStored(ctx, blobResult{Blob: agg.Blob}); err != nil {
			return nil, err
		}
	}
	var rep report.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, permanentf(fmt.Errorf("save: decode report: %w", err), "the report is unreadable")
	}
	return &madeReport{rep: &rep, body: body}, nil
}
