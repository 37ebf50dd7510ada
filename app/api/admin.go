package api

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

// adminHandlers serve the backoffice's calls (service tokens only): tasks of every
// organization, their cancel and retry, and counts.
type adminHandlers struct {
	db    *entapi.Client
	jobs  *jobs.Client
	audit *audit.APILog
}

// adminTaskView is a task in the backoffice's cross-tenant list: the task and its org.
type adminTaskView struct {
	taskView
	OrgID string `json:"org_id"`
}

func viewAdminTask(t *entapi.Task) adminTaskView {
	return adminTaskView{taskView: viewTask(t), OrgID: t.OrgID}
}

// tasks lists every organization's tasks, newest first: ?status=, ?org=, ?cursor=, ?limit=.
func (h adminHandlers) tasks(c fiber.Ctx) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := h.db.Task.Query()
	if s := c.Query("status"); s != "" {
		st := task.Status(s)
		if err := task.StatusValidator(st); err != nil {
			return apperr.Invalid("status must be one of pending, processing, completed, failed, cancelled")
		}
		q = q.Where(task.StatusEQ(st))
	}
	if org := c.Query("org"); org != "" {
		q = q.Where(task.OrgID(org))
	}
	if p.cursor != "" {
		q = q.Where(task.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(task.FieldID)).Limit(p.limit + 1).All(tenant.System(c.Context()))
	if err != nil {
		return fmt.Errorf("admin: tasks: %w", err)
	}
	return c.JSON(newList(rows, p, taskID, viewAdminTask))
}

// adminTask loads a task of any organization and returns it with a context scoped to
// that organization.
func (h adminHandlers) adminTask(c fiber.Ctx) (*entapi.Task, error) {
	t, err := h.db.Task.Get(tenant.System(c.Context()), c.Params("id"))
	if entapi.IsNotFound(err) {
		return nil, apperr.NotFound("task")
	}
	if err != nil {
		return nil, fmt.Errorf("admin: task: %w", err)
	}
	return t, nil
}

// cancel cancels a pending or processing task; an ended one is a conflict.
func (h adminHandlers) cancel(c fiber.Ctx) error {
	t, err := h.adminTask(c)
	if err != nil {
		return err
	}
	ctx := tenant.With(c.Context(), t.OrgID)
	switch t.Status {
	case task.StatusPending, task.StatusProcessing:
		err := h.jobs.CancelWith(ctx, t.ID, appendAudit(h.audit, staffTaskEvent(audit.TaskCancelled, t.OrgID, t.ID, nil)))
		if err != nil {
			return fmt.Errorf("admin: cancel: %w", err)
		}
	default:
		return apperr.Conflict(fmt.Sprintf("the task has already %s", t.Status))
	}
	if t, err = h.db.Task.Get(ctx, t.ID); err != nil {
		return fmt.Errorf("admin: cancel: %w", err)
	}
	return c.Status(fiber.StatusAccepted).JSON(viewAdminTask(t))
}

// retry re-runs an ended task: a new task of the same dataset with the same rules and
// row-count bounds (the old one stays as it ended). A running task is a conflict.
func (h adminHandlers) retry(c fiber.Ctx) error {
	t, err := h.adminTask(c)
	if err != nil {
		return err
	}
	if t.Status == task.StatusPending || t.Status == task.StatusProcessing {
		return apperr.Conflict("the task is still running")
	}
	ctx := tenant.With(c.Context(), t.OrgID)
	ds, err := h.db.Dataset.Get(ctx, t.DatasetID)
	if entapi.IsNotFound(err) {
		return apperr.Conflict("the task's dataset is gone")
	}
	if err != nil {
		return fmt.Errorf("admin: retry: dataset: %w", err)
	}
	tr := jobs.TaskRules{Version: t.RuleSetVersion}
	tr.Set.RowCount.Min, tr.Set.RowCount.Max = t.MinRows, t.MaxRows
	if len(t.Rules) > 0 {
		if err := json.Unmarshal(t.Rules, &tr.Set.Rules); err != nil {
			return fmt.Errorf("admin: retry: rules: %w", err)
		}
	}
	nt, err := h.jobs.StartTask(ctx, ds, tr, jobs.TaskOptions{InTx: func(ctx context.Context, tx *entapi.Tx, nt *entapi.Task) error {
		_, err := h.audit.AppendTx(ctx, tx, staffTaskEvent(audit.TaskCreated, t.OrgID, nt.ID, map[string]string{"dataset_id": ds.ID, "retry_of": t.ID}))
		return err
	}})
	if err != nil {
		return fmt.Errorf("admin: retry: %w", err)
	}
	return c.Status(fiber.StatusAccepted).JSON(viewAdminTask(nt))
}

// stats counts tasks by status across organizations, and says whether the database answers.
func (h adminHandlers) stats(c fiber.Ctx) error {
	var rows []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	err := h.db.Task.Query().GroupBy(task.FieldStatus).Aggregate(entapi.Count()).Scan(tenant.System(c.Context()), &rows)
	if err != nil {
		return apperr.Unavailable("the database did not answer", err)
	}
	out := struct {
		TasksByStatus map[string]int `json:"tasks_by_status"`
		Database      string         `json:"database"`
	}{TasksByStatus: map[string]int{}, Database: "ok"}
	for _, r := range rows {
		out.TasksByStatus[r.Status] = r.Count
	}
	return c.JSON(out)
}
