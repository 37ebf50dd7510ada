package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
)

// fetchURL downloads a URL dataset and validates and lays it out through ingest, the path
// uploads take, then makes the dataset ready. Each attempt stores under a prefix of its
// own and the first to finish wins, so concurrent runs over one dataset cannot mix their
// files; a failed attempt leaves nothing stored and, when it is final, marks the dataset
// failed with the reason.
func (r *Runner) fetchURL(ctx context.Context, run *stepRun, ds *entapi.Dataset) (*entapi.Dataset, *report.Layout, error) {
	err := r.db.Dataset.Update().
		Where(dataset.ID(ds.ID), dataset.StatusEQ(dataset.StatusFailed)).
		SetStatus(dataset.StatusFetching).SetError("").
		Exec(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch: mark fetching: %w", err)
	}
	lim, err := r.sourceLimits(ctx, ds.OrgID)
	if err != nil {
		return nil, nil, err
	}
	prefix := fmt.Sprintf("datasets/%s/%s/%s-%d/", ds.OrgID, ds.ID, run.Step.ID, run.Step.Attempt)
	res, err := r.download(ctx, ds.URL, prefix, lim.bytes)
	if err != nil {
		return nil, nil, r.sourceFailed(ctx, run, ds, lim.planSized(err))
	}
	discard := func() {
		if err := r.deps.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix); err != nil {
			r.log.Error("fetch: discard download", "prefix", prefix, "err", err)
		}
	}
	if lim.rows > 0 && res.Layout.Rows > lim.rows {
		discard()
		return nil, nil, r.sourceFailed(ctx, run, ds, &ingest.SourceError{Msg: fmt.Sprintf(
			"the file has %d rows; your plan allows at most %d rows per dataset (%s): upgrade the plan or use a smaller file",
			res.Layout.Rows, lim.rows, usage.LimitMaxRows)})
	}
	lj, err := json.Marshal(res.Layout)
	if err != nil {
		discard()
		return nil, nil, fmt.Errorf("fetch: encode layout: %w", err)
	}
	n, err := r.storeFetched(ctx, ds, res, lj)
	if err != nil {
		discard()
		return nil, nil, err
	}
	if n == 0 { // another run stored it first, or the dataset was deleted meanwhile
		discard()
		return r.readyDataset(ctx, ds.ID)
	}
	ds, err = r.db.Dataset.Get(ctx, ds.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch: reload dataset: %w", err)
	}
	return ds, res.Layout, nil
}

// download streams the URL's body through ingest into blobs under prefix.
func (r *Runner) download(ctx context.Context, url, prefix string, limit int64) (*ingest.Result, error) {
	dl, err := r.deps.Fetcher.Get(ctx, url, limit)
	if err != nil {
		return nil, err
	}
	defer dl.Close()
	store := ingest.Store{Blobs: r.deps.Blobs, ChunkRows: r.opts.ChunkRows}
	return store.Ingest(ctx, prefix, dl.Format(), dl.Body)
}

// readyDataset reloads a dataset that another run made ready.
func (r *Runner) readyDataset(ctx context.Context, id string) (*entapi.Dataset, *report.Layout, error) {
	ds, err := r.db.Dataset.Get(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch: reload dataset: %w", err)
	}
	if ds.DeletedAt != nil {
		return nil, nil, permanentf(errors.New("dataset deleted"), "the dataset was deleted")
	}
	l := storedLayout(ds)
	if l == nil {
		return nil, nil, errors.New("fetch: dataset has no layout after another run stored it")
	}
	return ds, l, nil
}

// sourceFailed classifies a failed download. A refused source or a bad file is
// permanent, and so is a source worth retrying once the attempts are used up; then the
// dataset is marked failed with the same message the task gets.
func (r *Runner) sourceFailed(ctx context.Context, run *stepRun, ds *entapi.Dataset, err error) error {
	var se *ingest.SourceError
	var ie *report.InputError
	msg := ""
	switch {
	case errors.As(err, &se) && se.Retry && run.Step.Attempt < run.Step.MaxAttempts:
		return err
	case errors.As(err, &se):
		msg = se.Msg
		err = permanentf(err, "%s", msg)
	case errors.As(err, &ie):
		msg = ie.Error()
	default:
		return err // storage or the database: transient
	}
	uerr := r.db.Dataset.Update().
		Where(dataset.ID(ds.ID), dataset.StatusNEQ(dataset.StatusReady)).
		SetStatus(dataset.StatusFailed).SetError(clip(msg)).
		Exec(context.WithoutCancel(ctx))
	if uerr != nil {
		r.log.Error("fetch: mark dataset failed", "dataset_id", ds.ID, "err", uerr)
	}
	return err
}

// storeFetched makes the dataset ready with the downloaded file and counts its bytes in
// the organization's storage, as an upload does, in one transaction. It returns 0 when
// another run stored the dataset first or it was deleted meanwhile (nothing is counted).
func (r *Runner) storeFetched(ctx context.Context, ds *entapi.Dataset, res *ingest.Result, layout []byte) (int, error) {
	tx, err := r.db.Tx(ctx)
	if err != nil {
		return 0, fmt.Errorf("fetch: store dataset: begin: %w", err)
	}
	n, err := tx.Dataset.Update().
		Where(dataset.ID(ds.ID), dataset.StatusNEQ(dataset.StatusReady), dataset.DeletedAtIsNil()).
		SetStatus(dataset.StatusReady).SetError("").
		SetFormat(string(res.Format)).SetDelimiter(res.Delimiter).
		SetBlobKey(res.Key).SetSizeBytes(res.SourceBytes).
		SetRows(res.Layout.Rows).SetColumns(res.Layout.Columns).SetLayout(layout).
		Save(ctx)
	if err == nil && n > 0 {
		err = usage.Add(ctx, tx, ds.OrgID, time.Now(), usage.Delta{StorageBytes: res.SourceBytes})
	}
	if err != nil {
		_ = tx.Rollback()
		return 0, fmt.Errorf("fetch: store dataset: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("fetch: store dataset: commit: %w", err)
	}
	return n, nil
}

// sourceLimits are what a URL dataset may hold: the download limit, lowered by the
// organization's plan when it sets one (byPlan: the plan's is the one that applies), and
// the plan's rows per dataset (0: none known).
type sourceLimits struct {
	bytes  int64
	byPlan bool
	rows   int64
}

// sourceLimits reads the organization's plan limits from its tenant row.
func (r *Runner) sourceLimits(ctx context.Context, org string) (sourceLimits, error) {
	lim := sourceLimits{bytes: r.opts.MaxSourceBytes}
	t, err := r.db.Tenant.Get(ctx, org)
	if entapi.IsNotFound(err) {
		return lim, nil
	}
	if err != nil {
		return lim, fmt.Errorf("fetch: load tenant: %w", err)
	}
	if t.MaxUploadBytes > 0 && t.MaxUploadBytes < lim.bytes {
		lim.bytes, lim.byPlan = t.MaxUploadBytes, true
	}
	lim.rows = t.MaxRows
	return lim, nil
}

// planSized names the plan's dataset size in a download refused by it.
func (l sourceLimits) planSized(err error) error {
	var se *ingest.SourceError
	if !l.byPlan || !errors.As(err, &se) || se.Limit == 0 {
		return err
	}
	return &ingest.SourceError{Err: se.Err, Limit: se.Limit, Msg: fmt.Sprintf(
		"%s, your plan's dataset size (%s): upgrade the plan or use a smaller file", se.Msg, usage.LimitMaxUpload)}
}
