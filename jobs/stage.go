package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
)

// Helpers the stages share: where their blobs live and how they read what earlier
// stages stored.

// blobResult is the step result of a stage that wrote a blob: the whole blob, or the
// Length bytes at Offset when several steps' partials share one.
type blobResult struct {
	Blob   string `json:"blob"`
	Offset int64  `json:"offset,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// partialKey is where a per-chunk step computed alone writes its partial.
func partialKey(taskID, kind string, chunk int) string {
	return fmt.Sprintf("tasks/%s/partials/%s-%d.bin", taskID, kind, chunk)
}

// setKey is where a pass that computed several steps of a chunk writes their partials,
// one after another.
func setKey(taskID string, chunk int) string {
	return fmt.Sprintf("tasks/%s/chunk-%d.bin", taskID, chunk)
}

// reportKey is where aggregate writes the report JSON.
func reportKey(taskID string) string { return "tasks/" + taskID + "/report.json" }

// stepResult loads the result of the task's step of kind (chunk 0) into v.
func (r *Runner) stepResult(ctx context.Context, taskID, kind string, v any) error {
	s, err := r.db.Step.Query().Where(step.TaskID(taskID), step.Kind(kind), step.Chunk(0)).Only(ctx)
	if err != nil {
		return fmt.Errorf("jobs: %s step of %s: %w", kind, taskID, err)
	}
	if s.Status != step.StatusSucceeded || len(s.Result) == 0 {
		return fmt.Errorf("jobs: %s step of %s has no result (status %s)", kind, taskID, s.Status)
	}
	if err := json.Unmarshal(s.Result, v); err != nil {
		return permanentf(err, "a stored intermediate result is unreadable")
	}
	return nil
}

// layout is the dataset layout fetch stored for run's task.
func (r *Runner) layout(ctx context.Context, run *stepRun) (*report.Layout, error) {
	if run.layout != nil {
		return run.layout, nil
	}
	var l report.Layout
	if err := r.stepResult(ctx, run.Task.ID, kindFetch, &l); err != nil {
		return nil, err
	}
	run.layout = &l
	return &l, nil
}

// dataset is run's task's dataset.
func (r *Runner) dataset(ctx context.Context, run *stepRun) (*entapi.Dataset, error) {
	if run.dataset != nil {
		return run.dataset, nil
	}
	ds, err := r.db.Dataset.Get(ctx, run.Task.DatasetID)
	if err != nil {
		return nil, err
	}
	run.dataset = ds
	return ds, nil
}

// taskRules decodes the rules a task was created with.
func taskRules(t *entapi.Task) ([]report.Rule, error) {
	rules, err := report.ParseRules(t.Rules)
	if err != nil {
		return nil, fmt.Errorf("jobs: rules of %s: %w", t.ID, err)
	}
	return rules, nil
}

// openStored opens what a stage stored for streaming: a whole blob, or its section of
// a shared one. A missing blob is permanent, as no retry brings it back.
func (r *Runner) openStored(ctx context.Context, ref blobResult) (io.ReadCloser, error) {
	var rc io.ReadCloser
	var err error
	if ref.Length > 0 {
		rc, err = r.deps.Blobs.OpenRange(ctx, ref.Blob, ref.Offset, ref.Length)
	} else {
		rc, err = r.deps.Blobs.Open(ctx, ref.Blob)
	}
	if errors.Is(err, platform.ErrBlobNotFound) {
		return nil, permanentf(err, "a stored intermediate result is missing")
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", ref.Blob, err)
	}
	return rc, nil
}

// readStored reads what a stage stored (see openStored) whole.
func (r *Runner) readStored(ctx context.Context, ref blobResult) ([]byte, error) {
	rc, err := r.openStored(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	cr := &ctxReader{ctx: ctx, r: rc}
	var b []byte
	if ref.Length > 0 {
		// A section's size is known: read it into a buffer of that size.
		b = make([]byte, ref.Length)
		_, err = io.ReadFull(cr, b)
	} else {
		b, err = io.ReadAll(cr)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: read %s: %w", ref.Blob, err)
	}
	return b, nil
}

// ctxReader stops reading when ctx ends, and remembers the first read error so a
// caller can tell a failed read from bytes that do not parse.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
