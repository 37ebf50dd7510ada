package billing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/subscription"
	"github.com/assayhq/assay/ent/web/user"
)

// DateLayout is how billing pages and emails write a day.
const DateLayout = "2 January 2006"

// store writes sub as the organization's subscription, unless what is stored is newer,
// and the plan it grants; it returns the outbox rows written and the organization's id.
func (s *Sync) store(ctx context.Context, tx *entweb.Tx, ev stripe.Event, r ref, sub Subscription) ([]string, string, error) {
	o, err := findOrg(ctx, tx, r, sub)
	if err != nil {
		return nil, "", err
	}
	if o == nil {
		s.Log.WarnContext(ctx, "billing: subscription of no known organization", slog.String("event", ev.ID))
		return nil, "", nil
	}
	ctx = tenant.With(ctx, o.ID)
	row, err := tx.Subscription.Query().Where(subscription.OrgID(o.ID)).Only(ctx)
	if err != nil && !entweb.IsNotFound(err) {
		return nil, "", fmt.Errorf("billing: load subscription: %w", err)
	}
	if row != nil {
		if row.StripeSubscriptionID == sub.ID && ev.Created < row.UpdatedFromEventCreated {
			return nil, "", nil // an older event: the state stored is already newer
		}
		if row.StripeSubscriptionID != sub.ID && live(string(row.Status)) && !sub.Live() {
			return nil, "", nil // an ended earlier subscription: the current one stays
		}
	}
	now := s.Now().UTC()
	var pastDue *time.Time
	if sub.Status == StatusPastDue {
		pastDue = &now
		if row != nil && row.StripeSubscriptionID == sub.ID && row.PastDueSince != nil {
			pastDue = row.PastDueSince
		}
	}
	ref := s.Prices[sub.PriceID]
	if ref.Plan == "" {
		ref.Plan = plan.Free
		s.Log.WarnContext(ctx, "billing: subscription to a price not configured", slog.String("event", ev.ID))
	}
	nextPlan, nextAt := "", time.Time{}
	switch {
	case sub.CancelAtPeriodEnd || !sub.CancelAt.IsZero():
		nextPlan, nextAt = plan.Free, sub.CancelAt
		if nextAt.IsZero() {
			nextAt = sub.CurrentPeriodEnd
		}
	case sub.NextPriceID != "" && sub.NextPriceID != sub.PriceID:
		nextPlan, nextAt = s.Prices.Plan(sub.NextPriceID), sub.NextChangeAt
	}
	if err := s.write(ctx, tx, row, o.ID, ev, sub, ref, pastDue, nextPlan, nextAt); err != nil {
		return nil, "", err
	}
	effective := Effective(sub.Status, ref.Plan, pastDue, s.Grace, now)
	upd := tx.Organization.UpdateOneID(o.ID).SetPlan(effective)
	if o.StripeCustomerID == nil && sub.CustomerID != "" {
		upd.SetStripeCustomerID(sub.CustomerID)
	}
	if err := upd.Exec(ctx); err != nil {
		return nil, "", fmt.Errorf("billing: set plan: %w", err)
	}
	events := []audit.Event{{Name: EventSubscriptionChanged, OrgID: o.ID, TargetType: "subscription", Target: sub.ID,
		Details: map[string]string{"status": sub.Status, "plan": ref.Plan, "stripe_event": string(ev.Type)}}}
	if effective != o.Plan {
		events = append(events, audit.Event{Name: EventPlanChanged, OrgID: o.ID, TargetType: "organization", Target: o.ID,
			Details: map[string]string{"from": o.Plan, "to": effective, "status": sub.Status}})
	}
	for _, e := range events {
		if _, err := s.Audit.AppendTx(ctx, tx, e); err != nil {
			return nil, "", fmt.Errorf("billing: audit: %w", err)
		}
	}
	mails, err := s.mails(ctx, tx, ev, o, sub, ref.Plan, pastDue)
	return mails, o.ID, err
}

