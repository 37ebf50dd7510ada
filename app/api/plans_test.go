package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
)

// A token minted before a plan change (an older plan_at) must not write the old plan back
// over a newer push, and an older push loses to a newer token; plan writes only move forward.
func TestPlanWritesOnlyMoveForward(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := tenant.System(context.Background())
		org := platform.NewID()
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		before := time.Now().Add(-time.Minute).UnixMicro()
		changed := time.Now().UnixMicro()

		// A token minted while the organization was on Free, used before the change is pushed.
		stale, err := e.signer.MintPlanAt("user-"+org, org, "owner", plan.Free, plan.Or(plan.Free).Limits, before)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/usage", stale, "", nil).StatusCode)

		// The upgrade is pushed: the row moves to Pro.
		res := e.pushPlanAt(t, svc, org, plan.Pro, changed)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		tn, err := e.db.Tenant.Get(ctx, org)
		require.NoError(t, err)
		require.Equal(t, plan.Pro, tn.Plan)
		require.Equal(t, changed, tn.PlanAt)

		// The stale token again: the tenant keeps Pro and its limits, and the request itself
		// is held to Pro.
		res = e.do(t, http.MethodGet, "/v1/api/usage", stale, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var u usageJSON
		res.json(t, &u)
		require.Equal(t, plan.Pro, u.Plan)
		require.Equal(t, plan.Or(plan.Pro).Limits, u.Limits)
		tn, err = e.db.Tenant.Get(ctx, org)
		require.NoError(t, err)
		require.Equal(t, plan.Pro, tn.Plan)
		require.Equal(t, plan.Or(plan.Pro).Limits.TasksPerMonth, tn.TasksPerMonth)

		// An older push is not written either; the answer is the plan kept.
		res = e.pushPlanAt(t, svc, org, plan.Free, before)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var kept struct {
			Plan   string      `json:"plan"`
			Limits plan.Limits `json:"limits"`
			PlanAt int64       `json:"plan_at"`
		}
		res.json(t, &kept)
		require.Equal(t, plan.Pro, kept.Plan)
		require.Equal(t, plan.Or(plan.Pro).Limits, kept.Limits)
		require.Equal(t, changed, kept.PlanAt)

		// A token minted after a later change (a downgrade) does write it.
		later := changed + int64(time.Second/time.Microsecond)
		fresh, err := e.signer.MintPlanAt("user-"+org, org, "owner", plan.Business, plan.Or(plan.Business).Limits, later)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/usage", fresh, "", nil).StatusCode)
		tn, err = e.db.Tenant.Get(ctx, org)
		require.NoError(t, err)
		require.Equal(t, plan.Business, tn.Plan)
		require.Equal(t, later, tn.PlanAt)
	})
}

// pushPlanAt puts org's plan (the catalogue's limits) read at planAt.
func (e *env) pushPlanAt(t *testing.T, token, org, id string, planAt int64) response {
	t.Helper()
	b, err := json.Marshal(map[string]any{"plan": id, "limits": plan.Or(id).Limits, "plan_at": planAt})
	require.NoError(t, err)
	return e.do(t, http.MethodPut, "/v1/internal/service/tenants/"+org+"/plan", token, "application/json", string(b))
}
