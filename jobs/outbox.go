package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// topicWebTask is the outbox topic of messages to the web app about a task.
const topicWebTask = "web.task"

// eventType names the webhook event for a task's final status.
func eventType(s task.Status) string {
	switch s {
	case task.StatusCompleted:
		return webhook.EventTaskCompleted
	case task.StatusCancelled:
		return webhook.EventTaskCancelled
	}
	return webhook.EventTaskFailed
}

// writeOutbox records, in tx, the message that tells the web app how t ended.
func writeOutbox(ctx context.Context, tx *entapi.Tx, t *entapi.Task, ds *entapi.Dataset) error {
	if ds == nil {
		var err error
		if ds, err = tx.Dataset.Get(ctx, t.DatasetID); entapi.IsNotFound(err) {
			ds = &entapi.Dataset{}
		} else if err != nil {
			return fmt.Errorf("jobs: outbox dataset: %w", err)
		}
	}
	name := ds.Name
	body, err := json.Marshal(webhook.TaskEvent{Type: eventType(t.Status), Data: webhook.TaskData{
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
