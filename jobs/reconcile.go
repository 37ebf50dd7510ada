package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/gomodule/redigo/redis"

	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/predicate"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// The reconciler repairs what Redis or a dead worker lost. Every write is conditional,
// so it is safe next to workers and next to a second reconciler; the Redis lock only
// keeps the work to one pool per namespace.

// reconcileBatch bounds the rows one pass handles per kind of repair.
const reconcileBatch = 200

// errLeaseExpired is the cause recorded for a step whose worker vanished.
var errLeaseExpired = errors.New("the worker running it stopped (lease expired)")

// deadlineMessage is the task error of a run past its deadline.
func deadlineMessage(t *entapi.Task) string {
	from := t.CreatedAt
	if t.StartedAt != nil {
		from = *t.StartedAt
	}
	return fmt.Sprintf("deadline exceeded after %s: the run was stopped.", now().Sub(from).Round(time.Second))
}

var (
	renewLock = redis.NewScript(1,
		`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
	releaseLock = redis.NewScript(1,
		`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
)

type reconciler struct {
	r     *Runner
	key   string
	token string
	ttl   time.Duration
	held  bool
	// retentionAt is when the retention purge last ran (it runs hourly, not every pass).
	retentionAt time.Time
}

func newReconciler(r *Runner) *reconciler {
	return &reconciler{
		r:     r,
		key:   r.deps.Namespace + ":reconciler",
		token: newLeaseOwner(),
		// Three periods, at least 2 s: a leader killed outright hands over this soon.
		ttl: max(2*time.Second, 3*r.opts.ReconcileEvery),
	}
}

// run reconciles every ReconcileEvery while it holds the lock, until stop is closed.
func (rc *reconciler) run(stop <-chan struct{}) {
	ctx := tenant.System(context.Background())
	tick := time.NewTicker(rc.r.opts.ReconcileEvery)
	defer tick.Stop()
	defer rc.release()
	for {
		if rc.lead() {
			rc.pass(ctx)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// lead renews the lock, or takes it when free: SET key token NX PX ttl.
func (rc *reconciler) lead() bool {
	c := rc.r.deps.Redis.Pool.Get()
	defer c.Close()
	ms := rc.ttl.Milliseconds()
	if rc.held {
		n, err := redis.Int(renewLock.Do(c, rc.key, rc.token, ms))
		if err == nil && n == 1 {
			return true
		}
		rc.held = false
	}
	_, err := redis.String(c.Do("SET", rc.key, rc.token, "NX", "PX", ms))
	if err != nil && !errors.Is(err, redis.ErrNil) {
		rc.r.log.Warn("jobs: reconciler lock", "err", err)
	}
	rc.held = err == nil
	return rc.held
}

func (rc *reconciler) release() {
	if !rc.held {
		return
	}
	c := rc.r.deps.Redis.Pool.Get()
	defer c.Close()
	_, _ = releaseLock.Do(c, rc.key, rc.token)
	rc.held = false
}

// pass runs every repair once.
func (rc *reconciler) pass(ctx context.Context) {
	repairs := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"deadlines", rc.deadlines},
		{"admissions", rc.admissions},
		{"expired", rc.expired},
		{"parents", rc.wakeParents},
		{"redispatch", rc.redispatch},
		{"idempotency keys", rc.purgeIdempotencyKeys},
		{"webhook deliveries", rc.webhookDeliveries},
		{"failing webhook endpoints", rc.quietFailingEndpoints},
		{"web messages", rc.webMessages},
		{"retention", rc.retention},
	}
	for _, r := range repairs {
		if err := r.fn(ctx); err != nil {
			rc.r.log.Error("jobs: reconcile", "repair", r.name, "err", err)
		}
	}
}

// redispatch enqueues again queued steps nobody claimed RedispatchAfter past their
// available_at: Redis lost their jobs. Moving available_at to now keeps a second
// reconciler (or the next pass) from sending it again straight away.
func (rc *reconciler) redispatch(ctx context.Context) error {
	db := rc.r.db
	cutoff := now().Add(-rc.r.opts.RedispatchAfter)
	rows, err := db.Step.Query().
		Where(step.StatusEQ(step.StatusQueued), step.AvailableAtLTE(cutoff)).
		Order(step.ByAvailableAt()).Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("redispatch: %w", err)
	}
	var due []*entapi.Step
	for _, s := range rows {
		n, err := db.Step.Update().
			Where(step.ID(s.ID), step.StatusEQ(step.StatusQueued), step.AvailableAtLTE(cutoff)).
			SetAvailableAt(now()).Save(ctx)
		if err != nil {
			return fmt.Errorf("redispatch %s: %w", s.ID, err)
		}
		if n == 1 {
			due = append(due, s)
		}
	}
	if len(due) > 0 {
		rc.r.log.Info("jobs: re-dispatched lost steps", "count", len(due))
		rc.r.disp.dispatch(due...)
	}
	return nil
}

// expired re-queues running steps whose lease ran out (their worker died); a step with
// no attempts left fails its run instead.
func (rc *reconciler) expired(ctx context.Context) error {
	db := rc.r.db
	rows, err := db.Step.Query().
		Where(step.StatusEQ(step.StatusRunning), step.LeaseUntilLT(now())).
		Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("expired: %w", err)
	}
	for _, s := range rows {
		var next []*entapi.Step
		err := withTx(ctx, db, func(tx *entapi.Tx) error {
			u := tx.Step.Update().
				Where(step.ID(s.ID), step.StatusEQ(step.StatusRunning), step.LeaseOwner(s.LeaseOwner), step.LeaseUntilLT(now())).
				SetLeaseOwner("").ClearLeaseUntil().
				SetError(errLeaseExpired.Error()).SetErrorClass(classTimeout)
			if s.Attempt < s.MaxAttempts {
				n, err := u.SetStatus(step.StatusQueued).SetAvailableAt(now()).Save(ctx)
				if n == 1 {
					next = []*entapi.Step{s}
				}
				return err
			}
			n, err := u.SetStatus(step.StatusFailed).Save(ctx)
			if err != nil || n == 0 || s.Kind == kindNotify {
				return err
			}
			next, err = endTask(ctx, tx, rc.r.deps.MaxRunning, s.TaskID, task.StatusFailed, s.Kind,
				failureMessage(s.Kind, errLeaseExpired, classTimeout))
			return err
		})
		if err != nil {
			return fmt.Errorf("expired %s: %w", s.ID, err)
		}
		if len(next) > 0 {
			rc.r.log.Info("jobs: lease expired", "step_id", s.ID, "kind", s.Kind, "attempt", s.Attempt)
			rc.r.disp.dispatch(next...)
		}
	}
	return nil
}

