package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/org"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/web/membership"
)

func TestMembershipChangesByRole(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		cases := []struct {
			name         string
			actor        membership.Role
			target       membership.Role
			action, role string // action: role or remove
			status       int
			want         string // the target's role afterwards ("" removed)
		}{
			{"owner promotes member to admin", "owner", "member", "role", "admin", 303, "admin"},
			{"owner makes admin owner", "owner", "admin", "role", "owner", 303, "owner"},
			{"owner demotes another owner", "owner", "owner", "role", "member", 303, "member"},
			{"owner removes admin", "owner", "admin", "remove", "", 303, ""},
			{"owner removes another owner", "owner", "owner", "remove", "", 303, ""},
			{"admin promotes member to admin", "admin", "member", "role", "admin", 303, "admin"},
			{"admin cannot make owners", "admin", "member", "role", "owner", 403, "member"},
			{"admin cannot demote owner", "admin", "owner", "role", "member", 403, "owner"},
			{"admin removes member", "admin", "member", "remove", "", 303, ""},
			{"admin cannot remove owner", "admin", "owner", "remove", "", 403, "owner"},
			{"member cannot change roles", "member", "member", "role", "admin", 403, "member"},
			{"member cannot remove", "member", "member", "remove", "", 403, "member"},
			{"unknown role", "owner", "member", "role", "root", 422, "member"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o := env.owner(t)
				actor := o
				if tc.actor != "owner" {
					actor = env.joined(t, o.OrgID, tc.actor)
				}
				target := env.joined(t, o.OrgID, tc.target)
				c := env.login(t, actor)
				form := url.Values{}
				if tc.action == "role" {
					form.Set("role", tc.role)
				}
				res := c.postForm(pathSettingsOrg+"/members/"+target.UserID+"/"+tc.action, form)
				require.Equal(t, tc.status, res.StatusCode, res.Body)
				require.Equal(t, tc.want, env.roleOf(t, target.UserID, o.OrgID))
			})
		}

		t.Run("someone of another organization", func(t *testing.T) {
			o, stranger := env.owner(t), env.owner(t)
			c := env.login(t, o)
			for _, action := range []string{"role", "remove"} {
				res := c.postForm(pathSettingsOrg+"/members/"+stranger.UserID+"/"+action, url.Values{"role": {"member"}})
				require.Equal(t, http.StatusNotFound, res.StatusCode)
			}
			require.Equal(t, "owner", env.roleOf(t, stranger.UserID, stranger.OrgID))

			theirs, _, err := org.Invite(context.Background(), env.db,
				org.Actor{UserID: stranger.UserID, OrgID: stranger.OrgID, Role: "owner"},
				org.NewInvite{Email: "x@example.com", Role: "member"}, time.Now())
			require.NoError(t, err)
			res := c.postForm(pathSettingsOrg+"/invitations/"+theirs.ID+"/revoke", url.Values{})
			require.Equal(t, http.StatusNotFound, res.StatusCode)
			require.Nil(t, env.db.Invitation.GetX(tenant.System(context.Background()), theirs.ID).RevokedAt)
		})

		t.Run("members see the list, not the forms", func(t *testing.T) {
			o := env.owner(t)
			m := env.joined(t, o.OrgID, "member")
			c := env.login(t, m)
			page := c.get(pathSettingsOrg)
			require.Equal(t, http.StatusOK, page.StatusCode)
			doc := page.doc(t)
			require.Equal(t, 2, doc.Find("#members .member-row").Length())
			require.Zero(t, doc.Find("#invite-form, .change-role, .remove-member").Length())
			for _, path := range []string{"/invitations", "/invitations/link"} {
				res := c.postForm(pathSettingsOrg+path, url.Values{"email": {"x@example.com"}, "role": {"member"}})
				require.Equal(t, http.StatusForbidden, res.StatusCode)
			}
			require.Zero(t, env.db.Invitation.Query().CountX(tenant.With(context.Background(), o.OrgID)))
		})
	})
}

