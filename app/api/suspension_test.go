package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/tenant"
)

type suspensionView struct {
	OrgID       string  `json:"org_id"`
	Suspended   bool    `json:"suspended"`
	SuspendedAt *string `json:"suspended_at"`
}

// suspendedProblem asserts the refusal of a suspended organization and returns its detail.
func suspendedProblem(t *testing.T, r response) string {
	t.Helper()
	require.Equal(t, http.StatusForbidden, r.StatusCode, "body: %s", r.body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	r.json(t, &p)
	require.Equal(t, "urn:assay:problem:suspended", p.Type)
	require.Equal(t, "Organization suspended", p.Title)
	return p.Detail
}

// The backoffice's suspension reaches the API: the organization's API keys and web
// tokens are refused with 403 (type suspended) on /v1/api and /v1/internal, other
// organizations go on, and a restore lifts it.
func TestTenantSuspension(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := tenant.System(context.Background())
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		org, key := e.org(t)
		other, otherKey := e.org(t)
		jwt := e.token(t, org, "free", auth.Limits{})
		path := "/v1/internal/service/tenants/" + org + "/suspension"
		ds := e.upload(t, key, "a.csv", "name\nann\n")

		// Only service tokens may suspend; a body without the flag is refused.
		for _, tok := range []string{key, jwt} {
			e.do(t, http.MethodPut, path, tok, "application/json", `{"suspended":true}`).problem(t, http.StatusForbidden)
		}
		e.doMalformed(t, http.MethodPut, path, svc, "application/json", `{}`).problem(t, http.StatusUnprocessableEntity)
		e.doMalformed(t, http.MethodPut, "/v1/internal/service/tenants/nope/suspension", svc, "application/json", `{"suspended":true}`).
			problem(t, http.StatusNotFound)
		require.Nil(t, e.db.Tenant.GetX(ctx, org).SuspendedAt, "a refused push changes nothing")

		var v suspensionView
		e.do(t, http.MethodPut, path, svc, "application/json", `{"suspended":true}`).json(t, &v)
		require.True(t, v.Suspended)
		require.NotNil(t, v.SuspendedAt)
		first := *v.SuspendedAt
		e.do(t, http.MethodPut, path, svc, "application/json", `{"suspended":true}`).json(t, &v)
		require.Equal(t, first, *v.SuspendedAt, "repeating keeps the first time")

		detail := suspendedProblem(t, e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil))
		require.Contains(t, detail, "suspended")
		suspendedProblem(t, e.do(t, http.MethodGet, "/v1/api/datasets/"+ds, key, "", nil))
		suspendedProblem(t, e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", `{"dataset_id":"`+ds+`"}`))
		suspendedProblem(t, e.do(t, http.MethodGet, "/v1/api/datasets", jwt, "", nil))
		suspendedProblem(t, e.do(t, http.MethodGet, "/v1/internal/api-keys", jwt, "", nil))
		require.Zero(t, e.countTasks(t, org), "nothing was started")
		// Bad credentials still answer 401, whatever the organization.
		e.do(t, http.MethodGet, "/v1/api/datasets", key+"x", "", nil).problem(t, http.StatusUnauthorized)
		// Another organization is not affected.
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/datasets", otherKey, "", nil).StatusCode)
		require.Nil(t, e.db.Tenant.GetX(ctx, other).SuspendedAt)

		e.do(t, http.MethodPut, path, svc, "application/json", `{"suspended":false}`).json(t, &v)
		require.False(t, v.Suspended)
		require.Nil(t, v.SuspendedAt)
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/datasets/"+ds, key, "", nil).StatusCode)
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/internal/api-keys", jwt, "", nil).StatusCode)

		// A suspension may come before the organization's first call: its row is created.
		fresh := "0190f3a4-0000-7000-8000-000000000001"
		e.do(t, http.MethodPut, "/v1/internal/service/tenants/"+fresh+"/suspension", svc, "application/json", `{"suspended":true}`).json(t, &v)
		require.True(t, v.Suspended)
		suspendedProblem(t, e.do(t, http.MethodGet, "/v1/api/datasets", e.token(t, fresh, "free", auth.Limits{}), "", nil))
	})
}
