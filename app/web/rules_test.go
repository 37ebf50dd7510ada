package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/tenant"
)

// rulesEnv signs an owner in and gives the fake API a dataset of theirs.
func rulesEnv(t *testing.T, env *testEnv) (c *client, o owner, ds string) {
	t.Helper()
	o = env.owner(t)
	ds = platform.NewID()
	env.api.rules.addDataset(o.OrgID, ds, "people.csv", "id", "name", "age")
	return env.login(t, o), o, ds
}

func TestRulesPageRenders(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		c, _, ds := rulesEnv(t, env)
		min := 18.0
		env.api.rules.mu.Lock()
		env.api.rules.sets[ds] = apiRuleSet{Version: 3, Rules: []report.Rule{
			{Column: "age", Check: "range", Min: &min}, {Column: "name", Check: "regex", Pattern: "^[A-Z]"},
		}}
		env.api.rules.mu.Unlock()

		res := c.get(rulesPath(ds))
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc := res.doc(t)
		require.Equal(t, 2, doc.Find(".rule-row").Length())
		require.Equal(t, "age", doc.Find("#r0_column option[selected]").AttrOr("value", ""))
		require.Equal(t, 4, doc.Find("#r0_column option").Length(), "a placeholder and the three columns")
		require.Equal(t, "range", doc.Find("#r0_check option[selected]").AttrOr("value", ""))
		require.Equal(t, "18", doc.Find("#r0_min").AttrOr("value", ""))
		require.Equal(t, "^[A-Z]", doc.Find("#r1_pattern").AttrOr("value", ""))
		require.Zero(t, doc.Find("#r1_min").Length(), "only the inputs of the row's check")
		require.Equal(t, "/datasets/"+ds+"/rules/params?row=0", doc.Find("#r0_check").AttrOr("hx-get", ""))
		require.NotEmpty(t, doc.Find(`#rules-form input[name=csrf_token]`).AttrOr("value", ""))
		require.Zero(t, doc.Find("script:not([src]), style, [style]").Length(), "no inline scripts or styles")
		require.Equal(t, "Deleted on 14 March 2031 (plan retention 7 days)", doc.Find("#dataset-expiry").Text())
		require.Equal(t, "2031-03-14T09:30:00Z", doc.Find("#dataset-expiry time").AttrOr("datetime", ""))

		// Another organization's dataset is not found.
		other := env.owner(t)
		oc := env.login(t, other)
		require.Equal(t, http.StatusNotFound, oc.get(rulesPath(ds)).StatusCode)
	})
}

func TestRulesParamsFragment(t *testing.T) {
	env := newSQLiteEnv(t)
	c, _, ds := rulesEnv(t, env)
	cases := []struct {
		check   string
		present []string
		absent  []string
	}{
		{"range", []string{"#r2_min", "#r2_max"}, []string{"#r2_pattern"}},
		{"length", []string{"#r2_min", "#r2_max"}, []string{"#r2_values"}},
		{"regex", []string{"#r2_pattern"}, []string{"#r2_min"}},
		{"in", []string{"textarea#r2_values"}, []string{"#r2_type"}},
		{"type", []string{"select#r2_type option[value=date]"}, []string{"#r2_min"}},
		{"not_null", nil, []string{"input", "textarea", "select"}},
	}
	for _, tc := range cases {
		t.Run(tc.check, func(t *testing.T) {
			res := c.get(rulesPath(ds)+"/params?row=2&r2_check="+tc.check, hxRequest, "true")
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
			doc := res.doc(t)
			require.Zero(t, doc.Find("html head title").Length(), "a fragment, not a page")
			for _, sel := range tc.present {
				require.Equal(t, 1, doc.Find(sel).Length(), sel)
			}
			for _, sel := range tc.absent {
				require.Zero(t, doc.Find(sel).Length(), sel)
			}
		})
	}
	require.Equal(t, http.StatusBadRequest, c.get(rulesPath(ds)+"/params?row=x").StatusCode)
}

