package webhook

import "time"

// EventUsageThreshold is sent by the API when an organization's usage first reaches 80 or
// 100 percent of a plan limit in a billing period; the web app mails its owners.
const EventUsageThreshold = "usage.threshold"

// UsageEvent is the body of a usage.threshold webhook.
type UsageEvent struct {
	Type string    `json:"type"`
	Data UsageData `json:"data"`
}

// UsageData says which limit of which organization reached which threshold.
type UsageData struct {
	OrgID       string    `json:"org_id"`
	Limit       string    `json:"limit"`     // e.g. "tasks_per_month"
	Threshold   int       `json:"threshold"` // 80 or 100 (percent)
	LimitValue  int64     `json:"limit_value"`
	Usage       int64     `json:"usage"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
}
