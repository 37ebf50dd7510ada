package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82"

	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/billing/billingtest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/outgoingmail"
	"github.com/assayhq/assay/ent/web/receivedwebhook"
	"github.com/assayhq/assay/ent/web/subscription"
)

const testStripeSecret = "whsec_test_0123456789"

// withStripe turns billing on with a Stripe that is never called (tests swap in a fake
// for re-reading subscriptions) or, with a URL, stripe-mock.
func withStripe(apiBase string) func(*config.Config) {
	return func(c *config.Config) {
		c.Stripe = config.Stripe{SecretKey: "sk_test_123", WebhookSecret: testStripeSecret, APIBase: apiBase,
			PriceProMonthly: "price_pro_m", PriceProYearly: "price_pro_y",
			PriceBusinessMonthly: "price_biz_m", PriceBusinessYearly: "price_biz_y",
			TrialDays: 14, GracePeriod: 7 * 24 * time.Hour}
	}
}

// stripeEnv is a web app whose Stripe subscriptions come from a fake.
func stripeEnv(t *testing.T, env *testEnv) *billingtest.Fake {
	t.Helper()
	fake := &billingtest.Fake{BaseURL: "https://checkout.stripe.test"}
	require.NotNil(t, env.srv.stripeHooks.sync)
	env.srv.stripeHooks.sync.Client = fake
	return fake
}

// postStripe posts payload signed at ts (secret "" signs with the right one).
func (e *testEnv) postStripe(t *testing.T, payload []byte, ts time.Time, secret string) response {
	t.Helper()
	if secret == "" {
		secret = testStripeSecret
	}
	req := httptest.NewRequest(http.MethodPost, pathStripeWebhook, strings.NewReader(string(payload)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", billingtest.Sign(payload, secret, ts))
	return e.client(t).do(req)
}

func (e *testEnv) orgPlan(t *testing.T, orgID string) string {
	t.Helper()
	o, err := e.db.Organization.Get(context.Background(), orgID)
	require.NoError(t, err)
	return o.Plan
}

func (e *testEnv) subOf(t *testing.T, orgID string) *entweb.Subscription {
	t.Helper()
	s, err := e.db.Subscription.Query().Where(subscription.OrgID(orgID)).Only(tenant.With(context.Background(), orgID))
	require.NoError(t, err)
	return s
}

func (e *testEnv) count(t *testing.T, orgID string) (audits, mails, events int) {
	t.Helper()
	ctx := context.Background()
	a, err := e.db.AuditEntry.Query().Where(auditentry.OrgID(orgID)).Count(ctx)
	require.NoError(t, err)
	m, err := e.db.OutgoingMail.Query().Count(ctx)
	require.NoError(t, err)
	w, err := e.db.ReceivedWebhook.Query().Where(receivedwebhook.Source(billing.Source)).Count(ctx)
	require.NoError(t, err)
	return a, m, w
}

func activeSub(id, orgID, price, status string) billing.Subscription {
	return billing.Subscription{ID: id, CustomerID: "cus_" + orgID, PriceID: price, Status: status, OrgID: orgID,
		CurrentPeriodEnd: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}
}

func TestStripeWebhookCheckoutAndReplay(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := stripeEnv(t, env)
		o := env.owner(t)
		fake.Set(activeSub("sub_1", o.OrgID, "price_pro_m", billing.StatusActive))
		now := time.Now()
		ev := billingtest.Event("evt_checkout", billing.EvCheckoutCompleted, now,
			billingtest.CheckoutObject("cs_1", o.OrgID, "cus_"+o.OrgID, "sub_1"))
		res := env.postStripe(t, ev, now, "")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, plan.Pro, env.orgPlan(t, o.OrgID))
		s := env.subOf(t, o.OrgID)
		require.Equal(t, subscription.StatusActive, s.Status)
		require.Equal(t, billing.Monthly, s.Interval)
		org, err := env.db.Organization.Get(context.Background(), o.OrgID)
		require.NoError(t, err)
		require.Equal(t, "cus_"+o.OrgID, *org.StripeCustomerID)
		audits, mails, events := env.count(t, o.OrgID)
		require.Equal(t, 1, events)
		require.GreaterOrEqual(t, audits, 2) // subscription changed, plan changed

		// The same event again (Stripe retries, or an attacker replays it) changes nothing.
		fake.Set(activeSub("sub_1", o.OrgID, "price_biz_m", billing.StatusActive))
		res = env.postStripe(t, ev, time.Now(), "")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "already received", res.Body)
		require.Equal(t, plan.Pro, env.orgPlan(t, o.OrgID))
		a2, m2, e2 := env.count(t, o.OrgID)
		require.Equal(t, []int{audits, mails, events}, []int{a2, m2, e2})
	}, withStripe("http://127.0.0.1:1"))
}

func TestStripeWebhookAnyOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := stripeEnv(t, env)
		o := env.owner(t)
		t0 := time.Now().Add(-time.Minute)
		post := func(id, typ string, created time.Time, obj any) {
			t.Helper()
			res := env.postStripe(t, billingtest.Event(id, typ, created, obj), time.Now(), "")
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		}
		// Stripe has the subscription on Business already; "updated" arrives before "created".
		fake.Set(activeSub("sub_2", o.OrgID, "price_biz_y", billing.StatusActive))
		post("evt_updated", billing.EvSubscriptionUpdated, t0.Add(2*time.Second), billingtest.SubscriptionObject("sub_2"))
		require.Equal(t, plan.Business, env.orgPlan(t, o.OrgID))
		post("evt_created", billing.EvSubscriptionCreated, t0, billingtest.SubscriptionObject("sub_2"))
		require.Equal(t, plan.Business, env.orgPlan(t, o.OrgID))
		require.Equal(t, t0.Add(2*time.Second).Unix(), env.subOf(t, o.OrgID).UpdatedFromEventCreated)

		// Deleted, then a stale update (older than the deletion) arrives late.
		fake.Set(activeSub("sub_2", o.OrgID, "price_biz_y", billing.StatusCanceled))
		post("evt_deleted", billing.EvSubscriptionDeleted, t0.Add(4*time.Second), billingtest.SubscriptionObject("sub_2"))
		require.Equal(t, plan.Free, env.orgPlan(t, o.OrgID))
		fake.Set(activeSub("sub_2", o.OrgID, "price_biz_y", billing.StatusActive)) // what the stale payload said
		post("evt_stale", billing.EvSubscriptionUpdated, t0.Add(3*time.Second), billingtest.SubscriptionObject("sub_2"))
		require.Equal(t, plan.Free, env.orgPlan(t, o.OrgID))
		require.Equal(t, subscription.StatusCanceled, env.subOf(t, o.OrgID).Status)
		n, err := env.db.OutgoingMail.Query().Where(outgoingmail.Template(mail.TemplateSubscriptionCanceled), outgoingmail.To(o.Email)).Count(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}, withStripe("http://127.0.0.1:1"))
}

func TestStripeWebhookPastDueGraceAndTrial(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := stripeEnv(t, env)
		o := env.owner(t)
		sync := env.srv.stripeHooks.sync
		now := time.Now().UTC()
		sync.Now = func() time.Time { return now }
		post := func(id, typ string, obj any) {
			t.Helper()
			res := env.postStripe(t, billingtest.Event(id, typ, time.Now(), obj), time.Now(), "")
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		}
		trial := activeSub("sub_3", o.OrgID, "price_pro_m", billing.StatusTrialing)
		trial.TrialEnd = time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
		fake.Set(trial)
		post("evt_trial", billing.EvTrialWillEnd, billingtest.SubscriptionObject("sub_3"))
		require.Equal(t, plan.Pro, env.orgPlan(t, o.OrgID))
		m, err := env.db.OutgoingMail.Query().Where(outgoingmail.Template(mail.TemplateTrialEnding)).Only(context.Background())
		require.NoError(t, err)
		require.Contains(t, m.Subject, "2 January 2030")

		fake.Set(activeSub("sub_3", o.OrgID, "price_pro_m", billing.StatusPastDue))
		post("evt_failed", billing.EvInvoicePaymentFailed, billingtest.InvoiceObject("in_1", "sub_3"))
		require.Equal(t, plan.Pro, env.orgPlan(t, o.OrgID), "past due keeps the plan during the grace period")
		require.NotNil(t, env.subOf(t, o.OrgID).PastDueSince)
		m, err = env.db.OutgoingMail.Query().Where(outgoingmail.Template(mail.TemplatePaymentFailed)).Only(context.Background())
		require.NoError(t, err)
		require.Contains(t, m.Text, now.Add(7*24*time.Hour).Format(billing.DateLayout))

		// The banner says so on every page.
		c := env.login(t, o)
		res := c.get("/dashboard")
		require.Equal(t, "past_due", res.doc(t).Find("#billing-banner").AttrOr("data-billing", ""))

		// Paid: past due is cleared.
		fake.Set(activeSub("sub_3", o.OrgID, "price_pro_m", billing.StatusActive))
		post("evt_paid", billing.EvInvoicePaid, billingtest.InvoiceObject("in_1", "sub_3"))
		require.Nil(t, env.subOf(t, o.OrgID).PastDueSince)

		// Past due again, and the grace period runs out with no event: the sweep moves it.
		fake.Set(activeSub("sub_3", o.OrgID, "price_pro_m", billing.StatusPastDue))
		post("evt_failed2", billing.EvInvoicePaymentFailed, billingtest.InvoiceObject("in_2", "sub_3"))
		moved, err := sync.Sweep(context.Background())
		require.NoError(t, err)
		require.Zero(t, moved)
		now = now.Add(8 * 24 * time.Hour)
		moved, err = sync.Sweep(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, moved)
		require.Equal(t, plan.Free, env.orgPlan(t, o.OrgID))
		moved, err = sync.Sweep(context.Background())
		require.NoError(t, err)
		require.Zero(t, moved)
	}, withStripe("http://127.0.0.1:1"))
}

