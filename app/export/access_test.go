package export_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/export"
	"github.com/assayhq/assay/app/mail/mailtest"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	entexport "github.com/assayhq/assay/ent/web/export"
	"github.com/assayhq/assay/ent/web/membership"
)

// clock is a settable time for the export runner and the download check.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

// noticeKind is the kind of the notice page in body.
func noticeKind(t *testing.T, body []byte) string {
	t.Helper()
	return doc(t, body).Find("#notice").AttrOr("data-notice", "")
}

// Only owners request and download; one export is prepared at a time and one per rate
// window; the link stops working when it expires (on an injected clock), and the sweep
// then deletes the row and the zip.
func TestExportAccessAndExpiry(t *testing.T) {
	sink := mailtest.Start(t)
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ex := env.Stack.Web.Server.Exports()
		clk := &clock{at: time.Now().UTC()}
		// Before any request wakes the runner, so it reads the clock from the start.
		ex.Stop()
		ex.Now = clk.Now
		a, other := env.Org(t), env.Org(t)
		plain := addUser(t, env, a.Org.ID, membership.RoleMember, "PLAIN")
		admin := addUser(t, env, a.Org.ID, membership.RoleAdmin, "ADMIN")

		// Members and admins who are not owners may neither see the page nor ask.
		for _, u := range []string{plain.Email, admin.Email} {
			b := login(t, env, u)
			res, body := b.get("/settings/organization/export")
			require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
			b.get("/dashboard")
			res, _ = b.post("/settings/organization/export", url.Values{})
			require.Equal(t, http.StatusForbidden, res.StatusCode)
		}
		n, err := env.Stack.Web.DB.Export.Query().Where(entexport.OrgID(a.Org.ID)).Count(tenant.System(context.Background()))
		require.NoError(t, err)
		require.Zero(t, n, "a refused request records nothing")

		// While one export waits, a second request is refused and records nothing.
		owner := login(t, env, a.Email)
		owner.get("/settings/organization/export")
		res, body := owner.post("/settings/organization/export", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "%s", body)
		res, body = owner.post("/settings/organization/export", url.Values{})
		require.Equal(t, http.StatusConflict, res.StatusCode, "%s", body)
		require.Contains(t, doc(t, body).Find("#export-error").Text(), "already being prepared")
		require.Equal(t, 1, doc(t, body).Find(`#export-list tr[data-status="pending"]`).Length())

		// The runner (stopped until now, as after a crash) picks the recorded request up.
		ex.Start(0)
		ex.Wake()
		row, token := waitBuilt(t, env, sink, a.Org.ID, a.Email, 1)

		// Within the rate window another export is refused with a clear message.
		res, body = owner.post("/settings/organization/export", url.Values{})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
		require.Contains(t, doc(t, body).Find("#export-error").Text(), "once per hour")
		require.NotEmpty(t, res.Header.Get("Retry-After"))

		// Owners of another organization, and non-owners of this one, cannot download.
		for _, u := range []string{other.Email, plain.Email} {
			res, body = login(t, env, u).get(export.PathDownload + token)
			require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
			require.Equal(t, "export-other-org", noticeKind(t, body))
		}
		res, body = owner.get(export.PathDownload + "not-a-token")
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		require.Equal(t, "export-invalid", noticeKind(t, body))
		// Signed out, the link leads to the login, which comes back to it.
		visitor := newBrowser(t, env.WebURL)
		res, _ = visitor.get(export.PathDownload + token)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "/login?next="+url.QueryEscape(export.PathDownload+token), res.Header.Get("Location"))
		visitor.get(res.Header.Get("Location"))
		res, body = visitor.post("/login", url.Values{"email": {a.Email}, "password": {apptest.Password},
			"next": {export.PathDownload + token}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "%s", body)
		require.Equal(t, export.PathDownload+token, res.Header.Get("Location"))

		res, body = owner.get(export.PathDownload + token)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Len(t, body, int(row.SizeBytes))

		// A second before expiry it works; at expiry it does not.
		clk.Add(row.ExpiresAt.Sub(clk.Now()) - time.Second)
		res, _ = owner.get(export.PathDownload + token)
		require.Equal(t, http.StatusOK, res.StatusCode)
		clk.Add(time.Second)
		res, body = owner.get(export.PathDownload + token)
		require.Equal(t, http.StatusGone, res.StatusCode)
		require.Equal(t, "export-expired", noticeKind(t, body))

		// The sweep deletes the expired export: its row and its zip.
		_, err = env.Stack.Base.Blobs.Open(context.Background(), row.BlobKey)
		require.NoError(t, err, "the zip is stored until then")
		done, err := ex.DeleteExpired(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, done)
		_, err = env.Stack.Base.Blobs.Open(context.Background(), row.BlobKey)
		require.True(t, errors.Is(err, platform.ErrBlobNotFound), "%v", err)
		exists, err := env.Stack.Web.DB.Export.Query().Where(entexport.ID(row.ID)).Exist(tenant.System(context.Background()))
		require.NoError(t, err)
		require.False(t, exists)
		res, body = owner.get(export.PathDownload + token)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		require.Equal(t, "export-invalid", noticeKind(t, body))

		// The rate window has passed on the clock: the owner may export again.
		res, body = owner.post("/settings/organization/export", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "%s", body)
	}, withSink(sink))
}

