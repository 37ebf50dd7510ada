package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/web/membership"
)

// withRole adds a user with role to o's organization.
func (e *testEnv) withRole(t *testing.T, o owner, role membership.Role) owner {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s%d-%d@example.com", role, fixtureSeq.Add(1), time.Now().UnixNano())
	u, err := e.db.User.Create().SetEmail(email).SetPasswordHash(fixtureHash()).Save(ctx)
	require.NoError(t, err)
	require.NoError(t, e.db.Membership.Create().SetUserID(u.ID).SetOrgID(o.OrgID).SetRole(role).Exec(ctx))
	return owner{UserID: u.ID, OrgID: o.OrgID, Email: email}
}

func keyForm(name, expires string, scopes ...string) url.Values {
	return url.Values{"name": {name}, "expires": {expires}, "scopes": scopes}
}

func TestAPIKeysPageCreateAndRevoke(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)

		res := c.get(pathSettingsAPIKeys)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc := res.doc(t)
		require.Equal(t, 1, doc.Find("#no-api-keys").Length())
		require.Equal(t, 1, doc.Find(`#settings-nav a[href="/settings/api-keys"][aria-current="page"]`).Length())
		require.Equal(t, 1, doc.Find("#scope-read[checked]").Length(), "read and write are the default")
		require.Equal(t, 1, doc.Find("#scope-write[checked]").Length())

		// Without script: a full page with the key, once.
		expires := time.Now().UTC().AddDate(0, 1, 0).Format(dateLayout)
		res = c.postForm(pathSettingsAPIKeys, keyForm("nightly import", expires, "read"))
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc = res.doc(t)
		key, _ := doc.Find("#new-key-value").Attr("value")
		require.True(t, strings.HasPrefix(key, "assay_"), "the key is shown: %q", key)
		require.Contains(t, doc.Find("#new-key").Text(), "you won't see it again")
		keys, _ := env.api.keys.state(o.OrgID)
		require.Len(t, keys, 1)
		require.Equal(t, "nightly import", keys[0].Name)
		require.Equal(t, []string{"read"}, keys[0].Scopes)
		require.Equal(t, expires+"T00:00:00Z", keys[0].ExpiresAt.Format(time.RFC3339))
		row := doc.Find("#api-key-" + keys[0].ID)
		require.Equal(t, "active", strings.TrimSpace(row.Find(".status").Text()))
		require.Equal(t, "never", strings.TrimSpace(row.Find(".last-used").Text()))
		require.Contains(t, row.Find(".expires time").AttrOr("datetime", ""), expires)

		// The key is not shown again.
		res = c.get(pathSettingsAPIKeys)
		require.Zero(t, res.doc(t).Find("#new-key-value").Length())
		require.NotContains(t, res.Body, key)

		// htmx: the panel alone.
		res = c.postForm(pathSettingsAPIKeys, keyForm("writer", "", "write"), "HX-Request", "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.NotContains(t, res.Body, "<html")
		require.True(t, strings.HasPrefix(res.Body, `<div id="api-keys">`), res.Body)
		require.Equal(t, 1, res.doc(t).Find("#new-key-value").Length())
		require.Equal(t, "HX-Request", res.Header.Get("Vary"))

		// Revoking without script asks first and changes nothing until confirmed.
		id := keys[0].ID
		res = c.postForm(pathSettingsAPIKeys+"/"+id+"/revoke", url.Values{})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, 1, res.doc(t).Find("#revoke-form").Length())
		keys, _ = env.api.keys.state(o.OrgID)
		require.Nil(t, keys[1].RevokedAt)

		res = c.postForm(pathSettingsAPIKeys+"/"+id+"/revoke", url.Values{"confirm": {"yes"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathSettingsAPIKeys, res.Header.Get("Location"))
		keys, _ = env.api.keys.state(o.OrgID)
		require.NotNil(t, keys[1].RevokedAt)
		row = c.get(pathSettingsAPIKeys).doc(t).Find("#api-key-" + id)
		require.Contains(t, row.Find(".status").Text(), "revoked")
		require.Zero(t, row.Find("form.revoke").Length(), "a revoked key has nothing left to revoke")

		// htmx revokes the other key and swaps the panel with a notice.
		other := keys[0].ID
		res = c.postForm(pathSettingsAPIKeys+"/"+other+"/revoke", url.Values{"confirm": {"yes"}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#api-keys-notice").Text(), "“writer” is revoked")

		res = c.postForm(pathSettingsAPIKeys+"/nope/revoke", url.Values{"confirm": {"yes"}})
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	})
}

func TestAPIKeysPageRefusesBadInput(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		c.get(pathSettingsAPIKeys)
		today := time.Now().UTC().Format(dateLayout)
		cases := []struct {
			name     string
			form     url.Values
			message  string
			callsAPI bool
		}{
			{"no name", keyForm("  ", "", "read"), "Give the key a name.", true},
			{"name too long", keyForm(strings.Repeat("n", 101), "", "read"), "at most 100 characters", true},
			{"no scope", keyForm("ci", ""), "Choose at least one scope", true},
			{"unknown scope", keyForm("ci", "", "read", "root"), `Unknown scope "root"`, true},
			{"expiry today", keyForm("ci", today, "read"), "must be in the future", true},
			{"expiry too far", keyForm("ci", time.Now().UTC().AddDate(2, 0, 0).Format(dateLayout), "read"), "at most one year away", true},
			{"expiry not a date", keyForm("ci", "next week", "read"), "YYYY-MM-DD", false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, before := env.api.keys.state(o.OrgID)
				res := c.postForm(pathSettingsAPIKeys, tc.form)
				require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
				doc := res.doc(t)
				require.Contains(t, doc.Find("#api-key-error").Text(), tc.message)
				require.Equal(t, strings.TrimSpace(tc.form.Get("name")), strings.TrimSpace(doc.Find("#key-name").AttrOr("value", "")), "the form keeps what was typed")
				require.Equal(t, tc.form.Get("expires"), doc.Find("#key-expires").AttrOr("value", ""))
				require.Zero(t, doc.Find("#new-key-value").Length())
				keys, after := env.api.keys.state(o.OrgID)
				require.Empty(t, keys, "nothing was created")
				require.Equal(t, tc.callsAPI, after > before, "the API was asked")
			})
		}
		t.Run("htmx gets the panel with 422", func(t *testing.T) {
			res := c.postForm(pathSettingsAPIKeys, keyForm("", "", "read"), "HX-Request", "true")
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			require.True(t, strings.HasPrefix(res.Body, `<div id="api-keys">`), res.Body)
		})
		t.Run("a post without the CSRF token", func(t *testing.T) {
			res := c.postForm(pathSettingsAPIKeys, url.Values{"csrf_token": {"forged"}, "name": {"x"}, "scopes": {"read"}})
			require.Equal(t, http.StatusForbidden, res.StatusCode)
			require.Contains(t, res.Body, "did not come from this site")
		})
		t.Run("an oversized body", func(t *testing.T) {
			res := c.postForm(pathSettingsAPIKeys, keyForm(strings.Repeat("n", maxFormBody), "", "read"))
			require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		})
		keys, _ := env.api.keys.state(o.OrgID)
		require.Empty(t, keys)
	})
}

