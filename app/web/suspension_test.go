package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// Suspending and restoring an organization in the backoffice reaches the API at once; a
// push the API did not receive keeps the change here and the plan sweep delivers it.
func TestAdminSuspensionReachesAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		sc := env.login(t, env.staff(t))
		own := env.owner(t)
		suspend, restore := "/admin/orgs/"+own.OrgID+"/suspend", "/admin/orgs/"+own.OrgID+"/restore"

		require.Equal(t, http.StatusSeeOther, sc.postForm(suspend, url.Values{"reason": {"abuse"}}).StatusCode)
		on, known := env.api.suspension.suspended(own.OrgID)
		require.True(t, known)
		require.True(t, on)
		require.Equal(t, http.StatusSeeOther, sc.postForm(restore, url.Values{}).StatusCode)
		on, _ = env.api.suspension.suspended(own.OrgID)
		require.False(t, on)

		env.api.suspension.mu.Lock()
		env.api.suspension.fail = true
		env.api.suspension.mu.Unlock()
		require.Equal(t, http.StatusSeeOther, sc.postForm(suspend, url.Values{}).StatusCode)
		require.NotNil(t, env.db.Organization.GetX(ctx, own.OrgID).SuspendedAt, "suspended here")
		on, _ = env.api.suspension.suspended(own.OrgID)
		require.False(t, on, "not yet there")
		n, err := env.srv.plans.sweep(ctx)
		require.NoError(t, err)
		require.Positive(t, n, "the sweep finds the organization whose push failed")
		on, _ = env.api.suspension.suspended(own.OrgID)
		require.True(t, on, "the sweep's push reached the API")
		n, err = env.srv.plans.sweep(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "nothing left to push")
	})
}
