package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
)

// Through both real apps over HTTP: rules are saved on a dataset's rules page (a refused
// set first shows its problems by row and saves nothing), a check is run with them, and
// the report shows their results, the row-count outcome and the set version.
func TestRulesSavedInBrowserRunOnReport(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		b := newBrowser(t, env.WebURL)
		b.get("/signup")
		res, _ := b.post("/signup", url.Values{
			"email":    {fmt.Sprintf("rules-%d@example.com", time.Now().UnixNano())},
			"password": {apptest.Password}, "org": {"Rules Org"},
		})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		b.get("/dashboard")
		first := b.upload("")

		_, doc := b.get("/tasks/" + first)
		rulesURL := doc.Find("#task-rules-link").AttrOr("href", "")
		require.True(t, strings.HasSuffix(rulesURL, "/rules"), "the task page links the rules: %q", rulesURL)
		res, doc = b.get(rulesURL)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 1, doc.Find("#no-rules").Length())

		// Add a row: its column select offers the dataset's columns.
		_, doc = b.post(rulesURL, url.Values{"op": {"add"}, "rows": {"0"}})
		require.Equal(t, 1, doc.Find(".rule-row").Length())
		require.Equal(t, 1, doc.Find(`#r0_column option[value="country"]`).Length())

		// A bad pattern is refused by the API and shown next to its row.
		bad := url.Values{"op": {"save"}, "rows": {"2"},
			"r0_column": {"country"}, "r0_check": {"in"}, "r0_values": {"DE\nFR"},
			"r1_column": {"name"}, "r1_check": {"regex"}, "r1_pattern": {"(["},
		}
		res, doc = b.post(rulesURL, bad)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, doc.Find("#rule-1-errors").Text(), "invalid pattern")
		require.Zero(t, doc.Find("#rule-0-errors").Length())
		_, doc = b.get(rulesURL)
		require.Equal(t, 1, doc.Find("#no-rules").Length(), "nothing was saved")

		good := url.Values{"op": {"save"}, "rows": {"2"},
			"r0_column": {"country"}, "r0_check": {"in"}, "r0_values": {"DE\nFR"},
			"r1_column": {"name"}, "r1_check": {"regex"}, "r1_pattern": {"^[A-Z]"},
			"row_min": {"1000"},
		}
		res, _ = b.post(rulesURL, good)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		_, doc = b.get(res.Header.Get("Location"))
		require.Contains(t, doc.Find("#rules-saved").Text(), "version 1")
		require.Equal(t, 2, doc.Find(".rule-row").Length())

		runURL := doc.Find("#rules-run").AttrOr("action", "")
		res, _ = b.post(runURL, url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		second := strings.TrimPrefix(res.Header.Get("Location"), "/tasks/")
		require.NotEqual(t, first, second)

		require.Eventually(t, func() bool {
			_, doc = b.get("/tasks/" + second)
			return strings.TrimSpace(doc.Find("#task-status").Text()) == "completed"
		}, 60*time.Second, 100*time.Millisecond, "the task completes")
		_, doc = b.get("/tasks/" + second + "/report")
		require.Contains(t, doc.Find("#rule-set-used").Text(), "version 1")
		rows := doc.Find("#rules-table tbody tr")
		require.Equal(t, 2, rows.Length())
		checks := rows.Map(func(_ int, s *goquery.Selection) string { return s.Find("td").Eq(1).Text() })
		require.Equal(t, []string{"country", "name"}, checks)
		require.Equal(t, "failed", doc.Find("#row-count-result").AttrOr("class", ""), "fewer than 1000 rows")
		require.Contains(t, doc.Find("#row-count-result").Text(), "at least 1000")
	})
}
