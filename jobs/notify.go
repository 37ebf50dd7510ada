package jobs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/outbox"
)

// Notify delivers the task's outbox messages to the web app as Standard Webhooks and
// publishes the final live event.
const Notify = jobPrefix + kindNotify

// notifyStage delivers first and then publishes, so a browser reacting to the event
// finds the web app's copy of the task already updated. The event goes out after the
// first attempt whatever the delivery did, and again once a retried delivery succeeds.
func (r *Runner) notifyStage(ctx context.Context, run *stepRun) (*outcome, error) {
	if run.Step.Attempt == 1 {
		var known []string
		if run.ended != nil {
			known = run.ended.deliveries
		}
		r.ringDeliveries(ctx, run.Task.ID, known)
	}
	err := r.deliver(ctx, run.Task.ID)
	if err == nil || run.Step.Attempt == 1 {
		// An ended task no longer changes: one the run loaded ended is as it is stored.
		t, terr := run.Task, error(nil)
		if !terminal(t.Status) {
			t, terr = r.db.Task.Get(ctx, run.Task.ID)
		}
		if terr != nil {
			r.log.Warn("jobs: notify: load task", "task_id", run.Task.ID, "err", terr)
		} else {
			r.publishFinal(ctx, t)
		}
	}
	if err != nil {
		return nil, err
	}
	return &outcome{}, nil
}

// deliver posts every unsent outbox message of the task, oldest first, and stops at the
// first failure. The outbox row id is the webhook-id, so a redelivery is recognisably
// the same message.
func (r *Runner) deliver(ctx context.Context, taskID string) error {
	rows, err := r.db.Outbox.Query().
		Where(outbox.TaskID(taskID), outbox.Topic(topicWebTask), outbox.SentAtIsNil()).
		Order(outbox.ByCreatedAt(), outbox.ByID()).All(ctx)
	if err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	if len(rows) > 0 && r.deps.WebURL == "" {
		r.log.Warn("jobs: notify: no web URL configured; webhook not sent", "task_id", taskID)
		return nil
	}
	for _, m := range rows {
		if err := r.post(ctx, m); err != nil {
			r.deps.Metrics.WebhookDelivered("failed")
			uerr := r.db.Outbox.UpdateOneID(m.ID).AddAttempts(1).SetLastError(clip(err.Error())).Exec(ctx)
			if uerr != nil {
				r.log.Warn("jobs: notify: record failure", "outbox_id", m.ID, "err", uerr)
			}
			return fmt.Errorf("notify: deliver %s: %w", m.ID, err)
		}
		r.deps.Metrics.WebhookDelivered("delivered")
		err := r.db.Outbox.Update().Where(outbox.ID(m.ID), outbox.SentAtIsNil()).
			SetSentAt(now()).AddAttempts(1).SetLastError("").Exec(ctx)
		if err != nil {
			return fmt.Errorf("notify: mark sent %s: %w", m.ID, err)
		}
	}
	return nil
}

// post sends one message; a non-2xx answer is a *statusError.
func (r *Runner) post(ctx context.Context, m *entapi.Outbox) error {
	url := strings.TrimRight(r.deps.WebURL, "/") + webhook.TaskPath
	body := []byte(m.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("notify: request: %w", err))
	}
	for k, v := range webhook.Headers(r.deps.WebhookSecret, m.ID, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "assay-webhooks/1")
	res, err := r.deps.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("notify: post: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	return &statusError{Code: res.StatusCode, RetryAfter: retryAfter(res.Header.Get("Retry-After"))}
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
