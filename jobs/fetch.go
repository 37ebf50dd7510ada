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
	"github.com/assayhq/assay/ent/api/dataset"
)

// Fetch is the root stage: it downloads a URL dataset not stored yet (fetchurl.go), checks
// the dataset's bytes in blob storage and the task's rules against its columns, stores
// the dataset's layout as its result and creates transform.
const Fetch = jobPrefix + kindFetch

func (r *Runner) fetchStage(ctx context.Context, run *stepRun) (*outcome, error) {
	ds, err := r.dataset(ctx, run)
	if entapi.IsNotFound(err) {
		return nil, permanentf(err, "the dataset no longer exists")
	}
	if err != nil {
		return nil, fmt.Errorf("fetch: dataset: %w", err)
	}
	if ds.DeletedAt != nil {
		return nil, permanentf(errors.New("dataset deleted"), "the dataset was deleted")
	}
	l := storedLayout(ds)
	if l == nil && ds.Source == dataset.SourceURL {
		if ds, l, err = r.fetchURL(ctx, run, ds); err != nil {
			return nil, err
		}
	}
	// The layout's size is the stored file's; size_bytes is the source's (NDJSON is
	// stored in its CSV form).
	size := ds.SizeBytes
	if l != nil {
		size = l.Size
	}
	if err := r.checkBlob(ctx, ds.BlobKey, size); err != nil {
		return nil, err
	}
	if l == nil {
		if l, err = r.scan(ctx, ds.BlobKey); err != nil {
			return nil, err
		}
	}
	if len(l.Chunks) == 0 {
		return nil, permanentf(errors.New("layout without chunks"), "the dataset has no data rows")
	}
	// Checked at task creation unless the columns were unknown then (a URL dataset).
	rules, err := taskRules(run.Task)
	if err != nil {
		return nil, err
	}
	if err := report.CheckRules(rules, l.Columns); err != nil {
		return nil, err
	}
	run.layout, run.dataset = l, ds
	return &outcome{
		result: l,
		commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
			return createSteps(ctx, tx, run.Task, stepSpec{Kind: kindTransform})
		},
	}, nil
}

// storedLayout is the layout the API computed at upload, or nil when there is none.
func storedLayout(ds *entapi.Dataset) *report.Layout {
	if len(ds.Layout) == 0 || string(ds.Layout) == "null" {
		return nil
	}
	var l report.Layout
	if err := json.Unmarshal(ds.Layout, &l); err != nil || len(l.Columns) == 0 {
		return nil
	}
	return &l
}

// checkBlob makes sure the blob exists and holds exactly size bytes (when size is known)
// without reading it: the last byte must be there and nothing after it.
func (r *Runner) checkBlob(ctx context.Context, key string, size int64) error {
	var rc io.ReadCloser
	var err error
	if size > 0 {
		rc, err = r.deps.Blobs.OpenRange(ctx, key, size-1, 2)
	} else {
		rc, err = r.deps.Blobs.Open(ctx, key)
	}
	if errors.Is(err, platform.ErrBlobNotFound) {
		return permanentf(err, "the dataset file is missing")
	}
	if err != nil {
		return fmt.Errorf("fetch: open %s: %w", key, err)
	}
	defer rc.Close()
	if size <= 0 {
		return nil
	}
	tail, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("fetch: read %s: %w", key, err)
	}
	if len(tail) != 1 {
		return permanentf(fmt.Errorf("blob %s: size differs from %d bytes", key, size),
			"the dataset file does not have the size recorded at upload")
	}
	return nil
}

// scan computes the layout of a dataset stored without one.
func (r *Runner) scan(ctx context.Context, key string) (*report.Layout, error) {
	rc, err := r.deps.Blobs.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fetch: open %s: %w", key, err)
	}
	defer rc.Close()
	cr := &ctxReader{ctx: ctx, r: rc}
	l, err := report.Scan(cr, report.ScanOptions{ChunkRows: r.opts.ChunkRows})
	if err != nil && cr.err != nil {
		return nil, fmt.Errorf("fetch: scan %s: %w", key, cr.err)
	}
	if err != nil {
		return nil, err // an InputError: permanent
	}
	return l, nil
}
