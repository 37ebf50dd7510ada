package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/webhook"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/outgoingmail"
)

// planAPI stands in for the API's plan push endpoint: it accepts service tokens only and
// records each push.
type planAPI struct {
	mu     sync.Mutex
	pushes map[string][]planPushBody
	srv    *httptest.Server
}

func newPlanAPI(t *testing.T, signer *auth.Signer) *planAPI {
	p := &planAPI{pushes: map[string][]planPushBody{}}
	v := auth.NewVerifier(signer.Keys())
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, ok := strings.CutPrefix(r.URL.Path, "/v1/internal/service/tenants/")
		org, ok2 := strings.CutSuffix(org, "/plan")
		org, suspension := strings.CutSuffix(org, "/suspension")
		c, err := v.Verify(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if _, svc := c.IsService(); err != nil || !svc || !ok || !(ok2 || suspension) || r.Method != http.MethodPut {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if suspension { // sent with every plan push; the suspension tests check it
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.Copy(w, r.Body)
			return
		}
		var b planPushBody
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &b) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.pushes[org] = append(p.pushes[org], b)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *planAPI) of(org string) []planPushBody {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]planPushBody(nil), p.pushes[org]...)
}

func TestPlanSyncPushesChangedPlans(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		api := newPlanAPI(t, env.signer)
		s := planSync{db: env.db, api: newAPIClient(api.srv.URL, api.srv.Client(), env.signer, 0), log: slog.New(slog.DiscardHandler)}
		a, b := env.owner(t), env.owner(t)
		env.db.Organization.UpdateOneID(b.OrgID).SetPlan(plan.Pro).ExecX(ctx)

		_, err := s.sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, []planPushBody{{Plan: plan.Free, Limits: plan.Or(plan.Free).Limits}}, withoutPlanAt(api.of(a.OrgID)))
		require.Equal(t, []planPushBody{{Plan: plan.Pro, Limits: plan.Or(plan.Pro).Limits}}, withoutPlanAt(api.of(b.OrgID)))
		require.NotZero(t, api.of(a.OrgID)[0].PlanAt, "a push says when the plan was read")
		n, err := s.sweep(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "pushed plans are not pushed again")

		// Billing changes a plan and calls planChanged: pushed at once, and only once.
		env.db.Organization.UpdateOneID(a.OrgID).SetPlan(plan.Business).ExecX(ctx)
		env.srv.plans = s
		env.srv.planChanged(ctx, a.OrgID)
		require.Len(t, api.of(a.OrgID), 2)
		require.Equal(t, plan.Business, api.of(a.OrgID)[1].Plan)
		n, err = s.sweep(ctx)
		require.NoError(t, err)
		require.Zero(t, n)

		// An API that is down leaves the organization due for the next sweep.
		down := planSync{db: env.db, api: newAPIClient("http://127.0.0.1:1", nil, env.signer, 0), log: slog.New(slog.DiscardHandler)}
		env.db.Organization.UpdateOneID(b.OrgID).SetPlan(plan.Free).ExecX(ctx)
		_, err = down.sweep(ctx)
		require.Error(t, err)
		n, err = s.sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, plan.Free, api.of(b.OrgID)[1].Plan)
	})
}

// withoutPlanAt drops the read times of pushes, to compare their plans.
func withoutPlanAt(pushes []planPushBody) []planPushBody {
	for i := range pushes {
		pushes[i].PlanAt = 0
	}
	return pushes
}

func TestUsageThresholdMailsOwnersOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		env.joined(t, o.OrgID, membership.RoleMember) // members get no mail
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		body, err := json.Marshal(webhook.UsageEvent{Type: webhook.EventUsageThreshold, Data: webhook.UsageData{
			OrgID: o.OrgID, Limit: "tasks_per_month", Threshold: 80, LimitValue: 50, Usage: 40,
			PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0),
		}})
		require.NoError(t, err)
		for range 2 { // a redelivery of the same webhook id writes nothing more
			res := env.postWebhook(t, webhook.Headers(testSecret, "msg-usage-1", time.Now(), body), body)
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		}
		mails := env.db.OutgoingMail.Query().Where(outgoingmail.Template(mail.TemplateUsageThreshold)).AllX(context.Background())
		require.Len(t, mails, 1)
		require.Equal(t, o.Email, mails[0].To)
		require.Contains(t, mails[0].Text, "80% of its 50 tasks (40 used)")
		require.Contains(t, mails[0].Text, "http://assay.test/pricing")
		require.Contains(t, mails[0].HTML, `href="http://assay.test/pricing"`)
	})
}

func TestInviteRefusedWhenSeatsAreFull(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		env.joined(t, o.OrgID, membership.RoleMember)
		c := env.login(t, o)
		// Free has 3 seats: two members and one pending invitation fill them.
		res := c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {"third@example.com"}, "role": {"member"}})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		res = c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {"fourth@example.com"}, "role": {"member"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		doc := res.doc(t)
		require.Contains(t, doc.Find("#email-error").Text(), fmt.Sprintf("Your plan has %d seats", plan.Or(plan.Free).Limits.Members))
		require.Equal(t, 1, doc.Find(`#seats-upgrade a[href="/pricing"]`).Length())
		require.Equal(t, 1, doc.Find("#invitations .invite-row").Length(), "no second invitation")
		// A plan with more seats lets the invitation through.
		env.db.Organization.UpdateOneID(o.OrgID).SetPlan(plan.Pro).ExecX(context.Background())
		res = c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {"fourth@example.com"}, "role": {"member"}})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	})
}

func TestTokenCarriesThePlanLimits(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	env.db.Organization.UpdateOneID(o.OrgID).SetPlan(plan.Pro).ExecX(context.Background())
	a := newAPIClient(env.api.srv.URL, nil, env.signer, 8<<20)
	tok, err := a.token(&member{UserID: o.UserID, OrgID: o.OrgID, Role: "owner", Plan: plan.Pro})
	require.NoError(t, err)
	c, err := auth.NewVerifier(env.signer.Keys()).Verify(context.Background(), tok)
	require.NoError(t, err)
	want := plan.Or(plan.Pro).Limits
	want.MaxUploadBytes = 8 << 20 // the server's ceiling is lower than Pro's
	require.Equal(t, plan.Pro, c.Plan)
	require.Equal(t, want, c.Limits)
	require.Less(t, len(tok), 1024, "the token stays small")
}
