package web

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/web/recoverycode"
)

// testClock is the clock TOTP codes, the pending sign-in and re-authentication are
// checked against; codes in tests are computed for it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func useTestClock(env *testEnv) *testClock {
	tc := &testClock{t: time.Now().UTC()}
	env.srv.mfaGate.mfa.SetClock(tc.now)
	env.srv.mfaGate.now = tc.now
	env.srv.reauth.now = tc.now
	return tc
}

// code is the TOTP code of secret now, by the test clock.
func (c *testClock) code(t *testing.T, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, c.now())
	require.NoError(t, err)
	return code
}

// enroll sets up MFA for the signed-in client: it checks the QR code is served and a
// wrong code is refused, and returns the secret shown and the recovery codes.
func enroll(t *testing.T, c *client, tc *testClock) (string, []string) {
	t.Helper()
	res := c.postForm(pathMFASetup, url.Values{})
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	secret := strings.TrimSpace(res.doc(t).Find("#mfa-secret").Text())
	require.Len(t, secret, 32)

	qr := c.get(pathMFAQR)
	require.Equal(t, http.StatusOK, qr.StatusCode)
	require.Equal(t, "image/png", qr.Header.Get("Content-Type"))
	_, err := png.Decode(bytes.NewReader([]byte(qr.Body)))
	require.NoError(t, err)

	wrong, err := totp.GenerateCode(secret, tc.now().Add(-time.Hour))
	require.NoError(t, err)
	res = c.postForm(pathMFAEnable, url.Values{"code": {wrong}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Contains(t, res.doc(t).Find("#setup-error").Text(), "not valid")
	require.Equal(t, secret, strings.TrimSpace(res.doc(t).Find("#mfa-secret").Text()), "the same setup goes on")

	res = c.postForm(pathMFAEnable, url.Values{"code": {tc.code(t, secret)}})
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	codes := res.doc(t).Find("#recovery-codes code").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	require.Len(t, codes, 10)
	tc.advance(30 * time.Second) // the enrollment's code is spent
	return secret, codes
}

// startLogin posts the password of o and expects the code form.
func startLogin(t *testing.T, env *testEnv, o owner) *client {
	t.Helper()
	c := env.client(t)
	c.get("/login")
	res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, pathMFAChallenge, res.Header.Get("Location"))
	require.Equal(t, http.StatusOK, c.get(pathMFAChallenge).StatusCode)
	return c
}

func TestMFAEnrollmentAndLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		c := env.login(t, o)
		require.Contains(t, c.get(pathSettingsSecurity).doc(t).Find("#mfa-status").Text(), "off")
		secret, codes := enroll(t, c, tc)
		require.Contains(t, c.get(pathSettingsSecurity).doc(t).Find("#codes-left").Text(), "10")

		// At rest: the secret is sealed, the codes hashed.
		u := env.db.User.GetX(ctx, o.UserID)
		require.NotNil(t, u.MfaEnabledAt)
		require.NotContains(t, *u.MfaSecret, secret)
		rows := env.db.RecoveryCode.Query().Where(recoverycode.UserID(o.UserID)).AllX(ctx)
		require.Len(t, rows, 10)
		for _, r := range rows {
			require.Len(t, r.CodeHash, 64)
			require.NotContains(t, strings.Join(codes, " "), r.CodeHash)
		}

		t.Run("pending sign-in reaches nothing", func(t *testing.T) {
			p := startLogin(t, env, o)
			require.Equal(t, "", p.signedInAs(ctx))
			for _, path := range []string{"/dashboard", pathSettingsSecurity, pathSettingsPassword} {
				res := p.get(path)
				require.Equal(t, http.StatusSeeOther, res.StatusCode, path)
				require.Equal(t, "/login", res.Header.Get("Location"), path)
			}
		})

		t.Run("wrong code, then the right one", func(t *testing.T) {
			p := startLogin(t, env, o)
			res := p.postForm(pathMFAChallenge, url.Values{"code": {"12345x"}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#mfa-error").Text(), "not valid")
			pending := p.cookie.Value
			res = p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, "/dashboard", res.Header.Get("Location"))
			require.NotEqual(t, pending, p.cookie.Value, "a new session id")
			require.Equal(t, o.UserID, p.signedInAs(ctx))
			require.Equal(t, http.StatusOK, p.get("/dashboard").StatusCode)
		})

		t.Run("a code is good once", func(t *testing.T) {
			p := startLogin(t, env, o)
			res := p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#mfa-error").Text(), "already used")
			require.Equal(t, "", p.signedInAs(ctx))
			tc.advance(30 * time.Second)
			res = p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		})

		t.Run("recovery codes work once each", func(t *testing.T) {
			p := startLogin(t, env, o)
			res := p.postForm(pathMFAChallenge, url.Values{"code": {codes[0]}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, o.UserID, p.signedInAs(ctx))

			p = startLogin(t, env, o)
			res = p.postForm(pathMFAChallenge, url.Values{"code": {codes[0]}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			// Typed without the dash and in capitals: the same code.
			res = p.postForm(pathMFAChallenge, url.Values{"code": {strings.ToUpper(strings.ReplaceAll(codes[1], "-", ""))}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			n := env.db.RecoveryCode.Query().Where(recoverycode.UserID(o.UserID), recoverycode.UsedAtIsNil()).CountX(ctx)
			require.Equal(t, 8, n)
		})

		t.Run("the code form expires", func(t *testing.T) {
			p := startLogin(t, env, o)
			tc.advance(mfaPendingTTL + time.Second)
			res := p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}})
			require.Equal(t, http.StatusUnauthorized, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#login-error").Text(), "expired")
			require.Equal(t, "", p.signedInAs(ctx))
			res = p.get(pathMFAChallenge)
			require.Equal(t, "/login", res.Header.Get("Location"), "the pending sign-in is gone")
		})

		t.Run("no pending sign-in, no CSRF token", func(t *testing.T) {
			p := env.client(t)
			p.get("/login")
			res := p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			require.Equal(t, "/login", res.Header.Get("Location"))
			p = startLogin(t, env, o)
			res = p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}, fieldCSRF: {"forged"}})
			require.Equal(t, http.StatusForbidden, res.StatusCode)
			require.Equal(t, "", p.signedInAs(ctx))
		})
	})
}

func TestMFADisableAndRegenerate(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		c := env.login(t, o)
		secret, codes := enroll(t, c, tc)

		c.get(pathSettingsSecurity)
		res := c.postForm(pathMFACodes, url.Values{})
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, 10, res.doc(t).Find("#recovery-codes code").Length())
		fresh := res.doc(t).Find("#recovery-codes code").First().Text()
		require.NotContains(t, codes, fresh)

		c.get(pathSettingsSecurity)
		res = c.postForm(pathMFADisable, url.Values{"code": {codes[0]}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "old codes are gone")
		require.Contains(t, res.doc(t).Find("#security-error").Text(), "not valid")
		require.NotNil(t, env.db.User.GetX(ctx, o.UserID).MfaEnabledAt)

		res = c.postForm(pathMFADisable, url.Values{"code": {tc.code(t, secret)}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		u := env.db.User.GetX(ctx, o.UserID)
		require.Nil(t, u.MfaEnabledAt)
		require.Nil(t, u.MfaSecret)
		require.Zero(t, env.db.RecoveryCode.Query().Where(recoverycode.UserID(o.UserID)).CountX(ctx))
		env.login(t, o) // no code asked
	})
}
