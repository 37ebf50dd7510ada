package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
)

// Through both real apps: staff suspend an organization in the backoffice and its API
// key is refused by the API with the suspended problem; a restore lets it in again.
func TestSuspensionReachesTheAPI(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		customer := env.Org(t)
		key := env.APIKey(t, customer)
		staff := env.Org(t)
		env.Stack.Web.DB.User.UpdateOneID(staff.User.ID).SetStaff(true).ExecX(ctx)

		b := newBrowser(t, env.WebURL)
		b.get("/login")
		res, _ := b.post("/login", url.Values{"email": {staff.Email}, "password": {apptest.Password}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		orgPage := "/admin/orgs/" + customer.Org.ID
		res, _ = b.get(orgPage)
		require.Equal(t, http.StatusOK, res.StatusCode)

		require.Equal(t, http.StatusOK, env.API(t, http.MethodGet, "/v1/api/datasets", key, "", nil).StatusCode)
		res, _ = b.post(orgPage+"/suspend", url.Values{"reason": {"abuse"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		got := env.API(t, http.MethodGet, "/v1/api/datasets", key, "", nil)
		require.Equal(t, http.StatusForbidden, got.StatusCode, "%s", got.Body)
		var p struct{ Type string }
		require.NoError(t, json.Unmarshal(got.Body, &p))
		require.Equal(t, "urn:assay:problem:suspended", p.Type)

		b.get(orgPage)
		res, _ = b.post(orgPage+"/restore", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, http.StatusOK, env.API(t, http.MethodGet, "/v1/api/datasets", key, "", nil).StatusCode)

		// The backoffice's webhook page reads the sent deliveries from the API.
		res, doc := b.get("/admin/webhooks")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 1, doc.Find("#admin-sent-table").Length())
		require.Zero(t, doc.Find("#admin-sent-error").Length(), "the API answered")
	})
}
