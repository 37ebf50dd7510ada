package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

// taskHandlers create, list, show and cancel tasks.
type taskHandlers struct {
	db   *entapi.Client
	jobs *jobs.Client
	// deadline is a run's deadline when the request sets none (0: jobs.DefaultDeadline).
	deadline time.Duration
	audit    *audit.APILog
}

// taskView is the JSON of a task in lists.
type taskView struct {
	ID        string   `json:"id"`
	DatasetID string   `json:"dataset_id"`
	Status    string   `json:"status"`
	Stage     string   `json:"stage"`
	Progress  float64  `json:"progress"`
	Score     *float64 `json:"score"`
	Error     string   `json:"error"`
	// RuleSetVersion is the dataset rule set version the task used; nil for rules given
	// with the task (or a dataset without a saved set).
	RuleSetVersion *int       `json:"rule_set_version"`
	CreatedAt      time.Time  `json:"created_at"`
	StartedAt      *time.Time `json:"started_at"`
	FinishedAt     *time.Time `json:"finished_at"`
}

// taskDetail is the JSON of one task: the list view and its stages.
type taskDetail struct {
	taskView
	Stages []events.Stage `json:"stages"`
}

func viewTask(t *entapi.Task) taskView {
	return taskView{
		ID: t.ID, DatasetID: t.DatasetID, Status: string(t.Status), Stage: t.Stage,
		Progress: t.Progress, Score: t.Score, Error: t.Error, RuleSetVersion: t.RuleSetVersion,
		CreatedAt: stamp(t.CreatedAt),
		StartedAt: stampPtr(t.StartedAt), FinishedAt: stampPtr(t.FinishedAt),
	}
}

// stamp renders a time the same however it was read back: UTC, to the microsecond that
// Postgres keeps.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func stampPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

func taskID(t *entapi.Task) string { return t.ID }

// createTaskRequest is the body of POST /v1/api/tasks.
type createTaskRequest struct {
	DatasetID string          `json:"dataset_id"`
	Rules     json.RawMessage `json:"rules"`
	// DeadlineSeconds bounds the run (jobs.MinDeadline to jobs.MaxDeadline); nil: the default.
	DeadlineSeconds *int64 `json:"deadline_seconds"`
}

func (h taskHandlers) create(c fiber.Ctx) error {
	var in createTaskRequest
	if err := readJSON(c, &in); err != nil {
		return err
	}
	in.DatasetID = strings.TrimSpace(in.DatasetID)
	if in.DatasetID == "" {
		return apperr.Invalid("dataset_id is required")
	}
	opts, err := h.taskOptions(in)
	if err != nil {
		return err
	}
	adHoc := len(bytes.TrimSpace(in.Rules)) > 0 && string(bytes.TrimSpace(in.Rules)) != "null"
	rules, err := report.ParseRules(in.Rules)
	if err != nil {
		return inputError(err)
	}
	ds, err := findDataset(c, h.db, in.DatasetID)
	if err != nil {
		return err
	}
	tr := jobs.TaskRules{Set: report.RuleSet{Rules: rules}}
	if !adHoc {
		if tr, err = h.savedRules(c.Context(), ds.ID); err != nil {
			return err
		}
	}
	// A URL dataset's columns are known once fetched; its fetch stage checks the rules then.
	if ds.Status == dataset.StatusReady {
		if err := report.CheckRules(tr.Set.Rules, ds.Columns); err != nil {
			return inputError(err)
		}
	}
	charge := chargeTask(quotaOf(c.Context()).limits.TasksPerMonth)
	opts.InTx = func(ctx context.Context, tx *entapi.Tx, t *entapi.Task) error {
		if err := charge(ctx, tx, t); err != nil {
			return err
		}
		_, err := h.audit.AppendTx(ctx, tx, auditEvent(c, audit.TaskCreated, "task", t.ID, map[string]string{"dataset_id": ds.ID}))
		return err
	}
	t, err := h.jobs.StartTask(c.Context(), ds, tr, opts)
	if qe := (*usage.QuotaError)(nil); errors.As(err, &qe) {
		return quotaProblem(qe)
	}
	if err != nil {
		return fmt.Errorf("tasks: create: %w", err)
	}
	return h.render(c, fiber.StatusAccepted, t)
}

// savedRules snapshots the dataset's saved rule set (none: no rules, version nil).
func (h taskHandlers) savedRules(ctx context.Context, datasetID string) (jobs.TaskRules, error) {
	rs, err := savedRuleSet(ctx, h.db, datasetID)
	if err != nil || rs == nil {
		return jobs.TaskRules{}, err
	}
	set, err := ruleSetOf(rs)
	if err != nil {
		return jobs.TaskRules{}, err
	}
	return jobs.TaskRules{Set: set, Version: &rs.Version}, nil
}

func (h taskHandlers) list(c fiber.Ctx) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := h.db.Task.Query()
	if ds := c.Query("dataset_id"); ds != "" {
		q = q.Where(task.DatasetID(ds))
	}
	if p.cursor != "" {
		q = q.Where(task.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(task.FieldID)).Limit(p.limit + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("tasks: list: %w", err)
	}
	return c.JSON(newList(rows, p, taskID, viewTask))
}

func (h taskHandlers) show(c fiber.Ctx) error {
	t, err := findTask(c.Context(), h.db, c.Params("id"))
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, t)
}

// cancel stops a task; cancelling a cancelled task again is a no-op, a finished one a conflict.
func (h taskHandlers) cancel(c fiber.Ctx) error {
	ctx := c.Context()
	t, err := findTask(ctx, h.db, c.Params("id"))
	if err != nil {
		return err
	}
	switch t.Status {
	case task.StatusCompleted, task.StatusFailed:
		return apperr.Conflict(fmt.Sprintf("the task has already %s", t.Status))
	case task.StatusPending, task.StatusProcessing:
		err := h.jobs.CancelWith(ctx, t.ID, appendAudit(h.audit, auditEvent(c, audit.TaskCancelled, "task", t.ID, nil)))
		if err != nil {
			return fmt.Errorf("tasks: cancel: %w", err)
		}
		if t, err = findTask(ctx, h.db, t.ID); err != nil {
			return err
		}
	}
	return h.render(c, fiber.StatusAccepted, t)
}

// render answers with the task and its stages.
func (h taskHandlers) render(c fiber.Ctx, status int, t *entapi.Task) error {
	stages, err := jobs.StagesOf(c.Context(), h.db, t.ID)
	if err != nil {
		return fmt.Errorf("tasks: stages: %w", err)
	}
	return c.Status(status).JSON(taskDetail{taskView: viewTask(t), Stages: stages})
}

// findTask loads a task of the request's organization.
func findTask(ctx context.Context, db *entapi.Client, id string) (*entapi.Task, error) {
	t, err := db.Task.Get(ctx, id)
	if entapi.IsNotFound(err) {
		return nil, apperr.NotFound("task")
	}
	if err != nil {
		return nil, fmt.Errorf("tasks: find: %w", err)
	}
	return t, nil
}

// inputError turns a report.InputError into a 422; anything else stays internal.
func inputError(err error) error {
	var ie *report.InputError
	if errors.As(err, &ie) {
		return apperr.Invalid(ie.Error())
	}
	return err
}
