package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v3"
)

// cancel stops a pending or processing task through the API and shows the task page
// again. A task that ended meanwhile (409) is shown as it ended; the live view of any
// open page turns to cancelled with the run's final event.
func (h tasks) cancel(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	acc := memberOf(c)
	if _, err := h.api.cancelTask(c.Context(), acc, t.ID); err != nil {
		p, ok := asProblem(err)
		if !ok || p.Status != http.StatusConflict {
			return apiReadError(err, "task")
		}
		h.log.InfoContext(c.Context(), "web: cancel of an ended task", slog.String("task_id", t.ID))
	}
	return redirect(c, "/tasks/"+t.ID)
}

// cancelTask asks the API to stop a task; it answers with the task's new state.
func (a *apiClient) cancelTask(ctx context.Context, acc *member, id string) (*apiTask, error) {
	var t apiTask
	if err := a.do(ctx, a.http, acc, http.MethodPost, "/v1/api/tasks/"+url.PathEscape(id)+"/cancel", "", nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
