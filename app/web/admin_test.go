package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/flags"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/outgoingmail"
	"github.com/assayhq/assay/ent/web/session"
)

// staff makes a new user platform staff (with an organization of their own).
func (e *testEnv) staff(t *testing.T) owner {
	t.Helper()
	o := e.owner(t)
	e.db.User.UpdateOneID(o.UserID).SetStaff(true).SetEmailVerifiedAt(time.Now()).ExecX(context.Background())
	return o
}

// useRedis gives the backoffice a Redis (miniredis, or TEST_REDIS_URL's server when real)
// and a fresh job namespace on it.
func (e *testEnv) useRedis(t *testing.T, real bool) *platform.Redis {
	t.Helper()
	url := ""
	if real {
		url = os.Getenv("TEST_REDIS_URL")
		if url == "" {
			t.Skip("real Redis: TEST_REDIS_URL is not set")
		}
	}
	rds, err := platform.OpenRedis(url)
	require.NoError(t, err)
	t.Cleanup(func() { rds.Close() })
	e.srv.admin.redis = rds
	ns := "admintest-" + platform.NewID()
	e.srv.admin.ns = ns
	t.Cleanup(func() { dropKeys(rds, ns) })
	return rds
}

// auditCount counts entries of action by actorID.
func (e *testEnv) auditCount(t *testing.T, action, actorID string) int {
	t.Helper()
	return e.db.AuditEntry.Query().Where(auditentry.Action(action), auditentry.ActorID(actorID)).CountX(context.Background())
}

// Every /admin route answers 404 to the signed out, members and owners, and works for staff.
func TestAdminRoutesAreStaffOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		env.useRedis(t, false)
		own := env.owner(t)
		mem := env.joined(t, own.OrgID, membership.RoleMember)
		st := env.staff(t)
		gets := []string{"/admin", "/admin/orgs", "/admin/orgs/" + own.OrgID, "/admin/users", "/admin/tasks",
			"/admin/queues", "/admin/webhooks", "/admin/flags", "/admin/audit", "/admin/orgs?q=Org&status=active",
			"/admin/users?status=staff", "/admin/tasks?status=failed", "/admin/audit?action=login"}
		posts := []string{"/admin/orgs/" + own.OrgID + "/plan", "/admin/orgs/" + own.OrgID + "/suspend",
			"/admin/orgs/" + own.OrgID + "/restore", "/admin/orgs/" + own.OrgID + "/support", "/admin/support/leave",
			"/admin/users/" + mem.UserID + "/disable", "/admin/users/" + mem.UserID + "/logout",
			"/admin/users/" + mem.UserID + "/reset-mfa", "/admin/users/" + mem.UserID + "/resend-verification",
			"/admin/tasks/x/cancel", "/admin/tasks/x/retry", "/admin/queues/dead/retry", "/admin/queues/delete",
			"/admin/flags", "/admin/flags/k/toggle", "/admin/flags/k/override"}
		visitors := map[string]*client{
			"signed out": env.client(t),
			"member":     env.login(t, mem),
			"owner":      env.login(t, own),
		}
		for who, c := range visitors {
			for _, p := range gets {
				res := c.get(p)
				require.Equal(t, http.StatusNotFound, res.StatusCode, "%s GET %s", who, p)
				require.NotContains(t, res.Body, "admin-nav", "%s GET %s", who, p)
			}
			for _, p := range posts {
				res := c.postForm(p, url.Values{})
				require.Equal(t, http.StatusNotFound, res.StatusCode, "%s POST %s", who, p)
			}
		}
		before := env.db.AuditEntry.Query().CountX(context.Background())
		require.Zero(t, env.db.AuditEntry.Query().Where(auditentry.ActionHasPrefix("admin.")).CountX(context.Background()))
		require.False(t, env.db.User.GetX(context.Background(), mem.UserID).DisabledAt != nil, "nothing happened")
		require.Equal(t, before, env.db.AuditEntry.Query().CountX(context.Background()))

		sc := env.login(t, st)
		for _, p := range gets {
			res := sc.get(p)
			require.Equal(t, http.StatusOK, res.StatusCode, "staff GET %s: %s", p, res.Body)
			doc := res.doc(t)
			require.Equal(t, 1, doc.Find("#admin-nav").Length(), p)
			require.Equal(t, st.Email, strings.TrimSpace(doc.Find("#admin-staff").Text()))
		}
		// An htmx table refresh gets the content alone.
		res := sc.get("/admin/orgs?q=Org", "HX-Request", "true")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NotContains(t, res.Body, "<html")
		require.Equal(t, 1, res.doc(t).Find("#orgs-results #org-"+own.OrgID).Length())

		// Revoking staff closes the backoffice on the next request.
		env.db.User.UpdateOneID(st.UserID).SetStaff(false).ExecX(context.Background())
		require.Equal(t, http.StatusNotFound, sc.get("/admin").StatusCode)
	})
}

