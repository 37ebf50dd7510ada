package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/org"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/web/invitation"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

func TestInviteByEmailThenSignup(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		ctx := context.Background()
		o := env.owner(t)
		c := env.login(t, o)

		bad := c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {"nope@"}, "role": {"admin"}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
		require.Contains(t, bad.doc(t).Find("#email-error").Text(), "valid email")
		badRole := c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {"x@example.com"}, "role": {"root"}})
		require.Equal(t, http.StatusUnprocessableEntity, badRole.StatusCode)
		self := c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {o.Email}, "role": {"member"}})
		require.Equal(t, http.StatusUnprocessableEntity, self.StatusCode)
		require.Contains(t, self.doc(t).Find("#email-error").Text(), "already a member")
		require.Zero(t, env.db.Invitation.Query().CountX(tenant.System(ctx)), "nothing written on bad input")

		res := c.postForm(pathSettingsOrg+"/invitations", url.Values{"email": {"New.Person@Example.com"}, "role": {"admin"}})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#org-notice").Text(), "new.person@example.com")
		require.Equal(t, 1, res.doc(t).Find("#invitations .invite-row").Length())
		inv := env.db.Invitation.Query().OnlyX(tenant.System(ctx))
		require.Len(t, inv.TokenHash, 64, "only the hash is stored")

		m := env.sink.Wait(t, "new.person@example.com", 1)
		require.Contains(t, m.Subject, env.orgName(t, o.OrgID))
		link := m.Link(t, pathInviteAccept+"?token=")
		require.NotContains(t, link, inv.TokenHash)

		invitee := env.client(t)
		page := invitee.openInvite(link)
		require.Equal(t, http.StatusOK, page.StatusCode, page.Body)
		doc := page.doc(t)
		require.Equal(t, inviteVisitor, doc.Find("#invitation").AttrOr("data-state", ""))
		require.Equal(t, "admin", doc.Find("#invitation-role").Text())
		require.Equal(t, env.orgName(t, o.OrgID), doc.Find("#invitation-org").Text())

		form := invitee.get(pathInviteSignup)
		require.Equal(t, http.StatusOK, form.StatusCode)
		require.Equal(t, "new.person@example.com", form.doc(t).Find("#email").AttrOr("value", ""))
		wrong := invitee.postForm(pathInviteSignup, url.Values{"email": {"other@example.com"}, "password": {testPassword}})
		require.Equal(t, http.StatusUnprocessableEntity, wrong.StatusCode)
		require.Contains(t, wrong.doc(t).Find("#email-error").Text(), "This invitation is for new.person@example.com")
		require.False(t, env.db.User.Query().Where(user.Email("other@example.com")).ExistX(ctx))

		done := invitee.postForm(pathInviteSignup, url.Values{"email": {"new.person@example.com"}, "password": {testPassword}})
		require.Equal(t, http.StatusSeeOther, done.StatusCode, done.Body)
		require.Equal(t, "/dashboard", done.Header.Get("Location"))
		u := env.db.User.Query().Where(user.Email("new.person@example.com")).OnlyX(ctx)
		require.NotNil(t, u.EmailVerifiedAt, "the invitation link proved the address")
		require.Equal(t, "admin", env.roleOf(t, u.ID, o.OrgID))
		require.Equal(t, 1, env.db.Membership.Query().Where(membership.UserID(u.ID)).CountX(ctx), "no organization of their own")
		dash := invitee.get("/dashboard")
		require.Equal(t, http.StatusOK, dash.StatusCode)
		require.Equal(t, env.orgName(t, o.OrgID), dash.doc(t).Find("#current-org").Text())

		again := env.client(t).openInvite(link)
		require.Equal(t, http.StatusBadRequest, again.StatusCode)
		require.Contains(t, again.doc(t).Find("#notice-error").Text(), "already used")
		require.Zero(t, c.get(pathSettingsOrg).doc(t).Find("#invitations .invite-row").Length())
	})
}

