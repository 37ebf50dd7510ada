package jobs

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// dispatcher rings the doorbell: it enqueues step jobs and wakes the pools.
type dispatcher struct {
	db  *entapi.Client // reads the traceparents of runs; nil reads none
	enq *work.Enqueuer
	rds *platform.Redis
	ns  string
	log *slog.Logger

	mu    sync.Mutex
	local []func() // wakes pools of this process without the Redis round trip

	// copies > 1 (tests) enqueues every job that many times, as a duplicating broker would.
	copies atomic.Int32
	// silent (tests) enqueues without waking any pool.
	silent bool
	// afterEnqueue, when set (tests), sees the steps of every dispatch once they are enqueued.
	afterEnqueue func([]*entapi.Step)
}

func newDispatcher(db *entapi.Client, rds *platform.Redis, ns string, log *slog.Logger) *dispatcher {
	return &dispatcher{db: db, enq: work.NewEnqueuer(ns, rds.Pool), rds: rds, ns: ns, log: log}
}

// addLocal registers a wake function of a pool in this process.
func (d *dispatcher) addLocal(wake func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.local = append(d.local, wake)
}

// dispatch enqueues a job per step and wakes the pools. A failed enqueue is only logged:
// the step row is queued, so the reconciler dispatches it again. Each job carries the
// trace of the request that started its run, read from the task rows.
func (d *dispatcher) dispatch(steps ...*entapi.Step) {
	d.enqueue(d.traceparents(steps, nil), steps, d.sends())
}

// dispatchTraced is dispatch carrying ctx's trace into the jobs of the steps of taskID,
// so their stages join the trace of the request that started the run. Steps of other
// tasks (admitted when this one ended) get their own runs' traces.
func (d *dispatcher) dispatchTraced(ctx context.Context, taskID string, steps ...*entapi.Step) {
	d.dispatchWith(map[string]string{taskID: telemetry.Traceparent(ctx)}, steps...)
}

// dispatchWith is dispatch with the traceparents of some of the steps' tasks known
// (task id → traceparent); the others are read.
func (d *dispatcher) dispatchWith(known map[string]string, steps ...*entapi.Step) {
	d.enqueue(d.traceparents(steps, known), steps, d.sends())
}

// tracesKey carries, in a success transaction's context, a map that admit completes with
// the traceparents of the tasks it admits, so their jobs carry them without a query.
type tracesKey struct{}

func withTraces(ctx context.Context, m map[string]string) context.Context {
	return context.WithValue(ctx, tracesKey{}, m)
}

// noteTraces records the traceparents of tasks in ctx's map, if it carries one.
func noteTraces(ctx context.Context, tasks []*entapi.Task) {
	m, _ := ctx.Value(tracesKey{}).(map[string]string)
	if m == nil {
		return
	}
	for _, t := range tasks {
		m[t.ID] = t.Traceparent
	}
}

// echo is for a step a worker kept to run itself (see Runner.handOn): no job is sent,
// except in tests that duplicate every job (copies > 1), where the copies still arrive.
func (d *dispatcher) echo(ctx context.Context, taskID string, s *entapi.Step) {
	if n := d.sends(); n > 1 {
		d.enqueue(map[string]string{taskID: telemetry.Traceparent(ctx)}, []*entapi.Step{s}, n-1)
	}
}

// sends is how many jobs go out for each step: 1, or copies.
func (d *dispatcher) sends() int { return max(1, int(d.copies.Load())) }

// enqueue sends copies jobs for each step and wakes the pools.
func (d *dispatcher) enqueue(traces map[string]string, steps []*entapi.Step, copies int) {
	if len(steps) == 0 {
		return
	}
	n := 0
	for _, s := range steps {
		if s == nil {
			continue
		}
		args := stepArgs{StepID: s.ID, Traceparent: traces[s.TaskID]}
		for range copies {
			if _, err := d.enq.Enqueue(jobName(s.Kind), args.q()); err != nil {
				d.log.Warn("jobs: enqueue", "step_id", s.ID, "kind", s.Kind, "err", err)
				continue
			}
			n++
		}
	}
	if d.afterEnqueue != nil {
		d.afterEnqueue(steps)
	}
	if n > 0 && !d.silent {
		d.wake()
	}
}

// traceparents completes known (task id → traceparent) with the stored traceparent of
// every other task among steps, in one query. Without a database, or when the query
// fails, those jobs start traces of their own: tracing never holds up a dispatch.
func (d *dispatcher) traceparents(steps []*entapi.Step, known map[string]string) map[string]string {
	if known == nil {
		known = map[string]string{}
	}
	var missing []string
	for _, s := range steps {
		if s == nil {
			continue
		}
		if _, ok := known[s.TaskID]; !ok && !slices.Contains(missing, s.TaskID) {
			missing = append(missing, s.TaskID)
		}
	}
	if len(missing) == 0 || d.db == nil {
		return known
	}
	ctx, cancel := context.WithTimeout(tenant.System(context.Background()), 5*time.Second)
	defer cancel()
	tasks, err := d.db.Task.Query().Where(task.IDIn(missing...)).Select(task.FieldTraceparent).All(ctx)
	if err != nil {
		d.log.Warn("jobs: read traceparents", "err", err)
		return known
	}
	for _, t := range tasks {
		known[t.ID] = t.Traceparent
	}
	return known
}

// enqueueIn schedules a step's job after delay. gocraft schedules in whole seconds from
// the current whole second, so one second is added to never deliver early.
// ctx's trace goes with the job.
func (d *dispatcher) enqueueIn(ctx context.Context, s *entapi.Step, delay time.Duration) {
	secs := int64(math.Ceil(delay.Seconds())) + 1
	args := stepArgs{StepID: s.ID, Traceparent: telemetry.Traceparent(ctx)}
	if _, err := d.enq.EnqueueIn(jobName(s.Kind), secs, args.q()); err != nil {
		d.log.Warn("jobs: schedule", "step_id", s.ID, "kind", s.Kind, "err", err)
	}
}

// wake tells every pool to fetch now: local ones directly, the others through Redis.
func (d *dispatcher) wake() {
	d.mu.Lock()
	local := d.local
	d.mu.Unlock()
	for _, w := range local {
		w()
	}
	if err := publishWake(d.rds.Pool, d.ns); err != nil {
		d.log.Warn("jobs: wake", "err", err)
	}
}