// In production staff without MFA see only a page asking them to turn it on.
func TestAdminNeedsMFAWhereRequired(t *testing.T) {
	env := newSQLiteEnv(t)
	env.srv.admin.requireMFA = true
	st := env.staff(t)
	c := env.login(t, st)
	res := c.get("/admin/users")
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	doc := res.doc(t)
	require.Equal(t, 1, doc.Find("#admin-mfa-required").Length())
	require.Zero(t, doc.Find("#users-table").Length())
	require.Equal(t, http.StatusForbidden, c.postForm("/admin/flags", url.Values{"key": {"x"}}).StatusCode)
	require.Zero(t, env.db.FeatureFlag.Query().CountX(context.Background()))

	env.db.User.UpdateOneID(st.UserID).SetMfaEnabledAt(time.Now()).ExecX(context.Background())
	require.Equal(t, http.StatusOK, c.get("/admin/users").StatusCode)
}

// Each backoffice action does its work and writes an audit entry with the staff user as
// actor; every POST route of the backoffice is in the table.
func TestAdminActionsAreAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		st := env.staff(t)
		own := env.owner(t)
		sc := env.login(t, st)
		oc := env.login(t, own)
		target := env.joined(t, own.OrgID, membership.RoleMember)
		dead := deadJobs(t, env, 2)
		tasksAPI := &fakeServiceAPI{}
		tasksSrv := tasksAPI.start(t, env.signer)
		cases := []struct {
			name, path string
			form       url.Values
			event      string
			setup      func()
			check      func(t *testing.T)
		}{
			{"plan", "/admin/orgs/" + own.OrgID + "/plan", url.Values{"plan": {"pro"}}, audit.AdminOrgPlanChanged, nil,
				func(t *testing.T) { require.Equal(t, "pro", env.db.Organization.GetX(ctx, own.OrgID).Plan) }},
			{"suspend", "/admin/orgs/" + own.OrgID + "/suspend", url.Values{"reason": {"abuse"}}, audit.AdminOrgSuspended, nil,
				func(t *testing.T) { require.NotNil(t, env.db.Organization.GetX(ctx, own.OrgID).SuspendedAt) }},
			{"restore", "/admin/orgs/" + own.OrgID + "/restore", url.Values{}, audit.AdminOrgRestored, nil,
				func(t *testing.T) { require.Nil(t, env.db.Organization.GetX(ctx, own.OrgID).SuspendedAt) }},
			{"logout", "/admin/users/" + target.UserID + "/logout", url.Values{}, audit.AdminUserLoggedOut,
				func() { env.login(t, target) },
				func(t *testing.T) {
					require.Zero(t, env.db.Session.Query().Where(session.UserID(target.UserID)).CountX(ctx))
				}},
			{"reset mfa", "/admin/users/" + target.UserID + "/reset-mfa", url.Values{}, audit.AdminUserMFAReset,
				func() {
					env.db.User.UpdateOneID(target.UserID).SetMfaEnabledAt(time.Now()).SetMfaSecret("sealed").ExecX(ctx)
				},
				func(t *testing.T) { require.Nil(t, env.db.User.GetX(ctx, target.UserID).MfaEnabledAt) }},
			{"resend verification", "/admin/users/" + target.UserID + "/resend-verification", url.Values{}, audit.AdminUserVerificationResent,
				func() { env.db.User.UpdateOneID(target.UserID).ClearEmailVerifiedAt().ExecX(ctx) },
				func(t *testing.T) {
					require.Equal(t, 1, env.db.OutgoingMail.Query().Where(outgoingmail.To(target.Email)).CountX(ctx))
				}},
			{"disable", "/admin/users/" + target.UserID + "/disable", url.Values{}, audit.AdminUserDisabled, nil,
				func(t *testing.T) { require.NotNil(t, env.db.User.GetX(ctx, target.UserID).DisabledAt) }},
			{"flag save", "/admin/flags", url.Values{"key": {"new-report"}, "description": {"the new report"}}, audit.AdminFlagSaved, nil,
				func(t *testing.T) { require.False(t, env.db.FeatureFlag.GetX(ctx, "new-report").Enabled) }},
			{"flag toggle", "/admin/flags/new-report/toggle", url.Values{}, audit.AdminFlagSaved, nil,
				func(t *testing.T) { require.True(t, env.db.FeatureFlag.GetX(ctx, "new-report").Enabled) }},
			{"flag override", "/admin/flags/new-report/override", url.Values{"org_id": {own.OrgID}, "value": {"off"}}, audit.AdminFlagOverrideSet, nil,
				func(t *testing.T) {
					on, err := flags.Enabled(ctx, env.db, "new-report", own.OrgID)
					require.NoError(t, err)
					require.False(t, on)
				}},
			{"flag override cleared", "/admin/flags/new-report/override", url.Values{"org_id": {own.OrgID}, "value": {"default"}}, audit.AdminFlagOverrideCleared, nil,
				func(t *testing.T) {
					on, err := flags.Enabled(ctx, env.db, "new-report", own.OrgID)
					require.NoError(t, err)
					require.True(t, on)
				}},
			{"support enter", "/admin/orgs/" + own.OrgID + "/support", url.Values{}, audit.AdminSupportEntered,
				func() {
					require.Equal(t, http.StatusSeeOther, oc.postForm(pathSettingsSupport, url.Values{"hours": {"2"}}).StatusCode)
				},
				func(t *testing.T) { require.Equal(t, 1, env.auditCount(t, audit.SupportGranted, own.UserID)) }},
			{"support leave", "/admin/support/leave", url.Values{}, audit.AdminSupportLeft, nil,
				func(t *testing.T) { require.Contains(t, sc.get("/dashboard").Body, env.orgName(t, st.OrgID)) }},
			{"queue retry", "/admin/queues/dead/retry", url.Values{"job_id": {dead[0].ID}, "at": {strconv.FormatInt(dead[0].DiedAt, 10)}},
				audit.AdminJobRetried, nil, func(t *testing.T) { require.Len(t, deadJobIDs(t, env), 1) }},
			{"queue delete", "/admin/queues/delete", url.Values{"set": {"dead"}, "job_id": {dead[1].ID}, "at": {strconv.FormatInt(dead[1].DiedAt, 10)}},
				audit.AdminJobDeleted, nil, func(t *testing.T) { require.Empty(t, deadJobIDs(t, env)) }},
			{"task retry", "/admin/tasks/t-failed/retry", url.Values{}, audit.AdminTaskRetried,
				func() {
					env.srv.admin.api = newAPIClient(tasksSrv.URL, tasksSrv.Client(), env.signer, env.cfg.MaxUploadBytes)
				},
				func(t *testing.T) {
					require.Contains(t, tasksAPI.calls, "POST /v1/internal/service/admin/tasks/t-failed/retry")
				}},
			{"task cancel", "/admin/tasks/t-running/cancel", url.Values{}, audit.AdminTaskCancelled, nil,
				func(t *testing.T) {
					require.Contains(t, tasksAPI.calls, "POST /v1/internal/service/admin/tasks/t-running/cancel")
				}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.setup != nil {
					tc.setup()
				}
				n := env.auditCount(t, tc.event, st.UserID)
				res := sc.postForm(tc.path, tc.form)
				require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
				require.Equal(t, n+1, env.auditCount(t, tc.event, st.UserID))
				tc.check(t)
			})
		}
		// Every action route of the backoffice is one of the cases above.
		covered := map[string]bool{}
		for _, tc := range cases {
			covered[adminRouteOf(env, tc.path)] = true
		}
		routes := map[string]bool{}
		for _, r := range env.app.GetRoutes(true) {
			if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/admin") {
				require.True(t, covered[r.Path], "POST %s has no case in the audit table", r.Path)
				routes[r.Path] = true
			}
		}
		require.Len(t, routes, len(covered), "every case is a backoffice route")
		// The staff user sees them all in the backoffice's audit log, filtered.
		doc := sc.get("/admin/audit?action=admin.&actor=" + url.QueryEscape(st.Email)).doc(t)
		require.Equal(t, len(cases), doc.Find(".audit-row").Length())
		doc = sc.get("/admin/audit?org=" + own.OrgID + "&action=admin.org_").doc(t)
		require.Equal(t, 3, doc.Find(".audit-row").Length())
		// Bad input re-renders with 422 and changes nothing.
		res := sc.postForm("/admin/flags", url.Values{"key": {"Not A Key"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, 1, res.doc(t).Find("#flag-key-error").Length())
		res = sc.postForm("/admin/orgs/"+own.OrgID+"/plan", url.Values{"plan": {"platinum"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, "pro", env.db.Organization.GetX(ctx, own.OrgID).Plan)
	})
}

// A suspended organization's members see the suspended page instead of the app.
func TestSuspendedOrgShowsSuspendedPage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		own := env.owner(t)
		c := env.login(t, own)
		env.db.Organization.UpdateOneID(own.OrgID).SetSuspendedAt(time.Now()).ExecX(context.Background())
		for _, p := range []string{"/dashboard", "/settings/organization"} {
			res := c.get(p)
			require.Equal(t, http.StatusForbidden, res.StatusCode, p)
			require.Contains(t, res.doc(t).Find("#error").Text(), "suspended")
		}
		env.db.Organization.UpdateOneID(own.OrgID).ClearSuspendedAt().ExecX(context.Background())
		require.Equal(t, http.StatusOK, c.get("/dashboard").StatusCode)
	})
}

