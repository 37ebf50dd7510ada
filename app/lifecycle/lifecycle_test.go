package lifecycle_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/lifecycle"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	apiauditentry "github.com/assayhq/assay/ent/api/auditentry"
	apitenant "github.com/assayhq/assay/ent/api/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/deletionreceipt"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/outgoingmail"
	"github.com/assayhq/assay/schema"
)

// querier is either database's Ent client (feature sql/execquery).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// countWhere counts, for every table of set with column, the rows where it equals id.
func countWhere(t *testing.T, db querier, set, column, id string, skip ...string) map[string]int {
	t.Helper()
	tables, err := store.Tables(set)
	require.NoError(t, err)
	out := map[string]int{}
	for _, name := range lifecycle.TablesWith(tables, column, skip...) {
		rows, err := db.QueryContext(context.Background(), fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE %q = '%s'`, name, column, id))
		require.NoError(t, err)
		require.True(t, rows.Next())
		var n int
		require.NoError(t, rows.Scan(&n))
		require.NoError(t, rows.Close())
		if n > 0 {
			out[name] = n
		}
	}
	return out
}

// blobFiles lists the stored files whose key contains any of ids.
func blobFiles(t *testing.T, root string, ids ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		for _, id := range ids {
			if strings.Contains(path, id) {
				out = append(out, path)
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// runTask uploads a small CSV for o and runs a task on it to the end; it returns the
// dataset and task ids.
func runTask(t *testing.T, env *apptest.Env, o apptest.Owner) (string, string) {
	t.Helper()
	key := env.APIKey(t, o)
	res := env.API(t, http.MethodPost, "/v1/api/datasets?name=people", key, "text/csv", "id,name\n1,Ada\n2,Grace\n")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.Body)
	var d struct{ ID string }
	res.JSON(t, &d)
	res = env.API(t, http.MethodPost, "/v1/api/tasks", key, "application/json", `{"dataset_id":"`+d.ID+`","rules":[]}`)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.Body)
	var tk struct{ ID string }
	res.JSON(t, &tk)
	require.Equal(t, "completed", env.WaitTask(t, key, tk.ID, 30*time.Second)["status"])
	return d.ID, tk.ID
}

// addMember creates a verified user with an organization of their own and makes them a
// member of o too.
func addMember(t *testing.T, env *apptest.Env, o apptest.Owner, role membership.Role) apptest.Owner {
	t.Helper()
	m := env.Org(t)
	env.Stack.Web.DB.Membership.Create().SetUserID(m.User.ID).SetOrgID(o.Org.ID).SetRole(role).ExecX(context.Background())
	return m
}

// clock is a settable time for the deletions under test.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// directPurger purges tenants in the API database and blob directory of env without
// going through HTTP (the service route is covered by the API's own test).
type directPurger struct {
	db    *entapi.Client
	blobs platform.Blobs
}

func (p directPurger) PurgeTenant(ctx context.Context, orgID string) (lifecycle.Summary, error) {
	return lifecycle.PurgeTenant(ctx, p.db, p.blobs, orgID)
}

func deletions(t *testing.T, env *apptest.Env, c *clock) *lifecycle.Deletions {
	blobs, err := platform.OpenDirBlobs(env.Config.BlobDir)
	require.NoError(t, err)
	d := *env.Stack.Web.Server.Deletions()
	d.API = directPurger{db: env.Stack.API.DB, blobs: blobs}
	d.Now, d.Grace = c.Now, time.Hour
	d.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return &d
}

func verifyAudit(t *testing.T, db *entweb.Client) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db)
	require.NoError(t, err)
	require.Nil(t, rep.Break, "%+v", rep.Break)
}

// An organization scheduled for deletion keeps everything within the grace period and
// when cancelled; once due, the job removes every row of it from both databases and
// every file, leaves a receipt, mails the members and keeps the audit chain valid.
func TestOrganizationDeletion(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		web, api := env.Stack.Web.DB, env.Stack.API.DB
		owner, other := env.Org(t), env.Org(t)
		member := addMember(t, env, owner, membership.RoleMember)
		ds, tk := runTask(t, env, owner)
		otherDS, _ := runTask(t, env, other)
		c := &clock{now: time.Now().UTC()}
		d := deletions(t, env, c)

		_, err := d.ScheduleOrg(ctx, owner.Org.ID, member.User.ID)
		require.ErrorIs(t, err, lifecycle.ErrNotOwner)
		at, err := d.ScheduleOrg(ctx, owner.Org.ID, owner.User.ID)
		require.NoError(t, err)
		require.Equal(t, c.now.Add(d.Grace), at)
		require.Equal(t, 2, web.OutgoingMail.Query().Where(outgoingmail.Template("org_deletion_scheduled")).CountX(ctx))

		// Within the grace period nothing happens; after a cancel, nothing either.
		c.now = at.Add(-time.Minute)
		n, err := d.RunDue(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		require.NoError(t, d.CancelOrg(ctx, owner.Org.ID, owner.User.ID))
		c.now = at.Add(time.Hour)
		n, err = d.RunDue(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		require.NotEmpty(t, countWhere(t, api, schema.API, lifecycle.ColumnOrgID, owner.Org.ID)["datasets"])
		require.NotEmpty(t, countWhere(t, web, schema.Web, lifecycle.ColumnOrgID, owner.Org.ID)["memberships"])
		require.NotEmpty(t, blobFiles(t, env.Config.BlobDir, ds, tk))

		at, err = d.ScheduleOrg(ctx, owner.Org.ID, owner.User.ID)
		require.NoError(t, err)
		c.now = at
		n, err = d.RunDue(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)

		require.Empty(t, countWhere(t, web, schema.Web, lifecycle.ColumnOrgID, owner.Org.ID, "audit_entries"))
		// The API's audit entries stay, anonymized, with the purge's own entry.
		require.Empty(t, countWhere(t, api, schema.API, lifecycle.ColumnOrgID, owner.Org.ID, "audit_entries"))
		requireAPIAuditAnonymized(t, api, owner.Org.ID)
		require.False(t, web.Organization.Query().Where(organization.ID(owner.Org.ID)).ExistX(ctx), "the organization")
		require.False(t, api.Tenant.Query().Where(apitenant.ID(owner.Org.ID)).ExistX(ctx), "the tenant")
		require.Empty(t, blobFiles(t, env.Config.BlobDir, owner.Org.ID, ds, tk))
		// The other organization is untouched, and the members keep their accounts.
		require.NotEmpty(t, countWhere(t, api, schema.API, lifecycle.ColumnOrgID, other.Org.ID)["datasets"])
		require.NotEmpty(t, blobFiles(t, env.Config.BlobDir, otherDS))
		require.True(t, web.User.Query().Where().ExistX(ctx))
		_, err = web.User.Get(ctx, member.User.ID)
		require.NoError(t, err)

		r, err := web.DeletionReceipt.Query().
			Where(deletionreceipt.SubjectHash(lifecycle.SubjectHash("organization", owner.Org.ID))).Only(ctx)
		require.NoError(t, err)
		require.Contains(t, r.Summary, `"datasets"`)
		require.Equal(t, 2, web.OutgoingMail.Query().Where(outgoingmail.Template("org_deleted")).CountX(ctx))
		// The organization's audit entries remain without personal details.
		entries := web.AuditEntry.Query().Where(auditentry.OrgID(owner.Org.ID), auditentry.AnonymizedAtNotNil()).AllX(ctx)
		require.NotEmpty(t, entries)
		for _, e := range entries {
			require.Empty(t, e.ActorEmail+e.IP+e.UserAgent)
		}
		verifyAudit(t, web)

		// Running again changes nothing.
		n, err = d.RunDue(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		rcpt, err := d.DeleteOrg(ctx, owner.Org.ID)
		require.NoError(t, err)
		require.Empty(t, rcpt)
	})
}

// The last owner of an organization with other members cannot schedule their account's
// deletion; a user alone in their organization can, and the job deletes the account,
// that organization with its API data, and the personal fields of their audit entries.
func TestAccountDeletion(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		web, api := env.Stack.Web.DB, env.Stack.API.DB
		c := &clock{now: time.Now().UTC()}
		d := deletions(t, env, c)

		shared := env.Org(t)
		addMember(t, env, shared, membership.RoleMember)
		_, err := d.ScheduleAccount(ctx, shared.User.ID)
		var last *lifecycle.LastOwnerError
		require.ErrorAs(t, err, &last)
		require.Equal(t, []string{shared.Org.Name}, last.Orgs)

		solo := env.Org(t)
		ds, tk := runTask(t, env, solo)
		audit.NewLog(web, slog.New(slog.DiscardHandler)).Record(audit.WithRequest(ctx, audit.Request{IP: "203.0.113.9", UserAgent: "Firefox"}),
			audit.Event{Name: audit.LoginSucceeded, ActorID: solo.User.ID})
		_, _, err = account.CreateOwner(ctx, web, account.NewOwner{Email: "bystander@example.com", Password: apptest.Password, OrgName: "B", Verified: true})
		require.NoError(t, err)
		at, err := d.ScheduleAccount(ctx, solo.User.ID)
		require.NoError(t, err)
		require.NoError(t, d.CancelAccount(ctx, solo.User.ID))
		c.now = at.Add(time.Hour)
		n, err := d.RunDue(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "cancelled")

		at, err = d.ScheduleAccount(ctx, solo.User.ID)
		require.NoError(t, err)
		c.now = at
		n, err = d.RunDue(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)

		_, err = web.User.Get(ctx, solo.User.ID)
		require.True(t, entweb.IsNotFound(err))
		require.Empty(t, countWhere(t, web, schema.Web, lifecycle.ColumnUserID, solo.User.ID, "audit_entries"))
		require.Empty(t, countWhere(t, web, schema.Web, lifecycle.ColumnOrgID, solo.Org.ID, "audit_entries"))
		// The API's audit entries stay, anonymized, with the purge's own entry.
		require.Empty(t, countWhere(t, api, schema.API, lifecycle.ColumnOrgID, solo.Org.ID, "audit_entries"))
		requireAPIAuditAnonymized(t, api, solo.Org.ID)
		require.Empty(t, blobFiles(t, env.Config.BlobDir, solo.Org.ID, ds, tk))
		require.True(t, web.DeletionReceipt.Query().
			Where(deletionreceipt.SubjectHash(lifecycle.SubjectHash("account", solo.User.ID))).ExistX(ctx))
		receipt := web.OutgoingMail.Query().Where(outgoingmail.Template("account_deleted")).OnlyX(ctx)
		require.Equal(t, solo.Email, receipt.To)
		// No entry keeps the address, IP or device of the deleted user.
		for _, e := range web.AuditEntry.Query().Where(auditentry.ActorID(solo.User.ID)).AllX(ctx) {
			require.Empty(t, e.IP+e.UserAgent, e.Action)
			require.NotContains(t, e.ActorEmail+e.Details, solo.Email, e.Action)
		}
		require.True(t, web.User.Query().ExistX(tenant.System(ctx)), "other users remain")
		verifyAudit(t, web)
	})
}

// requireAPIAuditAnonymized checks that a purged organization's API audit entries end
// with the purge's entry, have no personal fields left, and still verify.
func requireAPIAuditAnonymized(t *testing.T, api *entapi.Client, orgID string) {
	t.Helper()
	ctx := context.Background()
	rows := api.AuditEntry.Query().Where(apiauditentry.OrgID(orgID)).Order(apiauditentry.ByID()).AllX(ctx)
	require.NotEmpty(t, rows)
	require.Equal(t, audit.TenantPurged, rows[len(rows)-1].Action)
	for _, r := range rows[:len(rows)-1] {
		require.NotNil(t, r.AnonymizedAt, r.Action)
		require.Empty(t, r.IP+r.UserAgent, r.Action)
	}
	rep, err := audit.VerifyAPI(ctx, api)
	require.NoError(t, err)
	require.Nil(t, rep.Break)
}
