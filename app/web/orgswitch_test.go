package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/web/membership"
)

func TestSwitchOrganization(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		a, b, stranger := env.owner(t), env.owner(t), env.owner(t)
		require.NoError(t, env.db.Membership.Create().SetUserID(a.UserID).SetOrgID(b.OrgID).
			SetRole(membership.RoleMember).Exec(ctx))
		for _, o := range []owner{a, b} {
			env.db.Task.Create().SetID("task-" + o.OrgID[24:]).SetDatasetID("ds").
				SetDatasetName("data-of-" + o.OrgID + ".csv").SetStatus("completed").ExecX(tenant.With(ctx, o.OrgID))
		}
		c := env.login(t, a)
		dash := c.get("/dashboard").doc(t)
		require.Equal(t, env.orgName(t, a.OrgID), dash.Find("#current-org").Text())
		require.Equal(t, 2, dash.Find("#org-switch option").Length())
		require.Contains(t, dash.Find("#tasks").Text(), "data-of-"+a.OrgID)

		old := *c.cookie
		res := c.postForm(pathOrgsSwitch, url.Values{"org_id": {b.OrgID}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.NotEqual(t, old.Value, c.cookie.Value, "a new session id")
		dash = c.get("/dashboard").doc(t)
		require.Equal(t, env.orgName(t, b.OrgID), dash.Find("#current-org").Text())
		require.Contains(t, dash.Find("#tasks").Text(), "data-of-"+b.OrgID)
		require.NotContains(t, dash.Find("#tasks").Text(), "data-of-"+a.OrgID)
		require.Equal(t, http.StatusNotFound, c.get("/tasks/task-"+a.OrgID[24:]).StatusCode, "the other organization's task")
		require.Equal(t, "member", c.get(pathSettingsOrg).doc(t).Find("#my-role").Text())

		stale := env.client(t)
		stale.cookie = &old
		require.Equal(t, "/login", stale.get("/dashboard").Header.Get("Location"), "the old id is worth nothing")

		for _, id := range []string{stranger.OrgID, "no-such-org", ""} {
			res := c.postForm(pathOrgsSwitch, url.Values{"org_id": {id}})
			require.Equal(t, http.StatusNotFound, res.StatusCode)
		}
		require.Equal(t, env.orgName(t, b.OrgID), c.get("/dashboard").doc(t).Find("#current-org").Text())
	})
}

func TestCreateOrganization(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		orgs := env.db.Organization.Query().CountX(context.Background())
		for _, name := range []string{"", "   ", string(make([]byte, 101))} {
			res := c.postForm(pathOrgs, url.Values{"name": {name}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			require.NotEmpty(t, res.doc(t).Find("#name-error").Text())
		}
		require.Equal(t, orgs, env.db.Organization.Query().CountX(context.Background()), "nothing created")
		before := c.cookie.Value
		res := c.postForm(pathOrgs, url.Values{"name": {"  Second team "}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.NotEqual(t, before, c.cookie.Value)
		dash := c.get("/dashboard").doc(t)
		require.Equal(t, "Second team", dash.Find("#current-org").Text())
		require.Equal(t, "owner", c.get(pathSettingsOrg).doc(t).Find("#my-role").Text())

		// Leaving the new one (another owner joins first) moves back to the first.
		added := env.db.Membership.Query().Where(membership.UserID(o.UserID), membership.OrgIDNEQ(o.OrgID)).OnlyX(context.Background())
		env.joined(t, added.OrgID, "owner")
		left := c.postForm(pathSettingsOrg+"/leave", url.Values{})
		require.Equal(t, http.StatusSeeOther, left.StatusCode, left.Body)
		require.Empty(t, env.roleOf(t, o.UserID, added.OrgID))
		require.Equal(t, env.orgName(t, o.OrgID), c.get("/dashboard").doc(t).Find("#current-org").Text())
	})
}