// A flag's per-organization override beats its global default, both ways.
func TestFlagOverrideBeatsDefault(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		a, b := env.owner(t), env.owner(t)
		on, err := flags.Enabled(ctx, env.db, "unknown", a.OrgID)
		require.NoError(t, err)
		require.False(t, on, "an unknown flag is off")
		env.db.FeatureFlag.Create().SetID("beta").SetEnabled(true).ExecX(ctx)
		require.NoError(t, flags.SetOverride(ctx, env.db, "beta", a.OrgID, false))
		for org, want := range map[string]bool{a.OrgID: false, b.OrgID: true, "": true} {
			on, err := flags.Enabled(ctx, env.db, "beta", org)
			require.NoError(t, err)
			require.Equal(t, want, on, org)
		}
		env.db.FeatureFlag.UpdateOneID("beta").SetEnabled(false).ExecX(ctx)
		require.NoError(t, flags.SetOverride(ctx, env.db, "beta", a.OrgID, true)) // replaces the override
		for org, want := range map[string]bool{a.OrgID: true, b.OrgID: false} {
			on, err := flags.Enabled(ctx, env.db, "beta", org)
			require.NoError(t, err)
			require.Equal(t, want, on, org)
		}
	})
}

// dropKeys deletes every key under ns (a shared Redis keeps nothing of a test).
func dropKeys(rds *platform.Redis, ns string) {
	conn := rds.Pool.Get()
	defer conn.Close()
	keys, err := redis.Strings(conn.Do("KEYS", ns+":*"))
	if err != nil {
		return
	}
	for _, k := range keys {
		conn.Do("DEL", k)
	}
}

