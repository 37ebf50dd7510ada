package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

func TestSignupValidation(t *testing.T) {
	env := newSQLiteEnv(t)
	long := strings.Repeat("x", 101)
	tests := []struct {
		name, email, password, org string
		field, message             string
	}{
		{"no email", "", testPassword, "Acme", "email", "Enter your email address."},
		{"bad email", "not-an-email", testPassword, "Acme", "email", "Enter a valid email address"},
		{"display name", "Bob <bob@example.com>", testPassword, "Acme", "email", "Enter a valid email address"},
		{"short password", "a@example.com", "short", "Acme", "password", "at least 8 characters"},
		{"common password", "a@example.com", "password123", "Acme", "password", "too common"},
		{"no org", "a@example.com", testPassword, "  ", "org", "Enter a name for your organization."},
		{"long org", "a@example.com", testPassword, long, "org", "at most 100 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.client(t)
			c.get("/signup")
			res := c.postForm("/signup", url.Values{"email": {tc.email}, "password": {tc.password}, "org": {tc.org}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			doc := res.doc(t)
			require.Contains(t, doc.Find("#"+tc.field+"-error").Text(), tc.message)
			require.Contains(t, doc.Find("#form-errors").Text(), tc.message)
			require.Equal(t, "true", doc.Find("#"+tc.field).AttrOr("aria-invalid", ""))
			// Entered values come back, the password never does.
			require.Equal(t, strings.ToLower(strings.TrimSpace(tc.email)), doc.Find("#email").AttrOr("value", ""))
			require.Equal(t, strings.TrimSpace(tc.org), doc.Find("#org").AttrOr("value", ""))
			_, hasValue := doc.Find("#password").Attr("value")
			require.False(t, hasValue)
			require.NotContains(t, res.Body, tc.password+`"`)
			require.Zero(t, env.db.User.Query().CountX(context.Background()))
			require.Zero(t, env.db.Organization.Query().CountX(context.Background()))
		})
	}
}

func TestSignupCreatesAccountAndSession(t *testing.T) {
	tests := []struct {
		name, webURL, cookie string
		secure               bool
	}{
		{"http", "http://assay.test", cookiePlain, false},
		{"https", "https://assay.example", cookieSecure, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, env *testEnv) { signupAndCheckSession(t, env, tc.cookie, tc.secure) },
				func(c *config.Config) { c.WebURL = tc.webURL })
		})
	}
}

func signupAndCheckSession(t *testing.T, env *testEnv, cookie string, secure bool) {
	t.Helper()
	ctx := context.Background()
	c := env.client(t)
	c.get("/signup")
	require.NotNil(t, c.cookie)
	before := c.cookie.Value
	res := c.postForm("/signup", url.Values{"email": {" New@Example.com "}, "password": {testPassword}, "org": {"Acme"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, pathSignupSent, res.Header.Get("Location")) // "check your inbox", signed in

	var set *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == cookie {
			set = ck
		}
	}
	require.NotNil(t, set, "session cookie %s", cookie)
	require.True(t, set.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, set.SameSite)
	require.Equal(t, "/", set.Path)
	require.Equal(t, secure, set.Secure)
	require.Empty(t, set.Domain)
	require.NotEqual(t, before, set.Value, "signup must issue a new session id")
	require.Contains(t, res.Header.Get("Set-Cookie"), "HttpOnly")

	u := env.db.User.Query().Where(user.Email("new@example.com")).OnlyX(ctx)
	m := env.db.Membership.Query().Where(membership.UserID(u.ID)).OnlyX(ctx)
	require.Equal(t, membership.RoleOwner, m.Role)
	require.Equal(t, "Acme", env.db.Organization.GetX(ctx, m.OrgID).Name)
	require.NotEqual(t, testPassword, u.PasswordHash)
	// Only the new session row is left, and it belongs to the user.
	sessions := env.db.Session.Query().AllX(ctx)
	require.Len(t, sessions, 1)
	require.Equal(t, u.ID, sessions[0].UserID)

	dash := c.get("/dashboard")
	require.Equal(t, http.StatusOK, dash.StatusCode)
	require.Equal(t, 1, dash.doc(t).Find("#upload-form").Length())
}

func TestSignupDuplicateEmail(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.client(t)
	c.get("/signup")
	res := c.postForm("/signup", url.Values{"email": {strings.ToUpper(o.Email)}, "password": {testPassword}, "org": {"Other"}})
	// The same answer as a new signup (see TestSignupWithKnownEmail), and nothing created.
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, pathSignupSent, res.Header.Get("Location"))
	require.Equal(t, 1, env.db.Organization.Query().CountX(context.Background()))
	require.Equal(t, 1, env.db.User.Query().CountX(context.Background()))
}

func TestLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		disabled := env.owner(t)
		env.db.User.UpdateOneID(disabled.UserID).SetDisabledAt(time.Now()).ExecX(ctx)
		tests := []struct {
			name, email, password string
			ok                    bool
		}{
			{"wrong password", o.Email, "not the password", false},
			{"unknown email", "nobody@example.com", testPassword, false},
			{"disabled user", disabled.Email, testPassword, false},
			{"right", o.Email, testPassword, true},
			{"email case and spaces", "  " + strings.ToUpper(o.Email), testPassword, true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := env.client(t)
				c.get("/login")
				before := c.cookie.Value
				res := c.postForm("/login", url.Values{"email": {tc.email}, "password": {tc.password}})
				if !tc.ok {
					require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
					require.Equal(t, msgLoginFailed, strings.TrimSpace(res.doc(t).Find("#login-error").Text()))
					require.Equal(t, http.StatusSeeOther, c.get("/dashboard").StatusCode)
					return
				}
				require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
				require.NotEqual(t, before, c.cookie.Value, "login must issue a new session id")
				dash := c.get("/dashboard")
				require.Equal(t, http.StatusOK, dash.StatusCode)
				require.Contains(t, dash.doc(t).Find(".who").Text(), o.Email)
			})
		}
	})
}

func TestLogout(t *testing.T) {
	eachDB(t, testLogout)
}

func testLogout(t *testing.T, env *testEnv) {
	o := env.owner(t)
	c := env.login(t, o)
	stolen := *c.cookie
	require.Equal(t, 1, env.db.Session.Query().CountX(context.Background()))

	res := c.postForm("/logout", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, "/", res.Header.Get("Location"))
	require.Nil(t, c.cookie, "the cookie is expired")
	require.Zero(t, env.db.Session.Query().CountX(context.Background()), "the session row is gone")

	// The old cookie is worth nothing now.
	replay := env.client(t)
	replay.cookie = &stolen
	res = replay.get("/dashboard")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/login", res.Header.Get("Location"))
}

func TestCSRF(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	tests := []struct {
		name    string
		path    string
		form    url.Values
		headers []string
		status  int
	}{
		{"logout without token", "/logout", url.Values{fieldCSRF: {""}}, nil, http.StatusForbidden},
		{"logout with a wrong token", "/logout", url.Values{fieldCSRF: {"forged"}}, nil, http.StatusForbidden},
		{"login without token", "/login", url.Values{fieldCSRF: {""}, "email": {o.Email}, "password": {testPassword}}, nil, http.StatusForbidden},
		{"signup without token", "/signup", url.Values{fieldCSRF: {""}, "email": {"x@example.com"}, "password": {testPassword}, "org": {"X"}}, nil, http.StatusForbidden},
		{"wrong header beats nothing", "/logout", url.Values{fieldCSRF: {""}}, []string{headerCSRF, "forged"}, http.StatusForbidden},
		{"right header", "/logout", url.Values{fieldCSRF: {""}}, []string{headerCSRF, "RIGHT"}, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := tc.headers
			if len(headers) == 2 && headers[1] == "RIGHT" {
				headers = []string{headerCSRF, c.csrf}
			}
			res := c.postForm(tc.path, tc.form, headers...)
			require.Equal(t, tc.status, res.StatusCode, res.Body)
			if tc.status == http.StatusForbidden {
				require.Contains(t, res.doc(t).Find("#error").Text(), "did not come from this site")
			}
		})
	}
	// A visitor without any session cannot post either.
	res := env.client(t).postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}})
	require.Equal(t, http.StatusForbidden, res.StatusCode)
}

