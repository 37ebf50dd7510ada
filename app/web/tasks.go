package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/report"
	entweb "github.com/assayhq/assay/ent/web"
)

// tasks shows a task's progress, its live events and its report.
type tasks struct {
	db    *entweb.Client
	api   *apiClient
	views *renderer
	hub   *events.Hub
	stop  <-chan struct{}
	log   *slog.Logger
}

type taskPage struct {
	ID          string
	DatasetName string
	Live        liveView
	Report      *reportView
	ReportNote  string
}

// reportView is a report with the task it belongs to.
type reportView struct {
	*report.Report
	TaskID      string
	DatasetName string
}

// load returns the organization's web view of task id (404 for any other organization).
func (h tasks) load(c fiber.Ctx) (*entweb.Task, error) {
	id := strings.Clone(c.Params("id"))
	t, err := h.db.Task.Get(c.Context(), id)
	if entweb.IsNotFound(err) {
		return nil, apperr.NotFound("task")
	}
	if err != nil {
		return nil, fmt.Errorf("web: load task: %w", err)
	}
	return t, nil
}

// current is the task's live state from the API, or the web view's when the API fails.
func (h tasks) current(ctx context.Context, acc *member, t *entweb.Task) liveView {
	at, err := h.api.task(ctx, acc, t.ID)
	if err != nil {
		h.log.WarnContext(ctx, "web: task state from the API", slog.String("task_id", t.ID), slog.Any("error", err))
		return liveFromRow(t)
	}
	return liveFromAPI(at)
}

func (h tasks) show(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	acc := memberOf(c)
	p := taskPage{ID: t.ID, DatasetName: displayName(t), Live: h.current(c.Context(), acc, t)}
	switch p.Live.Status {
	case "completed":
		rep, err := h.api.report(c.Context(), acc, t.ID)
		if err != nil {
			h.log.WarnContext(c.Context(), "web: report from the API", slog.String("task_id", t.ID), slog.Any("error", err))
			p.ReportNote = "The report could not be loaded just now. Reload the page to try again."
			break
		}
		p.Report = &reportView{Report: rep, TaskID: t.ID, DatasetName: p.DatasetName}
	case "failed":
		p.ReportNote = "The check failed, so there is no report."
	case "cancelled":
		p.ReportNote = "The check was cancelled, so there is no report."
	}
	return h.views.page(c, http.StatusOK, "pages/tasks/show", p)
}

// report answers the report section alone for htmx, or a page of its own.
func (h tasks) report(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	rep, err := h.api.report(c.Context(), memberOf(c), t.ID)
	if p, ok := asProblem(err); ok && (p.Status == http.StatusNotFound || p.Status == http.StatusConflict) {
		return apperr.NotFound("report").WithErr(err)
	}
	if err != nil {
		return errAPIUnavailable.WithErr(err)
	}
	rv := reportView{Report: rep, TaskID: t.ID, DatasetName: displayName(t)}
	if isFragmentRequest(c) {
		return h.views.partial(c, http.StatusOK, "partials/tasks/report", rv)
	}
	return h.views.page(c, http.StatusOK, "pages/tasks/report", rv)
}

func displayName(t *entweb.Task) string {
	if t.DatasetName != "" {
		return t.DatasetName
	}
	return "Dataset " + t.DatasetID
}
