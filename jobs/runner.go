package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/gocraft/work"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// Runner executes steps. Every stage runs through runStep, the one implementation of
// claim, lease renewal, finish and retry.
type Runner struct {
	db       *entapi.Client
	deps     Deps
	opts     PoolOptions
	log      *slog.Logger
	disp     *dispatcher
	backoffs map[string]backoff
	tracer   trace.Tracer
	shut     *shutdownState

	// inlineReport is the largest report aggregate hands to save in its result
	// (inlineReportBytes; tests lower it).
	inlineReport int

	// afterClaim, when set (tests), sees every step this runner claims.
	afterClaim func(*entapi.Step)
}

// stage is the body of one step kind. It reads, computes and writes blobs; the
// outcome's commit does its SQL writes in the transaction that records the result.
type stage func(ctx context.Context, run *stepRun) (*outcome, error)

// stepRun is a claimed step.
type stepRun struct {
	Step  *entapi.Step
	Task  *entapi.Task
	owner string
	// siblings are the steps of the same chunk set the stage claimed under owner; they
	// end as the step does.
	siblings []*entapi.Step
	// announced is set when the event of the previous step already showed this one
	// running.
	announced bool
	carried
}

// carried is what the earlier steps of a run in this worker left for the later ones;
// handOn passes it on whole.
type carried struct {
	// layout and dataset, when set, are the run's as an earlier step in this worker
	// loaded them (both are fixed once fetch has succeeded).
	layout  *report.Layout
	dataset *entapi.Dataset
	// kept is the chunk whose every partial this worker just computed (and
	// stored, unless the dataset is that one chunk), still in memory: aggregate,
	// run next here, uses them as they are rather than reading them back.
	kept *keptChunk
	// made is the report aggregate just made here, for save to record as it is
	// rather than read back.
	made *madeReport
	// ended is what save's commit did, for notify, run next here.
	ended *endedRun
}

// endedRun is a run as save ended it.
type endedRun struct {
	task       *entapi.Task // as save's update left it
	deliveries []string     // the endpoint deliveries save wrote, none: empty, not nil
}

// madeReport is a report and its JSON.
type madeReport struct {
	rep  *report.Report
	body []byte
}

// keptChunk is one chunk's partials in memory.
type keptChunk struct {
	index    int
	partials *report.Partials
}

// steps is the claimed step followed by its siblings.
func (run *stepRun) steps() []*entapi.Step {
	return append([]*entapi.Step{run.Step}, run.siblings...)
}

// all is steps, each as a run of its own.
func (run *stepRun) all() []*stepRun {
	out := []*stepRun{run}
	for _, s := range run.siblings {
		out = append(out, &stepRun{Step: s, Task: run.Task, owner: run.owner})
	}
	return out
}

// outcome is what a stage produced.
type outcome struct {
	// result is stored as the step's result (JSON).
	result any
	// wait leaves the step waiting for its children instead of succeeded.
	wait bool
	// commit, if set, runs in the finishing transaction after the fenced status update;
	// the steps it returns are dispatched after commit.
	commit func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error)
	// ends says the commit ends the task (save): the final event is notify's, so the
	// task's progress is not advanced.
	ends bool
}

