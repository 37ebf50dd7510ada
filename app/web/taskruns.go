package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/assayhq/assay/app/apperr"
	entweb "github.com/assayhq/assay/ent/web"
	enttask "github.com/assayhq/assay/ent/web/task"
)

// reportError turns the API's answer to a report read into the web's error: a report
// that is missing or not ready is not found here.
func reportError(err error) error {
	if p, ok := asProblem(err); ok && (p.Status == http.StatusNotFound || p.Status == http.StatusConflict) {
		return apperr.NotFound("report").WithErr(err)
	}
	return errAPIUnavailable.WithErr(err)
}

// addRuns fills in the dataset's completed runs for the trend and the runs of it the
// organization can open here for the compare picker. Without them the report still
// shows, so a failure is only logged.
func (h tasks) addRuns(ctx context.Context, acc *member, t *entweb.Task, rv *reportView) {
	ds := rv.DatasetID
	if ds == "" {
		ds = t.DatasetID
	}
	runs, err := h.api.datasetRuns(ctx, acc, ds)
	if err != nil {
		h.log.WarnContext(ctx, "web: dataset runs from the API", slog.String("task_id", t.ID), slog.Any("error", err))
		return
	}
	rv.Runs = runs
	ids := make([]string, 0, len(runs))
	for _, r := range runs {
		if r.ID != t.ID {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	known, err := h.db.Task.Query().Where(enttask.IDIn(ids...)).IDs(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "web: runs to compare with", slog.String("task_id", t.ID), slog.Any("error", err))
		return
	}
	open := make(map[string]bool, len(known))
	for _, id := range known {
		open[id] = true
	}
	// Newest first: the run most likely to be compared with comes first.
	for i := len(runs) - 1; i >= 0; i-- {
		if open[runs[i].ID] {
			rv.Others = append(rv.Others, runs[i])
		}
	}
}