func TestInviteLink(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		// Four people end up in the organization: more than Free's seats.
		env.db.Organization.UpdateOneID(o.OrgID).SetPlan(plan.Pro).ExecX(ctx)
		c := env.login(t, o)
		owners := c.postForm(pathSettingsOrg+"/invitations/link", url.Values{"role": {"owner"}})
		require.Equal(t, http.StatusUnprocessableEntity, owners.StatusCode)
		res := c.postForm(pathSettingsOrg+"/invitations/link", url.Values{"role": {"member"}})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		link := res.doc(t).Find("#invite-link").AttrOr("value", "")
		require.True(t, strings.HasPrefix(link, "http://assay.test"+pathInviteAccept+"?token="), link)
		require.Empty(t, c.get(pathSettingsOrg).doc(t).Find("#invite-link").AttrOr("value", ""), "shown once")

		// Two people with accounts join by the same link, after logging in.
		for range 2 {
			other := env.owner(t)
			b := env.client(t)
			page := b.openInvite(link)
			require.Equal(t, inviteVisitor, page.doc(t).Find("#invitation").AttrOr("data-state", ""))
			login := b.postForm("/login?next="+pathInviteAccept, url.Values{
				"email": {other.Email}, "password": {testPassword}, "next": {pathInviteAccept}})
			require.Equal(t, pathInviteAccept, login.Header.Get("Location"))
			page = b.get(pathInviteAccept)
			require.Equal(t, inviteJoin, page.doc(t).Find("#invitation").AttrOr("data-state", ""), page.Body)
			before := b.cookie.Value
			join := b.postForm(pathInviteAccept, url.Values{})
			require.Equal(t, http.StatusSeeOther, join.StatusCode, join.Body)
			require.NotEqual(t, before, b.cookie.Value, "joining renews the session")
			require.Equal(t, "member", env.roleOf(t, other.UserID, o.OrgID))
			require.Equal(t, env.orgName(t, o.OrgID), b.get("/dashboard").doc(t).Find("#current-org").Text())
			again := b.openInvite(link)
			require.Equal(t, inviteMember, again.doc(t).Find("#invitation").AttrOr("data-state", ""))
		}
		inv := env.db.Invitation.Query().OnlyX(tenant.System(ctx))
		require.Equal(t, 2, inv.Uses)

		// A visitor signs up by the link: joins, with the usual confirmation mail.
		v := env.client(t)
		v.openInvite(link)
		v.get(pathInviteSignup)
		done := v.postForm(pathInviteSignup, url.Values{"email": {"linked@example.com"}, "password": {testPassword}})
		require.Equal(t, http.StatusSeeOther, done.StatusCode, done.Body)
		u := env.db.User.Query().Where(user.Email("linked@example.com")).OnlyX(ctx)
		require.Nil(t, u.EmailVerifiedAt)
		require.Equal(t, "member", env.roleOf(t, u.ID, o.OrgID))
		require.Equal(t, 1, env.db.OutgoingMail.Query().CountX(ctx), "the confirmation mail")

		// Revoked: the next person is told, nothing changes.
		rv := c.postForm(pathSettingsOrg+"/invitations/"+inv.ID+"/revoke", url.Values{})
		require.Equal(t, http.StatusSeeOther, rv.StatusCode, rv.Body)
		late := env.owner(t)
		lc := env.login(t, late)
		refused := lc.openInvite(link)
		require.Equal(t, http.StatusBadRequest, refused.StatusCode)
		require.Contains(t, refused.doc(t).Find("#notice-error").Text(), "withdrawn")
		require.Empty(t, env.roleOf(t, late.UserID, o.OrgID))
	})
}

func TestInviteRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		actor := org.Actor{UserID: o.UserID, OrgID: o.OrgID, Role: "owner"}
		invite := func(email string, at time.Time) string {
			_, raw, err := org.Invite(ctx, env.db, actor, org.NewInvite{Email: email, Role: "member"}, at)
			require.NoError(t, err)
			return "http://assay.test" + pathInviteAccept + "?token=" + raw
		}
		other := env.owner(t)
		c := env.login(t, other)

		// Another email than the signed-in user's.
		mismatch := invite("someone-else@example.com", time.Now())
		page := c.openInvite(mismatch)
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.Equal(t, inviteMismatch, page.doc(t).Find("#invitation").AttrOr("data-state", ""))
		require.Contains(t, page.doc(t).Find("#invitation-error").Text(), "sent to someone-else@example.com, but you are signed in as "+other.Email)
		res := c.postForm(pathInviteAccept, url.Values{})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Empty(t, env.roleOf(t, other.UserID, o.OrgID))

		expired := invite(other.Email, time.Now().Add(-org.InviteTTL-time.Minute))
		good := invite(other.Email, time.Now())
		u, _ := url.Parse(good)
		tampered := "http://assay.test" + pathInviteAccept + "?token=" + u.Query().Get("token")[1:] + "A"
		cases := []struct{ name, link, message string }{
			{"expired", expired, "expired"},
			{"tampered", tampered, "not valid"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := c.openInvite(tc.link)
				require.Equal(t, http.StatusBadRequest, res.StatusCode)
				require.Contains(t, res.doc(t).Find("#notice-error").Text(), tc.message)
				join := c.postForm(pathInviteAccept, url.Values{})
				require.Equal(t, http.StatusBadRequest, join.StatusCode, "nothing pending")
				require.Empty(t, env.roleOf(t, other.UserID, o.OrgID))
			})
		}

		// Opened, then revoked before joining: the join is refused.
		c.openInvite(good)
		inv := env.db.Invitation.Query().Where(invitation.Email(other.Email)).
			Order(invitation.ByCreatedAt()).AllX(tenant.System(ctx))
		require.NoError(t, org.Revoke(ctx, env.db, actor, inv[len(inv)-1].ID, time.Now()))
		join := c.postForm(pathInviteAccept, url.Values{})
		require.Equal(t, http.StatusBadRequest, join.StatusCode)
		require.Contains(t, join.doc(t).Find("#notice-error").Text(), "withdrawn")
		require.Empty(t, env.roleOf(t, other.UserID, o.OrgID))

		// Used: accepted once, the second time says so.
		fresh := invite(other.Email, time.Now())
		c.openInvite(fresh)
		require.Equal(t, http.StatusSeeOther, c.postForm(pathInviteAccept, url.Values{}).StatusCode)
		require.Equal(t, "member", env.roleOf(t, other.UserID, o.OrgID))
		used := c.openInvite(fresh)
		require.Equal(t, http.StatusBadRequest, used.StatusCode)
		require.Contains(t, used.doc(t).Find("#notice-error").Text(), "already used")

		// Opening a link without a token, or with nothing pending, explains itself.
		none := env.client(t).get(pathInviteAccept)
		require.Equal(t, http.StatusBadRequest, none.StatusCode)
		require.Contains(t, none.doc(t).Find("#notice-error").Text(), "No invitation is open")
	})
}
