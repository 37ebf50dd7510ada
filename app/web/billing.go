package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/plan"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/subscription"
)

// Paths and template of the billing settings.
const (
	pathSettingsBilling  = billing.PathSettings
	pathBillingCheckout  = pathSettingsBilling + "/checkout"
	pathBillingPortal    = pathSettingsBilling + "/portal"
	pageSettingsBilling  = "pages/settings_billing"
	msgBillingOwnersOnly = "Only the organization's owners can change its plan and payment details."
)

// stripeFormTargets are where the billing forms' redirects lead: browsers apply the
// page's form-action to the redirect of a form submission.
const stripeFormTargets = "https://checkout.stripe.com https://billing.stripe.com"

// billingPages are the billing settings: the organization's plan and subscription, a
// Checkout per plan and interval, and the Customer Portal. Billing is off (the page says
// so) when client is nil.
type billingPages struct {
	db        *entweb.Client
	views     *renderer
	client    billing.Client
	prices    billing.Prices
	webURL    string
	trialDays int
	grace     time.Duration
	audit     audit.Func
}

// billingPage is what the settings page shows.
type billingPage struct {
	Enabled   bool
	CanManage bool
	Plan      plan.Plan // the effective plan
	Sub       *entweb.Subscription
	NextPlan  string // the name of the plan a scheduled change leads to
	// Days, written out ("" when they do not apply).
	PeriodEnd, TrialEnd, NextChange, GraceEnd string
	Interval                                  string // the interval the buttons buy
	Offers                                    []planOffer
	TrialDays                                 int
	Error                                     string
	Notice                                    string
}

// planOffer is one plan with its price for the interval shown.
type planOffer struct {
	plan.Plan
	Price     string // "$49", or "$0"
	Available bool   // a price id is configured
	Current   bool
}

// offer is pl priced for interval.
func offer(pl plan.Plan, interval string) planOffer {
	cents := pl.MonthlyCents
	if interval == billing.Yearly {
		cents = pl.YearlyCents
	}
	price := fmt.Sprintf("$%d", cents/100)
	if cents%100 != 0 {
		price = fmt.Sprintf("$%d.%02d", cents/100, cents%100)
	}
	return planOffer{Plan: pl, Price: price}
}

// day writes t as billing pages do ("" for none).
func day(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(billing.DateLayout)
}

// interval reads ?interval= (month by default).
func intervalOf(c fiber.Ctx) string {
	if c.Query("interval") == billing.Yearly || c.FormValue("interval") == billing.Yearly {
		return billing.Yearly
	}
	return billing.Monthly
}

func (h billingPages) load(c fiber.Ctx, p billingPage) (billingPage, error) {
	m := memberOf(c)
	o, err := h.db.Organization.Get(c.Context(), m.OrgID)
	if err != nil {
		return p, fmt.Errorf("web: billing: %w", err)
	}
	sub, err := h.db.Subscription.Query().Where(subscription.OrgID(m.OrgID)).Only(c.Context())
	if err != nil && !entweb.IsNotFound(err) {
		return p, fmt.Errorf("web: billing: %w", err)
	}
	p.Enabled, p.CanManage, p.Plan, p.Sub, p.TrialDays = h.client != nil, access.Can(m.Role, access.ManageBilling), plan.Or(o.Plan), sub, h.trialDays
	if p.Interval == "" {
		p.Interval = intervalOf(c)
	}
	if sub != nil {
		if sub.NextPlan != "" {
			p.NextPlan = plan.Or(sub.NextPlan).Name
		}
		p.PeriodEnd, p.TrialEnd, p.NextChange = day(sub.CurrentPeriodEnd), day(sub.TrialEnd), day(sub.NextChangeAt)
		if sub.PastDueSince != nil {
			end := sub.PastDueSince.Add(h.grace)
			p.GraceEnd = day(&end)
		}
	}
	for _, pl := range plan.All() {
		if !pl.Paid() {
			continue
		}
		of := offer(pl, p.Interval)
		of.Current, of.Available = pl.ID == o.Plan, h.prices.ID(pl.ID, p.Interval) != ""
		p.Offers = append(p.Offers, of)
	}
	return p, nil
}

func (h billingPages) render(c fiber.Ctx, status int, p billingPage) error {
	p, err := h.load(c, p)
	if err != nil {
		return err
	}
	allowStripeForms(c)
	return h.views.page(c, status, pageSettingsBilling, p)
}

// allowStripeForms lets this page's forms redirect to Stripe's Checkout and Portal.
func allowStripeForms(c fiber.Ctx) {
	c.Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy,
		"form-action 'self'", "form-action 'self' "+stripeFormTargets, 1))
}

