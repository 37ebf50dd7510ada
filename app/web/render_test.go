package web

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/views"
)

func ptr[T any](v T) *T { return &v }

func sampleReport() *report.Report {
	return &report.Report{
		TaskID: "t1", DatasetID: "d1", Rows: 20400, Score: 91.3,
		Dimensions:    report.Dimensions{Completeness: 0.97, Validity: 0.86, Uniqueness: 0.98},
		DuplicateRows: 400,
		Columns: []report.ColumnReport{
			{Name: "age", Type: "integer", Count: 20400, Nulls: 2040, Distinct: 73, Min: ptr(18.0), Max: ptr(90.0), Mean: ptr(54.1), Stddev: ptr(21.0), Invalid: 204,
				Top:       []report.TopValue{{Value: "42", Count: 300}, {Value: "43", Count: 200}},
				Histogram: []report.HistogramBin{{Lo: 18, Hi: 42, Count: 9000}, {Lo: 42, Hi: 66, Count: 6000}, {Lo: 66, Hi: 90, Count: 3360}}},
			{Name: "email", Type: "string", Count: 20400, Distinct: 20000, DistinctApprox: true},
		},
		Rules: []report.RuleResult{
			{Rule: report.Rule{Column: "age", Check: "range", Min: ptr(18.0), Max: ptr(65.0)}, Passed: false, FailedRows: 6100, Examples: []int64{3, 9, 14}},
			{Rule: report.Rule{Column: "email", Check: "not_null"}, Passed: true},
		},
	}
}

func sampleLive(status string) liveView {
	return withStages(liveView{TaskID: "t1", Status: status, Stage: "transform", Progress: 0.4},
		[]apiStage{{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}, {Name: "normalize", Status: "running", Done: 2, Total: 5}})
}

