package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/billing/billingtest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/ent/web/organization"
)

// TestBrowserPricingCheckoutPlan walks pricing → billing settings → Checkout (the browser
// is sent to the Checkout URL stripe-mock returns) → Stripe's events, signed as Stripe
// signs them, posted to the receiver → the plan shown in the billing settings.
func TestBrowserPricingCheckoutPlan(t *testing.T) {
	browser := chromium(t)
	mock := billingtest.StripeMock(t)
	const secret = "whsec_e2e_0123456789"
	// stripe-mock answers every subscription read with one fixed subscription: its price
	// is configured as Pro monthly, so completing the checkout grants Pro.
	ctx := context.Background()
	fixed, err := billing.NewStripe(config.Stripe{SecretKey: "sk_test_123", APIBase: mock}, nil).GetSubscription(ctx, "sub_e2e")
	require.NoError(t, err)
	require.NotEmpty(t, fixed.PriceID)
	env := apptest.New(t, apptest.Backends()[0], apptest.WithConfig(func(c *config.Config) {
		c.Stripe = config.Stripe{SecretKey: "sk_test_123", WebhookSecret: secret, APIBase: mock,
			PriceProMonthly: fixed.PriceID, GracePeriod: 7 * 24 * time.Hour}
	}))

	bctx := headlessChromium(t, browser, 2*time.Minute)
	var mu sync.Mutex
	var checkoutURL string
	require.NoError(t, chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && strings.Contains(e.Request.URL, "checkout.stripe.com") {
			mu.Lock()
			checkoutURL = e.Request.URL
			mu.Unlock()
		}
	}))
	email := fmt.Sprintf("billing-%d@example.com", time.Now().UnixNano())
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	require.NoError(t, chromedp.Do(bctx,
		chromedp.Navigate(env.WebURL+"/signup"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), email),
		chromedp.SendKeys(css("#password"), apptest.Password),
		chromedp.SendKeys(css("#org"), "Billing Browser Org"),
		press("#signup-submit"),
		chromedp.WaitVisible(css("#notice-link")),
		chromedp.Navigate(env.WebURL+"/pricing"),
		chromedp.WaitVisible(css("#plan-pro")),
		press("#choose-pro"),
		chromedp.WaitVisible(css("#checkout-pro")),
		press("#checkout-pro"),
	))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return checkoutURL != ""
	}, 30*time.Second, 100*time.Millisecond, "the browser was not sent to Checkout")

	// Stripe completes the checkout and reports it.
	o, err := env.Stack.Web.DB.Organization.Query().Where(organization.Name("Billing Browser Org")).Only(ctx)
	require.NoError(t, err)
	require.NotNil(t, o.StripeCustomerID, "the checkout created the customer")
	now := time.Now()
	for _, ev := range [][]byte{
		billingtest.Event("evt_e2e_checkout", billing.EvCheckoutCompleted, now,
			billingtest.CheckoutObject("cs_e2e", o.ID, *o.StripeCustomerID, fixed.ID)),
		billingtest.Event("evt_e2e_created", billing.EvSubscriptionCreated, now, billingtest.SubscriptionObject(fixed.ID)),
	} {
		req, err := http.NewRequest(http.MethodPost, env.WebURL+"/webhooks/stripe", strings.NewReader(string(ev)))
		require.NoError(t, err)
		req.Header.Set("Stripe-Signature", billingtest.Sign(ev, secret, time.Now()))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}

	require.NoError(t, chromedp.Do(bctx,
		chromedp.Navigate(env.WebURL+"/settings/billing"),
		chromedp.WaitVisible(css("#current-plan")),
	))
	planText, err := chromedp.Run(bctx, chromedp.Text(css("#current-plan")))
	require.NoError(t, err)
	status, err := chromedp.Run(bctx, chromedp.Text(css("#subscription-status")))
	require.NoError(t, err)
	require.Contains(t, planText, "Pro")
	require.Equal(t, fixed.Status, strings.TrimSpace(status))
}
