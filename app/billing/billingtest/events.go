package billingtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/assayhq/assay/app/billing"
)

// Event builds a Stripe event of type typ about object, created at created, in the API
// version stripe-go expects.
func Event(id, typ string, created time.Time, object any) []byte {
	raw, err := json.Marshal(object)
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "created": created.Unix(),
		"api_version": stripe.APIVersion, "livemode": false, "pending_webhooks": 1,
		"data": map[string]json.RawMessage{"object": raw},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign returns the Stripe-Signature header of payload signed with secret at ts, made by
// stripe-go's own test helper.
func Sign(payload []byte, secret string, ts time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: ts}).Header
}

// SubscriptionObject is the JSON of a subscription event's object (only its id matters:
// the receiver reads the subscription from Stripe again).
func SubscriptionObject(id string) map[string]any {
	return map[string]any{"id": id, "object": "subscription"}
}

// CheckoutObject is a completed subscription Checkout Session.
func CheckoutObject(id, orgID, customerID, subID string) map[string]any {
	return map[string]any{"id": id, "object": "checkout.session", "mode": "subscription",
		"client_reference_id": orgID, "customer": customerID, "subscription": subID}
}

// InvoiceObject is an invoice of a subscription.
func InvoiceObject(id, subID string) map[string]any {
	return map[string]any{"id": id, "object": "invoice",
		"parent": map[string]any{"type": "subscription_details", "subscription_details": map[string]any{"subscription": subID}}}
}

// Fake is a billing.Client whose subscriptions the test sets; its checkout and portal
// URLs point at BaseURL.
type Fake struct {
	BaseURL string
	mu      sync.Mutex
	subs    map[string]billing.Subscription
	n       int
	// Checkouts records the checkout requests.
	Checkouts []billing.CheckoutParams
	// Err, when set, is what GetSubscription fails with (Stripe unreachable).
	Err error
}

// Fail makes GetSubscription fail with err (nil: succeed again).
func (f *Fake) Fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Err = err
}

// Set makes s what GetSubscription returns now.
func (f *Fake) Set(s billing.Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[string]billing.Subscription{}
	}
	f.subs[s.ID] = s
}

// CreateCustomer implements billing.Client.
func (f *Fake) CreateCustomer(_ context.Context, p billing.CustomerParams) (string, error) {
	return "cus_" + p.OrgID, nil
}

// CreateCheckout implements billing.Client.
func (f *Fake) CreateCheckout(_ context.Context, p billing.CheckoutParams) (billing.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	f.Checkouts = append(f.Checkouts, p)
	id := fmt.Sprintf("cs_test_%d", f.n)
	return billing.Session{ID: id, URL: f.BaseURL + "/checkout/" + id}, nil
}

// CreatePortal implements billing.Client.
func (f *Fake) CreatePortal(_ context.Context, customerID, _ string) (billing.Session, error) {
	return billing.Session{ID: "bps_1", URL: f.BaseURL + "/portal/" + customerID}, nil
}

// GetSubscription implements billing.Client.
func (f *Fake) GetSubscription(_ context.Context, id string) (billing.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Err != nil {
		return billing.Subscription{}, f.Err
	}
	s, ok := f.subs[id]
	if !ok {
		return billing.Subscription{}, fmt.Errorf("fake: %s: %w", id, billing.ErrNotFound)
	}
	return s, nil
}