// runStep is the handler of every pipeline job. It returns an error (so gocraft
// retries) only before the claim; after it, SQL decides what happens next. A step that
// succeeds may hand its worker the run's next step (see handOn), which runs here too.
func (r *Runner) runStep(job *work.Job) error {
	if r.handBack(job) {
		return nil
	}
	args, err := parseArgs(job)
	if err != nil {
		return fmt.Errorf("jobs: %s: %w", job.Name, err)
	}
	r.deps.Metrics.ObserveQueueLatency(job.Name, time.Since(time.Unix(job.EnqueuedAt, 0)))
	ctx := telemetry.WithTraceparent(tenant.System(context.Background()), args.Traceparent)
	s, err := r.db.Step.Get(ctx, args.StepID)
	if entapi.IsNotFound(err) {
		r.log.Warn("jobs: no such step", "job", job.Name, "step_id", args.StepID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: load step %s: %w", args.StepID, err)
	}
	if s.Kind != kindOf(job.Name) {
		r.log.Warn("jobs: step kind does not match job", "job", job.Name, "step_id", s.ID, "kind", s.Kind)
		return nil
	}
	t, err := r.db.Task.Get(ctx, s.TaskID)
	if err != nil {
		return fmt.Errorf("jobs: load task %s: %w", s.TaskID, err)
	}
	if terminal(t.Status) && s.Kind != kindNotify {
		return r.drop(ctx, s)
	}
	owner := newLeaseOwner()
	c, err := claim(ctx, r.db.Step, s, owner, r.opts.Lease)
	if err != nil {
		return err
	}
	if c == nil {
		r.early(ctx, s)
		return nil
	}
	for run := (&stepRun{Step: c, Task: t, owner: owner}); run != nil; {
		run = r.execute(ctx, run)
	}
	return nil
}

// execute runs a claimed step to one of: succeeded/waiting, retry, failed, or discarded
// when the lease was lost, in a span of its own, and records its duration and outcome.
// It returns the step this worker runs next, claimed (see handOn), or nil.
func (r *Runner) execute(ctx context.Context, run *stepRun) (next *stepRun) {
	s := run.Step
	ctx, span := r.tracer.Start(ctx, "stage "+s.Kind, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(stepAttrs(s)...))
	defer span.End()
	start := time.Now()
	outcome := "succeeded"
	defer func() {
		d := time.Since(start)
		for i, st := range run.steps() {
			sctx := ctx
			if i > 0 {
				// A sibling ran inside this step's pass: its span nests in this one.
				var sp trace.Span
				sctx, sp = r.tracer.Start(ctx, "stage "+st.Kind, trace.WithSpanKind(trace.SpanKindConsumer),
					trace.WithTimestamp(start), trace.WithAttributes(stepAttrs(st)...))
				sp.End()
			}
			r.deps.Metrics.ObserveStage(st.Kind, outcome, d)
			r.log.LogAttrs(sctx, slog.LevelDebug, "jobs: step ran", slog.String("task_id", st.TaskID),
				slog.String("step_id", st.ID), slog.String("kind", st.Kind), slog.String("outcome", outcome),
				slog.Duration("duration", d))
		}
	}()
	if r.afterClaim != nil {
		r.afterClaim(s)
	}
	if s.Kind == kindFetch {
		r.markProcessing(ctx, run.Task)
	}
	if !run.announced {
		r.announceStart(ctx, run)
	}
	deadline := now().Add(r.opts.StageTimeout)
	if s.Kind != kindNotify && run.Task.Deadline.Before(deadline) {
		deadline = run.Task.Deadline
	}
	sctx, cancel := context.WithDeadline(ctx, deadline)
	lease := r.keepLease(sctx, ctx, run)
	unwatch := r.onHalt(lease.cancel)
	out, err := call(lease.ctx, r.stageOf(s.Kind), run)
	unwatch()
	lease.stop()
	cancel()
	if lease.lost.Load() {
		outcome = "abandoned"
		r.log.InfoContext(ctx, "jobs: step abandoned", "step_id", s.ID, "task_id", s.TaskID, "kind", s.Kind, "cause", context.Cause(lease.ctx))
		return nil
	}
	if err != nil && errors.Is(context.Cause(lease.ctx), errShutdown) {
		outcome = "released"
		for _, sr := range run.all() {
			r.yieldRun(ctx, sr)
		}
		return nil
	}
	if err == nil {
		next, err = r.succeed(ctx, run, out)
		if errors.Is(err, errLeaseLost) {
			outcome = "abandoned"
			r.log.InfoContext(ctx, "jobs: result discarded, lease lost", "step_id", s.ID, "task_id", s.TaskID, "kind", s.Kind)
			return nil
		}
		if err == nil {
			return next
		}
	}
	class := classify(err)
	outcome = "retry"
	if class == classPermanent || s.Attempt >= s.MaxAttempts {
		outcome = "failed"
	}
	r.deps.Metrics.StageFailed(s.Kind, class)
	span.RecordError(err)
	span.SetStatus(codes.Error, class)
	span.SetAttributes(attribute.String("assay.error_class", class))
	for _, sr := range run.all() {
		r.handleError(ctx, sr, err)
	}
	r.progress(ctx, run.Task)
	return nil
}

// stepAttrs are the span attributes of a step.
func stepAttrs(s *entapi.Step) []attribute.KeyValue {
	return []attribute.KeyValue{attribute.String("assay.task_id", s.TaskID), attribute.String("assay.step_id", s.ID),
		attribute.String("assay.step.kind", s.Kind), attribute.Int("assay.step.chunk", s.Chunk),
		attribute.Int("assay.step.attempt", s.Attempt)}
}

// call runs a stage, turning a panic into a permanent error.
func call(ctx context.Context, fn stage, run *stepRun) (out *outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = permanentf(fmt.Errorf("panic: %v\n%s", p, debug.Stack()), "an internal error occurred")
		}
	}()
	out, err = fn(ctx, run)
	if err == nil && out == nil {
		out = &outcome{}
	}
	return out, err
}

