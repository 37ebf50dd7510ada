package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
)

const pathAdminTasks = "/admin/tasks"

// taskStatuses are the statuses the task filter offers.
var taskStatuses = []string{"pending", "processing", "completed", "failed", "cancelled"}

// adminTask is a task of any organization, as the API's backoffice list returns it.
type adminTask struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"org_id"`
	DatasetID  string     `json:"dataset_id"`
	Status     string     `json:"status"`
	Stage      string     `json:"stage"`
	Error      string     `json:"error"`
	Score      *float64   `json:"score"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

type tasksPage struct {
	Status, Org string
	Statuses    []string
	Rows        []adminTask
	Next        string
	// Error says the API did not answer.
	Error string
}

// tasksList lists tasks across organizations from the API: ?status=, ?org=, ?cursor=.
func (h *adminPages) tasksList(c fiber.Ctx) error {
	p := tasksPage{Status: c.Query("status"), Org: likeQuery(c.Query("org")), Statuses: taskStatuses}
	page := fetchAPIPage[adminTask](c.Context(), h.api, "/v1/internal/service/admin/tasks",
		map[string]string{"status": p.Status, "org": p.Org, "cursor": c.Query("cursor")})
	p.Rows, p.Next, p.Error = page.Rows, page.Next, page.Error
	return h.page(c, http.StatusOK, "admin/tasks", p)
}

// taskCancel cancels a task through the API.
func (h *adminPages) taskCancel(c fiber.Ctx) error {
	return h.taskAction(c, "cancel", audit.AdminTaskCancelled)
}

// taskRetry re-runs an ended task (a new task, same dataset and rules) through the API.
func (h *adminPages) taskRetry(c fiber.Ctx) error {
	return h.taskAction(c, "retry", audit.AdminTaskRetried)
}

func (h *adminPages) taskAction(c fiber.Ctx, action, event string) error {
	id := c.Params("id")
	var out adminTask
	err := h.api.doService(c.Context(), http.MethodPost, "/v1/internal/service/admin/tasks/"+url.PathEscape(id)+"/"+action, "", nil, &out)
	var prob *apiProblem
	if errors.As(err, &prob) && prob.Status < 500 {
		return apperr.New(prob.Status, prob.Detail)
	}
	if err != nil {
		return fmt.Errorf("web: admin task %s: %w", action, err)
	}
	details := map[string]string{}
	if out.ID != id {
		details["new_task"] = out.ID
	}
	h.record(c, event, out.OrgID, "task", id, details)
	return back(c, pathAdminTasks)
}
