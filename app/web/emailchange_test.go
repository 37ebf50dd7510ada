package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEmailChange(t *testing.T) {
	eachMailDB(t, func(t *testing.T, env *mailEnv) {
		ctx := context.Background()
		o := env.owner(t)
		other := env.owner(t)
		c := env.login(t, o)
		require.Equal(t, o.Email, c.get(pathEmailChange).doc(t).Find("#current-email").Text())

		refused := []struct {
			name, email, password, field, message string
		}{
			{"wrong password", "new@example.com", "not my password", "password", "not your current password"},
			{"bad address", "new@", testPassword, "email", "valid email"},
			{"same address", o.Email, testPassword, "email", "already your email"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := c.postForm(pathEmailChange, url.Values{"email": {tc.email}, "password": {tc.password}})
				require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
				require.Contains(t, res.doc(t).Find("#"+tc.field+"-error").Text(), tc.message)
				require.Zero(t, env.db.OneTimeToken.Query().CountX(ctx))
				require.Zero(t, env.db.OutgoingMail.Query().CountX(ctx))
			})
		}

		// An address with an account gets the same answer and no mail.
		taken := c.postForm(pathEmailChange, url.Values{"email": {other.Email}, "password": {testPassword}})
		require.Equal(t, http.StatusOK, taken.StatusCode)
		require.Zero(t, env.mailRows(t, other.Email))

		res := c.postForm(pathEmailChange, url.Values{"email": {"New@Example.com"}, "password": {testPassword}})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, "change-sent", res.doc(t).Find("#notice").AttrOr("data-notice", ""))
		require.Equal(t, o.Email, env.db.User.GetX(ctx, o.UserID).Email, "nothing changes before the link is used")

		m := env.sink.Wait(t, "new@example.com", 1)
		require.Equal(t, "Confirm your new email address", m.Subject)
		link := m.Link(t, pathEmailConfirm+"?token=")
		done := env.client(t).confirmLink(link) // works from any browser: the link is the proof
		require.Equal(t, http.StatusOK, done.StatusCode, done.Body)
		require.Equal(t, "email-changed", done.doc(t).Find("#notice").AttrOr("data-notice", ""))
		u := env.db.User.GetX(ctx, o.UserID)
		require.Equal(t, "new@example.com", u.Email)
		require.NotNil(t, u.EmailVerifiedAt)

		notice := env.sink.Wait(t, o.Email, 1)
		require.Equal(t, "Your Assay email address was changed", notice.Subject)
		require.Contains(t, notice.Text, "new@example.com")

		again := env.client(t).follow(link)
		require.Equal(t, http.StatusBadRequest, again.StatusCode)
		require.Contains(t, again.doc(t).Find("#notice-error").Text(), "already used")
		require.Equal(t, "/dashboard", env.loginWith(t, "new@example.com", testPassword).Header.Get("Location"))
	})
}
