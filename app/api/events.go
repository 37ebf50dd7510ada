package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

const (
	// finalEventID is the id of a task's final event, whichever it is: above every
	// progress id, and the same however often the final state is read back.
	finalEventID = math.MaxInt32
	// reconnectDelay is the retry hint: how long a client waits before reconnecting.
	reconnectDelay = 2 * time.Second
)

// eventHandlers stream a task's progress as server-sent events.
type eventHandlers struct {
	db        *entapi.Client
	hub       *events.Hub
	heartbeat time.Duration
	metrics   *telemetry.Metrics
}

// stream sends the task's current state, then relays live events until a terminal one,
// the client leaving or the server shutting down. Every event carries an id (see
// eventID); a client reconnecting with the id it saw last gets only what is newer: the
// current state if it has changed since, then live events.
func (h eventHandlers) stream(c fiber.Ctx) error {
	ctx := c.Context()
	org, _ := tenant.OrgID(ctx)
	id := c.Params("id")
	last, err := lastEventID(c)
	if err != nil {
		return err
	}
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
	if first.Final() && last >= finalEventID {
		// The client has seen the end: 204 tells an EventSource to stop reconnecting.
		unsubscribe()
		return c.SendStatus(fiber.StatusNoContent)
	}
	shutdown := c.RequestCtx().Done()
	heartbeat := h.heartbeat

	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	// The writer runs after the handler returns: it must not touch c.
	return c.SendStreamWriter(func(w *bufio.Writer) {
		defer unsubscribe()
		defer h.metrics.SSEOpened("api")()
		// The retry hint goes first: it also flushes the headers when there is no news.
		if _, err := fmt.Fprintf(w, "retry: %d\n\n", reconnectDelay.Milliseconds()); err != nil || w.Flush() != nil {
			return
		}
		// send writes e unless the client already has it or something newer, and reports
		// whether the stream goes on.
		send := func(e events.Event) bool {
			if n := eventID(e); n > last {
				last = n
				if writeEvent(w, n, e) != nil {
					return false
				}
			}
			return !e.Final()
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
				// Tell the client to reconnect, which reaches another instance.
				fmt.Fprintf(w, ": server shutting down, reconnect\nretry: %d\n\n", reconnectDelay.Milliseconds())
				_ = w.Flush()
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

// eventID numbers a task's events from the SQL state they describe, so ids hold across
// reconnects, processes and a lost Redis: 1, plus for every stage twice its finished
// steps and one once it has started. Steps only ever finish and stages only ever start,
// so ids never go down, and an equal id means no new progress. The final event is
// finalEventID.
func eventID(e events.Event) int64 {
	if e.Final() {
		return finalEventID
	}
	n := int64(1)
	for _, s := range e.Stages {
		n += 2 * int64(s.Done)
		if s.Status != jobs.StagePending {
			n++
		}
	}
	return min(n, finalEventID-1)
}

// lastEventID is the id a reconnecting client saw last: the Last-Event-ID header, else
// ?last_event_id= for clients that cannot set headers, else 0. The header wins because
// an EventSource reconnecting to a URL with the query sends a newer id in the header.
func lastEventID(c fiber.Ctx) (int64, error) {
	raw := c.Get(fiber.HeaderLastEventID)
	if raw == "" {
		raw = c.Query("last_event_id")
	}
	return parseEventID(raw)
}

// parseEventID reads an event id: empty is 0, anything but a whole number from 0 to
// finalEventID is a 400.
func parseEventID(raw string) (int64, error) {
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 || n > finalEventID {
		return 0, apperr.BadRequest(fmt.Sprintf("Last-Event-ID must be an event id of this stream, a whole number from 0 to %d", finalEventID))
	}
	return n, nil
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
