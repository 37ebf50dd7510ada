package billing_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/billing/billingtest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/plan"
)

// TestStripeClientAgainstStripeMock runs every call of the Stripe client against
// stripe-mock, which checks each request against Stripe's OpenAPI document.
func TestStripeClientAgainstStripeMock(t *testing.T) {
	url := billingtest.StripeMock(t)
	c := billing.NewStripe(config.Stripe{SecretKey: "sk_test_123", APIBase: url}, &http.Client{Timeout: 10 * time.Second})
	ctx := context.Background()

	cus, err := c.CreateCustomer(ctx, billing.CustomerParams{OrgID: "org1", OrgName: "Acme", Email: "a@example.com"})
	require.NoError(t, err)
	require.NotEmpty(t, cus)

	cs, err := c.CreateCheckout(ctx, billing.CheckoutParams{OrgID: "org1", CustomerID: cus, PriceID: "price_123",
		SuccessURL: "http://assay.test/settings/billing?checkout=done", CancelURL: "http://assay.test/settings/billing", TrialDays: 14})
	require.NoError(t, err)
	require.NotEmpty(t, cs.ID)
	require.Contains(t, cs.URL, "https://")

	ps, err := c.CreatePortal(ctx, cus, "http://assay.test/settings/billing")
	require.NoError(t, err)
	require.Contains(t, ps.URL, "https://")

	sub, err := c.GetSubscription(ctx, "sub_123")
	require.NoError(t, err)
	require.NotEmpty(t, sub.ID)
	require.NotEmpty(t, sub.Status)
	require.NotEmpty(t, sub.CustomerID)
}

func TestEffective(t *testing.T) {
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	grace := 7 * 24 * time.Hour
	recent, old := now.Add(-24*time.Hour), now.Add(-8*24*time.Hour)
	tests := []struct {
		status, plan string
		since        *time.Time
		want         string
	}{
		{billing.StatusActive, plan.Pro, nil, plan.Pro},
		{billing.StatusTrialing, plan.Business, nil, plan.Business},
		{billing.StatusPastDue, plan.Pro, &recent, plan.Pro},
		{billing.StatusPastDue, plan.Pro, &old, plan.Free},
		{billing.StatusPastDue, plan.Pro, nil, plan.Free},
		{billing.StatusCanceled, plan.Pro, nil, plan.Free},
		{billing.StatusUnpaid, plan.Pro, nil, plan.Free},
		{billing.StatusIncomplete, plan.Pro, nil, plan.Free},
		{billing.StatusIncompleteExpired, plan.Pro, nil, plan.Free},
		{billing.StatusActive, "gold", nil, plan.Free},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, billing.Effective(tc.status, tc.plan, tc.since, grace, now), "%s %s", tc.status, tc.plan)
	}
}

func TestPrices(t *testing.T) {
	p := billing.NewPrices(config.Stripe{PriceProMonthly: "price_pm", PriceBusinessYearly: "price_by"})
	require.Equal(t, "price_pm", p.ID(plan.Pro, billing.Monthly))
	require.Equal(t, "", p.ID(plan.Pro, billing.Yearly))
	require.Equal(t, plan.Business, p.Plan("price_by"))
	require.Equal(t, plan.Free, p.Plan("price_unknown"))
}