func TestLastOwnerStays(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		refused := []struct{ name, path string }{
			{"demote self", "/members/" + o.UserID + "/role"},
			{"remove self", "/members/" + o.UserID + "/remove"},
			{"leave", "/leave"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := c.postForm(pathSettingsOrg+tc.path, url.Values{"role": {"member"}})
				require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
				require.NotEmpty(t, res.doc(t).Find("#org-error").Text())
				require.Equal(t, "owner", env.roleOf(t, o.UserID, o.OrgID))
			})
		}

		// With a second owner, one may step down; then the other is the last.
		second := env.joined(t, o.OrgID, "owner")
		before := c.cookie.Value
		res := c.postForm(pathSettingsOrg+"/members/"+o.UserID+"/role", url.Values{"role": {"admin"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.NotEqual(t, before, c.cookie.Value, "own privileges changed: new session id")
		require.Equal(t, "admin", env.roleOf(t, o.UserID, o.OrgID))
		sc := env.login(t, second)
		require.Equal(t, http.StatusUnprocessableEntity, sc.postForm(pathSettingsOrg+"/leave", url.Values{}).StatusCode)
		require.Equal(t, http.StatusForbidden,
			c.postForm(pathSettingsOrg+"/members/"+second.UserID+"/remove", url.Values{}).StatusCode)
	})
}

// Roles and memberships are read on every request: a change applies to the next one.
func TestMembershipChangesApplyOnNextRequest(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		oc := env.login(t, o)

		admin := env.joined(t, o.OrgID, "admin")
		ac := env.login(t, admin)
		require.Equal(t, http.StatusSeeOther,
			oc.postForm(pathSettingsOrg+"/members/"+admin.UserID+"/role", url.Values{"role": {"member"}}).StatusCode)
		require.Equal(t, "member", ac.get(pathSettingsOrg).doc(t).Find("#my-role").Text())
		require.Equal(t, http.StatusForbidden,
			ac.postForm(pathSettingsOrg+"/invitations/link", url.Values{"role": {"member"}}).StatusCode)

		// Removed from their only organization: logged out.
		only := env.joined(t, o.OrgID, "member")
		lc := env.login(t, only)
		require.Equal(t, http.StatusSeeOther,
			oc.postForm(pathSettingsOrg+"/members/"+only.UserID+"/remove", url.Values{}).StatusCode)
		res := lc.get("/dashboard")
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "/login", res.Header.Get("Location"))
		require.Nil(t, lc.cookie, "the session ended")

		// Removed from one of two: moved to the other, with a new session id.
		other := env.owner(t)
		both := env.joined(t, other.OrgID, "member")
		require.NoError(t, env.db.Membership.Create().SetUserID(both.UserID).SetOrgID(o.OrgID).
			SetRole(membership.RoleMember).Exec(context.Background()))
		bc := env.login(t, both) // lands in other's organization, the older membership
		sw := bc.postForm(pathOrgsSwitch, url.Values{"org_id": {o.OrgID}})
		require.Equal(t, http.StatusSeeOther, sw.StatusCode)
		require.Equal(t, env.orgName(t, o.OrgID), bc.get("/dashboard").doc(t).Find("#current-org").Text())
		require.Equal(t, http.StatusSeeOther,
			oc.postForm(pathSettingsOrg+"/members/"+both.UserID+"/remove", url.Values{}).StatusCode)
		before := bc.cookie.Value
		moved := bc.get("/dashboard")
		require.Equal(t, http.StatusSeeOther, moved.StatusCode)
		require.Equal(t, "/dashboard", moved.Header.Get("Location"))
		require.NotEqual(t, before, bc.cookie.Value)
		require.Equal(t, env.orgName(t, other.OrgID), bc.get("/dashboard").doc(t).Find("#current-org").Text())
	})
}
