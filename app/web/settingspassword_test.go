package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
)

const changedPassword = "a different passphrase for assay"

func TestChangePasswordRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		me := env.loginFrom(t, o, uaFirefoxWindows, "")
		phone := env.loginFrom(t, o, uaChromeAndroid, "")
		before := env.db.User.GetX(ctx, o.UserID).PasswordHash
		cases := []struct {
			name, current, next string
			field, message      string
		}{
			{"wrong current password", "not my password", changedPassword, "current_password", msgWrongCurrent},
			{"too short", testPassword, "short", "new_password", "at least 8 characters"},
			{"too common", testPassword, "password123", "new_password", "too common"},
			{"same as before", testPassword, testPassword, "new_password", msgSamePassword},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				cookie := me.cookie.Value
				res := me.postForm(pathSettingsPassword, url.Values{"current_password": {tc.current}, "new_password": {tc.next}})
				require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
				doc := res.doc(t)
				require.Contains(t, doc.Find("#"+tc.field+"-error").Text(), tc.message)
				require.Equal(t, "true", doc.Find("#"+tc.field).AttrOr("aria-invalid", ""))
				_, hasValue := doc.Find("#new_password").Attr("value")
				require.False(t, hasValue, "a password never comes back")
				// Nothing changed: the hash, the sessions, this browser's id.
				require.Equal(t, before, env.db.User.GetX(ctx, o.UserID).PasswordHash)
				require.Equal(t, 2, sessionCount(t, env, o.UserID))
				require.Equal(t, cookie, me.cookie.Value)
				stillSignedIn(t, phone)
			})
		}
		t.Run("no csrf token", func(t *testing.T) {
			res := me.postForm(pathSettingsPassword, url.Values{fieldCSRF: {""}, "current_password": {testPassword}, "new_password": {changedPassword}})
			require.Equal(t, http.StatusForbidden, res.StatusCode)
			require.Equal(t, before, env.db.User.GetX(ctx, o.UserID).PasswordHash)
		})
	})
}

func TestChangePassword(t *testing.T) {
	for _, tc := range []struct {
		name, webURL, cookie string
		secure               bool
	}{
		{"http", "http://assay.test", cookiePlain, false},
		{"https", "https://assay.example", cookieSecure, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				o, other := env.owner(t), env.owner(t)
				me := env.loginFrom(t, o, uaFirefoxWindows, "")
				phone := env.loginFrom(t, o, uaChromeAndroid, "")
				theirs := env.loginFrom(t, other, uaSafariMac, "")
				old := *me.cookie
				require.Equal(t, tc.cookie, old.Name)

				res := me.postForm(pathSettingsPassword, url.Values{"current_password": {testPassword}, "new_password": {changedPassword}})
				require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
				require.Equal(t, pathSettingsPassword+"?changed=1", res.Header.Get("Location"))
				requireSessionCookie(t, res, tc.cookie, tc.secure)
				require.NotEqual(t, old.Value, me.cookie.Value, "a new session id")

				page := me.get(res.Header.Get("Location"))
				require.Equal(t, http.StatusOK, page.StatusCode)
				require.Equal(t, msgPasswordChange, strings.TrimSpace(page.doc(t).Find("#password-notice").Text()))
				require.Equal(t, 1, sessionCount(t, env, o.UserID), "only this browser's new session is left")
				sentToLogin(t, phone)
				replay := env.client(t)
				replay.cookie = &old
				sentToLogin(t, replay)
				stillSignedIn(t, theirs)

				ok, err := auth.CheckPassword(env.db.User.GetX(ctx, o.UserID).PasswordHash, changedPassword)
				require.NoError(t, err)
				require.True(t, ok)
				c := env.client(t)
				c.get("/login")
				require.Equal(t, http.StatusUnprocessableEntity,
					c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}}).StatusCode)
				require.Equal(t, http.StatusSeeOther,
					c.postForm("/login", url.Values{"email": {o.Email}, "password": {changedPassword}}).StatusCode)
			}, func(c *config.Config) { c.WebURL = tc.webURL })
		})
	}
}

// requireSessionCookie asserts the attributes of the session cookie res sets.
func requireSessionCookie(t *testing.T, res response, name string, secure bool) {
	t.Helper()
	var set *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			set = ck
		}
	}
	require.NotNil(t, set, "session cookie %s", name)
	require.True(t, set.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, set.SameSite)
	require.Equal(t, "/", set.Path)
	require.Equal(t, secure, set.Secure)
	require.Empty(t, set.Domain, "__Host- cookies have no Domain")
}

func TestChangePasswordRateLimited(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		me := env.loginFrom(t, o, uaFirefoxWindows, "") // the login counts against the IP too
		before := env.db.User.GetX(ctx, o.UserID).PasswordHash
		for range 2 {
			res := me.postForm(pathSettingsPassword, url.Values{"current_password": {"guess"}, "new_password": {changedPassword}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		}
		res := me.postForm(pathSettingsPassword, url.Values{"current_password": {testPassword}, "new_password": {changedPassword}})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, res.Body)
		require.NotEmpty(t, res.Header.Get("Retry-After"))
		require.Contains(t, res.doc(t).Find("#password-error").Text(), "Too many attempts")
		require.Equal(t, before, env.db.User.GetX(ctx, o.UserID).PasswordHash)
		require.Equal(t, 1, sessionCount(t, env, o.UserID))
	}, func(c *config.Config) { c.RateLimitAuthPer15m = 3 })
}

func TestChangePasswordWithoutPassword(t *testing.T) {
	env := newSQLiteEnv(t)
	ctx := context.Background()
	o := env.owner(t)
	me := env.loginFrom(t, o, uaFirefoxWindows, "")
	env.db.User.UpdateOneID(o.UserID).SetPasswordHash("").ExecX(ctx) // a provider-only account
	page := me.get(pathSettingsPassword)
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Zero(t, page.doc(t).Find("#password-form").Length())
	res := me.postForm(pathSettingsPassword, url.Values{"current_password": {""}, "new_password": {changedPassword}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.doc(t).Find("#password-error").Text(), msgNoPassword)
	require.Empty(t, env.db.User.GetX(ctx, o.UserID).PasswordHash)
}
