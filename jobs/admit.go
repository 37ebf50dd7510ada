package jobs

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/predicate"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// Admission keeps one organization's burst from taking every worker. A task is created
// without steps; it is admitted, its fetch step created and dispatched, while its
// organization runs fewer admitted tasks than its limit. The rest wait in SQL, pending,
// and are admitted oldest first in the transaction that ends one of the organization's
// runs, with the reconciler as a backstop (after a restart, or when a limit grows).
// Admission is serialized per organization: BEGIN IMMEDIATE on SQLite, a transaction
// advisory lock on Postgres.

// OrgLimit is how many tasks of an organization may run at once; 0 or less: no limit.
type OrgLimit func(ctx context.Context, orgID string) int

// DefaultMaxRunningPerOrg is the per-organization limit when none is configured.
const DefaultMaxRunningPerOrg = 4

// FixedOrgLimit gives every organization the same limit (n <= 0: DefaultMaxRunningPerOrg).
func FixedOrgLimit(n int) OrgLimit {
	if n <= 0 {
		n = DefaultMaxRunningPerOrg
	}
	return func(context.Context, string) int { return n }
}

// admitted matches tasks whose fetch step exists: they were let run.
func admitted() predicate.Task {
	return func(s *sql.Selector) {
		st := sql.Table(step.Table)
		s.Where(sql.Exists(sql.Select(st.C(step.FieldID)).From(st).Where(sql.And(
			sql.ColumnsEQ(st.C(step.FieldTaskID), s.C(task.FieldID)),
			sql.EQ(st.C(step.FieldKind), kindFetch),
		))))
	}
}

// admit starts org's oldest waiting tasks while it runs fewer than lim allows, in tx,
// and returns their fetch steps to dispatch after commit. A task's deadline counts from
// its admission.
func admit(ctx context.Context, tx *entapi.Tx, lim OrgLimit, org string) ([]*entapi.Step, error) {
	if err := lockOrg(ctx, tx, org); err != nil {
		return nil, err
	}
	if off, err := suspended(ctx, tx, org); err != nil || off {
		return nil, err
	}
	q := tx.Task.Query().Where(task.OrgID(org), task.StatusIn(activeStatuses...))
	free := -1
	if n := lim(ctx, org); n > 0 {
		running, err := q.Clone().Where(admitted()).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("jobs: admit: count running: %w", err)
		}
		if free = n - running; free <= 0 {
			return nil, nil
		}
	}
	wq := q.Where(task.StatusEQ(task.StatusPending), task.Not(admitted())).
		Order(task.ByCreatedAt(), task.ByID())
	if free > 0 {
		wq = wq.Limit(free)
	}
	waiting, err := wq.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: admit: waiting: %w", err)
	}
	noteTraces(ctx, waiting)
	var out []*entapi.Step
	for _, t := range waiting {
		// An update by predicate: UpdateOneID would read the row back.
		err := tx.Task.Update().Where(task.ID(t.ID)).SetDeadline(now().Add(t.Deadline.Sub(t.CreatedAt))).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("jobs: admit %s: %w", t.ID, err)
		}
		fetch, err := createSteps(ctx, tx, t, stepSpec{Kind: kindFetch})
		if err != nil {
			return nil, err
		}
		out = append(out, fetch...)
	}
	return out, nil
}

// lockOrg serializes admissions of org until tx ends. SQLite transactions begin
// IMMEDIATE, which already serializes them; Postgres takes a transaction advisory lock.
func lockOrg(ctx context.Context, tx *entapi.Tx, org string) error {
	return onPostgres(ctx, tx, "lock "+org, `SELECT pg_advisory_xact_lock(hashtext($1))`, "assay:admit:"+org)
}

// onPostgres runs query in tx when tx is on Postgres, and does nothing on SQLite; what
// names it in the error.
func onPostgres(ctx context.Context, tx *entapi.Tx, what, query string, args ...any) error {
	if tx.Dialect() != dialect.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("jobs: %s: %w", what, err)
	}
	return nil
}

// admissions admits waiting tasks of organizations below their limit: after a restart,
// a lost admission or a raised limit.
func (rc *reconciler) admissions(ctx context.Context) error {
	db := rc.r.db
	orgs, err := db.Task.Query().
		Where(task.StatusEQ(task.StatusPending), task.Not(admitted()), ofLiveTenant()).
		Limit(reconcileBatch).Unique(true).Select(task.FieldOrgID).Strings(ctx)
	if err != nil {
		return fmt.Errorf("admissions: %w", err)
	}
	for _, org := range orgs {
		var next []*entapi.Step
		err := withTx(ctx, db, func(tx *entapi.Tx) (err error) {
			next, err = admit(ctx, tx, rc.r.deps.MaxRunning, org)
			return err
		})
		if err != nil {
			return fmt.Errorf("admissions %s: %w", org, err)
		}
		if len(next) > 0 {
			rc.r.log.Info("jobs: admitted waiting tasks", "org_id", org, "count", len(next))
			rc.r.disp.dispatch(next...)
		}
	}
	return nil
}
