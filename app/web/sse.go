package web

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"
)

// SSE event names the task page listens for: progress swaps the stage table, status the
// status text (its element stays in place), completed loads the report, done closes the
// stream (sse-close) so the browser does not reconnect.
const (
	sseProgress  = "progress"
	sseStatus    = "status"
	sseCompleted = "completed"
	sseDone      = "done"
)

// sseResync is how often a quiet stream re-reads the task from the API: a slow
// subscriber may lose hub events, the final one included.
const sseResync = 10 * time.Second

// events streams the task's state as HTML fragments: the current state first, then
// one event per change, and a final event before the stream closes.
func (h tasks) events(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	acc := memberOf(c)
	// Subscribe before reading the current state so no change falls in between.
	ch, unsubscribe := h.hub.Subscribe(acc.OrgID, t.ID)
	ctx := context.WithoutCancel(c.Context())
	live := h.current(ctx, acc, t)
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	return c.SendStreamWriter(func(w *bufio.Writer) {
		defer unsubscribe()
		defer h.metrics.SSEOpened("web")()
		s := sseStream{w: w, views: h.views}
		if !s.send(live) || !live.Running() {
			return
		}
		tick := time.NewTicker(sseResync)
		defer tick.Stop()
		for {
			select {
			case e, ok := <-ch:
				if !ok {
					return
				}
				live = liveFromEvent(live, e)
			case <-tick.C:
				at, err := h.api.task(ctx, acc, t.ID)
				if err != nil {
					h.log.WarnContext(ctx, "web: events: resync", slog.String("task_id", t.ID), slog.Any("error", err))
					if !s.comment("ping") {
						return
					}
					continue
				}
				live = liveFromAPI(at)
			case <-h.stop:
				s.closing()
				return
			}
			if !s.send(live) || !live.Running() {
				return
			}
		}
	})
}

// sseStream writes Server-Sent Events.
type sseStream struct {
	w     *bufio.Writer
	views *renderer
}

// send writes the stage table and the status, and when the task has finished, the
// closing events. It reports false once the client is gone.
func (s sseStream) send(l liveView) bool {
	stages, err := s.views.fragment("partials/tasks/stages", l)
	if err != nil {
		return false
	}
	s.event(sseProgress, stages)
	s.event(sseStatus, template.HTMLEscapeString(l.Status))
	if !l.Running() {
		if l.Status == "completed" {
			s.event(sseCompleted, "completed")
		}
		s.event(sseDone, l.Status)
	}
	return s.w.Flush() == nil
}

// sseReconnect is the retry hint sent when the server shuts down: the browser
// reconnects after it, to another instance.
const sseReconnect = 2 * time.Second

// closing ends a stream the server is shutting down: a comment saying so and a retry
// hint, and no done event, so the browser reconnects (to another instance).
func (s sseStream) closing() {
	fmt.Fprintf(s.w, ": server shutting down, reconnect\nretry: %d\n\n", sseReconnect.Milliseconds())
	_ = s.w.Flush()
}

func (s sseStream) comment(text string) bool {
	fmt.Fprintf(s.w, ": %s\n\n", text)
	return s.w.Flush() == nil
}

// event writes one event; every line of data gets its own data: field.
func (s sseStream) event(name, data string) {
	fmt.Fprintf(s.w, "event: %s\n", name)
	for _, line := range strings.Split(strings.ReplaceAll(data, "\r", ""), "\n") {
		fmt.Fprintf(s.w, "data: %s\n", line)
	}
	s.w.WriteString("\n")
}
