package jobs

import (
	"bytes"
	"context"
	"encoding"
	"errors"
	"fmt"
	"io"

	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
)

// The per-chunk stages. A chunk's three steps are one set: whichever runs first claims
// the others that are due (see claimSiblings), so one read of the chunk computes every
// partial the claim holds, and they go to one blob. Each step still records its own
// result (its section of that blob), retries and failure.
const (
	// Normalize parses one chunk: trimmed values, nulls, type candidates, row hashes.
	Normalize = jobPrefix + kindNormalize
	// Enrich computes one chunk's column statistics and sketches.
	Enrich = jobPrefix + kindEnrich
	// Validate checks one chunk against the task's rules.
	Validate = jobPrefix + kindValidate
)

// chunkStage reads the chunk's byte range once, computes the partials of the claimed
// step and of the siblings it claims, stores them (putPartials), and in the finishing
// transaction records the siblings' results and counts every one off the parent.
//
// A dataset of one chunk computed whole in one pass is not stored: aggregate, which
// this worker runs next, takes the partials from memory, and a worker that runs it
// instead (after a crash, or at shutdown) computes them again (see aggregateStage).
func (r *Runner) chunkStage(ctx context.Context, run *stepRun) (*outcome, error) {
	kind, i := run.Step.Kind, run.Step.Chunk
	l, err := r.layout(ctx, run)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(l.Chunks) {
		return nil, permanentf(fmt.Errorf("chunk %d of %d", i, len(l.Chunks)), "the dataset layout is inconsistent")
	}
	rules, err := taskRules(run.Task)
	if err != nil {
		return nil, err
	}
	if len(run.siblings) < len(childKinds)-1 { // not all created claimed with the step
		if run.siblings, err = claimSiblings(ctx, r.db.Step, run, r.opts.Lease); err != nil {
			return nil, err
		}
	}
	all := run.steps()
	want := partsOf(all)
	ps, err := r.computeChunk(ctx, run, l, i, rules, want)
	if err != nil {
		return nil, err
	}
	results := map[string]blobResult{}
	if want == report.AllParts {
		run.kept = &keptChunk{index: i, partials: ps}
	}
	if want != report.AllParts || len(l.Chunks) > 1 {
		if results, err = r.putPartials(ctx, run.Task.ID, i, all, ps); err != nil {
			return nil, fmt.Errorf("%s: chunk %d: %w", kind, i, err)
		}
	}
	return &outcome{
		result: results[kind],
		commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
			n, err := finishSiblings(ctx, tx, run.siblings, run.owner, results)
			if err != nil {
				return nil, err
			}
			return childDone(ctx, tx, run.Task, run.Step, 1+n)
		},
	}, nil
}

// computeChunk reads chunk i of run's dataset and computes its partials of want.
func (r *Runner) computeChunk(ctx context.Context, run *stepRun, l *report.Layout, i int, rules []report.Rule, want report.Parts) (*report.Partials, error) {
	kind, c := run.Step.Kind, l.Chunks[i]
	ds, err := r.dataset(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("%s: dataset: %w", kind, err)
	}
	rc, err := r.deps.Blobs.OpenRange(ctx, ds.BlobKey, c.Offset, c.Length)
	if err != nil {
		return nil, fmt.Errorf("%s: open chunk %d: %w", kind, i, err)
	}
	defer rc.Close()
	cr := &ctxReader{ctx: ctx, r: rc}
	ps, err := report.ComputeChunk(cr, l, c, rules, want)
	if err != nil {
		return nil, chunkError(kind, i, err, cr.err)
	}
	return ps, nil
}

// partsOf is what one pass computes for the steps held.
func partsOf(steps []*entapi.Step) report.Parts {
	var p report.Parts
	for _, s := range steps {
		switch s.Kind {
		case kindNormalize:
			p.Normalize = true
		case kindEnrich:
			p.Enrich = true
		case kindValidate:
			p.Validate = true
		}
	}
	return p
}

// partialOf is the partial of kind in ps.
func partialOf(ps *report.Partials, kind string) encoding.BinaryMarshaler {
	switch kind {
	case kindNormalize:
		return ps.Normalize
	case kindEnrich:
		return ps.Enrich
	}
	return ps.Validate
}

// putPartials stores the partials of steps (of one chunk) and returns each step's result:
// a step alone gets a blob of its own; several share one blob, each partial at its
// offset, so a pass writes one file whatever it computed.
func (r *Runner) putPartials(ctx context.Context, taskID string, chunk int, steps []*entapi.Step, ps *report.Partials) (map[string]blobResult, error) {
	results := make(map[string]blobResult, len(steps))
	key := setKey(taskID, chunk)
	if len(steps) == 1 {
		key = partialKey(taskID, steps[0].Kind, chunk)
	}
	parts := make([]io.Reader, 0, len(steps))
	var offset int64
	for _, s := range steps {
		b, err := partialOf(ps, s.Kind).MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", s.Kind, err)
		}
		res := blobResult{Blob: key}
		if len(steps) > 1 {
			res.Offset, res.Length = offset, int64(len(b))
		}
		offset += int64(len(b))
		parts = append(parts, bytes.NewReader(b))
		results[s.Kind] = res
	}
	if _, err := r.deps.Blobs.Put(ctx, key, io.MultiReader(parts...)); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return results, nil
}

// chunkError classifies a failed computation. A read error (or the context ending) may
// pass; otherwise the engine failed on the bytes themselves, which a retry cannot change.
func chunkError(kind string, chunk int, err, readErr error) error {
	if readErr != nil {
		return fmt.Errorf("%s: read chunk %d: %w", kind, chunk, readErr)
	}
	var ie *report.InputError
	if errors.As(err, &ie) {
		return err
	}
	return permanentf(fmt.Errorf("%s chunk %d: %w", kind, chunk, err),
		"part %d of the dataset does not match the layout recorded at upload (the file may be corrupt)", chunk+1)
}
