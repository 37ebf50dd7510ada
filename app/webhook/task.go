package webhook

import "time"

// TaskPath is where the web app receives the API's task webhooks.
const TaskPath = "/webhooks/api"

// Task webhook event types, sent by the API when a run ends.
const (
	EventTaskCompleted = "task.completed"
	EventTaskFailed    = "task.failed"
	EventTaskCancelled = "task.cancelled"
)

// TaskEvent is the body of a task webhook: the event type and the task as the web app
// keeps it.
type TaskEvent struct {
	Type string   `json:"type"`
	Data TaskData `json:"data"`
}

// TaskData is the web app's view of a task.
type TaskData struct {
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

// IsTaskEvent reports whether typ is one of the task event types.
func IsTaskEvent(typ string) bool {
	switch typ {
	case EventTaskCompleted, EventTaskFailed, EventTaskCancelled:
		return true
	}
	return false
}