func TestStripeWebhookRefusals(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := stripeEnv(t, env)
		o := env.owner(t)
		fake.Set(activeSub("sub_4", o.OrgID, "price_pro_m", billing.StatusActive))
		ev := billingtest.Event("evt_4", billing.EvSubscriptionCreated, time.Now(), billingtest.SubscriptionObject("sub_4"))

		res := env.postStripe(t, ev, time.Now(), "whsec_wrong")
		require.Equal(t, http.StatusBadRequest, res.StatusCode, "bad signature")
		res = env.postStripe(t, ev, time.Now().Add(-10*time.Minute), "")
		require.Equal(t, http.StatusBadRequest, res.StatusCode, "timestamp too old")
		req := httptest.NewRequest(http.MethodPost, pathStripeWebhook, strings.NewReader(string(ev)))
		require.Equal(t, http.StatusBadRequest, env.client(t).do(req).StatusCode, "no signature")
		// An endpoint on another API version: refused rather than misread.
		old := []byte(strings.Replace(string(ev), `"api_version":"`+stripe.APIVersion+`"`, `"api_version":"2020-08-27"`, 1))
		require.NotEqual(t, string(ev), string(old))
		res = env.postStripe(t, old, time.Now(), "")
		require.Equal(t, http.StatusBadRequest, res.StatusCode, "API version mismatch")
		big := make([]byte, maxStripeWebhookBody+1)
		res = env.postStripe(t, big, time.Now(), "")
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		_, _, events := env.count(t, o.OrgID)
		require.Zero(t, events)
		require.Equal(t, plan.Free, env.orgPlan(t, o.OrgID))

		// Stripe unreachable: 5xx, nothing recorded, so Stripe's retry applies it.
		fake.Fail(errors.New("connection refused"))
		res = env.postStripe(t, ev, time.Now(), "")
		require.GreaterOrEqual(t, res.StatusCode, 500)
		_, _, events = env.count(t, o.OrgID)
		require.Zero(t, events)
		fake.Fail(nil)
		res = env.postStripe(t, ev, time.Now(), "")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, plan.Pro, env.orgPlan(t, o.OrgID))
	}, withStripe("http://127.0.0.1:1"))
}

func TestStripeWebhookOffWithoutKey(t *testing.T) {
	env := newSQLiteEnv(t)
	ev := billingtest.Event("evt_5", billing.EvSubscriptionCreated, time.Now(), billingtest.SubscriptionObject("sub_5"))
	require.Equal(t, http.StatusNotFound, env.postStripe(t, ev, time.Now(), "").StatusCode)
}

// A subscription event that changes the organization's plan pushes it to the API at once,
// after the commit: the tenant row does not wait for the plan sweep.
func TestStripeWebhookPushesThePlanAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := stripeEnv(t, env)
		api := newPlanAPI(t, env.signer)
		env.srv.plans = planSync{db: env.db, api: newAPIClient(api.srv.URL, api.srv.Client(), env.signer, 0), log: env.srv.log}
		o := env.owner(t)
		fake.Set(activeSub("sub_push", o.OrgID, "price_biz_m", billing.StatusActive))
		now := time.Now()
		ev := billingtest.Event("evt_sub_push", billing.EvSubscriptionUpdated, now,
			billingtest.SubscriptionObject("sub_push"))
		res := env.postStripe(t, ev, now, "")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		pushes := api.of(o.OrgID)
		require.Len(t, pushes, 1, "pushed once, without a sweep")
		require.Equal(t, plan.Business, pushes[0].Plan)
		require.Equal(t, plan.Or(plan.Business).Limits, pushes[0].Limits)
		org, err := env.db.Organization.Get(context.Background(), o.OrgID)
		require.NoError(t, err)
		require.NotZero(t, pushes[0].PlanAt)
		require.LessOrEqual(t, pushes[0].PlanAt, org.UpdatedAt.UnixMicro(), "the push says when the plan was read")
		require.Equal(t, planVersion(plan.Or(plan.Business), false), org.PlanPushed, "the sweep has nothing left to do")
	}, withStripe("http://127.0.0.1:1"))
}
