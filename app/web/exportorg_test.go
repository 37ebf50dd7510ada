package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
	entexport "github.com/assayhq/assay/ent/web/export"
	"github.com/assayhq/assay/ent/web/membership"
)

// Without blob storage the export page says exports are unavailable and a request
// records nothing; non-owners get 403 either way; a stale sign-in re-authenticates
// first; the settings menu links the page.
func TestOrgExportPageWithoutStorage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		res := c.get(pathSettingsOrgExport)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		d := res.doc(t)
		require.Contains(t, d.Find("#export-error").Text(), "not available")
		require.Zero(t, d.Find("#export-form").Length())
		require.Equal(t, 1, d.Find(`#settings-nav a[href="/settings/organization/export"][aria-current="page"]`).Length())

		res = c.postForm(pathSettingsOrgExport, url.Values{})
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#export-error").Text(), "not available")

		for _, role := range []membership.Role{membership.RoleAdmin, membership.RoleMember} {
			m := env.withRole(t, o, role)
			mc := env.login(t, m)
			require.Equal(t, http.StatusForbidden, mc.get(pathSettingsOrgExport).StatusCode)
			require.Equal(t, http.StatusForbidden, mc.postForm(pathSettingsOrgExport, url.Values{}).StatusCode)
		}
		n, err := env.db.Export.Query().Where(entexport.OrgID(o.OrgID)).Count(tenant.System(context.Background()))
		require.NoError(t, err)
		require.Zero(t, n)

		// A stale sign-in is sent to re-authenticate before the request.
		tc := useTestClock(env)
		tc.advance(recentAuthMaxAge + time.Minute)
		res = c.postForm(pathSettingsOrgExport, url.Values{}, "Referer", "http://example.com"+pathSettingsOrgExport)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, pathReauth+"?next="+url.QueryEscape(pathSettingsOrgExport), res.Header.Get("Location"))

		// A request without the CSRF token is refused before anything happens.
		c.csrf = ""
		require.Equal(t, http.StatusForbidden, c.postForm(pathSettingsOrgExport, url.Values{}).StatusCode)
	})
}
