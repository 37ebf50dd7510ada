package web

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocraft/work"
	"github.com/stretchr/testify/require"

	entweb "github.com/assayhq/assay/ent/web"
)

// TestEveryAdminPageRenders renders every backoffice page in the admin layout and as a
// fragment, and the owner's support page in the app layout.
func TestEveryAdminPageRenders(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	now := time.Now()
	org := &entweb.Organization{ID: "o1", Name: "Org", Plan: "free", CreatedAt: now, SuspendedAt: &now}
	job := &work.Job{Name: "pipeline.fetch", ID: "j1", Fails: 3, LastErr: "boom"}
	pages := []struct {
		page, layout string
		data         any
		want         []string
	}{
		{"admin/overview", layoutAdmin, overviewPage{Users: 3, Orgs: 2, Tasks: []statusCount{{"failed", 1}},
			Health: []statusPair{{"web database", "ok"}}, Queues: []*work.Queue{{JobName: "pipeline.fetch", Count: 2, Latency: 5}}, APIError: "down"},
			[]string{"#admin-counts", "#count-users", "#tasks-failed", "#admin-health", "#admin-queues", "#admin-api-error"}},
		{"admin/orgs", layoutAdmin, orgsPage{Q: "o", Plans: []string{"free", "pro"}, Rows: []*entweb.Organization{org}, Next: "o1"},
			[]string{"#orgs-search", "#orgs-results #org-o1", "#orgs-next"}},
		{"admin/org", layoutAdmin, orgDetailPage{Org: org, Plans: []string{"free"}, Members: []orgMember{{"u1", "a@example.com", "owner"}},
			Tasks: []*entweb.Task{{ID: "t1", Status: "failed", CreatedAt: now}}, Support: &now, Error: "no"},
			[]string{"#org-plan-form", "#org-restore-form", "#org-support-form", "#org-members .member-row", "#org-tasks .task-row", "#admin-org-error"}},
		{"admin/users", layoutAdmin, usersPage{Q: "a", Status: "staff", Notice: "disabled", Next: "u1",
			Rows: []*entweb.User{{ID: "u1", Email: "a@example.com", Staff: true, CreatedAt: now, MfaEnabledAt: &now}}},
			[]string{"#users-search", "#user-u1 .user-disable", "#user-u1 .user-reset-mfa", "#user-u1 .user-resend", "#users-next", "#admin-users-notice"}},
		{"admin/tasks", layoutAdmin, tasksPage{Statuses: taskStatuses, Rows: []adminTask{{ID: "t1", OrgID: "o1", Status: "failed", CreatedAt: now},
			{ID: "t2", OrgID: "o1", Status: "processing", CreatedAt: now}}, Next: "c", Error: "x"},
			[]string{"#tasks-filter", "#admin-task-t1 .task-retry", "#admin-task-t2 .task-cancel", "#tasks-next", "#admin-tasks-error"}},
		{"admin/queues", layoutAdmin, queuesPage{Queues: []*work.Queue{{JobName: "pipeline.fetch", Count: 1}},
			Pools:     []*work.WorkerPoolHeartbeat{{WorkerPoolID: "p1", StartedAt: 1, HeartbeatAt: 2}},
			Busy:      []*work.WorkerObservation{{WorkerID: "w1", IsBusy: true, JobName: "x", StartedAt: 1}},
			Dead:      []*work.DeadJob{{DiedAt: 5, Job: job}},
			Retry:     []*work.RetryJob{{RetryAt: 5, Job: job}},
			Scheduled: []*work.ScheduledJob{{RunAt: 5, Job: job}}, DeadN: 1, Page: 1, Next: 2},
			[]string{"#admin-pools", "#admin-busy", "#dead-j1 .retry-dead", "#dead-j1 .delete-dead", ".delete-retry", ".delete-scheduled", "#queues-next"}},
		{"admin/webhooks", layoutAdmin, webhooksPage{Rows: []*entweb.ReceivedWebhook{{ID: "w1", Source: "api", Event: "task.completed", ReceivedAt: now}}, Next: "c"},
			[]string{"#webhooks-filter", "#admin-webhooks-table .webhook-row", "#webhooks-next"}},
		{"admin/flags", layoutAdmin, flagsPage{Flags: []flagRow{{FeatureFlag: &entweb.FeatureFlag{ID: "beta", Enabled: true},
			Overrides: []*entweb.FeatureFlagOverride{{OrgID: "o1", Enabled: false}}}}, Errors: map[string]string{"key": "bad", "override-beta": "bad"}},
			[]string{"#flag-beta .flag-toggle", "#flag-beta .flag-override", "#flag-form", "#flag-key-error"}},
		{"admin/audit", layoutAdmin, adminAuditPage{Rows: []adminAuditRow{{auditRow: auditRow{Seq: 1, At: now, Action: "admin.org_suspended"}, OrgID: "o1"}}, Older: "1"},
			[]string{"#audit-filter", "#audit-1", "#audit-older"}},
		{"admin/mfa_required", layoutAdmin, nil, []string{"#admin-mfa-required", "#admin-mfa-setup"}},
		{pageSettingsSupport, layoutBase, supportPage{Grant: &entweb.SupportGrant{ExpiresAt: now}, Hours: "2", Error: "bad"},
			[]string{"#support-active", "#support-revoke-form", "#support-grant-form", "#support-error", "#settings-nav"}},
		{pageSettingsSupport, layoutBase, supportPage{Hours: "24"}, []string{"#support-none", "#support-grant-form"}},
	}
	acc := &member{UserID: "u", Email: "staff@example.com", OrgID: "o", OrgName: "Org"}
	for _, p := range pages {
		t.Run(p.page, func(t *testing.T) {
			for _, frag := range []bool{false, true} {
				v := view{Page: p.page, Data: p.data, Account: acc, CSRF: "tok"}
				name := p.layout
				if frag {
					name = p.page + "/content"
				}
				out, err := r.exec(name, v)
				require.NoError(t, err)
				doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(out)))
				require.NoError(t, err)
				for _, sel := range p.want {
					require.Equal(t, 1, doc.Find(sel).Length(), "%s (fragment=%v): %s", p.page, frag, sel)
				}
				require.Equal(t, !frag, strings.Contains(string(out), "<html"))
				if !frag && p.layout == layoutAdmin {
					require.Equal(t, 1, doc.Find("#admin-nav").Length())
				}
				requireNoInlineCode(t, doc)
			}
		})
	}
}
