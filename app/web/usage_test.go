package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/ent/web/membership"
)

// showUsage answers GET /v1/api/usage with f.usage, for the caller's plan.
func (f *fakeAPI) showUsage(w http.ResponseWriter, _ *http.Request, c *auth.Claims) {
	f.mu.Lock()
	u := f.usage
	f.mu.Unlock()
	if u == nil {
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		u = &apiUsage{Plan: c.Plan, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), Limits: c.Limits}
	}
	writeJSON(w, http.StatusOK, u)
}

func (f *fakeAPI) setUsage(u *apiUsage) {
	f.mu.Lock()
	f.usage = u
	f.mu.Unlock()
}

// novemberUsage is a Free organization's November with tasks used of its 50.
func novemberUsage(tasks int64) *apiUsage {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	u := &apiUsage{Plan: plan.Free, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), Limits: plan.Or(plan.Free).Limits}
	u.Usage.Tasks, u.Usage.Rows, u.Usage.StorageBytes = tasks, 12_500, 3<<20
	return u
}

// TestUsagePageRenders renders the usage page at each level, full and as a fragment: the
// figures, the percent, an SVG bar classed by level, the period and the upgrade link,
// without inline code.
func TestUsagePageRenders(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	cases := []struct {
		name  string
		tasks int64
		level string // the tasks meter's data-level ("" for none)
		pct   string
		bar   string
	}{
		{"below", 20, "", "40%", "rect.bar.bar-usage"},
		{"warn at 80%", 40, "warn", "80%", "rect.bar.bar-usage-warn"},
		{"over at 100%", 50, "over", "100%", "rect.bar.bar-usage-over"},
		{"beyond", 60, "over", "120%", "rect.bar.bar-usage-over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, frag := range []bool{false, true} {
				v := view{Page: pageSettingsUsage, Data: newUsagePage(novemberUsage(tc.tasks)), Account: &member{Role: "member"}, CSRF: "tok"}
				name := layoutBase
				if frag {
					name = pageSettingsUsage + "/content"
				}
				out, err := r.exec(name, v)
				require.NoError(t, err)
				doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(out)))
				require.NoError(t, err)
				tasks := doc.Find("#usage-tasks")
				require.Equal(t, 1, tasks.Length())
				require.Equal(t, tc.pct, tasks.Find(".usage-percent").Text())
				require.Equal(t, "50", tasks.Find(".usage-limit").Text())
				require.Equal(t, 1, tasks.Find("svg.chart[role=img] "+tc.bar).Length(), "the bar is classed by level")
				lvl, has := tasks.Attr("data-level")
				require.Equal(t, tc.level != "", has)
				require.Equal(t, tc.level, lvl)
				require.Equal(t, tc.level == "warn", doc.Find("#usage-tasks-warn").Length() == 1)
				require.Equal(t, tc.level == "over", doc.Find("#usage-tasks-over").Length() == 1)
				require.Equal(t, "12,500", doc.Find("#usage-rows .usage-used").Text())
				require.Contains(t, doc.Find("#usage-rows").Text(), "100,000 rows per dataset")
				require.Equal(t, "3 MiB", doc.Find("#usage-storage .usage-used").Text())
				require.Contains(t, doc.Find("#usage-period").Text(), "1 November 2026 to 30 November 2026")
				require.Equal(t, 1, doc.Find(`#usage-upgrade a[href="/settings/billing"]`).Length())
				require.Equal(t, 1, doc.Find(`#settings-nav a[href="/settings/usage"][aria-current="page"]`).Length())
				requireNoInlineCode(t, doc)
			}
		})
	}
}

// Every role sees the usage page, read from the API with the member's token; the
// settings nav links to it.
func TestUsagePageThroughTheRouter(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		env.api.setUsage(novemberUsage(45))
		for _, role := range []membership.Role{membership.RoleOwner, membership.RoleAdmin, membership.RoleMember} {
			t.Run(string(role), func(t *testing.T) {
				u := o
				if role != membership.RoleOwner {
					u = env.joined(t, o.OrgID, role)
				}
				c := env.login(t, u)
				res := c.get(pathSettingsUsage)
				require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
				doc := res.doc(t)
				require.Equal(t, "90%", doc.Find("#usage-tasks .usage-percent").Text())
				require.Equal(t, "warn", doc.Find("#usage-tasks").AttrOr("data-level", ""))
				require.Equal(t, 1, doc.Find("#usage-tasks svg rect.bar-usage-warn").Length())
				require.Equal(t, 1, doc.Find(`#usage-upgrade a[href="/settings/billing"]`).Length())

				// The other settings pages link to it.
				res = c.get(pathSettingsBilling)
				require.Equal(t, http.StatusOK, res.StatusCode)
				require.Equal(t, 1, res.doc(t).Find(`#settings-nav a[href="/settings/usage"]`).Length())
			})
		}
		claims, _, _ := env.api.state()
		last := claims[len(claims)-1]
		require.Equal(t, o.OrgID, last.OrgID, "the API was asked for the member's organization")
	})
}

// Signed out, the page is not shown.
func TestUsagePageNeedsSignIn(t *testing.T) {
	env := newSQLiteEnv(t)
	res := env.client(t).get(pathSettingsUsage)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
}
