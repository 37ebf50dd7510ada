package web

import (
	"context"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/subscription"
)

// endedNoticeFor is how long the banner says a subscription has ended.
const endedNoticeFor = 14 * 24 * time.Hour

// billingNotice is the banner the layout shows about the organization's subscription;
// nil when there is nothing to say.
type billingNotice struct {
	Kind string // trialing, past_due or ended
	Plan string // the subscription's plan name
	Date string // trial end or grace end
}

// loadBillingNotice reads the organization's subscription for the banner.
func loadBillingNotice(ctx context.Context, db *entweb.Client, orgID string, grace time.Duration) (*billingNotice, error) {
	sub, err := db.Subscription.Query().Where(subscription.OrgID(orgID)).Only(tenant.With(ctx, orgID))
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: billing notice: %w", err)
	}
	n := &billingNotice{Plan: plan.Or(sub.Plan).Name}
	switch string(sub.Status) {
	case billing.StatusTrialing:
		n.Kind, n.Date = "trialing", day(sub.TrialEnd)
	case billing.StatusPastDue:
		n.Kind = "past_due"
		if sub.PastDueSince != nil {
			end := sub.PastDueSince.Add(grace)
			n.Date = day(&end)
		}
	case billing.StatusCanceled, billing.StatusUnpaid, billing.StatusIncompleteExpired:
		if time.Since(sub.UpdatedAt) > endedNoticeFor {
			return nil, nil
		}
		n.Kind = "ended"
	default:
		return nil, nil
	}
	return n, nil
}
