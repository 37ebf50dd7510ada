package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/task"
)

// dashboardTasks is how many recent tasks the dashboard lists.
const dashboardTasks = 50

// dashboard lists the organization's tasks next to the upload form.
type dashboard struct {
	db        *entweb.Client
	views     *renderer
	sync      taskSync
	maxUpload int64
}

// uploadForm is the upload form's state when it is shown again.
type uploadForm struct {
	Name       string
	Rules      string
	SourceURL  string
	Error      string
	RulesError bool
	MaxUpload  string
	// A plan limit refused the upload: Limit names it and the form links to UpgradeURL
	// (the API's upgrade_url, or the billing settings).
	Limit      string
	UpgradeURL string
}

type dashboardPage struct {
	Tasks []taskRow
	Form  uploadForm
}

// taskRow is one task in the dashboard list.
type taskRow struct {
	ID          string
	DatasetID   string
	DatasetName string
	Status      string
	Stage       string
	Score       *float64
	CreatedAt   time.Time
}

// Terminal reports whether the task has finished.
func (t taskRow) Terminal() bool { return terminalStatus(t.Status) }

func (h dashboard) show(c fiber.Ctx) error {
	return h.render(c, http.StatusOK, uploadForm{})
}

// render shows the dashboard with form (re-rendered with its errors and values).
func (h dashboard) render(c fiber.Ctx, status int, form uploadForm) error {
	rows, err := h.db.Task.Query().
		Order(entweb.Desc(task.FieldCreatedAt), entweb.Desc(task.FieldID)).
		Limit(dashboardTasks).All(c.Context())
	if err != nil {
		return fmt.Errorf("web: list tasks: %w", err)
	}
	h.sync.refresh(c.Context(), memberOf(c), rows)
	page := dashboardPage{Form: form}
	page.Form.MaxUpload = humanBytes(h.maxUpload)
	for _, t := range rows {
		page.Tasks = append(page.Tasks, taskRow{
			ID: t.ID, DatasetID: t.DatasetID, DatasetName: t.DatasetName, Status: t.Status,
			Stage: t.Stage, Score: t.Score, CreatedAt: t.CreatedAt,
		})
	}
	return h.views.page(c, status, "pages/dashboard", page)
}

func terminalStatus(s string) bool {
	switch s {
	case "completed", "failed", "cancelled":
		return true
	}
	return false
}
