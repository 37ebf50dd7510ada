package web

import (
	"context"
	"fmt"
	"log/slog"

	entweb "github.com/assayhq/assay/ent/web"
)

// taskSync keeps the web database's view of tasks current for what a page shows. The
// API's final webhook normally does it; until a task ends (or while that webhook is
// being retried) the list would otherwise show the status it had when it was created.
type taskSync struct {
	db  *entweb.Client
	api *apiClient
	log *slog.Logger
}

// refresh updates the unfinished tasks among rows from the API's task list, in place
// and in the database. A failing API leaves the stored values: the page still renders.
func (s taskSync) refresh(ctx context.Context, acc *member, rows []*entweb.Task) {
	open := false
	for _, t := range rows {
		open = open || !terminalStatus(t.Status)
	}
	if !open {
		return
	}
	live, err := s.api.recentTasks(ctx, acc, max(len(rows), 1))
	if err != nil {
		s.log.WarnContext(ctx, "web: refresh tasks from the API", slog.Any("error", err))
		return
	}
	byID := make(map[string]apiTask, len(live))
	for _, t := range live {
		byID[t.ID] = t
	}
	for i, t := range rows {
		l, ok := byID[t.ID]
		if !ok || terminalStatus(t.Status) || (l.Status == t.Status && l.Stage == t.Stage) {
			continue
		}
		updated, err := s.apply(ctx, t, l)
		if err != nil {
			s.log.WarnContext(ctx, "web: refresh task", slog.String("task_id", t.ID), slog.Any("error", err))
			continue
		}
		rows[i] = updated
	}
}

// apply stores the API's state of one task.
func (s taskSync) apply(ctx context.Context, t *entweb.Task, l apiTask) (*entweb.Task, error) {
	u, err := s.db.Task.UpdateOne(t).SetStatus(l.Status).SetStage(l.Stage).
		SetNillableScore(l.Score).SetError(l.Error).SetNillableFinishedAt(l.FinishedAt).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("web: update task view: %w", err)
	}
	return u, nil
}