// adminRouteOf is the route pattern that serves a POST to path.
func adminRouteOf(env *testEnv, path string) string {
	for _, r := range env.app.GetRoutes(true) {
		if r.Method != http.MethodPost {
			continue
		}
		want := strings.Split(r.Path, "/")
		got := strings.Split(path, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			if !strings.HasPrefix(want[i], ":") && want[i] != got[i] {
				match = false
				break
			}
		}
		if match {
			return r.Path
		}
	}
	return ""
}

// deadJobs gives the backoffice a Redis with n dead jobs and returns them.
func deadJobs(t *testing.T, env *testEnv, n int) []*work.DeadJob {
	t.Helper()
	rds := env.useRedis(t, false)
	enq := work.NewEnqueuer(env.srv.admin.ns, rds.Pool)
	for range n {
		_, err := enq.Enqueue("admin_test_job", work.Q{"id": "x"})
		require.NoError(t, err)
	}
	done := make(chan struct{}, n)
	pool := work.NewWorkerPool(struct{}{}, 1, env.srv.admin.ns, rds.Pool)
	pool.JobWithOptions("admin_test_job", work.JobOptions{MaxFails: 1, SkipDead: false},
		func(*work.Job) error { done <- struct{}{}; return errTestJob })
	pool.Start()
	for range n {
		<-done
	}
	pool.Stop()
	jobs, _, err := work.NewClient(env.srv.admin.ns, rds.Pool).DeadJobs(1)
	require.NoError(t, err)
	require.Len(t, jobs, n)
	return jobs
}

// deadJobIDs lists the ids of the backoffice's dead jobs.
func deadJobIDs(t *testing.T, env *testEnv) []string {
	t.Helper()
	jobs, _, err := work.NewClient(env.srv.admin.ns, env.srv.admin.redis.Pool).DeadJobs(1)
	require.NoError(t, err)
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	return ids
}
