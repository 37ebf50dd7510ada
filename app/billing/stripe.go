package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/assayhq/assay/app/config"
)

// Stripe is the Client over the Stripe API.
type Stripe struct {
	api *stripe.Client
}

// NewStripe returns a Client for cfg's key; cfg.APIBase (stripe-mock) replaces Stripe's
// URL. httpClient may be nil.
func NewStripe(cfg config.Stripe, httpClient *http.Client) *Stripe {
	var retries int64 = 2
	bc := &stripe.BackendConfig{HTTPClient: httpClient, MaxNetworkRetries: &retries,
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	return &Stripe{api: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))}
}

// CreateCustomer creates the customer with the organization id in its metadata. The
// idempotency key makes a repeated call (two clicks) return the same customer.
func (s *Stripe) CreateCustomer(ctx context.Context, p CustomerParams) (string, error) {
	params := &stripe.CustomerCreateParams{Name: stripe.String(p.OrgName), Metadata: map[string]string{"org_id": p.OrgID}}
	if p.Email != "" {
		params.Email = stripe.String(p.Email)
	}
	params.SetIdempotencyKey("assay-customer-" + p.OrgID)
	c, err := s.api.V1Customers.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("billing: create customer: %w", err)
	}
	return c.ID, nil
}

// CreateCheckout creates a subscription Checkout Session: billing address required, tax
// ids collected, automatic tax off (turn it on in Stripe Tax first), the organization id
// on the session and on the subscription.
func (s *Stripe) CreateCheckout(ctx context.Context, p CheckoutParams) (Session, error) {
	sub := &stripe.CheckoutSessionCreateSubscriptionDataParams{Metadata: map[string]string{"org_id": p.OrgID}}
	if p.TrialDays > 0 {
		sub.TrialPeriodDays = stripe.Int64(int64(p.TrialDays))
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:                     stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:                 stripe.String(p.CustomerID),
		ClientReferenceID:        stripe.String(p.OrgID),
		LineItems:                []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String(p.PriceID), Quantity: stripe.Int64(1)}},
		SuccessURL:               stripe.String(p.SuccessURL),
		CancelURL:                stripe.String(p.CancelURL),
		BillingAddressCollection: stripe.String("required"),
		TaxIDCollection:          &stripe.CheckoutSessionCreateTaxIDCollectionParams{Enabled: stripe.Bool(true)},
		AutomaticTax:             &stripe.CheckoutSessionCreateAutomaticTaxParams{Enabled: stripe.Bool(false)},
		// Tax id collection needs to write the name and address to an existing customer.
		CustomerUpdate: &stripe.CheckoutSessionCreateCustomerUpdateParams{
			Name: stripe.String("auto"), Address: stripe.String("auto"),
		},
		SubscriptionData: sub,
		Metadata:         map[string]string{"org_id": p.OrgID},
	}
	cs, err := s.api.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return Session{}, fmt.Errorf("billing: create checkout session: %w", err)
	}
	return Session{ID: cs.ID, URL: cs.URL}, nil
}

// CreatePortal creates a Customer Portal session that returns to returnURL.
func (s *Stripe) CreatePortal(ctx context.Context, customerID, returnURL string) (Session, error) {
	ps, err := s.api.V1BillingPortalSessions.Create(ctx, &stripe.BillingPortalSessionCreateParams{
		Customer: stripe.String(customerID), ReturnURL: stripe.String(returnURL),
	})
	if err != nil {
		return Session{}, fmt.Errorf("billing: create portal session: %w", err)
	}
	return Session{ID: ps.ID, URL: ps.URL}, nil
}

// GetSubscription reads the subscription with its schedule expanded.
func (s *Stripe) GetSubscription(ctx context.Context, id string) (Subscription, error) {
	params := &stripe.SubscriptionRetrieveParams{}
	params.AddExpand("schedule")
	sub, err := s.api.V1Subscriptions.Retrieve(ctx, id, params)
	var se *stripe.Error
	if errors.As(err, &se) && (se.HTTPStatusCode == http.StatusNotFound || se.Code == stripe.ErrorCodeResourceMissing) {
		return Subscription{}, fmt.Errorf("billing: subscription %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("billing: get subscription: %w", err)
	}
	return FromStripe(sub), nil
}

// FromStripe converts a Stripe subscription.
func FromStripe(sub *stripe.Subscription) Subscription {
	out := Subscription{
		ID: sub.ID, Status: string(sub.Status), OrgID: sub.Metadata["org_id"],
		CancelAtPeriodEnd: sub.CancelAtPeriodEnd,
		CancelAt:          unix(sub.CancelAt), TrialEnd: unix(sub.TrialEnd), Created: unix(sub.Created),
	}
	if sub.Customer != nil {
		out.CustomerID = sub.Customer.ID
	}
	if sub.Items != nil && len(sub.Items.Data) > 0 {
		item := sub.Items.Data[0]
		if item.Price != nil {
			out.PriceID = item.Price.ID
		}
		out.CurrentPeriodEnd = unix(item.CurrentPeriodEnd)
	}
	if sch := sub.Schedule; sch != nil {
		now := time.Now().Unix()
		for _, ph := range sch.Phases {
			if ph.StartDate <= now || len(ph.Items) == 0 || ph.Items[0].Price == nil {
				continue
			}
			out.NextPriceID, out.NextChangeAt = ph.Items[0].Price.ID, unix(ph.StartDate)
			break
		}
	}
	return out
}

func unix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