// wakeParents finishes waiting parents whose children all succeeded, in case the
// pending_children count drifted. The query selects only those, so parents that wait
// legitimately neither cost a query each nor crowd a drifted one out of the batch.
func (rc *reconciler) wakeParents(ctx context.Context) error {
	db := rc.r.db
	rows, err := db.Step.Query().Where(step.StatusEQ(step.StatusWaiting), childrenAllSucceeded()).
		Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("parents: %w", err)
	}
	for _, p := range rows {
		var spawned []*entapi.Step
		err := withTx(ctx, db, func(tx *entapi.Tx) error {
			t, err := tx.Task.Get(ctx, p.TaskID)
			if err != nil || terminal(t.Status) {
				return err
			}
			spawned, err = wakeParent(ctx, tx, t, p.ID)
			return err
		})
		if err != nil {
			return fmt.Errorf("parent %s: %w", p.ID, err)
		}
		if len(spawned) > 0 {
			rc.r.log.Warn("jobs: woke a parent whose children had all finished", "step_id", p.ID)
			rc.r.disp.dispatch(spawned...)
		}
	}
	return nil
}

// childrenAllSucceeded matches steps that have children, every one of them succeeded.
func childrenAllSucceeded() predicate.Step {
	return func(s *sql.Selector) {
		c := sql.Table(step.Table).As("child")
		children := func(ps ...*sql.Predicate) *sql.Selector {
			ps = append(ps, sql.ColumnsEQ(c.C(step.FieldParentID), s.C(step.FieldID)))
			return sql.Select(c.C(step.FieldID)).From(c).Where(sql.And(ps...))
		}
		s.Where(sql.And(
			sql.Exists(children()),
			sql.NotExists(children(sql.NEQ(c.C(step.FieldStatus), step.StatusSucceeded.String()))),
		))
	}
}

// deadlines fails admitted runs past their deadline (a waiting task's deadline counts
// from its admission). Their running stages stop at the next lease renewal.
func (rc *reconciler) deadlines(ctx context.Context) error {
	db := rc.r.db
	rows, err := db.Task.Query().
		Where(task.StatusIn(activeStatuses...), task.DeadlineLT(now()), admitted()).
		Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("deadlines: %w", err)
	}
	for _, t := range rows {
		var next []*entapi.Step
		err := withTx(ctx, db, func(tx *entapi.Tx) (err error) {
			next, err = endTask(ctx, tx, rc.r.deps.MaxRunning, t.ID, task.StatusFailed, t.Stage, deadlineMessage(t))
			return err
		})
		if err != nil {
			return fmt.Errorf("deadline %s: %w", t.ID, err)
		}
		if len(next) > 0 {
			rc.r.log.Info("jobs: task past its deadline failed", "task_id", t.ID)
			rc.r.disp.dispatch(next...)
		}
	}
	return nil
}
