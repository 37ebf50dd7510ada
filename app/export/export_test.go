package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/export"
	"github.com/assayhq/assay/app/mail/mailtest"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	entexport "github.com/assayhq/assay/ent/web/export"
	"github.com/assayhq/assay/ent/web/invitation"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/subscription"
)

// browser is a cookie-keeping client of the web app that remembers the CSRF token.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) read(res *http.Response, err error) (*http.Response, []byte) {
	b.t.Helper()
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body)); err == nil {
			if tok, ok := doc.Find(`meta[name="csrf-token"]`).Attr("content"); ok {
				b.csrf = tok
			}
		}
	}
	return res, body
}

func (b *browser) get(path string) (*http.Response, []byte) {
	b.t.Helper()
	return b.read(b.hc.Get(b.base + path))
}

func (b *browser) post(path string, form url.Values) (*http.Response, []byte) {
	b.t.Helper()
	form.Set("csrf_token", b.csrf)
	return b.read(b.hc.Post(b.base+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())))
}

func doc(t *testing.T, body []byte) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	require.NoError(t, err)
	return d
}

// login signs email in through the login form.
func login(t *testing.T, env *apptest.Env, email string) *browser {
	t.Helper()
	b := newBrowser(t, env.WebURL)
	b.get("/login")
	res, body := b.post("/login", url.Values{"email": {email}, "password": {apptest.Password}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "%s", body)
	return b
}

var userSeq struct {
	sync.Mutex
	n int
}

// addUser creates a verified user with the fixture password and role in orgID; secret
// marks the user's credential columns so a test can look for them in an export.
func addUser(t *testing.T, env *apptest.Env, orgID string, role membership.Role, secret string) *entweb.User {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	n := userSeq.n
	userSeq.Unlock()
	ctx := context.Background()
	db := env.Stack.Web.DB
	hash, err := auth.HashPassword(apptest.Password)
	require.NoError(t, err)
	u, err := db.User.Create().SetEmail(fmt.Sprintf("member%d-%d@example.com", n, time.Now().UnixNano())).
		SetPasswordHash(hash).SetEmailVerifiedAt(time.Now()).SetMfaSecret("MFA-" + secret).Save(ctx)
	require.NoError(t, err)
	require.NoError(t, db.Membership.Create().SetUserID(u.ID).SetOrgID(orgID).SetRole(role).Exec(ctx))
	return u
}

// requestExport asks for an export through the settings page and waits until the
// background run has built it; it returns the row and the token of the mailed link.
// n is the number of the export mail to email it waits for.
func requestExport(t *testing.T, env *apptest.Env, sink *mailtest.Sink, b *browser, orgID, email string, n int) (*entweb.Export, string) {
	t.Helper()
	res, body := b.get("/settings/organization/export")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	require.Equal(t, 1, doc(t, body).Find("#export-form").Length())
	res, body = b.post("/settings/organization/export", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "%s", body)
	require.Equal(t, "/settings/organization/export?requested=1", res.Header.Get("Location"))
	_, body = b.get(res.Header.Get("Location"))
	require.Contains(t, doc(t, body).Find("#export-notice").Text(), "being prepared")
	return waitBuilt(t, env, sink, orgID, email, n)
}

// waitBuilt waits until orgID's newest export is ready and its mail (the n-th export
// mail to email) arrived; it returns the row and the link's token.
func waitBuilt(t *testing.T, env *apptest.Env, sink *mailtest.Sink, orgID, email string, n int) (*entweb.Export, string) {
	t.Helper()
	ctx := tenant.System(context.Background())
	var row *entweb.Export
	require.Eventually(t, func() bool {
		var err error
		row, err = env.Stack.Web.DB.Export.Query().Where(entexport.OrgID(orgID)).
			Order(entweb.Desc(entexport.FieldCreatedAt)).First(ctx)
		require.NoError(t, err)
		require.NotEqual(t, entexport.StatusFailed, row.Status, row.Error)
		return row.Status == entexport.StatusReady
	}, 60*time.Second, 50*time.Millisecond, "the export was built")
	require.Nil(t, row.ActiveOrg)
	link := sink.Wait(t, email, n).Link(t, export.PathDownload)
	tok := regexp.MustCompile(`/exports/([A-Za-z0-9_-]{43})$`).FindStringSubmatch(link)
	require.Len(t, tok, 2, "the mail has the link: %s", link)
	require.Equal(t, export.HashToken(tok[1]), *row.TokenHash, "only the token's hash is kept")
	return row, tok[1]
}

// zipFiles opens a zip and returns every file's bytes by name.
func zipFiles(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		out[f.Name] = data
	}
	return out
}

