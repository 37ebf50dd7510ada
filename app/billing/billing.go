// Package billing sells the paid plans through Stripe: Checkout for new subscriptions,
// the Customer Portal for changes, and the webhook events that keep each organization's
// subscription and plan in the web database equal to what Stripe holds.
package billing

import (
	"context"
	"errors"
	"time"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/plan"
)

// Intervals of a price.
const (
	Monthly = "month"
	Yearly  = "year"
)

// Subscription statuses, as Stripe names them.
const (
	StatusTrialing          = "trialing"
	StatusActive            = "active"
	StatusPastDue           = "past_due"
	StatusCanceled          = "canceled"
	StatusUnpaid            = "unpaid"
	StatusIncomplete        = "incomplete"
	StatusIncompleteExpired = "incomplete_expired"
	StatusPaused            = "paused"
)

// Audit events of billing; the actor is empty when Stripe made the change.
const (
	EventCheckoutStarted     = "billing.checkout_started"
	EventPortalOpened        = "billing.portal_opened"
	EventSubscriptionChanged = "billing.subscription_changed"
	EventPlanChanged         = "billing.plan_changed"
)

// ErrNotFound means Stripe has no such object.
var ErrNotFound = errors.New("billing: not found")

// Client is the part of the Stripe API Assay uses. NewStripe talks to Stripe (or
// stripe-mock); tests may substitute a fake.
type Client interface {
	// CreateCustomer creates the Stripe customer of an organization.
	CreateCustomer(ctx context.Context, p CustomerParams) (string, error)
	// CreateCheckout creates a Checkout Session for a subscription and returns its URL.
	CreateCheckout(ctx context.Context, p CheckoutParams) (Session, error)
	// CreatePortal creates a Customer Portal session and returns its URL.
	CreatePortal(ctx context.Context, customerID, returnURL string) (Session, error)
	// GetSubscription reads a subscription as Stripe holds it now.
	GetSubscription(ctx context.Context, id string) (Subscription, error)
}

// CustomerParams describe a new customer.
type CustomerParams struct {
	OrgID, OrgName, Email string
}

// CheckoutParams describe a Checkout Session for one price.
type CheckoutParams struct {
	OrgID, CustomerID, PriceID string
	SuccessURL, CancelURL      string
	TrialDays                  int
}

// Session is a Checkout or Portal session: where to send the browser.
type Session struct {
	ID, URL string
}

// Subscription is what Assay reads of a Stripe subscription.
type Subscription struct {
	ID, CustomerID, PriceID, Status string
	// OrgID is the subscription's metadata org_id, set at checkout.
	OrgID             string
	CurrentPeriodEnd  time.Time // zero when unknown
	CancelAtPeriodEnd bool
	CancelAt          time.Time
	TrialEnd          time.Time
	Created           time.Time
	// NextPriceID and NextChangeAt are the price of a subscription schedule's next
	// phase and when it starts ("" and zero without a schedule).
	NextPriceID  string
	NextChangeAt time.Time
}

// Live reports whether the subscription is one that bills (or may still bill).
func (s Subscription) Live() bool {
	switch s.Status {
	case StatusTrialing, StatusActive, StatusPastDue, StatusIncomplete, StatusPaused:
		return true
	}
	return false
}

// Prices maps the configured Stripe price ids to plans and intervals.
type Prices map[string]PriceRef

// PriceRef is the plan and interval of one price.
type PriceRef struct {
	Plan, Interval string
}

// NewPrices returns the prices of cfg that are set.
func NewPrices(cfg config.Stripe) Prices {
	p := Prices{}
	for id, ref := range map[string]PriceRef{
		cfg.PriceProMonthly:      {plan.Pro, Monthly},
		cfg.PriceProYearly:       {plan.Pro, Yearly},
		cfg.PriceBusinessMonthly: {plan.Business, Monthly},
		cfg.PriceBusinessYearly:  {plan.Business, Yearly},
	} {
		if id != "" {
			p[id] = ref
		}
	}
	return p
}

// ID returns the price id of a plan and interval ("" when not configured).
func (p Prices) ID(planID, interval string) string {
	for id, ref := range p {
		if ref.Plan == planID && ref.Interval == interval {
			return id
		}
	}
	return ""
}

// Plan returns the plan of a price id; an unknown price grants Free.
func (p Prices) Plan(priceID string) string {
	if ref, ok := p[priceID]; ok {
		return ref.Plan
	}
	return plan.Free
}

// Effective is the plan an organization has with a subscription in status of plan
// planID: trialing or active grant the plan; past due keeps it until pastDueSince+grace;
// every other status (canceled, unpaid, incomplete, expired, paused) grants Free.
func Effective(status, planID string, pastDueSince *time.Time, grace time.Duration, now time.Time) string {
	switch status {
	case StatusTrialing, StatusActive:
		return plan.Or(planID).ID
	case StatusPastDue:
		if pastDueSince != nil && now.Before(pastDueSince.Add(grace)) {
			return plan.Or(planID).ID
		}
	}
	return plan.Free
}