// write creates or replaces the organization's subscription row.
func (s *Sync) write(ctx context.Context, tx *entweb.Tx, row *entweb.Subscription, orgID string, ev stripe.Event,
	sub Subscription, ref PriceRef, pastDue *time.Time, nextPlan string, nextAt time.Time) error {
	if row == nil {
		err := tx.Subscription.Create().SetOrgID(orgID).SetStripeCustomerID(sub.CustomerID).
			SetStripeSubscriptionID(sub.ID).SetPriceID(sub.PriceID).SetPlan(ref.Plan).SetInterval(ref.Interval).
			SetStatus(subscription.Status(sub.Status)).SetNillableCurrentPeriodEnd(opt(sub.CurrentPeriodEnd)).
			SetCancelAtPeriodEnd(sub.CancelAtPeriodEnd).SetNillableCancelAt(opt(sub.CancelAt)).
			SetNillableTrialEnd(opt(sub.TrialEnd)).SetNillablePastDueSince(pastDue).
			SetNextPlan(nextPlan).SetNillableNextChangeAt(opt(nextAt)).
			SetUpdatedFromEventCreated(ev.Created).Exec(ctx)
		if err != nil {
			return fmt.Errorf("billing: create subscription: %w", err)
		}
		return nil
	}
	u := tx.Subscription.UpdateOne(row).SetStripeCustomerID(sub.CustomerID).
		SetStripeSubscriptionID(sub.ID).SetPriceID(sub.PriceID).SetPlan(ref.Plan).SetInterval(ref.Interval).
		SetStatus(subscription.Status(sub.Status)).SetCancelAtPeriodEnd(sub.CancelAtPeriodEnd).
		SetNextPlan(nextPlan).SetUpdatedFromEventCreated(max(ev.Created, row.UpdatedFromEventCreated))
	setTime(sub.CurrentPeriodEnd, u.SetCurrentPeriodEnd, u.ClearCurrentPeriodEnd)
	setTime(sub.CancelAt, u.SetCancelAt, u.ClearCancelAt)
	setTime(sub.TrialEnd, u.SetTrialEnd, u.ClearTrialEnd)
	setTime(nextAt, u.SetNextChangeAt, u.ClearNextChangeAt)
	if pastDue != nil {
		u.SetPastDueSince(*pastDue)
	} else {
		u.ClearPastDueSince()
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("billing: update subscription: %w", err)
	}
	return nil
}

// mails writes the emails ev calls for to the organization's owners.
func (s *Sync) mails(ctx context.Context, tx *entweb.Tx, ev stripe.Event, o *entweb.Organization, sub Subscription,
	planID string, pastDue *time.Time) ([]string, error) {
	var name string
	d := mail.Data{OrgName: o.Name, Plan: plan.Or(planID).Name}
	switch {
	case ev.Type == EvTrialWillEnd && sub.Status == StatusTrialing && !sub.TrialEnd.IsZero():
		name, d.Date = mail.TemplateTrialEnding, sub.TrialEnd.Format(DateLayout)
	case ev.Type == EvInvoicePaymentFailed && sub.Status == StatusPastDue && pastDue != nil:
		name, d.Date = mail.TemplatePaymentFailed, pastDue.Add(s.Grace).Format(DateLayout)
	case ev.Type == EvSubscriptionDeleted && sub.Status == StatusCanceled:
		name = mail.TemplateSubscriptionCanceled
	default:
		return nil, nil
	}
	if s.Outbox == nil {
		return nil, nil
	}
	owners, err := ownerEmails(ctx, tx, o.ID)
	if err != nil {
		return nil, err
	}
	d.Link = s.Outbox.Link(PathSettings)
	var ids []string
	for _, to := range owners {
		id, err := s.Outbox.Add(ctx, tx.Client(), to, name, d)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// ownerEmails lists the addresses of the organization's owners who can receive mail.
func ownerEmails(ctx context.Context, tx *entweb.Tx, orgID string) ([]string, error) {
	ids, err := tx.Membership.Query().Where(membership.OrgID(orgID), membership.RoleEQ(membership.RoleOwner)).
		Select(membership.FieldUserID).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("billing: owners: %w", err)
	}
	emails, err := tx.User.Query().Where(user.IDIn(ids...), user.EmailNotNil(), user.DisabledAtIsNil()).
		Select(user.FieldEmail).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("billing: owner emails: %w", err)
	}
	return emails, nil
}

func live(status string) bool { return Subscription{Status: status}.Live() }

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func setTime[U any](t time.Time, set func(time.Time) U, clear func() U) {
	if t.IsZero() {
		clear()
		return
	}
	set(t)
}
