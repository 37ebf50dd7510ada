package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/membership"
)

// auditEntries are the entries with action, oldest first.
func auditEntries(t *testing.T, db *entweb.Client, action string) []*entweb.AuditEntry {
	t.Helper()
	return db.AuditEntry.Query().Where(auditentry.Action(action)).Order(entweb.Asc(auditentry.FieldID)).AllX(context.Background())
}

func details(t *testing.T, e *entweb.AuditEntry) map[string]string {
	t.Helper()
	var d map[string]string
	require.NoError(t, json.Unmarshal([]byte(e.Details), &d))
	return d
}

// Sign-ins that fail and succeed, and a password change, through the real routes, each
// leave an entry with the actor, organization, client IP and User-Agent; the chain
// verifies afterwards.
func TestIdentityEventsAreAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o := env.owner(t)
		h := []string{"User-Agent", uaFirefoxWindows, "X-Forwarded-For", "203.0.113.9"}

		c := env.client(t)
		c.get("/login", h...)
		for _, tc := range []struct{ email, password, reason string }{
			{"Nobody@Example.com", testPassword, "no such account"},
			{o.Email, "not the password", "wrong password"},
		} {
			res := c.postForm("/login", url.Values{"email": {tc.email}, "password": {tc.password}}, h...)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		}
		failed := auditEntries(t, env.db, audit.LoginFailed)
		require.Len(t, failed, 2)
		require.Nil(t, failed[0].ActorID)
		require.Equal(t, map[string]string{"email": "nobody@example.com", "reason": "no such account"}, details(t, failed[0]))
		require.Equal(t, o.UserID, failed[1].TargetID)
		require.Equal(t, o.Email, failed[1].ActorEmail)
		require.Equal(t, "wrong password", details(t, failed[1])["reason"])
		for _, e := range failed {
			require.Equal(t, "203.0.113.9", e.IP)
			require.Equal(t, uaFirefoxWindows, e.UserAgent)
			require.NotContains(t, e.Details, "not the password")
		}

		res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}}, h...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		c.get("/dashboard", h...)
		ok := auditEntries(t, env.db, audit.LoginSucceeded)
		require.Len(t, ok, 1)
		require.Equal(t, o.UserID, *ok[0].ActorID)
		require.Equal(t, o.OrgID, *ok[0].OrgID)
		require.Equal(t, o.Email, ok[0].ActorEmail)
		require.Equal(t, "203.0.113.9", ok[0].IP)

		res = c.postForm(pathSettingsPassword, url.Values{"current_password": {testPassword}, "new_password": {changedPassword}}, h...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		changed := auditEntries(t, env.db, audit.PasswordChanged)
		require.Len(t, changed, 1)
		require.Equal(t, o.UserID, *changed[0].ActorID)
		require.Equal(t, o.OrgID, *changed[0].OrgID)
		require.Equal(t, uaFirefoxWindows, changed[0].UserAgent)
		require.NotContains(t, changed[0].Details, changedPassword)

		rep, err := audit.Verify(ctx, env.db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)
		require.EqualValues(t, 4, rep.Entries)
	}, trustTestPeer)
}

// Without a trusted proxy, X-Forwarded-For is ignored: the entry has the peer's address.
func TestAuditIPIgnoresUntrustedForwardedFor(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.client(t)
	c.get("/login")
	c.postForm("/login", url.Values{"email": {"a@example.com"}, "password": {"x"}}, "X-Forwarded-For", "203.0.113.9")
	failed := auditEntries(t, env.db, audit.LoginFailed)
	require.Len(t, failed, 1)
	require.NotEqual(t, "203.0.113.9", failed[0].IP)
}

