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
	"github.com/assayhq/assay/app/telemetry"
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
	// metrics counts open event streams; nil counts nothing.
	metrics *telemetry.Metrics
}

type taskPage struct {
	ID          string
	DatasetID   string
	DatasetName string
	Live        liveView
	Report      *reportView
	ReportNote  string
	// Expiry is when retention deletes the dataset (nil when the API does not say).
	Expiry *datasetExpiry
}

// reportView is a report with the task it belongs to and the dataset's completed runs
// (oldest first, for the trend); Others are the runs it can be compared with.
type reportView struct {
	*report.Report
	TaskID      string
	DatasetName string
	Runs        []runPoint
	Others      []runPoint
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
	p := taskPage{ID: t.ID, DatasetID: t.DatasetID, DatasetName: displayName(t), Live: h.current(c.Context(), acc, t)}
	p.Expiry = h.api.datasetExpiry(c.Context(), acc, t.DatasetID)
	switch p.Live.Status {
	case "completed":
		rep, err := h.api.report(c.Context(), acc, t.ID)
		if err != nil {
			h.log.WarnContext(c.Context(), "web: report from the API", slog.String("task_id", t.ID), slog.Any("error", err))
			p.ReportNote = "The report could not be loaded just now. Reload the page to try again."
			break
		}
		p.Report = &reportView{Report: rep, TaskID: t.ID, DatasetName: p.DatasetName}
		h.addRuns(c.Context(), acc, t, p.Report)
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
	acc := memberOf(c)
	rep, err := h.api.report(c.Context(), acc, t.ID)
	if err != nil {
		return reportError(err)
	}
	rv := reportView{Report: rep, TaskID: t.ID, DatasetName: displayName(t)}
	h.addRuns(c.Context(), acc, t, &rv)
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