// TestEveryPageRenders parses all templates (as New does) and renders every page, full
// and as a fragment, and every partial.
func TestEveryPageRenders(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	acc := &member{UserID: "u", Email: "a@example.com", OrgID: "o", OrgName: "Org"}
	rv := &reportView{Report: sampleReport(), TaskID: "t1", DatasetName: "people.csv",
		Runs: []runPoint{{ID: "t0", Score: 80, At: time.Now()}, {ID: "t1", Score: 91.3, At: time.Now()}}, Others: []runPoint{{ID: "t0", Score: 80}}}
	pages := []struct {
		page string
		data any
		want []string // selectors that must match
	}{
		{"pages/home", nil, []string{`a[href="/signup"]`, `a[href="/login"]`}},
		{"pages/signup", signupPage{Email: "x@y.z", Errors: map[string]string{"email": "bad"}}, []string{"#email", "#password", "#org", "#signup-submit", "#email-error"}},
		{"pages/login", loginPage{Error: msgLoginFailed}, []string{"#email", "#password", "#login-submit", "#login-error"}},
		{"pages/dashboard", dashboardPage{Tasks: []taskRow{{ID: "t1", DatasetName: "a.csv", Status: "completed", Score: ptr(90.5), CreatedAt: time.Now()}}},
			[]string{"#upload-form", "#file", "#name", "#rules", "#upload-submit", "#task-t1"}},
		{"pages/dashboard", dashboardPage{}, []string{"#upload-form", "#no-tasks"}},
		{"pages/tasks/show", taskPage{ID: "t1", DatasetName: "a.csv", Live: sampleLive("processing")},
			[]string{"#task-status", "#stage-fetch", "#stage-notify", `#task[sse-connect="/tasks/t1/events"]`, `#report[hx-get="/tasks/t1/report"]`}},
		{"pages/tasks/show", taskPage{ID: "t1", DatasetName: "a.csv", Live: sampleLive("completed"), Report: rv},
			[]string{"#task-status", "#report #score", "#columns", "#rules-table"}},
		{"pages/tasks/show", taskPage{ID: "t1", DatasetName: "a.csv", Live: sampleLive("failed"), ReportNote: "failed"}, []string{"#task-status", "#report"}},
		{"pages/tasks/report", *rv, []string{"#report", "#score", "#columns", "#rules-table", "#dimensions", "#duplicates",
			"#score-figure svg[role=img]", "#score-terms", "#trend svg", "#nulls svg", "#invalid svg", "#profile-0 svg.histogram", "#compare-form", "#download-csv", "#download-json"}},
		{"pages/tasks/compare", buildCompare(compareSide{"t1", "a.csv", sampleReport()}, compareSide{"t0", "b.csv", &report.Report{}}),
			[]string{"#compare-summary", "#cmp-score", "#columns-differ", "#compare-rules"}},
		{"pages/error", errorPage{Status: 404, Title: "Page not found", Message: "gone"}, []string{"#error"}},
		{"pages/oidc_link", linkPage{Provider: "Google", Email: "a@example.com", Error: "Wrong password."},
			[]string{"#link-email", "#password", "#link-submit", "#link-error"}},
		{"pages/notice", noticePage{Kind: "k", Title: "T", Message: "m", Error: "e", LinkHref: "/x", LinkText: "x"},
			[]string{`#notice[data-notice="k"]`, "#notice-message", "#notice-error", `#notice-link[href="/x"]`}},
		{"pages/confirm", confirmPage{Title: "T", Message: "m", Action: pathVerify, Token: "t", Button: "Go"},
			[]string{`#confirm-form[action="/verify"]`, `input[name="token"][value="t"]`, "#confirm-submit"}},
		{"pages/password_forgot", forgotPage{Email: "x@y.z", Errors: map[string]string{"email": "bad"}}, []string{"#email", "#email-error", "#forgot-submit"}},
		{"pages/password_reset", resetPage{Token: "t", Errors: map[string]string{"password": "bad"}}, []string{"#password", "#password-error", "#reset-submit"}},
		{"pages/settings_email", emailChangePage{Current: "a@example.com", Errors: map[string]string{"email": "bad", "password": "bad"}},
			[]string{"#current-email", "#email-error", "#password-error", "#change-submit"}},
		{"pages/settings_api_keys", apiKeysView{
			Keys:    []apiKeyRow{{apiKey: apiKey{ID: "k1", Name: "ci", Prefix: "p", Scopes: []string{"read"}, CreatedAt: time.Now(), LastUsedAt: ptr(time.Now())}, Status: "active"}},
			Created: &apiKey{ID: "k1", Name: "ci", Key: "assay_p_s", Scopes: []string{"read"}}, Error: "bad", NextCursor: "c",
		}, []string{"#api-keys-table", "#new-key-value", "#api-key-error", "#api-key-form", "form.revoke", "#more-api-keys", "#settings-nav"}},
		{"pages/settings_api_key_revoke", &apiKey{ID: "k1", Name: "ci", Prefix: "p"}, []string{"#revoke-form", "#revoke-submit"}},
		{"pages/settings_webhooks", webhooksView{
			Endpoints: []webhookEndpoint{{ID: "e1", URL: "https://h.example.com", Events: []string{"task.failed"}, Enabled: true, CreatedAt: time.Now()}},
			Events:    []string{"task.completed", "task.failed"}, Form: webhookForm{Events: map[string]bool{"task.failed": true}},
			Secret: &webhookEndpoint{ID: "e1", URL: "https://h.example.com", Secret: "whsec_x"}, Error: "bad", Notice: "n",
		}, []string{"#webhooks-table", "#new-secret-value", "#webhook-error", "#webhook-form", "form.rotate", "form.state", "form.delete", "#settings-nav", "#event-task\\.failed[checked]"}},
		{"pages/settings_webhook", webhookView{
			Endpoint:   &webhookEndpoint{ID: "e1", URL: "https://h.example.com", Events: []string{"task.failed"}},
			Deliveries: []webhookDelivery{{ID: "d1", EventType: "task.failed", Status: "failed", Attempts: 2, LastStatusCode: ptr(500), NextAttemptAt: ptr(time.Now()), CreatedAt: time.Now()}},
			NextCursor: "c", Notice: "n",
		}, []string{"#deliveries-table", "#delivery-d1", "form.redeliver", "#more-deliveries", "#webhook-notice", "#settings-nav"}},
		{"pages/settings_account_delete", deletionPage{Grace: "7 days", CanDelete: true, Error: "e"},
			[]string{"#account-delete-form", "#confirm", "#account-delete-submit", "#account-delete-error"}},
		{"pages/settings_account_delete", deletionPage{DeletesAt: ptr(time.Now())}, []string{"#account-delete-scheduled", "#account-delete-cancel"}},
		{"pages/settings_org_delete", deletionPage{OrgName: "Org", CanDelete: true}, []string{"#org-delete-form", "#org_name", "#org-delete-submit"}},
		{"pages/settings_org_delete", deletionPage{OrgName: "Org", DeletesAt: ptr(time.Now()), CanDelete: true}, []string{"#org-delete-scheduled", "#org-delete-cancel"}},
	}
	for _, p := range pages {
		t.Run(p.page, func(t *testing.T) {
			for _, frag := range []bool{false, true} {
				v := view{Page: p.page, Data: p.data, Account: acc, CSRF: "tok"}
				name := layoutBase
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
				require.Equal(t, !frag, strings.Contains(string(out), "<html"), "fragment=%v", frag)
				requireNoInlineCode(t, doc)
			}
		})
	}
	for _, name := range []string{"partials/tasks/live", "partials/tasks/stages", "partials/tasks/report", "partials/form_errors"} {
		var data any = sampleLive("processing")
		switch name {
		case "partials/tasks/report":
			data = rv
		case "partials/form_errors":
			data = map[string]string{"email": "bad"}
		}
		_, err := r.fragment(name, data)
		require.NoError(t, err, name)
	}
}