func (h billingPages) show(c fiber.Ctx) error {
	p := billingPage{}
	switch c.Query("checkout") {
	case "done":
		p.Notice = "Thank you. Your subscription shows here as soon as Stripe confirms it."
	case "canceled":
		p.Notice = "Checkout was canceled; nothing changed."
	}
	return h.render(c, http.StatusOK, p)
}

// mayManage is middleware: billing must be on and the member an owner.
func (h billingPages) mayManage(c fiber.Ctx) error {
	if h.client == nil {
		return apperr.NotFound("page")
	}
	if !access.Can(memberOf(c).Role, access.ManageBilling) {
		return apperr.Forbidden(msgBillingOwnersOnly)
	}
	return c.Next()
}

// checkout starts a Checkout Session for the form's plan and interval and sends the
// browser to it.
func (h billingPages) checkout(c fiber.Ctx) error {
	ctx, m := c.Context(), memberOf(c)
	planID, interval := c.FormValue("plan"), intervalOf(c)
	price := h.prices.ID(planID, interval)
	if price == "" {
		return h.render(c, http.StatusUnprocessableEntity, billingPage{Interval: interval, Error: "Choose one of the plans below."})
	}
	sub, err := h.db.Subscription.Query().Where(subscription.OrgID(m.OrgID)).Only(ctx)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: billing: checkout: %w", err)
	}
	if sub != nil && (billing.Subscription{Status: string(sub.Status)}).Live() {
		return h.render(c, http.StatusUnprocessableEntity, billingPage{Interval: interval,
			Error: "The organization has a subscription already: change its plan with Manage billing."})
	}
	customer, err := h.customer(ctx, m)
	if err != nil {
		return err
	}
	base := strings.TrimRight(h.webURL, "/") + pathSettingsBilling
	s, err := h.client.CreateCheckout(ctx, billing.CheckoutParams{
		OrgID: m.OrgID, CustomerID: customer, PriceID: price, TrialDays: h.trialDays,
		SuccessURL: base + "?checkout=done", CancelURL: base + "?checkout=canceled",
	})
	if err != nil {
		return apperr.Unavailable("Stripe could not start the checkout. Try again in a moment.", err)
	}
	h.audit(ctx, audit.Event{Name: billing.EventCheckoutStarted, OrgID: m.OrgID, ActorID: m.UserID, ActorEmail: m.Email,
		TargetType: "checkout_session", Target: s.ID, Details: map[string]string{"plan": planID, "interval": interval}})
	return redirect(c, s.URL)
}

// customer returns the organization's Stripe customer, creating it on first use.
func (h billingPages) customer(ctx context.Context, m *member) (string, error) {
	o, err := h.db.Organization.Get(ctx, m.OrgID)
	if err != nil {
		return "", fmt.Errorf("web: billing: customer: %w", err)
	}
	if o.StripeCustomerID != nil {
		return *o.StripeCustomerID, nil
	}
	id, err := h.client.CreateCustomer(ctx, billing.CustomerParams{OrgID: o.ID, OrgName: o.Name, Email: m.Email})
	if err != nil {
		return "", apperr.Unavailable("Stripe could not be reached. Try again in a moment.", err)
	}
	// Only the first writer stores its customer; a concurrent second click reads it back.
	n, err := h.db.Organization.Update().Where(organization.ID(o.ID), organization.StripeCustomerIDIsNil()).SetStripeCustomerID(id).Save(ctx)
	if err != nil {
		return "", fmt.Errorf("web: billing: save customer: %w", err)
	}
	if n == 0 {
		if o, err = h.db.Organization.Get(ctx, m.OrgID); err != nil || o.StripeCustomerID == nil {
			return "", errors.Join(errors.New("web: billing: customer vanished"), err)
		}
		return *o.StripeCustomerID, nil
	}
	return id, nil
}

// portal opens the Customer Portal for the organization's customer.
func (h billingPages) portal(c fiber.Ctx) error {
	ctx, m := c.Context(), memberOf(c)
	o, err := h.db.Organization.Get(ctx, m.OrgID)
	if err != nil {
		return fmt.Errorf("web: billing: portal: %w", err)
	}
	if o.StripeCustomerID == nil {
		return h.render(c, http.StatusUnprocessableEntity, billingPage{Error: "There is nothing to manage yet: choose a plan first."})
	}
	s, err := h.client.CreatePortal(ctx, *o.StripeCustomerID, strings.TrimRight(h.webURL, "/")+pathSettingsBilling)
	if err != nil {
		return apperr.Unavailable("Stripe could not open the billing portal. Try again in a moment.", err)
	}
	h.audit(ctx, audit.Event{Name: billing.EventPortalOpened, OrgID: m.OrgID, ActorID: m.UserID, ActorEmail: m.Email,
		TargetType: "customer", Target: *o.StripeCustomerID})
	return redirect(c, s.URL)
}
