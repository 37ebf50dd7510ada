package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/ent/web/membership"
)

// A stale session is sent to re-authenticate before a sensitive change, which then
// goes through; a wrong answer changes nothing.
func TestRecentAuthRequired(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		c := env.login(t, o)
		require.Equal(t, http.StatusOK, c.get(pathSettingsPassword).StatusCode, "a fresh login is recent")

		tc.advance(recentAuthMaxAge + time.Minute)
		for _, path := range []string{pathSettingsPassword, pathEmailChange} {
			res := c.get(path)
			require.Equal(t, http.StatusSeeOther, res.StatusCode, path)
			require.Equal(t, pathReauth+"?next="+url.QueryEscape(path), res.Header.Get("Location"))
		}
		hash := env.db.User.GetX(ctx, o.UserID).PasswordHash
		res := c.postForm(pathSettingsPassword, url.Values{"current_password": {testPassword}, "new_password": {"a brand new passphrase"}},
			"Referer", "http://example.com"+pathSettingsPassword) // httptest's host
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, pathReauth+"?next="+url.QueryEscape(pathSettingsPassword), res.Header.Get("Location"))
		require.Equal(t, hash, env.db.User.GetX(ctx, o.UserID).PasswordHash, "nothing changed")
		res = c.postForm(pathMFASetup, url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Nil(t, env.db.User.GetX(ctx, o.UserID).MfaSecret)

		page := c.get(pathReauth + "?next=" + url.QueryEscape(pathSettingsPassword))
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.Equal(t, 1, page.doc(t).Find("#reauth-form #password").Length())
		require.Zero(t, page.doc(t).Find("#reauth-form #code").Length(), "no MFA, no code")
		res = c.postForm(pathReauth, url.Values{"password": {"not it"}, "next": {pathSettingsPassword}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, "Wrong password.", res.doc(t).Find("#reauth-error").Text())
		require.Equal(t, http.StatusSeeOther, c.get(pathSettingsPassword).StatusCode, "still stale")

		before := c.cookie.Value
		res = c.postForm(pathReauth, url.Values{"password": {testPassword}, "next": {pathSettingsPassword}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathSettingsPassword, res.Header.Get("Location"))
		require.NotEqual(t, before, c.cookie.Value, "a new session id")
		require.Equal(t, http.StatusOK, c.get(pathSettingsPassword).StatusCode)

		// With MFA on, re-authentication asks for a code as well.
		secret, _ := enroll(t, c, tc)
		tc.advance(recentAuthMaxAge + time.Minute)
		page = c.get(pathReauth)
		require.Equal(t, 1, page.doc(t).Find("#reauth-form #code").Length())
		res = c.postForm(pathReauth, url.Values{"password": {testPassword}, "code": {"000000x"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		res = c.postForm(pathReauth, url.Values{"password": {testPassword}, "code": {tc.code(t, secret)}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, "/dashboard", res.Header.Get("Location"))
		require.Equal(t, http.StatusOK, c.get(pathEmailChange).StatusCode)

		// Without a password or MFA there is nothing to enter: the provider signs in again.
		p := env.owner(t)
		pc := env.login(t, p)
		env.db.User.UpdateOneID(p.UserID).SetPasswordHash("").ExecX(ctx)
		tc.advance(recentAuthMaxAge + time.Minute)
		page = pc.get(pathReauth)
		require.Equal(t, 1, page.doc(t).Find("#reauth-provider").Length())
		require.Zero(t, page.doc(t).Find("#reauth-form").Length())
		res = pc.postForm(pathReauth, url.Values{"password": {""}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.doc(t).Find("#reauth-error").Text(), "provider")
		require.Equal(t, http.StatusSeeOther, pc.get(pathEmailChange).StatusCode, "still stale")
	})
}

// addMember makes a new user a plain member of o's organization.
func addMember(t *testing.T, env *testEnv, o owner) owner {
	t.Helper()
	ctx := context.Background()
	m := env.owner(t) // a user with an organization of their own
	_, err := env.db.Membership.Delete().Where(membership.UserID(m.UserID)).Exec(ctx)
	require.NoError(t, err)
	require.NoError(t, env.db.Membership.Create().SetUserID(m.UserID).SetOrgID(o.OrgID).SetRole(membership.RoleMember).Exec(ctx))
	return owner{UserID: m.UserID, OrgID: o.OrgID, Email: m.Email}
}

// recordAudit collects the events of the sign-in gate.
func recordAudit(env *testEnv) func() []string {
	var mu sync.Mutex
	var names []string
	env.srv.mfaGate.audit = func(_ context.Context, e audit.Event) {
		mu.Lock()
		names = append(names, e.Name)
		mu.Unlock()
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), names...)
	}
}

func TestOrganizationRequiresMFA(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		member := addMember(t, env, o)
		oc := env.login(t, o)

		oc.get(pathSettingsOrgSecurity)
		res := oc.postForm(pathSettingsOrgSecurity, url.Values{"require_mfa": {"on"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "the owner has no MFA")
		require.Contains(t, res.doc(t).Find("#org-security-error").Text(), "your own account first")
		require.False(t, env.db.Organization.GetX(ctx, o.OrgID).RequireMfa)

		enroll(t, oc, tc)
		oc.get(pathSettingsOrgSecurity)
		res = oc.postForm(pathSettingsOrgSecurity, url.Values{"require_mfa": {"on"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.True(t, env.db.Organization.GetX(ctx, o.OrgID).RequireMfa)

		// A member without MFA: signed in, but only to set it up.
		mc := env.client(t)
		mc.get("/login")
		res = mc.postForm("/login", url.Values{"email": {member.Email}, "password": {testPassword}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		for _, path := range []string{"/dashboard", pathSettingsSessions, pathSettingsOrgSecurity} {
			res = mc.get(path)
			require.Equal(t, http.StatusSeeOther, res.StatusCode, path)
			require.Equal(t, pathSettingsSecurity, res.Header.Get("Location"), path)
		}
		page := mc.get(pathSettingsSecurity)
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.Equal(t, 1, page.doc(t).Find("#mfa-required").Length())
		res = mc.postForm(pathSettingsOrgSecurity, url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "nor change anything")
		secret, _ := enroll(t, mc, tc)
		require.Equal(t, http.StatusOK, mc.get("/dashboard").StatusCode)

		// A member may not change the setting, nor turn off MFA the organization requires.
		res = mc.postForm(pathSettingsOrgSecurity, url.Values{})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.True(t, env.db.Organization.GetX(ctx, o.OrgID).RequireMfa)
		mc.get(pathSettingsSecurity)
		res = mc.postForm(pathMFADisable, url.Values{"code": {tc.code(t, secret)}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, msgOrgRequiresMFA, res.doc(t).Find("#security-error").Text())
		require.NotNil(t, env.db.User.GetX(ctx, member.UserID).MfaEnabledAt)
	})
}

// Signing in with the provider asks a user with MFA on for the code too.
func TestProviderSignInAsksForCode(t *testing.T) {
	mp := newMockProvider(t)
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		events := recordAudit(env)
		o := env.owner(t)
		secret, _ := enroll(t, env.login(t, o), tc)
		sub := "sub-mfa-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		require.NoError(t, env.db.Identity.Create().SetUserID(o.UserID).SetIssuer(mp.m.Issuer()).SetSubject(sub).
			SetEmail(o.Email).SetEmailVerified(true).SetLastUsedAt(time.Now()).Exec(ctx))

		c := env.client(t)
		authURL := c.startOIDC()
		mp.queue(sub, o.Email, true)
		res := c.get(mp.authorize(t, authURL))
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathMFAChallenge, res.Header.Get("Location"))
		require.Equal(t, "", c.signedInAs(ctx))
		require.Equal(t, "/login", c.get("/dashboard").Header.Get("Location"))

		c.get(pathMFAChallenge)
		res = c.postForm(pathMFAChallenge, url.Values{"code": {"999999x"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, []string{eventMFAFailed}, events())
		res = c.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, o.UserID, c.signedInAs(ctx))
		require.Equal(t, []string{eventMFAFailed, eventMFALogin}, events())
	}, mp.configure)
}

// A flood of codes for one pending sign-in is refused, even from many addresses, and
// even the right code then signs nobody in.
func TestMFACodeFloodIsRefused(t *testing.T) {
	eachLimitBackend(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		// Enrolled directly: the enrollment's forms would count against the same quota.
		mfa := env.srv.mfaGate.mfa
		key, err := mfa.Begin(ctx, o.UserID, o.Email)
		require.NoError(t, err)
		_, err = mfa.Enable(ctx, o.UserID, tc.code(t, key.Secret()))
		require.NoError(t, err)
		secret := key.Secret()
		tc.advance(30 * time.Second)
		step := env.db.User.GetX(ctx, o.UserID).MfaLastStep
		p := startLogin(t, env, o)
		for i := range floodLimit {
			res := p.postForm(pathMFAChallenge, url.Values{"code": {"00000" + strconv.Itoa(i) + "x"}},
				"X-Forwarded-For", "198.51.100."+strconv.Itoa(i+1))
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
		}
		res := p.postForm(pathMFAChallenge, url.Values{"code": {tc.code(t, secret)}}, "X-Forwarded-For", "198.51.100.9")
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, res.Body)
		require.NotEmpty(t, res.Header.Get("Retry-After"))
		require.Contains(t, res.doc(t).Find("#mfa-error").Text(), "Too many attempts")
		require.Equal(t, "", p.signedInAs(ctx))
		require.Equal(t, step, env.db.User.GetX(ctx, o.UserID).MfaLastStep, "the code was not even checked")
	}, func(c *config.Config) {
		c.TrustedProxies = []string{"0.0.0.0"}
	})
}

const floodLimit = 3 // eachLimitBackend's
