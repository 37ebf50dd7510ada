package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

// eventHandlers stream a task's progress as server-sent events.
type eventHandlers struct {
	db        *entapi.Client
	hub       *events.Hub
	heartbeat time.Duration
}

// stream sends the task's current state, then relays live events until a terminal one,
// the client leaving or the server shutting down.
func (h eventHandlers) stream(c fiber.Ctx) error {
	ctx := c.Context()
	org, _ := tenant.OrgID(ctx)
	id := c.Params("id")
	// Subscribe first: an event published while the state is read is then not lost.
	live, unsubscribe := h.subscribe(org, id)
	var first events.Event
	t, err := findTask(ctx, h.db, id)
	if err == nil {
		first, err = h.event(ctx, org, t)
	}
	if err != nil {
		unsubscribe()
		return err
	}
	// Ids continue from a reconnecting client's Last-Event-ID, so they keep increasing.
	seq, err := strconv.ParseInt(c.Get(fiber.HeaderLastEventID), 10, 64)
	if err != nil || seq < 0 {
		seq = 0
	}
	shutdown := c.RequestCtx().Done()
	heartbeat := h.heartbeat

	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	// The writer runs after the handler returns: it must not touch c.
	return c.SendStreamWriter(func(w *bufio.Writer) {
		defer unsubscribe()
		send := func(e events.Event) bool {
			seq++
			return writeEvent(w, seq, e) == nil && !e.Final()
		}
		if !send(first) {
			return
		}
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			select {
			case e, ok := <-live:
				if !ok || !send(e) {
					return
				}
			case <-tick.C:
				// Live events are at most once (the hub drops them for a full buffer or
				// while it reconnects): a lost final event must not keep the stream open.
				if e, ok := h.ended(ctx, org, id); ok {
					send(e)
					return
				}
				if _, err := w.WriteString(": heartbeat\n\n"); err != nil || w.Flush() != nil {
					return
				}
			case <-shutdown:
				return
			}
		}
	})
}

func (h eventHandlers) subscribe(org, taskID string) (<-chan events.Event, func()) {
	if h.hub == nil {
		return nil, func() {}
	}
	return h.hub.Subscribe(org, taskID)
}

// ended returns the final event of a task that has ended.
func (h eventHandlers) ended(ctx context.Context, org, id string) (events.Event, bool) {
	t, err := findTask(ctx, h.db, id)
	if err != nil || t.Status == task.StatusPending || t.Status == task.StatusProcessing {
		return events.Event{}, false
	}
	e, err := h.event(ctx, org, t)
	return e, err == nil
}

// event describes a task's stored state as the event a subscriber would have seen.
func (h eventHandlers) event(ctx context.Context, org string, t *entapi.Task) (events.Event, error) {
	stages, err := jobs.StagesOf(ctx, h.db, t.ID)
	if err != nil {
		return events.Event{}, fmt.Errorf("events: stages: %w", err)
	}
	typ := events.TypeProgress
	switch t.Status {
	case task.StatusCompleted:
		typ = events.TypeCompleted
	case task.StatusFailed:
		typ = events.TypeFailed
	case task.StatusCancelled:
		typ = events.TypeCancelled
	}
	return events.Event{
		Type: typ, OrgID: org, TaskID: t.ID, Status: string(t.Status), Stage: t.Stage,
		Progress: t.Progress, Stages: stages, Score: t.Score, Error: t.Error, At: time.Now().UTC(),
	}, nil
}

// writeEvent writes one SSE message and flushes it to the client.
func writeEvent(w *bufio.Writer, id int64, e events.Event) error {
	typ := e.Type
	if typ == "" || strings.ContainsAny(typ, "\r\n") {
		typ = events.TypeProgress
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("events: encode: %w", err)
	}
	if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", id, typ, data); err != nil {
		return err
	}
	return w.Flush()
}
