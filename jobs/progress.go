package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// Stage statuses in events.Stage.
const (
	StagePending   = "pending"
	StageRunning   = "running"
	StageSucceeded = "succeeded"
	StageFailed    = "failed"
	StageCancelled = "cancelled"
)

// StagesOf returns every pipeline stage of a task in order with its status (pending,
// running, succeeded, failed, cancelled), the steps done and the steps it will have.
// The per-chunk stages count one step per chunk, known once fetch has read the layout.
// ctx decides the tenant, as for any query.
func StagesOf(ctx context.Context, db *entapi.Client, taskID string) ([]events.Stage, error) {
	return stagesOf(ctx, db, taskID, nil)
}

// stagesOf is StagesOf with the layout fetch stored, when the caller has it in memory
// (nil reads it when needed).
func stagesOf(ctx context.Context, db *entapi.Client, taskID string, l *report.Layout) ([]events.Stage, error) {
	rows, err := db.Step.Query().Where(step.TaskID(taskID)).
		Select(step.FieldKind, step.FieldStatus, step.FieldAttempt).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: stages of %s: %w", taskID, err)
	}
	return stagesFrom(rows, func() (int, error) {
		if l != nil {
			return len(l.Chunks), nil
		}
		return chunkCount(ctx, db, taskID)
	})
}

// stagesFrom is the stages of a task whose steps are rows; chunks, called once fetch has
// succeeded and no per-chunk step exists yet, tells the number of chunks.
func stagesFrom(rows []*entapi.Step, chunks func() (int, error)) ([]events.Stage, error) {
	type acc struct{ steps, done, active, failed, cancelled int }
	by := map[string]*acc{}
	for _, k := range stageOrder {
		by[k] = &acc{}
	}
	fetchDone := false
	for _, s := range rows {
		a := by[s.Kind]
		if a == nil {
			continue
		}
		a.steps++
		switch {
		case s.Status == step.StatusSucceeded:
			a.done++
			fetchDone = fetchDone || s.Kind == kindFetch
		case s.Status == step.StatusFailed:
			a.failed++
		case s.Status == step.StatusCancelled:
			a.cancelled++
		case s.Status == step.StatusRunning, s.Status == step.StatusWaiting, s.Attempt > 0:
			a.active++
		}
	}
	n := by[kindNormalize].steps
	if n == 0 && fetchDone {
		var err error
		if n, err = chunks(); err != nil {
			return nil, err
		}
	}
	out := make([]events.Stage, 0, len(stageOrder))
	for _, k := range stageOrder {
		a := by[k]
		total := 1
		if isChild(k) {
			total = n
		}
		st := StagePending
		switch {
		case a.failed > 0:
			st = StageFailed
		case total > 0 && a.done >= total:
			st = StageSucceeded
		case a.active > 0 || a.done > 0:
			st = StageRunning
		case a.cancelled > 0:
			st = StageCancelled
		}
		out = append(out, events.Stage{Name: k, Status: st, Done: a.done, Total: total})
	}
	return out, nil
}

func isChild(kind string) bool {
	return kind == kindNormalize || kind == kindEnrich || kind == kindValidate
}

// chunkCount reads the number of chunks from the layout fetch stored.
func chunkCount(ctx context.Context, db *entapi.Client, taskID string) (int, error) {
	s, err := db.Step.Query().Where(step.TaskID(taskID), step.Kind(kindFetch)).Only(ctx)
	if err != nil {
		return 0, fmt.Errorf("jobs: layout of %s: %w", taskID, err)
	}
	var l struct {
		Chunks []json.RawMessage `json:"chunks"`
	}
	if err := json.Unmarshal(s.Result, &l); err != nil {
		return 0, fmt.Errorf("jobs: layout of %s: %w", taskID, err)
	}
	return len(l.Chunks), nil
}

// progressOf is done steps over expected steps (notify not counted: the task is complete
// when save is), and the current stage: the first one not yet succeeded.
func progressOf(stages []events.Stage) (float64, string) {
	done, total := 0, 0
	current := ""
	for _, s := range stages {
		if s.Name == kindNotify {
			continue
		}
		done += s.Done
		total += max(s.Total, 1)
		if current == "" && s.Status != StageSucceeded {
			current = s.Name
		}
	}
	if current == "" {
		current = kindSave
	}
	if total == 0 {
		return 0, current
	}
	return min(1, float64(done)/float64(total)), current
}

