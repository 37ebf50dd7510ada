package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/schema"
)

// Retention rule: a dataset expires RetentionDays after it was created, whatever ran on
// it since. Its creation is the one date a user sees on every dataset and that never
// moves, so the date shown on the dataset ("deleted on …") is the date it goes. A dataset
// with a task still pending or processing is kept until that task ends (the next run
// after it purges it).

// Tables a dataset purge leaves alone: the delivery log of an organization's webhooks
// records what was sent and ages out with the endpoint, not with the dataset.
const tableWebhookDeliveries = "webhook_deliveries"

// Columns that tie a row to a dataset.
const (
	columnDatasetID = "dataset_id"
	columnTaskID    = "task_id"
)

// RetentionDays is how long a tenant keeps its datasets: the days pushed with its plan,
// or, before any push, its plan's days in the catalogue (Free's for an unknown plan).
func RetentionDays(planID string, days int64) int64 {
	if days > 0 {
		return days
	}
	return plan.Or(planID).Limits.RetentionDays
}

// ExpiresAt is when a dataset created at created is purged under a retention of days.
func ExpiresAt(created time.Time, days int64) time.Time {
	return created.UTC().Add(time.Duration(days) * 24 * time.Hour)
}

// Retention purges, in the API database and blob storage, the datasets past their
// organization's retention, with their tasks, steps, reports and files.
type Retention struct {
	DB    *entapi.Client
	Blobs platform.Blobs
	// Now is the clock (tests move it); nil: the system clock.
	Now func() time.Time
	Log *slog.Logger
}

// retentionBatch bounds the datasets one RunDue purges; the rest wait for the next run.
const retentionBatch = 200

func (r *Retention) now() time.Time {
	if r.Now == nil {
		return time.Now().UTC()
	}
	return r.Now().UTC()
}

// RunDue purges the datasets whose retention is over and returns how many it purged. A
// dataset that fails is logged and retried at the next run.
func (r *Retention) RunDue(ctx context.Context) (int, error) {
	ctx = tenant.System(ctx)
	now := r.now()
	// No plan keeps data less than a day: older datasets are the only candidates.
	orgs, err := r.DB.Dataset.Query().Where(dataset.CreatedAtLT(now.Add(-24 * time.Hour))).
		Unique(true).Select(dataset.FieldOrgID).Strings(ctx)
	if err != nil {
		return 0, fmt.Errorf("lifecycle: retention: organizations: %w", err)
	}
	done := 0
	for _, org := range orgs {
		if done >= retentionBatch {
			break
		}
		days, err := r.tenantDays(ctx, org)
		if err != nil {
			return done, err
		}
		cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
		due, err := r.dueDatasets(ctx, org, cutoff, retentionBatch-done)
		if err != nil {
			return done, err
		}
		for _, d := range due {
			_, err := PurgeDataset(ctx, r.DB, r.Blobs, d, now)
			if errors.Is(err, ErrDatasetBusy) {
				continue
			}
			if err != nil {
				if r.Log != nil {
					r.Log.WarnContext(ctx, "lifecycle: retention purge", slog.String("dataset_id", d.ID), slog.Any("error", err))
				}
				continue
			}
			done++
		}
	}
	return done, nil
}

// tenantDays is org's retention; an organization the API has no tenant row for yet is
// on Free.
func (r *Retention) tenantDays(ctx context.Context, org string) (int64, error) {
	t, err := r.DB.Tenant.Get(ctx, org)
	if entapi.IsNotFound(err) {
		return RetentionDays(plan.Free, 0), nil
	}
	if err != nil {
		return 0, fmt.Errorf("lifecycle: retention: tenant: %w", err)
	}
	return RetentionDays(t.Plan, t.RetentionDays), nil
}

// dueDatasets are org's datasets created before cutoff without a task still running.
func (r *Retention) dueDatasets(ctx context.Context, org string, cutoff time.Time, limit int) ([]*entapi.Dataset, error) {
	rows, err := r.DB.Dataset.Query().Where(dataset.OrgID(org), dataset.CreatedAtLT(cutoff)).
		Order(dataset.ByCreatedAt()).Limit(limit).All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, wrapErr("lifecycle: retention: datasets", err)
	}
	ids := make([]string, len(rows))
	for i, d := range rows {
		ids[i] = d.ID
	}
	busy, err := r.DB.Task.Query().Where(task.DatasetIDIn(ids...),
		task.StatusIn(task.StatusPending, task.StatusProcessing)).Select(task.FieldDatasetID).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: retention: running tasks: %w", err)
	}
	skip := map[string]bool{}
	for _, id := range busy {
		skip[id] = true
	}
	out := rows[:0]
	for _, d := range rows {
		if !skip[d.ID] {
			out = append(out, d)
		}
	}
	return out, nil
}