// The organization's audit page lists its own entries, newest first, 50 a page, to
// owners and admins only.
func TestOrgAuditPage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o, other := env.owner(t), env.owner(t)
		env.login(t, other)
		l := audit.NewLog(env.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		for i := range auditPageSize + 3 {
			_, err := l.Append(ctx, audit.Event{Name: audit.MemberRoleChanged, OrgID: o.OrgID, ActorID: o.UserID, Target: strconv.Itoa(i)})
			require.NoError(t, err)
		}
		me := env.login(t, o)

		res := me.get(pathSettingsOrgAudit)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc := res.doc(t)
		rows := doc.Find("#audit-table tr.audit-row")
		require.Equal(t, auditPageSize, rows.Length())
		require.Equal(t, audit.LoginSucceeded, strings.TrimSpace(rows.First().Find(".action").Text()), "newest first")
		require.Equal(t, o.Email, strings.TrimSpace(rows.First().Find(".actor").Text()))
		require.Zero(t, doc.Find(".actor:contains('"+other.Email+"')").Length(), "another organization's entries")
		older, ok := doc.Find("#older-audit").Attr("href")
		require.True(t, ok)

		doc = me.get(older).doc(t)
		require.Equal(t, 4, doc.Find("#audit-table tr.audit-row").Length())
		require.Zero(t, doc.Find("#older-audit").Length())

		u := env.db.User.Create().SetEmail("member-" + o.Email).SetPasswordHash(fixtureHash()).SaveX(ctx)
		env.db.Membership.Create().SetUserID(u.ID).SetOrgID(o.OrgID).SetRole(membership.RoleMember).ExecX(ctx)
		member := env.login(t, owner{UserID: u.ID, OrgID: o.OrgID, Email: u.Email})
		require.Equal(t, http.StatusForbidden, member.get(pathSettingsOrgAudit).StatusCode)
		require.Equal(t, http.StatusNotFound, me.get(pathSettingsOrgAudit+"?before=x").StatusCode)
	})
}

// A signup writes its entry in the signup's transaction: the new user and organization;
// a refused signup writes none.
func TestSignupIsAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		c := env.client(t)
		c.get("/signup")
		res := c.postForm("/signup", url.Values{"email": {"x"}, "password": {testPassword}, "org": {"Acme"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Empty(t, auditEntries(t, env.db, audit.SignedUp))

		res = c.postForm("/signup", url.Values{"email": {"New@Example.com"}, "password": {testPassword}, "org": {"Acme"}}, "User-Agent", uaSafariMac)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		got := auditEntries(t, env.db, audit.SignedUp)
		require.Len(t, got, 1)
		u := env.db.User.Query().OnlyX(context.Background())
		require.Equal(t, u.ID, *got[0].ActorID)
		require.Equal(t, "new@example.com", got[0].ActorEmail)
		require.NotNil(t, got[0].OrgID)
		require.Equal(t, uaSafariMac, got[0].UserAgent)
	})
}

// Provider events become entries: user_id names the actor, other attributes are details.
func TestOIDCEventsBecomeEntries(t *testing.T) {
	var got audit.Event
	record := oidcEvents(func(_ context.Context, e audit.Event) { got = e })
	record(context.Background(), "oidc.refused", slog.String("reason", "user disabled"), slog.String("user_id", "u1"), slog.String("ip", "1.2.3.4"))
	require.Equal(t, audit.Event{Name: "oidc.refused", ActorID: "u1", TargetType: "user", Target: "u1",
		Details: map[string]string{"reason": "user disabled"}}, got)
}

// A sign-in with MFA: the password step, a wrong code, a recovery code; then logout.
func TestMFASignInIsAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		tc := useTestClock(env)
		o := env.owner(t)
		_, codes := enroll(t, env.login(t, o), tc)

		c := env.client(t)
		c.get("/login")
		res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}})
		require.Equal(t, pathMFAChallenge, res.Header.Get("Location"))
		c.get(pathMFAChallenge)
		require.Equal(t, http.StatusUnprocessableEntity, c.postForm(pathMFAChallenge, url.Values{"code": {"000000x"}}).StatusCode)
		res = c.postForm(pathMFAChallenge, url.Values{"code": {codes[0]}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		c.get("/dashboard")
		require.Equal(t, http.StatusSeeOther, c.postForm("/logout", url.Values{}).StatusCode)

		var got []string
		for _, e := range env.db.AuditEntry.Query().Order(entweb.Asc(auditentry.FieldID)).AllX(ctx) {
			require.Equal(t, o.UserID, *e.ActorID, e.Action)
			got = append(got, e.Action)
		}
		require.Equal(t, []string{audit.LoginSucceeded, eventMFAEnabled, audit.LoginMFARequired, eventMFAFailed,
			eventMFALogin, eventMFARecoveryUsed, audit.Logout}, got)
		rep, err := audit.Verify(ctx, env.db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)
	})
}

// Organization events reach the log too: creating one records org.created in the new
// organization, by its creator.
func TestOrgCreatedIsAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		res := c.postForm(pathOrgs, url.Values{"name": {"Second team"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		got := auditEntries(t, env.db, audit.OrgCreated)
		require.Len(t, got, 1)
		require.Equal(t, o.UserID, *got[0].ActorID)
		require.Equal(t, o.Email, got[0].ActorEmail, "the address is looked up when the event has none")
		require.NotEqual(t, o.OrgID, *got[0].OrgID)
		require.Equal(t, "organization", got[0].TargetType)
		require.Equal(t, *got[0].OrgID, got[0].TargetID)
	})
}
