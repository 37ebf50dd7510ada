package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/report"
)

// cells returns the trimmed texts of a row's cells.
func cells(s *goquery.Selection) []string {
	return s.Find("th, td").Map(func(_ int, c *goquery.Selection) string { return strings.Join(strings.Fields(c.Text()), " ") })
}

func TestComparePage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		c := env.login(t, o)
		base := chartReport(80)
		base.Dimensions.Validity = 0.80
		base.Columns[0].Nulls, base.Columns[0].Invalid, base.Columns[0].Mean = 1000, 204, ptr(50.0)
		base.Columns[1] = report.ColumnReport{Name: "legacy", Type: "string", Count: 20400}
		base.Rules = []report.RuleResult{
			{Rule: report.Rule{Column: "age", Check: "range", Min: ptr(18.0), Max: ptr(65.0)}, Passed: false, FailedRows: 7000},
			{Rule: report.Rule{Column: "legacy", Check: "unique"}, Passed: true},
		}
		cur := chartReport(91.3)
		t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		older := env.seedRun(t, o, "ds-1", "people.csv", t0, base)
		newer := env.seedRun(t, o, "ds-1", "people.csv", t0.Add(time.Hour), cur)
		foreign := env.seedRun(t, other, "ds-1", "people.csv", t0, base)

		res := c.get("/tasks/" + newer + "/compare?with=" + older)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc := res.doc(t)
		requireNoInlineCode(t, doc)
		require.Equal(t, "/tasks/"+older, doc.Find("#base-run").AttrOr("href", ""))
		require.Zero(t, doc.Find("#different-datasets").Length())

		score := doc.Find("#cmp-score")
		require.Equal(t, []string{"Score", "80.0", "91.3", "▲ up +11.3"}, cells(score))
		require.Equal(t, 1, score.Find(".delta-better[data-dir=up]").Length())
		require.Equal(t, []string{"Validity", "80.0%", "86.0%", "▲ up +6.0 pts"}, cells(doc.Find("#cmp-Validity")))
		require.Equal(t, "±0", strings.TrimSpace(doc.Find("#cmp-Completeness .delta").Text()))

		differ := doc.Find("#columns-differ").Text()
		require.Contains(t, differ, "Only in this run: email")
		require.Contains(t, differ, "Only in the other run: legacy")
		rows := doc.Find("#compare-columns tbody tr")
		require.Equal(t, 1, rows.Length(), "only the columns both have")
		age := cells(rows.First())
		require.Equal(t, []string{"age", "1000 → 2040 ▲ up +1040", "204 → 204 ±0", "73 → 73 ±0", "50 → 54.1 ▲ up +4.1"}, age)
		require.Equal(t, 1, rows.First().Find("td").Eq(0).Find(".delta-worse").Length(), "more nulls is worse")
		require.Equal(t, 1, rows.First().Find("td").Eq(3).Find(".delta-neutral").Length(), "a mean has no better side")

		rules := doc.Find("#compare-rules tbody tr")
		require.Equal(t, 3, rules.Length())
		require.Equal(t, []string{"range 18 – 65", "age", "failed (7000 rows)", "failed (6100 rows)", "▼ down -900"}, cells(rules.Eq(0)))
		require.Equal(t, 1, rules.Eq(0).Find(".delta-better[data-dir=down]").Length(), "fewer failed rows is better")
		require.Equal(t, []string{"not_null", "email", "not checked", "passed (0 rows)", "—"}, cells(rules.Eq(1)))
		require.Equal(t, []string{"unique", "legacy", "passed (0 rows)", "not checked", "—"}, cells(rules.Eq(2)))

		for _, tc := range []struct {
			name, query string
			status      int
		}{
			{"no run chosen", "", http.StatusUnprocessableEntity},
			{"itself", "?with=" + newer, http.StatusUnprocessableEntity},
			{"another organization's run", "?with=" + foreign, http.StatusNotFound},
			{"unknown run", "?with=nope", http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				require.Equal(t, tc.status, c.get("/tasks/"+newer+"/compare"+tc.query).StatusCode)
			})
		}
		require.Equal(t, http.StatusNotFound, c.get("/tasks/"+foreign+"/compare?with="+newer).StatusCode)

		elsewhere := env.seedRun(t, o, "ds-2", "cities.csv", t0, base)
		doc = c.get("/tasks/" + newer + "/compare?with=" + elsewhere).doc(t)
		require.Equal(t, 1, doc.Find("#different-datasets").Length())
	})
}
