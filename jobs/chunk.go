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

// chunkFunc computes one per-chunk partial from the chunk's bytes.
type chunkFunc func(r io.Reader, l *report.Layout, c report.Chunk, rules []report.Rule) (encoding.BinaryMarshaler, error)

// chunkStage is the body shared by normalize, enrich and validate: read the chunk's byte
// range, compute, write the partial blob, and count the step off its parent.
func (r *Runner) chunkStage(kind string, compute chunkFunc) stage {
	return func(ctx context.Context, run *stepRun) (*outcome, error) {
		l, err := r.layout(ctx, run.Task.ID)
		if err != nil {
			return nil, err
		}
		i := run.Step.Chunk
		if i < 0 || i >= len(l.Chunks) {
			return nil, permanentf(fmt.Errorf("chunk %d of %d", i, len(l.Chunks)), "the dataset layout is inconsistent")
		}
		c := l.Chunks[i]
		ds, err := r.db.Dataset.Get(ctx, run.Task.DatasetID)
		if err != nil {
			return nil, fmt.Errorf("%s: dataset: %w", kind, err)
		}
		rules, err := taskRules(run.Task)
		if err != nil {
			return nil, err
		}
		rc, err := r.deps.Blobs.OpenRange(ctx, ds.BlobKey, c.Offset, c.Length)
		if err != nil {
			return nil, fmt.Errorf("%s: open chunk %d: %w", kind, i, err)
		}
		defer rc.Close()
		cr := &ctxReader{ctx: ctx, r: rc}
		p, err := compute(cr, l, c, rules)
		if err != nil {
			return nil, chunkError(kind, i, err, cr.err)
		}
		b, err := p.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("%s: encode chunk %d: %w", kind, i, err)
		}
		key := partialKey(run.Task.ID, kind, i)
		if _, err := r.deps.Blobs.Put(ctx, key, bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("%s: store chunk %d: %w", kind, i, err)
		}
		return &outcome{
			result: blobResult{Blob: key},
			commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
				return childDone(ctx, tx, run.Task, run.Step)
			},
		}, nil
	}
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