// succeed records the step's result in one transaction: the fenced status update, the
// stage's commit, the claim of the step this worker runs next (handOn) and the task's
// progress. After commit it dispatches the other steps the commit created and
// publishes the progress, and it returns the step to run next, or nil. A step whose
// task ended meanwhile is cancelled instead. Notify, which records nothing but its own
// end, does that in one statement without a transaction.
//
// On Postgres the task's row is locked first, then step rows, the order endTask takes
// them in. (Save's commit then takes the organization's admission lock, then the usage
// counter's row, in the order task creation takes those two.)
func (r *Runner) succeed(ctx context.Context, run *stepRun, out *outcome) (*stepRun, error) {
	var res json.RawMessage
	if out.result != nil {
		b, err := json.Marshal(out.result)
		if err != nil {
			return nil, fmt.Errorf("jobs: encode result: %w", err)
		}
		res = b
	}
	status := step.StatusSucceeded
	if out.wait {
		status = step.StatusWaiting
	}
	// Notify runs for ended tasks and records nothing about the task.
	live := run.Step.Kind != kindNotify
	done := func(u *entapi.StepUpdate) *entapi.StepUpdate {
		return u.SetStatus(status).SetResult(res).SetError("").SetErrorClass("")
	}
	if !live && out.commit == nil {
		// Its own end is all notify records: one statement, no transaction.
		return nil, release(ctx, r.db.Step, run.Step.ID, run.owner, done)
	}
	var spawned []*entapi.Step
	var next *stepRun
	var adv *advanced
	nc := r.nextClaimOf(run)
	traces := map[string]string{run.Task.ID: telemetry.Traceparent(ctx)}
	err := withTx(ctx, r.db, func(tx *entapi.Tx) error {
		if live {
			active, err := lockActive(ctx, tx, run.Task)
			if err != nil {
				return err
			}
			if !active {
				return release(ctx, tx.Step, run.Step.ID, run.owner, func(u *entapi.StepUpdate) *entapi.StepUpdate {
					return u.SetStatus(step.StatusCancelled)
				})
			}
		}
		err := release(ctx, tx.Step, run.Step.ID, run.owner, done)
		if err != nil {
			return err
		}
		if out.commit != nil {
			if spawned, err = out.commit(withTraces(withNextClaim(ctx, nc), traces), tx); err != nil {
				return err
			}
		}
		if next, err = r.handOn(ctx, tx, run, nc, spawned); err != nil {
			return err
		}
		if live && !out.ends {
			adv, err = advance(ctx, tx.Client(), run.Task, run.layout)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if next != nil {
		spawned = slices.DeleteFunc(slices.Clone(spawned), func(s *entapi.Step) bool { return s != nil && s.ID == next.Step.ID })
		r.disp.echo(ctx, run.Task.ID, next.Step)
	}
	r.disp.dispatchWith(traces, spawned...)
	if adv != nil {
		// With the next step claimed, this one event shows this step done and that one
		// running.
		r.publishEvent(ctx, adv.task, adv.stages, adv.p, adv.cur)
		if next != nil {
			next.Task, next.announced = adv.task, true
		}
	}
	return next, nil
}

// lockActive locks the row of t, an active task, in tx; false when the task has ended.
func lockActive(ctx context.Context, tx *entapi.Tx, t *entapi.Task) (bool, error) {
	// An update that changes nothing but updated_at takes the row lock on Postgres
	// (SQLite's write transactions are serialized already).
	n, err := tx.Task.Update().Where(task.ID(t.ID), task.StatusIn(activeStatuses...)).Save(ctx)
	if err != nil {
		return false, fmt.Errorf("jobs: lock task %s: %w", t.ID, err)
	}
	return n == 1, nil
}

// drop cancels a step of an ended task that has not run (or whose worker died).
func (r *Runner) drop(ctx context.Context, s *entapi.Step) error {
	t := now()
	_, err := r.db.Step.Update().
		Where(step.ID(s.ID), step.Or(step.StatusEQ(step.StatusQueued),
			step.And(step.StatusEQ(step.StatusRunning), step.LeaseUntilLT(t)))).
		SetStatus(step.StatusCancelled).
		SetLeaseOwner("").
		ClearLeaseUntil().
		Save(ctx)
	if err != nil {
		return fmt.Errorf("jobs: drop step %s: %w", s.ID, err)
	}
	return nil
}

// early re-schedules a delivery that arrived before the step's available_at (gocraft
// schedules in whole seconds); other unclaimable deliveries are duplicates and vanish.
func (r *Runner) early(ctx context.Context, s *entapi.Step) {
	fresh, err := r.db.Step.Get(ctx, s.ID)
	if err != nil || fresh.Status != step.StatusQueued {
		return
	}
	if wait := fresh.AvailableAt.Sub(now()); wait > 0 {
		r.disp.enqueueIn(ctx, fresh, wait)
	}
}

// markProcessing moves a pending task to processing when its first stage starts.
func (r *Runner) markProcessing(ctx context.Context, t *entapi.Task) {
	n, err := r.db.Task.Update().
		Where(task.ID(t.ID), task.StatusEQ(task.StatusPending)).
		SetStatus(task.StatusProcessing).
		SetStartedAt(now()).
		SetStage(kindFetch).
		Save(ctx)
	if err != nil {
		r.log.Error("jobs: mark processing", "task_id", t.ID, "err", err)
		return
	}
	if n == 1 {
		t.Status = task.StatusProcessing
	}
}

// clip keeps stored error texts short.
func clip(s string) string {
	const max = 2000
	if len(s) > max {
		return s[:max]
	}
	return s
}
