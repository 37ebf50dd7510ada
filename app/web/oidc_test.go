package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/require"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/identity"
	"github.com/assayhq/assay/ent/web/membership"
)

// startOIDC opens the login page and presses the provider's button; it returns the
// provider's authorization URL.
func (c *client) startOIDC() string {
	c.t.Helper()
	c.get("/login")
	res := c.postForm("/auth/oidc/start", url.Values{})
	require.Equal(c.t, http.StatusSeeOther, res.StatusCode, res.Body)
	return res.Header.Get("Location")
}

// signedInAs returns the user id of the client's session, or "" when signed out.
func (c *client) signedInAs(ctx context.Context) string {
	c.t.Helper()
	if c.cookie == nil {
		return ""
	}
	var token string
	require.NoError(c.t, securecookie.DecodeMulti(c.cookie.Name, c.cookie.Value, &token, c.env.srv.sessions.store.codecs...))
	s, err := c.env.db.Session.Get(ctx, tokenID(token))
	if entweb.IsNotFound(err) {
		return ""
	}
	require.NoError(c.t, err)
	return s.UserID
}

func identityOf(t *testing.T, db *entweb.Client, iss, sub string) *entweb.Identity {
	t.Helper()
	id, err := db.Identity.Query().Where(identity.Issuer(iss), identity.Subject(sub)).Only(context.Background())
	if entweb.IsNotFound(err) {
		return nil
	}
	require.NoError(t, err)
	return id
}