func TestLostAccessLogsOut(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(env *testEnv, o owner)
	}{
		{"membership removed", func(env *testEnv, o owner) {
			env.db.Membership.Delete().Where(membership.UserID(o.UserID)).ExecX(context.Background())
		}},
		{"user disabled", func(env *testEnv, o owner) {
			env.db.User.UpdateOneID(o.UserID).SetDisabledAt(time.Now()).ExecX(context.Background())
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newSQLiteEnv(t)
			o := env.owner(t)
			c := env.login(t, o)
			tc.revoke(env, o)
			res := c.get("/dashboard")
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			require.Equal(t, "/login", res.Header.Get("Location"))
			require.Nil(t, c.cookie, "the cookie is expired")
			require.Zero(t, env.db.Session.Query().CountX(context.Background()))
		})
	}
}

func TestSessionTimeouts(t *testing.T) {
	tests := []struct {
		name     string
		age      time.Duration // since created
		idle     time.Duration // since last seen
		loggedIn bool
		touched  bool
	}{
		{"fresh", time.Minute, 20 * time.Second, true, false},
		{"touch after a minute", time.Hour, 2 * time.Minute, true, true},
		{"idle", time.Hour, 31 * time.Minute, false, false},
		{"absolute", 12*time.Hour + time.Minute, time.Second, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newSQLiteEnv(t)
			ctx := context.Background()
			c := env.login(t, env.owner(t))
			row := env.db.Session.Query().OnlyX(ctx)
			now := time.Now().UTC()
			// created_at is immutable in the schema: rewrite it with SQL.
			env.db.Session.UpdateOneID(row.ID).SetLastSeenAt(now.Add(-tc.idle)).ExecX(ctx)
			_, err := env.db.ExecContext(ctx, "UPDATE sessions SET created_at = ? WHERE id = ?", now.Add(-tc.age), row.ID)
			require.NoError(t, err)

			res := c.get("/dashboard")
			if !tc.loggedIn {
				require.Equal(t, http.StatusSeeOther, res.StatusCode)
				require.Zero(t, env.db.Session.Query().CountX(ctx))
				return
			}
			require.Equal(t, http.StatusOK, res.StatusCode)
			seen := env.db.Session.GetX(ctx, row.ID).LastSeenAt
			require.Equal(t, tc.touched, now.Sub(seen) < 5*time.Second, "last seen %s ago", now.Sub(seen))
		})
	}
}

// TestSessionDeletedDuringRequest: a session logged out elsewhere (another tab) between
// loading its row and touching it is no session, not a server error.
func TestSessionDeletedDuringRequest(t *testing.T) {
	env := newSQLiteEnv(t)
	ctx := context.Background()
	c := env.login(t, env.owner(t))
	row := env.db.Session.Query().OnlyX(ctx)
	env.db.Session.UpdateOneID(row.ID).SetLastSeenAt(time.Now().UTC().Add(-2 * time.Minute)).ExecX(ctx)
	env.db.Session.Use(func(next entweb.Mutator) entweb.Mutator {
		return entweb.MutateFunc(func(ctx context.Context, m entweb.Mutation) (entweb.Value, error) {
			if id, ok := m.(*entweb.SessionMutation).ID(); ok && m.Op().Is(entweb.OpUpdateOne) {
				env.db.Session.DeleteOneID(id).ExecX(ctx) // the other tab's logout wins the race
			}
			return next.Mutate(ctx, m)
		})
	})
	res := c.get("/dashboard")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, "/login", res.Header.Get("Location"))
}
