package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
)

// quota is the plan a request is limited by: from the token's claims for the web app's
// users, from the tenant row for API keys. A zero limit is not known (a tenant never
// pushed): the server's own default applies.
type quota struct {
	plan   string
	limits plan.Limits
}

type quotaKey struct{}

// withQuota returns ctx carrying q.
func withQuota(ctx context.Context, q quota) context.Context {
	return context.WithValue(ctx, quotaKey{}, q)
}

// quotaOf returns the quota of the request whose context is ctx.
func quotaOf(ctx context.Context) quota {
	q, _ := ctx.Value(quotaKey{}).(quota)
	if q.plan == "" {
		q.plan = plan.Free
	}
	return q
}

// tenantQuota is the quota stored in a tenant row.
func tenantQuota(t *entapi.Tenant) quota {
	return quota{plan: t.Plan, limits: plan.Limits{
		MaxUploadBytes: t.MaxUploadBytes, MaxRows: t.MaxRows, TasksPerMonth: t.TasksPerMonth,
		Members: t.Members, APIRatePerMinute: t.APIRatePerMinute, RetentionDays: t.RetentionDays,
	}}
}

// planRate is the per-caller API rate of a request: its plan's, or fallback's when the
// plan's is not known.
func planRate(fallback ratelimit.RateFunc) ratelimit.RateFunc {
	return func(ctx context.Context) int {
		if n := quotaOf(ctx).limits.APIRatePerMinute; n > 0 {
			return int(min(n, 1<<30))
		}
		return fallback(ctx)
	}
}

// quotaProblem turns a refusal by a plan limit into the API error that names it; the
// error handler adds the limit's fields and the upgrade link to the problem.
func quotaProblem(qe *usage.QuotaError) *apperr.Error {
	title, detail := "Quota exhausted", ""
	switch qe.Limit {
	case usage.LimitTasksPerMonth:
		detail = fmt.Sprintf("Your plan allows %d tasks per month and %d have been used this month. Upgrade your plan or wait for the next month.", qe.LimitValue, qe.Usage)
	case usage.LimitMaxRows:
		detail = fmt.Sprintf("The dataset has %d rows; your plan allows at most %d rows per dataset. Upgrade your plan or send a smaller file.", qe.Usage, qe.LimitValue)
	case usage.LimitMaxUpload:
		detail = fmt.Sprintf("The file is larger than your plan's %d bytes per dataset. Upgrade your plan or send a smaller file.", qe.LimitValue)
	default:
		detail = fmt.Sprintf("Your plan's %s limit of %d is reached.", qe.Limit, qe.LimitValue)
	}
	if qe.Status == http.StatusTooManyRequests {
		title = "Too many requests"
	}
	return &apperr.Error{Status: qe.Status, Title: title, Detail: detail, Err: qe}
}
