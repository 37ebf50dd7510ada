package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/ent/web/membership"
)

// The audit page shows the API's entries beside the web app's, and owners download the
// whole trail, both logs merged by time, as a CSV attachment with every cell guarded
// against formula injection, or as JSON; members may not, and another organization's
// entries never appear.
func TestOrgAuditShowsAndExportsBothLogs(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o, other := env.owner(t), env.owner(t)
		key := "01a21670-0000-7000-8000-000000000001"
		env.api.audit.add(o.OrgID, apiAuditEntry{At: time.Now().Add(-time.Hour), Action: audit.DatasetCreated,
			ActorID: &key, ActorType: audit.ActorTypeAPIKey, TargetType: "dataset", TargetID: "=HYPERLINK(\"http://evil\")",
			Details: map[string]string{"source": "api"}})
		env.api.audit.add(other.OrgID, apiAuditEntry{At: time.Now(), Action: audit.TaskCreated, ActorType: audit.ActorTypeAPIKey,
			TargetType: "task", TargetID: "theirs"})
		me := env.login(t, o) // a login.succeeded entry in the web log
		l := audit.NewLog(env.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		_, err := l.Append(ctx, audit.Event{Name: audit.MemberRoleChanged, OrgID: o.OrgID, ActorID: o.UserID,
			TargetType: "user", Target: "+1-555", Details: map[string]string{"role": "admin"}})
		require.NoError(t, err)
		env.api.audit.add(o.OrgID, apiAuditEntry{At: time.Now().Add(time.Hour), Action: audit.TaskCancelled,
			ActorID: &o.UserID, ActorType: audit.ActorTypeUser, TargetType: "task", TargetID: "t1", Details: map[string]string{}})

		doc := me.get(pathSettingsOrgAudit).doc(t)
		apiRows := doc.Find("#api-audit-table tr.api-audit-row")
		require.Equal(t, 2, apiRows.Length())
		require.Equal(t, audit.TaskCancelled, strings.TrimSpace(apiRows.First().Find(".action").Text()), "newest first")
		require.Equal(t, o.Email, strings.TrimSpace(apiRows.First().Find(".actor").Text()), "a user by their address")
		require.Equal(t, "apikey "+key, strings.TrimSpace(apiRows.Last().Find(".actor").Text()))
		require.Zero(t, doc.Find(".target:contains('theirs')").Length(), "another organization's entries")
		href, ok := doc.Find("#audit-export-csv").Attr("href")
		require.True(t, ok)

		res := me.get(href)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.Header.Get("Content-Type"), "text/csv")
		require.Contains(t, res.Header.Get("Content-Disposition"), "attachment;")
		recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, auditCSVHeader, recs[0])
		var order []string
		for _, r := range recs[1:] {
			order = append(order, r[0]+":"+r[3])
		}
		require.Equal(t, []string{"api:" + audit.DatasetCreated, "web:" + audit.LoginSucceeded,
			"web:" + audit.MemberRoleChanged, "api:" + audit.TaskCancelled}, order, "merged by time")
		require.Equal(t, `'=HYPERLINK("http://evil")`, recs[1][8], "a formula is defused")
		require.Equal(t, `'+1-555`, recs[3][8])
		require.Equal(t, o.Email, recs[2][6])
		require.Equal(t, o.Email, recs[4][6], "the API entry's user by their address")
		require.Equal(t, "", recs[1][6], "an API key has none")
		require.NotContains(t, res.Body, "theirs")

		res = me.get(pathSettingsOrgAuditExport + "?format=json")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.Header.Get("Content-Type"), "application/json")
		require.Contains(t, res.Header.Get("Content-Disposition"), `attachment; filename="audit-`+o.OrgID)
		var rows []auditExportRow
		require.NoError(t, json.Unmarshal([]byte(res.Body), &rows))
		require.Len(t, rows, 4)
		require.Equal(t, "api", rows[0].Source)
		require.Equal(t, `=HYPERLINK("http://evil")`, rows[0].TargetID, "JSON keeps the value as it is")
		require.Equal(t, "admin", rows[2].Details["role"])
		require.Equal(t, audit.ActorTypeUser, rows[3].ActorType)
		require.Equal(t, http.StatusNotFound, me.get(pathSettingsOrgAuditExport+"?format=xml").StatusCode)

		u := env.db.User.Create().SetEmail("member-" + o.Email).SetPasswordHash(fixtureHash()).SaveX(ctx)
		env.db.Membership.Create().SetUserID(u.ID).SetOrgID(o.OrgID).SetRole(membership.RoleMember).ExecX(ctx)
		member := env.login(t, owner{UserID: u.ID, OrgID: o.OrgID, Email: u.Email})
		require.Equal(t, http.StatusForbidden, member.get(pathSettingsOrgAuditExport).StatusCode)

		// When the API cannot answer, the page still lists the web app's entries.
		env.api.audit.mu.Lock()
		env.api.audit.fail = true
		env.api.audit.mu.Unlock()
		res = me.get(pathSettingsOrgAudit)
		require.Equal(t, http.StatusOK, res.StatusCode)
		doc = res.doc(t)
		require.Equal(t, 1, doc.Find("#api-audit-unavailable").Length())
		require.NotZero(t, doc.Find("#audit-table tr.audit-row").Length())
	})
}

// Staff see the API's entries of every organization in the backoffice's audit log,
// under the same filters.
func TestAdminAuditShowsAPIEntries(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		a, b := env.owner(t), env.owner(t)
		env.api.audit.add(a.OrgID, apiAuditEntry{At: time.Now(), Action: audit.DatasetCreated, ActorType: audit.ActorTypeAPIKey, TargetType: "dataset", TargetID: "d-a"})
		env.api.audit.add(b.OrgID, apiAuditEntry{At: time.Now(), Action: audit.TaskCreated, ActorType: audit.ActorTypeAPIKey, TargetType: "task", TargetID: "t-b"})
		sc := env.login(t, env.staff(t))
		doc := sc.get("/admin/audit").doc(t)
		require.Equal(t, 2, doc.Find("#admin-api-audit-table tr.api-audit-row").Length())
		doc = sc.get("/admin/audit?org=" + b.OrgID).doc(t)
		rows := doc.Find("#admin-api-audit-table tr.api-audit-row")
		require.Equal(t, 1, rows.Length())
		require.Contains(t, rows.Find(".target").Text(), "t-b")
		doc = sc.get("/admin/audit?action=dataset.").doc(t)
		require.Equal(t, 1, doc.Find("#admin-api-audit-table tr.api-audit-row").Length())
	})
}
