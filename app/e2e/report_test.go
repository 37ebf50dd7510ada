package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
)

// upload posts the example dataset through the web's upload form and returns the task id.
func (b *browser) upload(rules string) string {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(b.t, mw.WriteField("csrf_token", b.csrf))
	require.NoError(b.t, mw.WriteField("name", "people.csv"))
	require.NoError(b.t, mw.WriteField("rules", rules))
	fw, err := mw.CreateFormFile("file", "people.csv")
	require.NoError(b.t, err)
	_, err = fw.Write(readExample(b.t))
	require.NoError(b.t, err)
	require.NoError(b.t, mw.Close())
	res, _ := b.read(b.hc.Post(b.base+"/datasets", mw.FormDataContentType(), &body))
	require.Equal(b.t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	require.True(b.t, strings.HasPrefix(loc, "/tasks/"), "redirected to %q", loc)
	return strings.TrimPrefix(loc, "/tasks/")
}

// Through both real apps over HTTP: a finished task's report page has its charts, and
// the CSV and JSON downloads work.
func TestReportPageChartsAndDownloads(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		b := newBrowser(t, env.WebURL)
		b.get("/signup")
		res, _ := b.post("/signup", url.Values{
			"email":    {fmt.Sprintf("report-%d@example.com", time.Now().UnixNano())},
			"password": {apptest.Password}, "org": {"Report Org"},
		})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		b.get("/dashboard")
		id := b.upload("id unique")

		var doc *goquery.Document
		require.Eventually(t, func() bool {
			_, doc = b.get("/tasks/" + id)
			return strings.TrimSpace(doc.Find("#task-status").Text()) == "completed"
		}, 60*time.Second, 100*time.Millisecond, "the task completes")

		res, doc = b.get("/tasks/" + id + "/report")
		require.Equal(t, http.StatusOK, res.StatusCode)
		score := strings.TrimSpace(doc.Find("#score").Text())
		require.NotEmpty(t, score)
		require.Equal(t, score, doc.Find("#score-figure svg[role=img] text.gauge-score").Text())
		cols := doc.Find("#columns tbody tr")
		require.Equal(t, 6, cols.Length())
		require.Equal(t, 6, doc.Find("#nulls svg rect.bar").Length())
		require.Equal(t, 6, doc.Find("#invalid svg rect.bar").Length())
		numeric := 0
		cols.Each(func(_ int, s *goquery.Selection) {
			if typ := s.Find("td").First().Text(); typ == "integer" || typ == "number" {
				numeric++
			}
		})
		require.Positive(t, numeric)
		require.Equal(t, numeric, doc.Find("#profiles svg.histogram").Length(), "a histogram per numeric column")
		require.Positive(t, doc.Find("#profiles svg.histogram rect.bin").Length())
		require.Equal(t, 1, doc.Find("#trend svg circle.point.current").Length())
		require.Contains(t, doc.Find("#score-terms").Text(), "non-null cells / cells")

		res, err := b.hc.Get(b.base + doc.Find("#download-csv").AttrOr("href", ""))
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
		require.Equal(t, "attachment; filename=people-"+id+"-columns.csv", res.Header.Get("Content-Disposition"))
		records, err := csv.NewReader(res.Body).ReadAll()
		require.NoError(t, err)
		require.Len(t, records, 7)
		require.Equal(t, []string{"name", "type", "count"}, records[0][:3])
		require.Equal(t, "id", records[1][0])

		res, err = b.hc.Get(b.base + "/tasks/" + id + "/report.json")
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Header.Get("Content-Disposition"), "attachment; filename=people-")
	})
}
