// Package events carries live task progress over Redis pub/sub: workers publish on one
// channel per org, and each web or API process runs one Hub that fans events out to its
// SSE connections.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Event types.
const (
	TypeProgress  = "progress"
	TypeCompleted = "completed"
	TypeFailed    = "failed"
	TypeCancelled = "cancelled"
)

// Event is one change of a task, as sent to browsers and REST clients.
type Event struct {
	Type     string    `json:"type"`
	OrgID    string    `json:"org_id"`
	TaskID   string    `json:"task_id"`
	Status   string    `json:"status"`
	Stage    string    `json:"stage"`
	Progress float64   `json:"progress"`
	Stages   []Stage   `json:"stages"`
	Score    *float64  `json:"score,omitempty"`
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

// Stage is the progress of one pipeline stage of a task.
type Stage struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
}

// Final reports whether e ends its task's stream.
func (e Event) Final() bool {
	return e.Type == TypeCompleted || e.Type == TypeFailed || e.Type == TypeCancelled
}

// Channel returns the pub/sub channel of an org's events: "<namespace>:events:<org>".
func Channel(namespace, orgID string) string {
	return namespace + ":events:" + orgID
}

// Publisher sends events to the org channels.
type Publisher struct {
	pool *redis.Pool
	ns   string
}

// NewPublisher returns a Publisher on pool under namespace.
func NewPublisher(pool *redis.Pool, namespace string) *Publisher {
	return &Publisher{pool: pool, ns: namespace}
}

// Publish sends e to its org's channel, stamping At when it is zero. OrgID and TaskID are
// required. Delivery is at most once: subscribers that are not connected miss it.
func (p *Publisher) Publish(ctx context.Context, e Event) error {
	if e.OrgID == "" || e.TaskID == "" {
		return errors.New("events: publish: org and task are required")
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	if e.Stages == nil {
		e.Stages = []Stage{} // clients iterate it: send [] rather than null
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("events: publish: %w", err)
	}
	conn, err := p.pool.GetContext(ctx)
	if err != nil {
		return fmt.Errorf("events: publish: %w", err)
	}
	defer conn.Close()
	if _, err := redis.DoContext(conn, ctx, "PUBLISH", Channel(p.ns, e.OrgID), b); err != nil {
		return fmt.Errorf("events: publish: %w", err)
	}
	return nil
}