func TestOIDCSignIn(t *testing.T) {
	mp := newMockProvider(t)
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		iss := mp.m.Issuer()
		linked := env.owner(t)
		unverified := env.owner(t)
		events := recordEvents(env)

		t.Run("new user with a verified email", func(t *testing.T) {
			c := env.client(t)
			authURL := c.startOIDC()
			before := c.cookie.Value
			u, err := url.Parse(authURL)
			require.NoError(t, err)
			q := u.Query()
			require.Equal(t, "S256", q.Get("code_challenge_method"))
			require.NotEmpty(t, q.Get("code_challenge"))
			require.NotEmpty(t, q.Get("nonce"))
			require.NotEmpty(t, q.Get("state"))
			require.Equal(t, "http://assay.test/auth/oidc/callback", q.Get("redirect_uri"))

			mp.queue("sub-new", "New.Person@Example.com", true)
			res := c.get(mp.authorize(t, authURL))
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, "/dashboard", res.Header.Get("Location"))
			require.NotEqual(t, before, c.cookie.Value, "login must issue a new session id")
			require.Equal(t, "oidc.signup", events.last())

			id := identityOf(t, env.db, iss, "sub-new")
			require.NotNil(t, id)
			require.Equal(t, "new.person@example.com", id.Email)
			require.True(t, id.EmailVerified)
			usr := env.db.User.GetX(ctx, id.UserID)
			require.Equal(t, "new.person@example.com", usr.Email)
			require.NotNil(t, usr.EmailVerifiedAt)
			require.Empty(t, usr.PasswordHash)
			m := env.db.Membership.Query().Where(membership.UserID(usr.ID)).OnlyX(ctx)
			require.Equal(t, membership.RoleOwner, m.Role)
			require.Equal(t, usr.ID, c.signedInAs(ctx))
			require.Equal(t, 1, env.db.Session.Query().CountX(ctx), "the session from before login is gone")

			// No password was ever set: the password form refuses like any wrong password.
			pc := env.client(t)
			pc.get("/login")
			lr := pc.postForm("/login", url.Values{"email": {usr.Email}, "password": {""}})
			require.Equal(t, http.StatusUnprocessableEntity, lr.StatusCode)
			require.Equal(t, msgLoginFailed, strings.TrimSpace(lr.doc(t).Find("#login-error").Text()))
		})

		t.Run("returning user", func(t *testing.T) {
			users := env.db.User.Query().CountX(ctx)
			first := identityOf(t, env.db, iss, "sub-new")
			c := env.client(t)
			mp.queue("sub-new", "new.person@example.com", true)
			res := c.get(mp.authorize(t, c.startOIDC()))
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, first.UserID, c.signedInAs(ctx))
			require.Equal(t, "oidc.login", events.last())
			require.Equal(t, users, env.db.User.Query().CountX(ctx))
			require.True(t, identityOf(t, env.db, iss, "sub-new").LastUsedAt.After(first.LastUsedAt) ||
				identityOf(t, env.db, iss, "sub-new").LastUsedAt.Equal(first.LastUsedAt))
		})

		t.Run("unverified email of an existing account gets a separate account", func(t *testing.T) {
			users := env.db.User.Query().CountX(ctx)
			c := env.client(t)
			mp.queue("sub-unverified", unverified.Email, false)
			res := c.get(mp.authorize(t, c.startOIDC()))
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, "/dashboard", res.Header.Get("Location"))
			id := identityOf(t, env.db, iss, "sub-unverified")
			require.NotNil(t, id)
			require.NotEqual(t, unverified.UserID, id.UserID, "never linked")
			require.False(t, id.EmailVerified)
			require.Equal(t, unverified.Email, id.Email)
			require.Empty(t, env.db.User.GetX(ctx, id.UserID).Email, "an unverified email claims no address")
			require.Equal(t, users+1, env.db.User.Query().CountX(ctx))
			require.Zero(t, env.db.Identity.Query().Where(identity.UserID(unverified.UserID)).CountX(ctx))
			require.Equal(t, id.UserID, c.signedInAs(ctx))
			require.Equal(t, 1, env.db.Membership.Query().Where(membership.UserID(id.UserID)).CountX(ctx))
			require.Contains(t, c.get("/dashboard").doc(t).Find(".who").Text(), unverified.Email, "shown as the provider sent it")
		})

		t.Run("verified email of an existing account links after its password", func(t *testing.T) {
			users := env.db.User.Query().CountX(ctx)
			c := env.client(t)
			mp.queue("sub-link", linked.Email, true)
			res := c.get(mp.authorize(t, c.startOIDC()))
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, oidcLinkPath, res.Header.Get("Location"))

			page := c.get(oidcLinkPath)
			require.Equal(t, http.StatusOK, page.StatusCode)
			require.Equal(t, linked.Email, page.doc(t).Find("#link-email").Text())

			wrong := c.postForm(oidcLinkPath, url.Values{"password": {"not the password"}})
			require.Equal(t, http.StatusUnprocessableEntity, wrong.StatusCode)
			require.Equal(t, "Wrong password.", strings.TrimSpace(wrong.doc(t).Find("#link-error").Text()))
			require.Nil(t, identityOf(t, env.db, iss, "sub-link"), "nothing linked")
			require.Empty(t, c.signedInAs(ctx))
			require.Equal(t, "oidc.link_failed", events.last())

			forged := c.postForm(oidcLinkPath, url.Values{"password": {testPassword}, fieldCSRF: {"forged"}})
			require.Equal(t, http.StatusForbidden, forged.StatusCode)
			require.Nil(t, identityOf(t, env.db, iss, "sub-link"), "nothing linked")

			before := c.cookie.Value
			right := c.postForm(oidcLinkPath, url.Values{"password": {testPassword}})
			require.Equal(t, http.StatusSeeOther, right.StatusCode, right.Body)
			require.NotEqual(t, before, c.cookie.Value, "linking signs in with a new session id")
			require.Equal(t, "/dashboard", right.Header.Get("Location"))
			id := identityOf(t, env.db, iss, "sub-link")
			require.NotNil(t, id)
			require.Equal(t, linked.UserID, id.UserID)
			require.Equal(t, "oidc.link", events.last())
			require.NotNil(t, env.db.User.GetX(ctx, linked.UserID).EmailVerifiedAt)
			require.Equal(t, users, env.db.User.Query().CountX(ctx))
			require.Equal(t, linked.UserID, c.signedInAs(ctx))

			// The pending link went with the old session.
			require.Equal(t, http.StatusBadRequest, c.get(oidcLinkPath).StatusCode)

			// Next time the identity signs straight in, and the password still works.
			again := env.client(t)
			mp.queue("sub-link", linked.Email, true)
			res = again.get(mp.authorize(t, again.startOIDC()))
			require.Equal(t, "/dashboard", res.Header.Get("Location"))
			require.Equal(t, linked.UserID, again.signedInAs(ctx))
			env.login(t, owner{Email: linked.Email})
		})

		t.Run("disabled user is refused", func(t *testing.T) {
			id := identityOf(t, env.db, iss, "sub-new")
			env.db.User.UpdateOneID(id.UserID).SetDisabledAt(time.Now()).ExecX(ctx)
			defer env.db.User.UpdateOneID(id.UserID).ClearDisabledAt().ExecX(ctx)
			c := env.client(t)
			mp.queue("sub-new", "new.person@example.com", true)
			res := c.get(mp.authorize(t, c.startOIDC()))
			require.Equal(t, http.StatusForbidden, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#error").Text(), "This account has been disabled.")
			require.Equal(t, "oidc.refused user disabled", events.last())
			require.Empty(t, c.signedInAs(ctx))
		})

		t.Run("verified email of an account without a password is not linked", func(t *testing.T) {
			users := env.db.User.Query().CountX(ctx)
			c := env.client(t)
			mp.queue("sub-other", "new.person@example.com", true)
			res := c.get(mp.authorize(t, c.startOIDC()))
			require.Equal(t, http.StatusConflict, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#error").Text(), "no password to confirm it is yours")
			require.Equal(t, "oidc.refused email taken by account without password", events.last())
			require.Nil(t, identityOf(t, env.db, iss, "sub-other"))
			require.Equal(t, users, env.db.User.Query().CountX(ctx))
			require.Empty(t, c.signedInAs(ctx))
		})
	}, mp.configure)
}
