package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/lifecycle"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/outgoingmail"
)

// Scheduling an account's deletion asks for a recent sign-in and a typed confirmation;
// it sets the date, shows it, audits it, and a cancel clears it. The last owner of a
// shared organization is refused with 422 and nothing changes.
func TestAccountDeletionPages(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		c := env.login(t, o)
		deleteAfter := func() *time.Time { return env.db.User.GetX(ctx, o.UserID).DeleteAfter }

		// The last owner of an organization with other members cannot schedule it.
		shared := env.owner(t)
		env.joined(t, shared.OrgID, membership.RoleMember)
		sc := env.login(t, shared)
		res := sc.postForm(pathSettingsAccountDelete, url.Values{"confirm": {"DELETE"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.doc(t).Find("#account-delete-error").Text(), env.orgName(t, shared.OrgID))
		require.Nil(t, env.db.User.GetX(ctx, shared.UserID).DeleteAfter)
		require.Zero(t, env.auditCount(t, audit.AccountDeletionScheduled, shared.UserID))

		// A stale sign-in goes through the re-authentication form first.
		tc.advance(recentAuthMaxAge + time.Minute)
		res = c.get(pathSettingsAccountDelete)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, pathReauth+"?next="+url.QueryEscape(pathSettingsAccountDelete), res.Header.Get("Location"))
		res = c.postForm(pathSettingsAccountDelete, url.Values{"confirm": {"DELETE"}}, "Referer", "http://example.com"+pathSettingsAccountDelete)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, pathReauth+"?next="+url.QueryEscape(pathSettingsAccountDelete), res.Header.Get("Location"))
		require.Nil(t, deleteAfter(), "nothing scheduled without a recent sign-in")
		res = c.postForm(pathReauth, url.Values{"password": {testPassword}, "next": {pathSettingsAccountDelete}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		res = c.get(pathSettingsAccountDelete)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 1, res.doc(t).Find("#account-delete-form").Length())

		// Without the typed confirmation: 422, nothing changes.
		res = c.postForm(pathSettingsAccountDelete, url.Values{"confirm": {"delete please"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.doc(t).Find("#account-delete-error").Text(), msgDeleteConfirm)
		require.Nil(t, deleteAfter())
		require.Zero(t, env.auditCount(t, audit.AccountDeletionScheduled, o.UserID))

		before := time.Now().UTC()
		res = c.postForm(pathSettingsAccountDelete, url.Values{"confirm": {"DELETE"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathSettingsAccountDelete, res.Header.Get("Location"))
		at := deleteAfter()
		require.NotNil(t, at)
		require.WithinRange(t, at.UTC(), before.Add(lifecycle.DefaultGrace-time.Second), time.Now().UTC().Add(lifecycle.DefaultGrace+time.Second))
		require.Equal(t, 1, env.auditCount(t, audit.AccountDeletionScheduled, o.UserID))
		doc := c.get(pathSettingsAccountDelete).doc(t)
		require.Equal(t, 1, doc.Find("#account-delete-scheduled").Length())
		require.Equal(t, 1, doc.Find("#account-deletion-banner").Length())
		require.Equal(t, 1, doc.Find("#account-delete-cancel-form").Length())

		res = c.postForm(pathSettingsAccountDelete+"/cancel", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Nil(t, deleteAfter())
		require.Equal(t, 1, env.auditCount(t, audit.AccountDeletionCancelled, o.UserID))
		require.Zero(t, c.get(pathSettingsAccountDelete).doc(t).Find("#account-deletion-banner").Length())
	})
}

// Only owners schedule and cancel an organization's deletion (others get 403 and change
// nothing); the name must be typed exactly; scheduling mails every member and audits it.
func TestOrgDeletionPages(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		name := env.orgName(t, o.OrgID)
		admin := env.joined(t, o.OrgID, membership.RoleAdmin)
		mem := env.joined(t, o.OrgID, membership.RoleMember)
		deleteAfter := func() *time.Time { return env.db.Organization.GetX(ctx, o.OrgID).DeleteAfter }

		for _, who := range []owner{admin, mem} {
			c := env.login(t, who)
			page := c.get(pathSettingsOrgDelete)
			require.Equal(t, http.StatusOK, page.StatusCode)
			require.Equal(t, 1, page.doc(t).Find("#org-delete-owners-only").Length())
			require.Zero(t, page.doc(t).Find("#org-delete-form").Length())
			res := c.postForm(pathSettingsOrgDelete, url.Values{"org_name": {name}})
			require.Equal(t, http.StatusForbidden, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#org-delete-error").Text(), msgDeleteOwnersOnly)
			require.Nil(t, deleteAfter())
			require.Zero(t, env.auditCount(t, audit.OrgDeletionScheduled, who.UserID))
		}

		c := env.login(t, o)
		res := c.postForm(pathSettingsOrgDelete, url.Values{"org_name": {name + " "}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		doc := res.doc(t)
		require.Contains(t, doc.Find("#org-delete-error").Text(), msgDeleteOrgName)
		require.Equal(t, name+" ", doc.Find("#org_name").AttrOr("value", ""), "the form keeps what was typed")
		require.Nil(t, deleteAfter())

		res = c.postForm(pathSettingsOrgDelete, url.Values{"org_name": {name}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathSettingsOrgDelete, res.Header.Get("Location"))
		org := env.db.Organization.GetX(ctx, o.OrgID)
		require.NotNil(t, org.DeleteAfter)
		require.Equal(t, o.UserID, org.DeletionRequestedBy)
		require.Equal(t, 1, env.auditCount(t, audit.OrgDeletionScheduled, o.UserID))
		require.Equal(t, 3, env.db.OutgoingMail.Query().Where(outgoingmail.Template("org_deletion_scheduled")).CountX(ctx), "every member")
		doc = c.get(pathSettingsOrgDelete).doc(t)
		require.Equal(t, 1, doc.Find("#org-delete-scheduled").Length())
		require.Equal(t, 1, doc.Find("#org-deletion-banner").Length())
		// The members see the banner too; they cannot cancel.
		mc := env.login(t, mem)
		require.Equal(t, 1, mc.get("/dashboard").doc(t).Find("#org-deletion-banner").Length())
		res = mc.postForm(pathSettingsOrgDelete+"/cancel", url.Values{})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.NotNil(t, deleteAfter())
		require.Zero(t, env.auditCount(t, audit.OrgDeletionCancelled, mem.UserID))

		res = c.postForm(pathSettingsOrgDelete+"/cancel", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Nil(t, deleteAfter())
		require.Empty(t, env.db.Organization.GetX(ctx, o.OrgID).DeletionRequestedBy)
		require.Equal(t, 1, env.auditCount(t, audit.OrgDeletionCancelled, o.UserID))
		require.Zero(t, c.get("/dashboard").doc(t).Find("#org-deletion-banner").Length())
	})
}
