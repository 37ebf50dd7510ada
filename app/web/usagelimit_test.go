package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
)

// tasksQuota is the API's 402 for an exhausted tasks per month.
func tasksQuota(upgradeURL string) *apiProblem {
	return &apiProblem{Status: http.StatusPaymentRequired, Title: "Quota exhausted", Limit: "tasks_per_month", UpgradeURL: upgradeURL,
		Detail: "Your plan allows 50 tasks per month and 50 have been used this month. Upgrade your plan or wait for the next month."}
}

// The rules page's run button, refused by the plan, shows the page again with 402: the
// API's message, the limit and the upgrade link (the API's, or the billing settings).
func TestRulesRunRefusedByPlan(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		c, o, ds := rulesEnv(t, env)
		for _, tc := range []struct{ upgradeURL, want string }{
			{"https://assay.test/pricing", "https://assay.test/pricing"},
			{"", "/settings/billing"},
			{"javascript:alert(1)", "/settings/billing"},
		} {
			env.api.mu.Lock()
			env.api.rejectTS = tasksQuota(tc.upgradeURL)
			env.api.mu.Unlock()
			res := c.postForm("/datasets/"+ds+"/run", url.Values{})
			require.Equal(t, http.StatusPaymentRequired, res.StatusCode, res.Body)
			doc := res.doc(t)
			require.Contains(t, doc.Find("#quota-message").Text(), "50 tasks per month")
			require.Equal(t, "tasks per month", doc.Find("#quota-limit").Text())
			require.Equal(t, tc.want, doc.Find("#quota-upgrade").AttrOr("href", ""))
			require.Equal(t, 1, doc.Find("#rules-run").Length(), "the rules page is shown again")
			require.Zero(t, env.db.Task.Query().CountX(tenant.With(context.Background(), o.OrgID)))
		}
	})
}

// The upload form and the URL form, refused by the plan, show the form again with 402,
// the API's message, the limit and the upgrade link.
func TestUploadRefusedByPlan(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		rowsQuota := &apiProblem{Status: http.StatusPaymentRequired, Title: "Quota exhausted", Limit: "max_rows",
			UpgradeURL: "https://assay.test/pricing",
			Detail:     "The dataset has 200000 rows; your plan allows at most 100000 rows per dataset. Upgrade your plan or send a smaller file."}
		sizeQuota := &apiProblem{Status: http.StatusPaymentRequired, Title: "Quota exhausted", Limit: "max_upload_bytes",
			Detail: "The file is larger than your plan's 10485760 bytes per dataset. Upgrade your plan or send a smaller file."}
		cases := []struct {
			name               string
			body               uploadBody
			rejectDS, rejectTS *apiProblem
			message, limit     string
			upgrade            string
		}{
			{"file over the rows", uploadBody{contents: peopleCSV}, rowsQuota, nil, "100000 rows per dataset", "max rows", "https://assay.test/pricing"},
			{"file over the size", uploadBody{contents: peopleCSV}, sizeQuota, nil, "10485760 bytes", "max upload bytes", "/settings/billing"},
			{"file, tasks used up", uploadBody{contents: peopleCSV}, nil, tasksQuota(""), "50 tasks per month", "tasks per month", "/settings/billing"},
			{"url, tasks used up", uploadBody{sourceURL: "https://example.com/a.csv", noFile: true}, nil, tasksQuota("https://assay.test/pricing"),
				"50 tasks per month", "tasks per month", "https://assay.test/pricing"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				env.api.mu.Lock()
				env.api.rejectDS, env.api.rejectTS, env.api.uploads = tc.rejectDS, tc.rejectTS, nil
				env.api.mu.Unlock()
				res := c.upload(tc.body)
				require.Equal(t, http.StatusPaymentRequired, res.StatusCode, res.Body)
				doc := res.doc(t)
				require.Contains(t, doc.Find("#upload-error").Text(), tc.message)
				require.Equal(t, tc.limit, doc.Find("#upload-limit").Text())
				require.Equal(t, tc.upgrade, doc.Find("#upload-upgrade a").AttrOr("href", ""))
				require.Equal(t, 1, doc.Find("#upload-form").Length())
				require.Equal(t, tc.body.sourceURL, doc.Find("#source_url").AttrOr("value", ""), "the URL is kept")
				require.Zero(t, env.db.Task.Query().CountX(tenant.With(context.Background(), o.OrgID)))
			})
		}
	})
}