// requireNoInlineCode checks what the CSP would block: inline scripts, style attributes
// and elements, and inline event handlers.
func requireNoInlineCode(t *testing.T, doc *goquery.Document) {
	t.Helper()
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		src, ok := s.Attr("src")
		require.True(t, ok && strings.HasPrefix(src, "/static/"), "inline script")
		require.Empty(t, strings.TrimSpace(s.Text()))
	})
	require.Zero(t, doc.Find("style, [style]").Length(), "inline style")
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			require.False(t, strings.HasPrefix(a.Key, "on"), "inline handler %s", a.Key)
			require.False(t, strings.HasPrefix(a.Key, "hx-on"), "hx-on needs eval")
		}
	})
}

// TestEveryTemplateFileIsNamespaced checks each file defines only names under its path.
func TestEveryTemplateFileIsNamespaced(t *testing.T) {
	err := fs.WalkDir(views.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(views.FS, path)
		require.NoError(t, err)
		prefix := strings.TrimSuffix(path, ".html")
		for _, part := range strings.Split(string(b), `{{define "`)[1:] {
			name := part[:strings.IndexByte(part, '"')]
			require.True(t, name == prefix || strings.HasPrefix(name, prefix+"/"), "%s defines %q", path, name)
		}
		return nil
	})
	require.NoError(t, err)
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatScore(91.26), "91.3"},
		{formatScore(ptr(80.0)), "80.0"},
		{formatScore((*float64)(nil)), "—"},
		{formatNum(ptr(54.123456)), "54.1235"},
		{formatNum(nil), "—"},
		{humanBytes(256 << 20), "256 MiB"},
		{humanBytes(1536), "1.5 KiB"},
		{humanBytes(12), "12 bytes"},
		{describeRule(report.Rule{Check: "range", Min: ptr(18.0)}), "range 18 – *"},
		{describeRule(report.Rule{Check: "in", Values: []string{"DE", "FR"}}), "in DE, FR"},
		{describeRule(report.Rule{Check: "unique"}), "unique"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.got)
	}
}

// TestTitleEscapedOnce: the page title shows data as typed, escaped once, never as markup.
func TestTitleEscapedOnce(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	for _, name := range []string{`R&D's "data"`, `<script>alert(1)</script>`} {
		v := view{Page: "pages/tasks/show", Data: taskPage{ID: "t1", DatasetName: name, Live: sampleLive("processing")}}
		out, err := r.exec(layoutBase, v)
		require.NoError(t, err)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(out)))
		require.NoError(t, err)
		require.Equal(t, name+" · Assay", doc.Find("title").Text())
		require.NotContains(t, string(out), "<script>alert")
	}
}
