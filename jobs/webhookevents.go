package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// EndpointEvent is the body of a webhook to an organization's endpoint, in the Standard
// Webhooks shape: type, timestamp and data.
type EndpointEvent struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// endpointTask is the task as an organization's endpoint receives it.
type endpointTask struct {
	ID         string     `json:"id"`
	DatasetID  string     `json:"dataset_id"`
	Status     string     `json:"status"`
	Score      *float64   `json:"score"`
	Error      string     `json:"error"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// newEventID is a webhook-id: shared by every endpoint's delivery of one event.
func newEventID() string { return "msg_" + platform.NewID() }

// writeEndpointDeliveries records, in tx, one delivery of how t ended per enabled
// endpoint of its organization subscribed to that event. Cancelled runs send none.
func writeEndpointDeliveries(ctx context.Context, tx *entapi.Tx, t *entapi.Task) ([]string, error) {
	typ := eventType(t.Status)
	if t.Status == task.StatusCancelled || !webhook.IsEndpointEvent(typ) {
		return nil, nil
	}
	eps, err := tx.WebhookEndpoint.Query().
		Where(webhookendpoint.OrgID(t.OrgID), webhookendpoint.Enabled(true), webhookendpoint.DeletedAtIsNil()).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: endpoints of %s: %w", t.OrgID, err)
	}
	var subscribed []*entapi.WebhookEndpoint
	for _, ep := range eps {
		for _, e := range ep.EventTypes {
			if e == typ {
				subscribed = append(subscribed, ep)
				break
			}
		}
	}
	if len(subscribed) == 0 {
		return nil, nil
	}
	at := now()
	body, err := json.Marshal(EndpointEvent{Type: typ, Timestamp: at, Data: endpointTask{
		ID: t.ID, DatasetID: t.DatasetID, Status: string(t.Status), Score: t.Score, Error: t.Error,
		CreatedAt: t.CreatedAt.UTC(), FinishedAt: t.FinishedAt,
	}})
	if err != nil {
		return nil, fmt.Errorf("jobs: endpoint event body: %w", err)
	}
	id := newEventID()
	creates := make([]*entapi.WebhookDeliveryCreate, 0, len(subscribed))
	for _, ep := range subscribed {
		creates = append(creates, tx.WebhookDelivery.Create().
			SetOrgID(t.OrgID).SetEndpointID(ep.ID).SetEventID(id).SetEventType(typ).
			SetTaskID(t.ID).SetPayload(body).SetNextAttemptAt(at))
	}
	rows, err := tx.WebhookDelivery.CreateBulk(creates...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: endpoint deliveries: %w", err)
	}
	ids := make([]string, len(rows))
	for i, d := range rows {
		ids[i] = d.ID
	}
	return ids, nil
}

// ringDeliveries enqueues the first attempt of the task's endpoint deliveries, after
// the transaction that wrote them; the reconciler sends any this misses. known are their
// ids as that transaction wrote them, when this worker ran it (nil: they are read).
func (r *Runner) ringDeliveries(ctx context.Context, taskID string, known []string) {
	ids := known
	if ids == nil {
		var err error
		ids, err = r.db.WebhookDelivery.Query().
			Where(webhookdelivery.TaskID(taskID), webhookdelivery.StatusEQ(webhookdelivery.StatusPending),
				webhookdelivery.Attempts(0)).
			IDs(ctx)
		if err != nil {
			r.log.Warn("jobs: endpoint deliveries of task", "task_id", taskID, "err", err)
			return
		}
	}
	for _, id := range ids {
		r.disp.enqueueDelivery(id, 0)
	}
	if len(ids) > 0 && !r.disp.silent {
		r.disp.wake()
	}
}

// deliveryArgs are the arguments of a WebhookDeliver job.
type deliveryArgs struct{ DeliveryID string }

func (a deliveryArgs) q() work.Q { return work.Q{"delivery_id": a.DeliveryID} }

// enqueueDelivery rings for a delivery now, or after delay (rounded up to whole seconds,
// plus one, as gocraft schedules from the current whole second).
func (d *dispatcher) enqueueDelivery(id string, delay time.Duration) {
	var err error
	if delay <= 0 {
		_, err = d.enq.Enqueue(WebhookDeliver, deliveryArgs{DeliveryID: id}.q())
	} else {
		secs := int64(math.Ceil(delay.Seconds())) + 1
		_, err = d.enq.EnqueueIn(WebhookDeliver, secs, deliveryArgs{DeliveryID: id}.q())
	}
	if err != nil {
		d.log.Warn("jobs: enqueue webhook delivery", "delivery_id", id, "err", err)
	}
}

// RingDelivery enqueues a delivery that is due now (a redelivery or a test event) and
// wakes the pools; the reconciler sends it if Redis loses the job.
func (c *Client) RingDelivery(id string) {
	c.disp.enqueueDelivery(id, 0)
	if !c.disp.silent {
		c.disp.wake()
	}
}
