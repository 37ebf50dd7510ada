package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/receivedwebhook"
	"github.com/assayhq/assay/ent/web/subscription"
)

// Source is the received-webhook log's source of Stripe events.
const Source = "stripe"

// Stripe event types Sync acts on.
const (
	EvCheckoutCompleted    = "checkout.session.completed"
	EvSubscriptionCreated  = "customer.subscription.created"
	EvSubscriptionUpdated  = "customer.subscription.updated"
	EvSubscriptionDeleted  = "customer.subscription.deleted"
	EvTrialWillEnd         = "customer.subscription.trial_will_end"
	EvInvoicePaid          = "invoice.paid"
	EvInvoicePaymentFailed = "invoice.payment_failed"
)

// PathSettings is the billing settings page the emails link to.
const PathSettings = "/settings/billing"

// Sync applies Stripe events to the web database. For every event about a subscription
// it reads the subscription from Stripe again instead of trusting the payload, so events
// may arrive in any order; an event older than the state stored changes nothing. The
// event id is recorded in the received-webhook log in the transaction of its effects.
type Sync struct {
	DB     *entweb.Client
	Client Client
	Prices Prices
	Grace  time.Duration
	Audit  *audit.Log
	Outbox *mail.Outbox
	Log    *slog.Logger
	Now    func() time.Time
}

// Result is what handling one event did.
type Result struct {
	Replay bool     // the event id was received before: nothing changed
	Mails  []string // outbox rows written, to queue after the commit
	// OrgID is the organization whose subscription and plan were written ("" for none):
	// its plan is pushed to the API after the commit.
	OrgID string
}

// Handle applies ev. An error leaves nothing recorded, so Stripe's retry runs it again.
func (s *Sync) Handle(ctx context.Context, ev stripe.Event) (Result, error) {
	ctx = tenant.System(ctx)
	seen, err := s.DB.ReceivedWebhook.Query().Where(receivedwebhook.ID(ev.ID)).Exist(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("billing: event %s: %w", ev.ID, err)
	}
	if seen {
		return Result{Replay: true}, nil
	}
	ref, err := subscriptionRef(ev)
	if err != nil {
		return Result{}, err
	}
	var sub *Subscription
	if ref.subID != "" {
		got, err := s.Client.GetSubscription(ctx, ref.subID)
		switch {
		case errors.Is(err, ErrNotFound):
			s.Log.WarnContext(ctx, "billing: event names an unknown subscription", slog.String("event", ev.ID))
		case err != nil:
			return Result{}, err
		default:
			sub = &got
		}
	}
	return s.apply(ctx, ev, ref, sub)
}

// ref is what an event says about whose subscription it concerns.
type ref struct {
	subID, orgID, customerID string
}

// subscriptionRef reads the subscription id (and hints at the organization) from ev.
func subscriptionRef(ev stripe.Event) (ref, error) {
	if ev.Data == nil {
		return ref{}, nil
	}
	raw := ev.Data.Raw
	switch ev.Type {
	case EvCheckoutCompleted:
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(raw, &cs); err != nil {
			return ref{}, fmt.Errorf("billing: decode %s: %w", ev.Type, err)
		}
		r := ref{orgID: cs.ClientReferenceID}
		if cs.Subscription != nil {
			r.subID = cs.Subscription.ID
		}
		if cs.Customer != nil {
			r.customerID = cs.Customer.ID
		}
		return r, nil
	case EvSubscriptionCreated, EvSubscriptionUpdated, EvSubscriptionDeleted, EvTrialWillEnd:
		var sub stripe.Subscription
		if err := json.Unmarshal(raw, &sub); err != nil {
			return ref{}, fmt.Errorf("billing: decode %s: %w", ev.Type, err)
		}
		return ref{subID: sub.ID}, nil
	case EvInvoicePaid, EvInvoicePaymentFailed:
		var inv stripe.Invoice
		if err := json.Unmarshal(raw, &inv); err != nil {
			return ref{}, fmt.Errorf("billing: decode %s: %w", ev.Type, err)
		}
		if p := inv.Parent; p != nil && p.SubscriptionDetails != nil && p.SubscriptionDetails.Subscription != nil {
			return ref{subID: p.SubscriptionDetails.Subscription.ID}, nil
		}
	}
	return ref{}, nil
}

// apply records ev and, with sub, the new state in one transaction.
func (s *Sync) apply(ctx context.Context, ev stripe.Event, r ref, sub *Subscription) (res Result, err error) {
	tx, err := s.DB.Tx(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("billing: begin: %w", err)
	}
	defer func() {
		if err != nil || res.Replay {
			_ = tx.Rollback()
		}
	}()
	err = tx.ReceivedWebhook.Create().SetID(ev.ID).SetSource(Source).SetEvent(string(ev.Type)).
		SetReceivedAt(s.Now().UTC()).Exec(ctx)
	if entweb.IsConstraintError(err) {
		return Result{Replay: true}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("billing: record event: %w", err)
	}
	if sub != nil {
		if res.Mails, res.OrgID, err = s.store(ctx, tx, ev, r, *sub); err != nil {
			return Result{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		if entweb.IsConstraintError(err) {
			return Result{Replay: true}, nil
		}
		return Result{}, fmt.Errorf("billing: commit: %w", err)
	}
	return res, nil
}

// findOrg returns the organization a subscription belongs to, or nil.
func findOrg(ctx context.Context, tx *entweb.Tx, r ref, sub Subscription) (*entweb.Organization, error) {
	row, err := tx.Subscription.Query().Where(subscription.StripeSubscriptionID(sub.ID)).First(ctx)
	if err != nil && !entweb.IsNotFound(err) {
		return nil, fmt.Errorf("billing: find subscription: %w", err)
	}
	for _, id := range []string{orgOf(row), sub.OrgID, r.orgID} {
		if id == "" {
			continue
		}
		o, err := tx.Organization.Get(ctx, id)
		if err == nil {
			return o, nil
		}
		if !entweb.IsNotFound(err) {
			return nil, fmt.Errorf("billing: find organization: %w", err)
		}
	}
	o, err := tx.Organization.Query().Where(organization.StripeCustomerID(sub.CustomerID)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("billing: find organization: %w", err)
	}
	return o, nil
}

func orgOf(row *entweb.Subscription) string {
	if row == nil {
		return ""
	}
	return row.OrgID
}
