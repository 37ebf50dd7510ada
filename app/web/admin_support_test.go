package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/membership"
)

// An owner's support grant lets staff in as a member, each request audited; revocation
// and expiry end it on the next request.
func TestSupportGrant(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		own := env.owner(t)
		st := env.staff(t)
		sc := env.login(t, st)
		oc := env.login(t, own)
		orgPath := "/admin/orgs/" + own.OrgID

		// Without a grant staff cannot enter.
		res := sc.postForm(orgPath+"/support", url.Values{})
		require.Equal(t, http.StatusConflict, res.StatusCode)
		require.Equal(t, 1, res.doc(t).Find("#admin-org-error").Length())

		// Members other than owners cannot grant; bad hours re-render with 422.
		mem := env.joined(t, own.OrgID, membership.RoleAdmin)
		require.Equal(t, http.StatusForbidden, env.login(t, mem).postForm(pathSettingsSupport, url.Values{"hours": {"2"}}).StatusCode)
		for _, h := range []string{"0", "73", "x"} {
			res := oc.postForm(pathSettingsSupport, url.Values{"hours": {h}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, h)
			require.Equal(t, 1, res.doc(t).Find("#support-error").Length())
		}
		require.Zero(t, env.db.SupportGrant.Query().CountX(ctx))

		res = oc.postForm(pathSettingsSupport, url.Values{"hours": {"2"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, 1, oc.get(pathSettingsSupport).doc(t).Find("#support-active").Length())
		require.Equal(t, 1, env.auditCount(t, audit.SupportGranted, own.UserID))

		// Staff enter as a member: the app answers with the organization's data, as a member.
		res = sc.postForm(orgPath+"/support", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, "/dashboard", res.Header.Get("Location"))
		res = sc.get("/dashboard")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.doc(t).Find("#current-org").Text(), env.orgName(t, own.OrgID))
		// A member cannot change members (nor billing): support has that role.
		res = sc.postForm(pathSettingsOrg+"/members/"+mem.UserID+"/remove", url.Values{})
		require.NotEqual(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "admin", env.roleOf(t, mem.UserID, own.OrgID))
		require.Equal(t, http.StatusForbidden, sc.get(pathSettingsSupport).StatusCode)
		stamped := env.db.AuditEntry.Query().Where(auditentry.Action(audit.SupportRequest),
			auditentry.ActorID(st.UserID), auditentry.OrgID(own.OrgID)).AllX(ctx)
		require.GreaterOrEqual(t, len(stamped), 3)
		require.Contains(t, stamped[0].Details, `"impersonating_org":"`+own.OrgID+`"`)
		require.Equal(t, 1, env.auditCount(t, audit.AdminSupportEntered, st.UserID))

		// Revocation ends it on the next request: back to the backoffice's page of the org.
		require.Equal(t, http.StatusSeeOther, oc.postForm(pathSettingsSupport+"/revoke", url.Values{}).StatusCode)
		require.Equal(t, 1, env.auditCount(t, audit.SupportRevoked, own.UserID))
		res = sc.get("/dashboard")
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, orgPath, res.Header.Get("Location"))
		// The session is the staff user's own again.
		res = sc.get("/dashboard")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.doc(t).Find("#current-org").Text(), env.orgName(t, st.OrgID))

		// Expiry ends it too.
		require.Equal(t, http.StatusSeeOther, oc.postForm(pathSettingsSupport, url.Values{"hours": {"1"}}).StatusCode)
		require.Equal(t, http.StatusSeeOther, sc.postForm(orgPath+"/support", url.Values{}).StatusCode)
		require.Equal(t, http.StatusOK, sc.get("/dashboard").StatusCode)
		env.db.SupportGrant.Update().SetExpiresAt(time.Now().Add(-time.Minute)).ExecX(ctx)
		res = sc.get("/dashboard")
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, orgPath, res.Header.Get("Location"))
		require.Contains(t, sc.get("/dashboard").doc(t).Find("#current-org").Text(), env.orgName(t, st.OrgID))
	})
}
