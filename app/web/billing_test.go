package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/billing/billingtest"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/membership"
)

func TestPricingPage(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.client(t)
	res := c.get("/")
	require.Equal(t, 1, res.doc(t).Find(`#home-pricing[href="/pricing"]`).Length())
	require.Equal(t, 1, res.doc(t).Find(`#nav-pricing[href="/pricing"]`).Length())
	res = c.get("/pricing")
	require.Equal(t, http.StatusOK, res.StatusCode)
	d := res.doc(t)
	require.Contains(t, d.Find("#plan-pro .price").Text(), "$49")
	require.Contains(t, d.Find("#plan-business .price").Text(), "$199")
	require.Equal(t, "page", d.Find("#interval-month").AttrOr("aria-current", ""))
	res = c.get("/pricing?interval=year")
	d = res.doc(t)
	require.Contains(t, d.Find("#plan-pro .price").Text(), "$490")
	require.Equal(t, "page", d.Find("#interval-year").AttrOr("aria-current", ""))
	require.Equal(t, 3, d.Find("article.plan").Length())
}

func TestBillingPageOffWithoutKey(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.login(t, env.owner(t))
	res := c.get(pathSettingsBilling)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 1, res.doc(t).Find("#billing-off").Length())
	require.Contains(t, res.doc(t).Find("#current-plan").Text(), "Free")
	res = c.postForm(pathBillingCheckout, url.Values{"plan": {"pro"}, "interval": {"month"}})
	require.Equal(t, http.StatusNotFound, res.StatusCode)
}

// TestBillingCheckoutAndPortal starts a Checkout Session and a Portal session through the
// real Stripe client against stripe-mock.
func TestBillingCheckoutAndPortal(t *testing.T) {
	mock := billingtest.StripeMock(t)
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		c := env.login(t, o)
		res := c.get(pathSettingsBilling + "?interval=year")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Header.Get("Content-Security-Policy"), "form-action 'self' https://checkout.stripe.com")
		d := res.doc(t)
		require.Equal(t, 1, d.Find("#checkout-pro").Length())
		require.Equal(t, 1, d.Find("#checkout-business").Length())
		require.Zero(t, d.Find("#portal-submit").Length(), "nothing to manage before a subscription")
		// Reached by a boosted link, the page is loaded as a document of its own, under
		// its own policy.
		res = c.get(pathSettingsBilling+"?interval=year", hxRequest, "true", hxBoosted, "true")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, pathSettingsBilling+"?interval=year", res.Header.Get(hxRedirect))
		require.Zero(t, res.doc(t).Find("#checkout-pro").Length(), "no page: the browser loads it itself")

		res = c.postForm(pathBillingCheckout, url.Values{"plan": {"gold"}, "interval": {"year"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, 1, res.doc(t).Find("#billing-error").Length())

		res = c.postForm(pathBillingCheckout, url.Values{"plan": {"pro"}, "interval": {"year"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.True(t, strings.HasPrefix(res.Header.Get("Location"), "https://"), res.Header.Get("Location"))
		org, err := env.db.Organization.Get(ctx, o.OrgID)
		require.NoError(t, err)
		require.NotNil(t, org.StripeCustomerID)
		n, err := env.db.AuditEntry.Query().Where(auditentry.OrgID(o.OrgID), auditentry.Action(billing.EventCheckoutStarted)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)

		res = c.postForm(pathBillingPortal, url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.True(t, strings.HasPrefix(res.Header.Get("Location"), "https://"))

		// A member who is not an owner sees the plan and cannot buy.
		m := env.owner(t)
		require.NoError(t, env.db.Membership.Create().SetUserID(m.UserID).SetOrgID(o.OrgID).SetRole(membership.RoleAdmin).Exec(ctx))
		mc := env.login(t, m)
		res = mc.postForm(pathOrgsSwitch, url.Values{"org_id": {o.OrgID}})
		require.Less(t, res.StatusCode, 400)
		res = mc.get(pathSettingsBilling)
		require.Equal(t, 1, res.doc(t).Find("#billing-readonly").Length())
		require.Zero(t, res.doc(t).Find(".checkout-form").Length())
		res = mc.postForm(pathBillingCheckout, url.Values{"plan": {"pro"}, "interval": {"month"}})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		res = mc.postForm(pathBillingPortal, url.Values{})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
	}, withStripe(mock))
}
