package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/auth"
)

const resetNewPassword = "a brand new passphrase 42"

// TestForgotAnswersAlike: a known and an unknown address get the same page; only the
// known one gets a mail.
func TestForgotAnswersAlike(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		o := env.owner(t)
		forgot := func(email string) response {
			c := env.client(t)
			c.get(pathForgot)
			return c.postForm(pathForgot, url.Values{"email": {email}})
		}
		unknown := forgot("nobody@example.com")
		known := forgot(o.Email)
		require.Equal(t, http.StatusOK, unknown.StatusCode)
		require.Equal(t, http.StatusOK, known.StatusCode)
		// The pages differ only by the address they repeat (and the CSRF token of each browser).
		same := func(r response) string { return r.doc(t).Find("main").Text() }
		require.Equal(t, strings.ReplaceAll(same(unknown), "nobody@example.com", o.Email), same(known))
		require.Equal(t, "forgot-sent", known.doc(t).Find("#notice").AttrOr("data-notice", ""))

		m := env.sink.Wait(t, o.Email, 1)
		require.Equal(t, "Reset your Assay password", m.Subject)
		require.Contains(t, m.Text, "1 hour")
		require.Zero(t, env.mailRows(t, "nobody@example.com"))

		bad := forgot("not-an-email")
		require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
		require.Contains(t, bad.doc(t).Find("#email-error").Text(), "valid email")
	})
}

func TestPasswordReset(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		ctx := context.Background()
		o := env.owner(t)
		signedIn := env.login(t, o)
		requestLink := func(n int) string {
			c := env.client(t)
			c.get(pathForgot)
			require.Equal(t, http.StatusOK, c.postForm(pathForgot, url.Values{"email": {o.Email}}).StatusCode)
			return env.sink.Wait(t, o.Email, n).Link(t, pathReset+"?token=")
		}
		older := requestLink(1)
		link := requestLink(2)
		expired := expiredResetLink(t, env, o)

		c := env.client(t)
		form := c.follow(link)
		require.Equal(t, http.StatusOK, form.StatusCode, form.Body)
		token := form.doc(t).Find(`#reset-form input[name="token"]`).AttrOr("value", "")

		// A weak password is refused and the link still works.
		weak := c.postForm(pathReset, url.Values{"token": {token}, "password": {"short"}})
		require.Equal(t, http.StatusUnprocessableEntity, weak.StatusCode)
		require.Contains(t, weak.doc(t).Find("#password-error").Text(), "at least 8 characters")

		done := c.postForm(pathReset, url.Values{"token": {token}, "password": {resetNewPassword}})
		require.Equal(t, http.StatusOK, done.StatusCode, done.Body)
		require.Equal(t, "password-changed", done.doc(t).Find("#notice").AttrOr("data-notice", ""))
		u := env.db.User.GetX(ctx, o.UserID)
		ok, err := auth.CheckPassword(u.PasswordHash, resetNewPassword)
		require.NoError(t, err)
		require.True(t, ok)
		require.NotNil(t, u.EmailVerifiedAt, "the link reached the address")
		require.Equal(t, "Your Assay password was changed", env.sink.Wait(t, o.Email, 3).Subject)

		// Every session of the user ended; the new password logs in.
		require.Equal(t, "/login", signedIn.get("/dashboard").Header.Get("Location"))
		require.Equal(t, "/dashboard", env.loginWith(t, o.Email, resetNewPassword).Header.Get("Location"))
		require.Equal(t, http.StatusUnprocessableEntity, env.loginWith(t, o.Email, testPassword).StatusCode)

		tests := []struct {
			name, link, message string
		}{
			{"used", link, "already used"},
			{"revoked by the reset", older, "already used"},
			{"expired", expired, "expired"},
			{"tampered", tamper(link), "not valid"},
			{"missing", "http://assay.test" + pathReset, "not valid"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := env.client(t)
				page := c.follow(tc.link)
				require.Equal(t, http.StatusBadRequest, page.StatusCode)
				require.Contains(t, page.doc(t).Find("#notice-error").Text(), tc.message)
				// Posting the token anyway changes nothing.
				c.get(pathForgot)
				tok, _ := url.Parse(tc.link)
				res := c.postForm(pathReset, url.Values{"token": {tok.Query().Get("token")}, "password": {"another good passphrase"}})
				require.Equal(t, http.StatusBadRequest, res.StatusCode)
				require.Equal(t, u.PasswordHash, env.db.User.GetX(ctx, o.UserID).PasswordHash)
			})
		}
	})
}

// expiredResetLink is a reset link issued two hours ago (it worked for one).
func expiredResetLink(t *testing.T, env *mailEnv, o owner) string {
	t.Helper()
	raw, err := account.IssueToken(context.Background(), env.db, account.PurposeResetPassword, o.UserID, o.Email,
		time.Now().UTC().Add(-2*time.Hour))
	require.NoError(t, err)
	return "http://assay.test" + pathReset + "?token=" + raw
}

// tamper changes one character of the link's token.
func tamper(link string) string {
	i := strings.Index(link, "token=") + len("token=")
	b := []byte(link)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