// postRules posts the rules form with rows of fields (without the r<i>_ prefix).
func postRules(c *client, ds, op string, rows []map[string]string, extra url.Values, headers ...string) response {
	f := url.Values{"op": {op}, "rows": {itoa(len(rows))}}
	for i, row := range rows {
		for k, v := range row {
			f.Set("r"+itoa(i)+"_"+k, v)
		}
	}
	for k, v := range extra {
		f[k] = v
	}
	return c.postForm(rulesPath(ds), f, headers...)
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRulesSave(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		c, _, ds := rulesEnv(t, env)
		rows := []map[string]string{
			{"column": "age", "check": "range", "min": "18", "max": "65", "pattern": "stale"},
			{"column": "name", "check": "in", "values": "Ann\n Bob \n\n"},
		}
		res := postRules(c, ds, "save", rows, url.Values{"row_min": {"1"}, "row_max": {""}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, rulesPath(ds)+"?saved=1", res.Header.Get("Location"))
		saved := env.api.rules.saved(ds)
		require.Equal(t, 1, saved.Version)
		require.Len(t, saved.Rules, 2)
		require.Equal(t, 65.0, *saved.Rules[0].Max)
		require.Empty(t, saved.Rules[0].Pattern, "only the check's own parameters are sent")
		require.Equal(t, []string{"Ann", "Bob"}, saved.Rules[1].Values)
		require.EqualValues(t, 1, *saved.RowCount.Min)
		require.Nil(t, saved.RowCount.Max)

		page := c.get(rulesPath(ds) + "?saved=1").doc(t)
		require.Contains(t, page.Find("#rules-saved").Text(), "version 1")

		// htmx saves answer with HX-Redirect.
		res = postRules(c, ds, "save", rows[:1], nil, hxRequest, "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, rulesPath(ds)+"?saved=1", res.Header.Get(hxRedirect))
		require.Equal(t, 2, env.api.rules.saved(ds).Version)
	})
}

func TestRulesSaveRejected(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		c, _, ds := rulesEnv(t, env)
		cases := []struct {
			name    string
			rows    []map[string]string
			extra   url.Values
			badRows map[int]string // row → the id of its input marked invalid
			setErr  bool
			apiPuts int // PUTs that reached the API
		}{
			{"invalid regex and missing column", []map[string]string{
				{"column": "age", "check": "not_null"},
				{"column": "name", "check": "regex", "pattern": "(["},
				{"column": "zz", "check": "unique"},
			}, nil, map[int]string{1: "#r1_pattern", 2: "#r2_column"}, false, 1},
			{"min above max", []map[string]string{{"column": "age", "check": "range", "min": "9", "max": "1"}}, nil,
				map[int]string{0: "#r0_min"}, false, 1},
			{"not a number", []map[string]string{{"column": "age", "check": "range", "min": "ten"}}, nil,
				map[int]string{0: "#r0_min"}, false, 0},
			{"row bounds", []map[string]string{{"column": "age", "check": "not_null"}}, url.Values{"row_min": {"9"}, "row_max": {"2"}},
				nil, true, 1},
		}
		puts := 0
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for _, hx := range []bool{false, true} {
					var hdr []string
					if hx {
						hdr = []string{hxRequest, "true"}
					}
					res := postRules(c, ds, "save", tc.rows, tc.extra, hdr...)
					require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
					doc := res.doc(t)
					require.Equal(t, 1, doc.Find("#rules-editor").Length())
					require.Equal(t, hx, doc.Find("html head title").Length() == 0, "htmx gets the editor alone")
					require.Equal(t, len(tc.rows), doc.Find(".rule-row").Length(), "every row is shown again")
					for row, input := range tc.badRows {
						require.NotEmpty(t, doc.Find("#rule-"+itoa(row)+"-errors li").Text(), "row %d", row)
						require.Equal(t, "true", doc.Find(input).AttrOr("aria-invalid", ""), input)
					}
					require.Equal(t, len(tc.badRows), doc.Find(".rule-row .error").Length(), "errors only on the bad rows")
					if tc.setErr {
						require.Equal(t, "true", doc.Find("#row_min").AttrOr("aria-invalid", ""))
						require.NotEmpty(t, doc.Find("#rules-errors li").Text())
					}
					puts += tc.apiPuts
				}
				require.Zero(t, env.api.rules.saved(ds).Version, "nothing saved")
				env.api.rules.mu.Lock()
				require.Equal(t, puts, env.api.rules.puts)
				env.api.rules.mu.Unlock()
			})
		}
	})
}

func TestRulesAddRemoveRows(t *testing.T) {
	env := newSQLiteEnv(t)
	c, _, ds := rulesEnv(t, env)
	rows := []map[string]string{{"column": "id", "check": "unique"}, {"column": "age", "check": "range", "min": "1"}}

	doc := postRules(c, ds, "add", rows, nil).doc(t)
	require.Equal(t, 3, doc.Find(".rule-row").Length())
	require.Equal(t, "1", doc.Find("#r1_min").AttrOr("value", ""), "typed values are kept")
	require.Equal(t, "3", doc.Find("input[name=rows]").AttrOr("value", ""))

	doc = postRules(c, ds, "remove-0", rows, nil).doc(t)
	require.Equal(t, 1, doc.Find(".rule-row").Length())
	require.Equal(t, "age", doc.Find("#r0_column option[selected]").AttrOr("value", ""), "the rows are renumbered")
	require.Equal(t, "1", doc.Find("#r0_min").AttrOr("value", ""))

	// Without JavaScript, a changed check gets its inputs on refresh.
	doc = postRules(c, ds, "refresh", []map[string]string{{"column": "name", "check": "regex"}}, nil).doc(t)
	require.Equal(t, 1, doc.Find("#r0_pattern").Length())
	require.Zero(t, env.api.rules.saved(ds).Version, "add, remove and refresh save nothing")

	// Every POST needs the CSRF token.
	f := url.Values{"op": {"save"}, "rows": {"0"}, fieldCSRF: {"wrong"}}
	require.Equal(t, http.StatusForbidden, c.postForm(rulesPath(ds), f).StatusCode)
}

func TestRulesRunUsesSavedSet(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		c, o, ds := rulesEnv(t, env)
		res := c.postForm("/datasets/"+ds+"/run", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		_, _, created := env.api.state()
		require.Len(t, created, 1)
		require.Equal(t, ds, created[0].DatasetID)
		require.Nil(t, created[0].Rules, "no rules of its own: the API uses the saved set")
		row := env.db.Task.Query().OnlyX(tenant.With(context.Background(), o.OrgID))
		require.Equal(t, "/tasks/"+row.ID, res.Header.Get("Location"))
		require.Equal(t, "people.csv", row.DatasetName)

		page := c.get("/tasks/" + row.ID).doc(t)
		require.Equal(t, rulesPath(ds), page.Find("#task-rules-link").AttrOr("href", ""))
	})
}
