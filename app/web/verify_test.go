package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/ent/web/user"
)

func TestSignupSendsVerificationAndConfirmVerifies(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		ctx := context.Background()
		c := env.client(t)
		c.get("/signup")
		res := c.postForm("/signup", url.Values{"email": {"Verify@Example.com"}, "password": {testPassword}, "org": {"Acme"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathSignupSent, res.Header.Get("Location"))
		sent := c.get(pathSignupSent).doc(t)
		require.Equal(t, "signup-sent", sent.Find("#notice").AttrOr("data-notice", ""))

		// The product works at once, with the banner until the address is confirmed.
		dash := c.get("/dashboard")
		require.Equal(t, http.StatusOK, dash.StatusCode)
		require.Contains(t, dash.doc(t).Find("#verify-banner").Text(), "verify@example.com")

		m := env.sink.Wait(t, "verify@example.com", 1)
		require.Equal(t, "Confirm your email address", m.Subject)
		require.Equal(t, "no-reply@assay.test", m.From)
		link := m.Link(t, pathVerify+"?token=")
		require.Contains(t, m.HTML, link)

		// Opening the link shows a page and changes nothing.
		page := c.follow(link)
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.Equal(t, 1, page.doc(t).Find("#confirm-submit").Length())
		require.Nil(t, env.db.User.Query().Where(user.Email("verify@example.com")).OnlyX(ctx).EmailVerifiedAt)

		res = c.confirmLink(link)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, "/dashboard", res.Header.Get("Location"))
		require.NotNil(t, env.db.User.Query().Where(user.Email("verify@example.com")).OnlyX(ctx).EmailVerifiedAt)
		require.Zero(t, c.get("/dashboard").doc(t).Find("#verify-banner").Length())

		// The link works once.
		again := c.follow(link)
		require.Equal(t, http.StatusBadRequest, again.StatusCode)
		require.Contains(t, again.doc(t).Find("#notice-error").Text(), "already used")
	})
}

func TestVerifyResendIsRateLimited(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		c := env.client(t)
		c.get("/signup")
		res := c.postForm("/signup", url.Values{"email": {"resend@example.com"}, "password": {testPassword}, "org": {"Acme"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		c.get("/dashboard")
		env.sink.Wait(t, "resend@example.com", 1)

		res = c.postForm(pathVerifyResend, url.Values{"email": {"resend@example.com"}})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, "verify-sent", res.doc(t).Find("#notice").AttrOr("data-notice", ""))
		second := env.sink.Wait(t, "resend@example.com", 2)
		require.Equal(t, http.StatusSeeOther, c.confirmLink(second.Link(t, pathVerify)).StatusCode)

		// Signup and the resend took two of the three attempts; the third passes (already
		// verified: back to the dashboard), the fourth is refused and sends nothing.
		require.Equal(t, http.StatusSeeOther, c.postForm(pathVerifyResend, url.Values{"email": {"resend@example.com"}}).StatusCode)
		refused := c.postForm(pathVerifyResend, url.Values{"email": {"resend@example.com"}})
		require.Equal(t, http.StatusTooManyRequests, refused.StatusCode)
		require.Contains(t, refused.doc(t).Find("#notice-error").Text(), "Too many attempts")
		require.Equal(t, 2, env.mailRows(t, "resend@example.com"))
	}, func(c *config.Config) { c.RateLimitAuthPer15m = 3 })
}

// TestSignupWithKnownEmail answers as a new signup does, creates nothing, and warns the
// account that owns the address.
func TestSignupWithKnownEmail(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		ctx := context.Background()
		o := env.owner(t)
		signup := func(email string) response {
			c := env.client(t)
			c.get("/signup")
			return c.postForm("/signup", url.Values{"email": {email}, "password": {testPassword}, "org": {"Other"}})
		}
		known := signup(strings.ToUpper(o.Email))
		fresh := signup("fresh@example.com")
		for _, res := range []response{known, fresh} {
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, pathSignupSent, res.Header.Get("Location"))
			require.Len(t, res.Cookies(), 1, "a new session cookie either way")
		}
		require.Equal(t, known.Body, fresh.Body)

		m := env.sink.Wait(t, o.Email, 1)
		require.Equal(t, "Someone tried to sign up with your email address", m.Subject)
		require.Contains(t, m.Text, "http://assay.test/password/forgot")
		require.Equal(t, 2, env.db.User.Query().CountX(ctx), "the owner and the fresh signup")
		require.Equal(t, 2, env.db.Organization.Query().CountX(ctx))
		require.Equal(t, 1, env.mailRows(t, o.Email))
	})
}