// A request accepted by a process that died (the row pending, never woken) and a build
// whose process died midway (building, lease over) are both built by the next sweep;
// a build still within its lease is left alone. Deleting an organization deletes its
// exports' zips.
func TestExportResumesAfterCrash(t *testing.T) {
	sink := mailtest.Start(t)
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ex := env.Stack.Web.Server.Exports()
		ex.Stop() // this test runs the sweep itself
		ctx := tenant.System(context.Background())
		db := env.Stack.Web.DB
		a, b, c := env.Org(t), env.Org(t), env.Org(t)
		now := time.Now().UTC()
		pending, err := db.Export.Create().SetOrgID(a.Org.ID).SetRequestedBy(a.User.ID).SetActiveOrg(a.Org.ID).Save(ctx)
		require.NoError(t, err)
		stuck, err := db.Export.Create().SetOrgID(b.Org.ID).SetRequestedBy(b.User.ID).SetActiveOrg(b.Org.ID).
			SetStatus(entexport.StatusBuilding).SetAttempts(1).SetLeaseUntil(now.Add(-time.Second)).Save(ctx)
		require.NoError(t, err)
		running, err := db.Export.Create().SetOrgID(c.Org.ID).SetRequestedBy(c.User.ID).SetActiveOrg(c.Org.ID).
			SetStatus(entexport.StatusBuilding).SetAttempts(1).SetLeaseUntil(now.Add(time.Hour)).Save(ctx)
		require.NoError(t, err)

		n, err := ex.RunDue(context.Background())
		require.NoError(t, err)
		require.Equal(t, 2, n)
		for _, id := range []string{pending.ID, stuck.ID} {
			row, err := db.Export.Get(ctx, id)
			require.NoError(t, err)
			require.Equal(t, entexport.StatusReady, row.Status, row.Error)
			require.Nil(t, row.ActiveOrg)
		}
		again, err := db.Export.Get(ctx, stuck.ID)
		require.NoError(t, err)
		require.Equal(t, 2, again.Attempts, "the stuck build ran again")
		live, err := db.Export.Get(ctx, running.ID)
		require.NoError(t, err)
		require.Equal(t, entexport.StatusBuilding, live.Status, "a live lease is respected")
		sink.Wait(t, a.Email, 1)
		sink.Wait(t, b.Email, 1)
		require.Empty(t, sink.To(c.Email))

		// Deleting the organization deletes its export's zip as well as its row.
		built, err := db.Export.Get(ctx, pending.ID)
		require.NoError(t, err)
		_, err = env.Stack.Base.Blobs.Open(ctx, built.BlobKey)
		require.NoError(t, err)
		_, err = env.Stack.Web.Server.Deletions().DeleteOrg(context.Background(), a.Org.ID)
		require.NoError(t, err)
		_, err = env.Stack.Base.Blobs.Open(ctx, built.BlobKey)
		require.True(t, errors.Is(err, platform.ErrBlobNotFound), "%v", err)
		gone, err := db.Export.Query().Where(entexport.OrgID(a.Org.ID)).Exist(ctx)
		require.NoError(t, err)
		require.False(t, gone)
	}, withSink(sink))
}

// putFailing fails every Put under exports/, as a full or broken share would.
type putFailing struct{ platform.Blobs }

func (b putFailing) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if strings.HasPrefix(key, "exports/") {
		return 0, errors.New("share unavailable")
	}
	return b.Blobs.Put(ctx, key, r)
}

// A build that fails goes back to wait; the one that fails its last attempt marks the
// export failed and mails the owner who asked, with the page to ask again.
func TestExportFailureIsMailed(t *testing.T) {
	sink := mailtest.Start(t)
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ex := env.Stack.Web.Server.Exports()
		ex.Stop() // this test runs the sweep itself
		blobs := ex.Blobs
		ex.Blobs = putFailing{blobs}
		t.Cleanup(func() { ex.Blobs = blobs })
		ctx := tenant.System(context.Background())
		db := env.Stack.Web.DB
		first, last := env.Org(t), env.Org(t)
		retried, err := db.Export.Create().SetOrgID(first.Org.ID).SetRequestedBy(first.User.ID).SetActiveOrg(first.Org.ID).Save(ctx)
		require.NoError(t, err)
		final, err := db.Export.Create().SetOrgID(last.Org.ID).SetRequestedBy(last.User.ID).SetActiveOrg(last.Org.ID).
			SetAttempts(2).Save(ctx)
		require.NoError(t, err)

		_, err = ex.RunDue(context.Background())
		require.NoError(t, err)
		row, err := db.Export.Get(ctx, retried.ID)
		require.NoError(t, err)
		require.Equal(t, entexport.StatusPending, row.Status, "a first failure waits for a retry")
		require.NotNil(t, row.LeaseUntil)
		row, err = db.Export.Get(ctx, final.ID)
		require.NoError(t, err)
		require.Equal(t, entexport.StatusFailed, row.Status)
		require.Equal(t, "the export could not be built", row.Error)
		require.Nil(t, row.ActiveOrg, "the organization may ask again")

		m := sink.Wait(t, last.Email, 1)
		require.Equal(t, "Your export of "+last.Org.Name+" could not be built", m.Subject)
		require.Equal(t, env.WebURL+"/settings/organization/export", m.Link(t, "/settings/organization/export"))
		require.Empty(t, sink.To(first.Email), "no mail while a retry is due")
	}, withSink(sink))
}
