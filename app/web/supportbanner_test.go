package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/web/supportgrant"
)

// The layout shows the support banner, with its exit, only to staff in support mode.
func TestSupportBannerRenders(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	ends := time.Date(2030, 5, 6, 7, 8, 0, 0, time.UTC)
	for _, support := range []*supportBanner{nil, {OrgName: "Acme <Labs>", EndsAt: ends}} {
		acc := &member{UserID: "u", Email: "staff@example.com", OrgID: "o", OrgName: "Acme (support)", Support: support}
		out, err := r.exec(layoutBase, view{Page: "pages/dashboard", Data: dashboardPage{}, Account: acc, CSRF: "tok"})
		require.NoError(t, err)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(out)))
		require.NoError(t, err)
		b := doc.Find("#support-banner")
		if support == nil {
			require.Zero(t, b.Length())
			continue
		}
		require.Equal(t, 1, b.Length())
		require.Equal(t, "Support access: you are viewing Acme <Labs> as staff; every action is audited; grant ends 2030-05-06 07:08 UTC.",
			strings.Join(strings.Fields(b.Find("p").Text()), " "))
		require.Equal(t, "2030-05-06T07:08:00Z", b.Find("#support-ends").AttrOr("datetime", ""))
		require.Equal(t, "/admin/support/leave", b.Find("form").AttrOr("action", ""))
		require.Equal(t, "tok", b.Find(`input[name=csrf_token]`).AttrOr("value", ""))
		require.Equal(t, 1, b.Find("#support-exit").Length())
		requireNoInlineCode(t, doc)
	}
}

// Staff who enter an organization under a grant see the banner on every page of the app,
// naming the organization and when the grant ends; its exit leaves support mode. The
// organization's own members never see it.
func TestSupportBannerOnEveryPage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		own := env.owner(t)
		sc := env.login(t, env.staff(t))
		oc := env.login(t, own)
		require.Equal(t, http.StatusSeeOther, oc.postForm(pathSettingsSupport, url.Values{"hours": {"2"}}).StatusCode)
		g := env.db.SupportGrant.Query().Where(supportgrant.OrgID(own.OrgID)).OnlyX(ctx)
		require.Equal(t, http.StatusSeeOther, sc.postForm("/admin/orgs/"+own.OrgID+"/support", url.Values{}).StatusCode)

		name := env.orgName(t, own.OrgID)
		for _, p := range []string{"/dashboard", "/settings/organization", "/settings/security"} {
			res := sc.get(p)
			require.Equal(t, http.StatusOK, res.StatusCode, p)
			b := res.doc(t).Find("#support-banner")
			require.Equal(t, 1, b.Length(), p)
			text := strings.Join(strings.Fields(b.Text()), " ")
			require.Contains(t, text, "Support access: you are viewing "+name+" as staff; every action is audited; grant ends", p)
			require.Equal(t, g.ExpiresAt.UTC().Format(time.RFC3339), b.Find("#support-ends").AttrOr("datetime", ""), p)
			require.Equal(t, "/admin/support/leave", b.Find("form").AttrOr("action", ""), p)
		}
		require.Zero(t, oc.get("/dashboard").doc(t).Find("#support-banner").Length(), "members do not see it")

		res := sc.postForm("/admin/support/leave", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		res = sc.get("/dashboard")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Zero(t, res.doc(t).Find("#support-banner").Length(), "gone after the exit")
	})
}