func TestAPIKeysPageRoles(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		owner := env.login(t, o)
		owner.postForm(pathSettingsAPIKeys, keyForm("ci", "", "read", "write"))
		keys, _ := env.api.keys.state(o.OrgID)
		require.Len(t, keys, 1)

		admin := env.login(t, env.withRole(t, o, membership.RoleAdmin))
		res := admin.get(pathSettingsAPIKeys)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 1, res.doc(t).Find("#api-key-"+keys[0].ID).Length(), "admins see the organization's keys")

		member := env.login(t, env.withRole(t, o, membership.RoleMember))
		cases := []struct {
			name string
			do   func() response
		}{
			{"page", func() response { return member.get(pathSettingsAPIKeys) }},
			{"create", func() response { return member.postForm(pathSettingsAPIKeys, keyForm("m", "", "read")) }},
			{"revoke", func() response {
				return member.postForm(pathSettingsAPIKeys+"/"+keys[0].ID+"/revoke", url.Values{"confirm": {"yes"}})
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := tc.do()
				require.Equal(t, http.StatusForbidden, res.StatusCode)
				require.Contains(t, res.doc(t).Find("#error").Text(), "owners and admins")
			})
		}
		keys, creates := env.api.keys.state(o.OrgID)
		require.Len(t, keys, 1)
		require.Nil(t, keys[0].RevokedAt)
		require.Equal(t, 1, creates, "the member's requests never reached the API")

		// Signed out: the login page.
		res = env.client(t).get(pathSettingsAPIKeys)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "/login", res.Header.Get("Location"))
	})
}