// ids reads the ids of an entity's JSON file and checks its CSV has the same rows.
func ids(t *testing.T, files map[string][]byte, name string) []string {
	t.Helper()
	raw, ok := files[name+".json"]
	require.True(t, ok, "%s.json is in the export", name)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(raw, &rows), "%s.json", name)
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprint(r["id"]))
	}
	recs, err := csv.NewReader(bytes.NewReader(files[name+".csv"])).ReadAll()
	require.NoError(t, err, "%s.csv", name)
	require.NotEmpty(t, recs, "%s.csv has a header", name)
	require.Len(t, recs, len(rows)+1, "%s.csv has a line per row", name)
	if len(rows) > 0 {
		require.Equal(t, "id", recs[0][0], "%s.csv starts with the id", name)
		for i, rec := range recs[1:] {
			require.Equal(t, out[i], rec[0], "%s.csv row %d", name, i)
		}
	}
	return out
}

// An export contains every entity of the organization: rows of both databases as JSON
// and CSV, the uploaded file byte for byte, a manifest that matches the zip — and
// nothing of another organization, and no secret.
func TestExportContainsEveryEntity(t *testing.T) {
	sink := mailtest.Start(t)
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		web, apiDB := env.Stack.Web.DB, env.Stack.API.DB
		a, other := env.Org(t), env.Org(t)
		orgA, orgB := a.Org.ID, other.Org.ID
		keyA, keyB := env.APIKey(t, a), env.APIKey(t, other)

		// The API side: an upload, a finished run (steps, report, usage), a rule set, a
		// webhook endpoint with a delivery.
		upload := "name,age\nann,30\nbob,40\n=1+1,50\n"
		var ds, dsB, task struct{ ID string }
		res := env.API(t, http.MethodPost, "/v1/api/datasets?name="+url.QueryEscape("=cmd people.csv"), keyA, "text/csv", upload)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.Body)
		res.JSON(t, &ds)
		res = env.API(t, http.MethodPost, "/v1/api/datasets?name=theirs.csv", keyB, "text/csv", "x\nTHEIRS\n")
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.Body)
		res.JSON(t, &dsB)
		res = env.API(t, http.MethodPost, "/v1/api/tasks", keyA, "application/json", `{"dataset_id":"`+ds.ID+`"}`)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.Body)
		res.JSON(t, &task)
		require.Equal(t, "completed", env.WaitTask(t, keyA, task.ID, time.Minute)["status"])
		actx := tenant.With(ctx, orgA)
		rs, err := apiDB.RuleSet.Create().SetDatasetID(ds.ID).SetRules(json.RawMessage(`[{"column":"age","check":"not_null"}]`)).Save(actx)
		require.NoError(t, err)
		ep, err := apiDB.WebhookEndpoint.Create().SetURL("https://example.com/hook").SetEventTypes([]string{"task.completed"}).
			SetSecretSealed("SEALED-ENDPOINT-SECRET").Save(actx)
		require.NoError(t, err)
		dl, err := apiDB.WebhookDelivery.Create().SetEndpointID(ep.ID).SetEventID("evt_export_test").
			SetEventType("task.completed").SetTaskID(task.ID).SetPayload(json.RawMessage(`{"ok":true}`)).Save(actx)
		require.NoError(t, err)

		// The web side: a member with credentials, an invitation, a subscription, a
		// support grant, a flag override; the other organization gets some too.
		mem := addUser(t, env, orgA, membership.RoleMember, "MEMBER-TOTP")
		wctx := tenant.With(ctx, orgA)
		inv, err := web.Invitation.Create().SetOrgID(orgA).SetEmail("invitee@example.com").SetRole(invitation.RoleAdmin).
			SetTokenHash("INVITE-TOKEN-HASH-000000000000000000000000000000000000000000000").SetInvitedBy(a.User.ID).
			SetExpiresAt(time.Now().Add(time.Hour)).Save(wctx)
		require.NoError(t, err)
		sub, err := web.Subscription.Create().SetOrgID(orgA).SetStripeCustomerID("cus_export").
			SetStripeSubscriptionID("sub_export").SetPlan("pro").SetStatus(subscription.StatusActive).Save(wctx)
		require.NoError(t, err)
		grant, err := web.SupportGrant.Create().SetOrgID(orgA).SetGrantedBy(a.User.ID).SetExpiresAt(time.Now().Add(time.Hour)).Save(ctx)
		require.NoError(t, err)
		flagKey := "export-test-" + strings.ToLower(orgA[len(orgA)-8:])
		require.NoError(t, web.FeatureFlag.Create().SetID(flagKey).Exec(ctx))
		ov, err := web.FeatureFlagOverride.Create().SetFlagKey(flagKey).SetOrgID(orgA).SetEnabled(true).Save(ctx)
		require.NoError(t, err)
		invB, err := web.Invitation.Create().SetOrgID(orgB).SetEmail("theirs@example.com").SetRole(invitation.RoleMember).
			SetTokenHash("INVITE-TOKEN-HASH-B00000000000000000000000000000000000000000000").SetInvitedBy(other.User.ID).
			SetExpiresAt(time.Now().Add(time.Hour)).Save(tenant.With(ctx, orgB))
		require.NoError(t, err)

		owner := login(t, env, a.Email)
		row, token := requestExport(t, env, sink, owner, orgA, a.Email, 1)

		res2, zipBytes := owner.get(export.PathDownload + token)
		require.Equal(t, http.StatusOK, res2.StatusCode, "%s", zipBytes)
		require.Equal(t, "application/zip", res2.Header.Get("Content-Type"))
		require.Contains(t, res2.Header.Get("Content-Disposition"), "attachment")
		require.Equal(t, row.SizeBytes, int64(len(zipBytes)))
		files := zipFiles(t, zipBytes)

		// The manifest lists every other file with its size and SHA-256.
		var man export.Manifest
		require.NoError(t, json.Unmarshal(files[export.ManifestName], &man))
		require.Equal(t, orgA, man.OrgID)
		require.Equal(t, row.ID, man.ExportID)
		require.Len(t, man.Files, len(files)-1)
		for _, f := range man.Files {
			data, ok := files[f.Path]
			require.True(t, ok, f.Path)
			sum := sha256.Sum256(data)
			require.Equal(t, hex.EncodeToString(sum[:]), f.SHA256, f.Path)
			require.Equal(t, int64(len(data)), f.Bytes, f.Path)
			if strings.HasSuffix(f.Path, ".json") {
				require.NotNil(t, f.Rows, f.Path)
				require.Len(t, ids(t, files, strings.TrimSuffix(f.Path, ".json")), int(*f.Rows), f.Path)
			}
		}

		// Every entity, with the seeded ids.
		require.Equal(t, []string{orgA}, ids(t, files, "web/organization"))
		require.ElementsMatch(t, []string{a.User.ID, mem.ID}, ids(t, files, "web/members"))
		require.Equal(t, []string{inv.ID}, ids(t, files, "web/invitations"))
		require.Equal(t, []string{sub.ID}, ids(t, files, "web/subscriptions"))
		require.Equal(t, []string{grant.ID}, ids(t, files, "web/support_grants"))
		require.Equal(t, []string{ov.ID}, ids(t, files, "web/feature_flag_overrides"))
		require.NotEmpty(t, ids(t, files, "web/audit_entries"))
		require.Contains(t, string(files["web/audit_entries.json"]), `"action":"export.requested"`)
		require.Contains(t, string(files["web/members.json"]), mem.Email)
		require.Contains(t, string(files["web/members.json"]), `"role":"member"`)
		require.Equal(t, []string{ds.ID}, ids(t, files, "api/datasets"))
		require.Equal(t, []string{rs.ID}, ids(t, files, "api/rule_sets"))
		require.Equal(t, []string{task.ID}, ids(t, files, "api/tasks"))
		require.NotEmpty(t, ids(t, files, "api/steps"))
		require.Len(t, ids(t, files, "api/reports"), 1)
		require.Contains(t, string(files["api/reports.json"]), task.ID)
		require.Equal(t, []string{ep.ID}, ids(t, files, "api/webhook_endpoints"))
		require.Equal(t, []string{dl.ID}, ids(t, files, "api/webhook_deliveries"))
		require.Len(t, ids(t, files, "api/api_keys"), 1)
		require.NotEmpty(t, ids(t, files, "api/usage_counters"))
		require.NotEmpty(t, ids(t, files, "api/audit_entries"))
		require.Contains(t, string(files["api/audit_entries.json"]), `"action":"task.created"`)
		require.NotContains(t, string(files["api/audit_entries.json"]), dsB.ID, "not the other organization's entries")

		// The uploaded file, byte for byte.
		var uploaded []string
		for name, data := range files {
			if strings.HasPrefix(name, "files/") {
				uploaded = append(uploaded, name)
				require.Equal(t, upload, string(data), name)
			}
		}
		require.Len(t, uploaded, 1)
		require.True(t, strings.HasPrefix(uploaded[0], "files/"+ds.ID+"/"), uploaded[0])

		// A cell a spreadsheet would run (the dataset's name) is defused in the CSV.
		require.Contains(t, string(files["api/datasets.csv"]), ",'=cmd people.csv,")
		require.NotContains(t, string(files["api/datasets.csv"]), ",=cmd")

		// Nothing of the other organization; no secret, hash or token of anyone.
		var all strings.Builder
		for _, data := range files {
			all.Write(data)
		}
		for _, absent := range []string{orgB, dsB.ID, invB.ID, "THEIRS", keyA, keyB,
			"MFA-MEMBER-TOTP", "INVITE-TOKEN-HASH", "SEALED-ENDPOINT-SECRET", "$argon2", token,
			`"password_hash"`, `"mfa_secret"`, `"token_hash"`, `"secret_hash"`, `"secret_sealed"`, `"previous_secret_sealed"`} {
			require.NotContains(t, all.String(), absent)
		}

		// The download is audited.
		n, err := web.AuditEntry.Query().Where(auditentry.OrgID(orgA), auditentry.Action("export.downloaded"),
			auditentry.TargetID(row.ID)).Count(tenant.System(ctx))
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}, withSink(sink))
}

// withSink sends the product's mail to sink.
func withSink(sink *mailtest.Sink) apptest.Option {
	return apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL = sink.URL()
		c.MailFrom = "Assay <no-reply@assay.test>"
	})
}