// progress keeps task.stage and task.progress current (never backwards) and publishes a
// progress event, after a step that did not succeed. Ended tasks are left to notify,
// which publishes the final event. known is the task as the step's run loaded it.
func (r *Runner) progress(ctx context.Context, known *entapi.Task) {
	adv, err := advance(ctx, r.db, known, nil)
	if err != nil {
		r.log.Warn("jobs: progress", "task_id", known.ID, "err", err)
		return
	}
	if adv != nil {
		r.publishEvent(ctx, adv.task, adv.stages, adv.p, adv.cur)
	}
}

// advanced is a task's progress as advance left it.
type advanced struct {
	task   *entapi.Task
	stages []events.Stage
	p      float64
	cur    string
}

// advance moves the task's stored stage and progress on (never back) from its steps,
// and returns them with the task as it now stands: known, read again only when the
// stored progress did not move; nil when the task has ended.
func advance(ctx context.Context, db *entapi.Client, known *entapi.Task, l *report.Layout) (*advanced, error) {
	stages, err := stagesOf(ctx, db, known.ID, l)
	if err != nil {
		return nil, err
	}
	p, cur := progressOf(stages)
	n, err := db.Task.Update().
		Where(task.ID(known.ID), task.StatusEQ(task.StatusProcessing), task.ProgressLTE(p)).
		SetProgress(p).SetStage(cur).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: progress of %s: %w", known.ID, err)
	}
	t := new(entapi.Task)
	if n == 1 {
		*t = *known
		t.Status, t.Progress, t.Stage = task.StatusProcessing, p, cur
	} else if t, err = db.Task.Get(ctx, known.ID); err != nil {
		return nil, fmt.Errorf("jobs: progress of %s: %w", known.ID, err)
	}
	if terminal(t.Status) {
		return nil, nil
	}
	return &advanced{task: t, stages: stages, p: p, cur: cur}, nil
}

// announceStart publishes the stages as run's step begins, so watchers see it running.
// The stored stage and progress move only when steps end (progress), so this writes
// nothing and uses the task the claim loaded. Fetch is a task's only step while it
// runs, so its stages are known without a query.
func (r *Runner) announceStart(ctx context.Context, run *stepRun) {
	t := run.Task
	if r.deps.Events == nil || terminal(t.Status) {
		return
	}
	var stages []events.Stage
	var err error
	if run.Step.Kind == kindFetch {
		stages, err = stagesFrom([]*entapi.Step{run.Step}, func() (int, error) { return 0, nil })
	} else {
		stages, err = stagesOf(ctx, r.db, t.ID, run.layout)
	}
	if err != nil {
		r.log.Warn("jobs: progress", "task_id", t.ID, "err", err)
		return
	}
	p, cur := progressOf(stages)
	r.publishEvent(ctx, t, stages, p, cur)
}

// publishEvent publishes t's stages and progress (p, at stage cur).
func (r *Runner) publishEvent(ctx context.Context, t *entapi.Task, stages []events.Stage, p float64, cur string) {
	r.publish(ctx, events.Event{
		Type: events.TypeProgress, OrgID: t.OrgID, TaskID: t.ID, Status: string(t.Status),
		Stage: cur, Progress: max(p, t.Progress), Stages: stages, At: now(),
	})
}

// publishFinal announces how a task ended: its status is the event type.
func (r *Runner) publishFinal(ctx context.Context, t *entapi.Task) {
	stages, err := StagesOf(ctx, r.db, t.ID)
	if err != nil {
		r.log.Warn("jobs: final event", "task_id", t.ID, "err", err)
	}
	r.publish(ctx, events.Event{
		Type: string(t.Status), OrgID: t.OrgID, TaskID: t.ID, Status: string(t.Status),
		Stage: t.Stage, Progress: t.Progress, Stages: stages, Score: t.Score, Error: t.Error, At: now(),
	})
}

func (r *Runner) publish(ctx context.Context, e events.Event) {
	if r.deps.Events == nil {
		return
	}
	if err := r.deps.Events.Publish(ctx, e); err != nil {
		r.log.Warn("jobs: publish event", "task_id", e.TaskID, "type", e.Type, "err", err)
	}
}
