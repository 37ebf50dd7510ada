// Package usage meters what an organization uses in a billing period and tells when a
// plan limit is reached. The period is the calendar month in UTC. Every counter moves in
// the transaction of its cause: a task admitted, the rows of a completed run, the bytes
// of a dataset stored or deleted.
package usage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/usagecounter"
)

// Names of the limits, as API problems and webhooks name them (app/plan.Limits' JSON).
const (
	LimitTasksPerMonth = "tasks_per_month"
	LimitMaxRows       = "max_rows"
	LimitMaxUpload     = "max_upload_bytes"
	LimitAPIRate       = "api_rate_per_minute"
	LimitMembers       = "members"
)

// PeriodStart is the first instant of the calendar month (UTC) that holds t.
func PeriodStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// PeriodEnd is the first instant after the period that starts at start.
func PeriodEnd(start time.Time) time.Time { return start.AddDate(0, 1, 0) }

// Counter is an organization's usage in one period.
type Counter struct {
	PeriodStart  time.Time
	Tasks        int64
	Rows         int64
	StorageBytes int64
}

// Delta is a change to the counters.
type Delta struct {
	Tasks, Rows, StorageBytes int64
}

// Current reads org's usage in the period of now; a period without a row yet has used
// nothing but still holds the storage carried from before.
func Current(ctx context.Context, db *entapi.Client, org string, now time.Time) (Counter, error) {
	ctx = tenant.With(ctx, org)
	start := PeriodStart(now)
	c := Counter{PeriodStart: start}
	row, err := db.UsageCounter.Query().Where(usagecounter.PeriodStart(start)).Only(ctx)
	if entapi.IsNotFound(err) {
		c.StorageBytes, err = carried(ctx, db, start)
		return c, err
	}
	if err != nil {
		return c, fmt.Errorf("usage: current: %w", err)
	}
	c.Tasks, c.Rows, c.StorageBytes = row.Tasks, row.Rows, row.StorageBytes
	return c, nil
}

// carried is the storage of the latest period before start.
func carried(ctx context.Context, db *entapi.Client, start time.Time) (int64, error) {
	prev, err := db.UsageCounter.Query().Where(usagecounter.PeriodStartLT(start)).
		Order(entapi.Desc(usagecounter.FieldPeriodStart)).First(ctx)
	if entapi.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("usage: previous period: %w", err)
	}
	return prev.StorageBytes, nil
}

// ensure makes sure tx holds org's row of the period starting at start.
func ensure(ctx context.Context, tx *entapi.Tx, start time.Time) error {
	exists, err := tx.UsageCounter.Query().Where(usagecounter.PeriodStart(start)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("usage: find period: %w", err)
	}
	if exists {
		return nil
	}
	storage, err := carried(ctx, tx.Client(), start)
	if err != nil {
		return err
	}
	err = tx.UsageCounter.Create().SetPeriodStart(start).SetStorageBytes(storage).
		OnConflictColumns(usagecounter.FieldOrgID, usagecounter.FieldPeriodStart).DoNothing().Exec(ctx)
	// An upsert that did nothing returns no row on Postgres (RETURNING is empty).
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("usage: create period: %w", err)
	}
	return nil
}

// inPeriod runs upd, an update of the period's row starting at start, and returns how
// many rows it changed. When it changes none, the row may not exist yet (the period's
// first change): inPeriod makes sure it does and runs upd again. The row exists but for
// that first change, so this is one statement.
func inPeriod(ctx context.Context, tx *entapi.Tx, start time.Time, upd func() (int, error)) (int, error) {
	n, err := upd()
	if err != nil || n > 0 {
		return n, err
	}
	if err := ensure(ctx, tx, start); err != nil {
		return 0, err
	}
	return upd()
}

// Add applies d to org's counters of the period of now, in tx.
func Add(ctx context.Context, tx *entapi.Tx, org string, now time.Time, d Delta) error {
	if d == (Delta{}) {
		return nil
	}
	ctx = tenant.With(ctx, org)
	start := PeriodStart(now)
	_, err := inPeriod(ctx, tx, start, func() (int, error) {
		n, err := tx.UsageCounter.Update().Where(usagecounter.PeriodStart(start)).
			AddTasks(d.Tasks).AddRows(d.Rows).AddStorageBytes(d.StorageBytes).Save(ctx)
		if err != nil {
			return 0, fmt.Errorf("usage: add: %w", err)
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	if d.StorageBytes < 0 { // a dataset stored before metering began
		err = tx.UsageCounter.Update().Where(usagecounter.PeriodStart(start), usagecounter.StorageBytesLT(0)).
			SetStorageBytes(0).Exec(ctx)
		if err != nil {
			return fmt.Errorf("usage: clamp storage: %w", err)
		}
	}
	return nil
}
