package usage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/usagecounter"
)

// QuotaError is a request refused by a plan limit: Limit names it (a Limit* constant),
// LimitValue is the plan's number and Usage what was used (or asked for).
type QuotaError struct {
	Status     int // 402 for an exhausted quota, 429 for the rate
	Limit      string
	LimitValue int64
	Usage      int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("usage: %s limit %d reached (usage %d)", e.Limit, e.LimitValue, e.Usage)
}

// Exhausted returns a 402 QuotaError.
func Exhausted(limit string, value, used int64) *QuotaError {
	return &QuotaError{Status: http.StatusPaymentRequired, Limit: limit, LimitValue: value, Usage: used}
}

// Thresholds announced once per period, in percent of a limit.
var thresholds = []int{100, 80}

// level is the highest threshold that used reaches of limit, or 0.
func level(used, limit int64) int {
	for _, t := range thresholds {
		if limit > 0 && used*100 >= limit*int64(t) {
			return t
		}
	}
	return 0
}

// ChargeTask counts one task for org in tx unless the period already holds limit tasks
// (limit <= 0: no limit), in which case it returns a 402 QuotaError and counts nothing.
// When the count crosses 80 or 100 percent of the limit for the first time this period,
// the threshold is recorded and a usage.threshold webhook for the web app is written to
// the outbox under taskID, delivered with the task's own messages.
func ChargeTask(ctx context.Context, tx *entapi.Tx, org, taskID string, limit int64, now time.Time) error {
	ctx = tenant.With(ctx, org)
	start := PeriodStart(now)
	// Nothing charged (n = 0) means the limit is reached: inPeriod tries again once the
	// period's row exists.
	n, err := inPeriod(ctx, tx, start, func() (int, error) {
		upd := tx.UsageCounter.Update().Where(usagecounter.PeriodStart(start))
		if limit > 0 {
			upd = upd.Where(usagecounter.TasksLT(limit))
		}
		n, err := upd.AddTasks(1).Save(ctx)
		if err != nil {
			return 0, fmt.Errorf("usage: charge task: %w", err)
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	row, err := tx.UsageCounter.Query().Where(usagecounter.PeriodStart(start)).Only(ctx)
	if err != nil {
		return fmt.Errorf("usage: charge task: read: %w", err)
	}
	if n == 0 {
		return Exhausted(LimitTasksPerMonth, limit, row.Tasks)
	}
	lv := level(row.Tasks, limit)
	if lv <= row.TasksWarned {
		return nil
	}
	// The condition makes the announcement once per period whatever runs concurrently.
	n, err = tx.UsageCounter.Update().Where(usagecounter.ID(row.ID), usagecounter.TasksWarnedLT(lv)).
		SetTasksWarned(lv).Save(ctx)
	if err != nil {
		return fmt.Errorf("usage: record threshold: %w", err)
	}
	if n == 0 {
		return nil
	}
	return announce(ctx, tx, org, taskID, webhook.UsageData{
		OrgID: org, Limit: LimitTasksPerMonth, Threshold: lv, LimitValue: limit, Usage: row.Tasks,
		PeriodStart: start, PeriodEnd: PeriodEnd(start),
	})
}

// topicWebTask is the outbox topic the notify stage delivers to the web app.
const topicWebTask = "web.task"

// announce writes a usage.threshold webhook to the outbox.
func announce(ctx context.Context, tx *entapi.Tx, org, taskID string, d webhook.UsageData) error {
	body, err := json.Marshal(webhook.UsageEvent{Type: webhook.EventUsageThreshold, Data: d})
	if err != nil {
		return fmt.Errorf("usage: event body: %w", err)
	}
	err = tx.Outbox.Create().SetOrgID(org).SetTaskID(taskID).SetTopic(topicWebTask).SetPayload(body).Exec(ctx)
	if err != nil {
		return fmt.Errorf("usage: outbox: %w", err)
	}
	return nil
}