// PurgeDataset hard-deletes dataset d: it is first hidden (soft-deleted, its stored bytes
// taken off the organization's metered storage, unless a user deleted it already), so
// no new task starts on it, unless a task of it is running (ErrDatasetBusy); then its files and its tasks' files go; then, in one
// transaction, every row that names one of its tasks or the dataset, and the dataset.
// Each step can be repeated, so a failed purge is simply retried.
func PurgeDataset(ctx context.Context, db *entapi.Client, blobs platform.Blobs, d *entapi.Dataset, now time.Time) (Summary, error) {
	var sum Summary
	ctx = tenant.With(ctx, d.OrgID)
	if err := hideDataset(ctx, db, d, now); err != nil {
		return sum, err
	}
	tables, err := store.Tables(schema.API)
	if err != nil {
		return sum, err
	}
	taskIDs, err := db.Task.Query().Where(task.DatasetID(d.ID)).IDs(ctx)
	if err != nil {
		return sum, fmt.Errorf("lifecycle: purge dataset: tasks: %w", err)
	}
	for _, id := range taskIDs {
		if err := blobs.DeletePrefix(ctx, taskPrefix(id)); err != nil {
			return sum, fmt.Errorf("lifecycle: purge dataset: %w", err)
		}
		sum.BlobPrefixes++
	}
	if err := blobs.DeletePrefix(ctx, datasetPrefix(d.OrgID, d.ID)); err != nil {
		return sum, fmt.Errorf("lifecycle: purge dataset: %w", err)
	}
	sum.BlobPrefixes++
	tx, err := db.Tx(ctx)
	if err != nil {
		return sum, fmt.Errorf("lifecycle: purge dataset: %w", err)
	}
	for _, id := range taskIDs {
		if err := deleteWhere(ctx, tx, TablesWith(tables, columnTaskID, tableWebhookDeliveries), columnTaskID, id, &sum); err != nil {
			return sum, rollback(tx, err)
		}
	}
	err = deleteWhere(ctx, tx, TablesWith(tables, columnDatasetID), columnDatasetID, d.ID, &sum)
	if err == nil {
		err = deleteWhere(ctx, tx, []string{dataset.Table}, "id", d.ID, &sum)
	}
	if err != nil {
		return sum, rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return sum, fmt.Errorf("lifecycle: purge dataset: commit: %w", err)
	}
	return sum, nil
}

// ErrDatasetBusy leaves a dataset whose task is still pending or processing: it is
// purged after the task ends.
var ErrDatasetBusy = errors.New("lifecycle: the dataset has a task running")

// hideDataset soft-deletes d if it is live, with its size off the metered storage, in
// one transaction (as a user's delete does). A task started since the caller looked
// makes it ErrDatasetBusy; once hidden, the API starts no new task on it.
func hideDataset(ctx context.Context, db *entapi.Client, d *entapi.Dataset, now time.Time) error {
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("lifecycle: hide dataset: %w", err)
	}
	busy, err := tx.Task.Query().Where(task.DatasetID(d.ID), task.StatusIn(task.StatusPending, task.StatusProcessing)).Exist(ctx)
	if err == nil && busy {
		err = ErrDatasetBusy
	}
	if err != nil {
		return rollback(tx, err)
	}
	n, err := tx.Dataset.Update().Where(dataset.ID(d.ID), dataset.DeletedAtIsNil()).SetDeletedAt(now).Save(ctx)
	if err == nil && n == 1 {
		err = usage.Add(ctx, tx, d.OrgID, now, usage.Delta{StorageBytes: -d.SizeBytes})
	}
	if err != nil {
		return rollback(tx, fmt.Errorf("lifecycle: hide dataset: %w", err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("lifecycle: hide dataset: commit: %w", err)
	}
	return nil
}

// wrapErr wraps err with prefix, or returns nil.
func wrapErr(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
