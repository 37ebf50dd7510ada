package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// topicWebTask is the outbox topic of messages to the web app about a task.
const topicWebTask = "web.task"

// Webhook event types sent to the web app.
const (
	EventTaskCompleted = "task.completed"
	EventTaskFailed    = "task.failed"
	EventTaskCancelled = "task.cancelled"
)

// webhookBody is what the web app receives at /webhooks/api.
type webhookBody struct {
	Type string      `json:"type"`
	Data webhookTask `json:"data"`
}

// webhookTask is the web app's view of a task.
type webhookTask struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	DatasetID   string     `json:"dataset_id"`
	DatasetName string     `json:"dataset_name"`
	Status      string     `json:"status"`
	Stage       string     `json:"stage"`
	Score       *float64   `json:"score"`
	Error       string     `json:"error"`
	FinishedAt  *time.Time `json:"finished_at"`
}

// eventType names the webhook event for a task's final status.
func eventType(s task.Status) string {
	switch s {
	case task.StatusCompleted:
		return EventTaskCompleted
	case task.StatusCancelled:
		return EventTaskCancelled
	}
	return EventTaskFailed
}

// writeOutbox records, in tx, the message that tells the web app how t ended.
func writeOutbox(ctx context.Context, tx *entapi.Tx, t *entapi.Task) error {
	name := ""
	if ds, err := tx.Dataset.Get(ctx, t.DatasetID); err == nil {
		name = ds.Name
	} else if !entapi.IsNotFound(err) {
		return fmt.Errorf("jobs: outbox dataset: %w", err)
	}
	body, err := json.Marshal(webhookBody{Type: eventType(t.Status), Data: webhookTask{
		ID: t.ID, OrgID: t.OrgID, DatasetID: t.DatasetID, DatasetName: name,
		Status: string(t.Status), Stage: t.Stage, Score: t.Score, Error: t.Error, FinishedAt: t.FinishedAt,
	}})
	if err != nil {
		return fmt.Errorf("jobs: outbox body: %w", err)
	}
	err = tx.Outbox.Create().
		SetOrgID(t.OrgID).
		SetTaskID(t.ID).
		SetTopic(topicWebTask).
		SetPayload(body).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("jobs: outbox: %w", err)
	}
	return nil
}
