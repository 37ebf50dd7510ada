package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/tenant"
)

// seedRun records a completed run of dataset ds for o, with its report, finished at.
func (e *testEnv) seedRun(t *testing.T, o owner, ds, name string, at time.Time, rep *report.Report) string {
	t.Helper()
	id := platform.NewID()
	e.db.Task.Create().SetID(id).SetDatasetID(ds).SetDatasetName(name).SetStatus("completed").
		ExecX(tenant.With(context.Background(), o.OrgID))
	r := *rep
	r.TaskID, r.DatasetID = id, ds
	e.api.setTask(o.OrgID, apiTask{ID: id, DatasetID: ds, Status: "completed", Stage: "notify", Progress: 1, Score: ptr(r.Score), FinishedAt: &at})
	e.api.setReport(id, &r)
	return id
}

// chartReport is sampleReport with top values and a histogram for age.
func chartReport(score float64) *report.Report {
	r := sampleReport()
	r.Score = score
	r.Columns[0].Top = []report.TopValue{{Value: "42", Count: 300}, {Value: "<script>alert(1)</script>", Count: 200}}
	r.Columns[0].Histogram = []report.HistogramBin{{Lo: 18, Hi: 42, Count: 9000}, {Lo: 42, Hi: 66, Count: 6000}, {Lo: 66, Hi: 90, Count: 3360}}
	return r
}

func TestReportCharts(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		c := env.login(t, o)
		t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		first := env.seedRun(t, o, "ds-1", "people.csv", t0, chartReport(70))
		second := env.seedRun(t, o, "ds-1", "people.csv", t0.Add(time.Hour), chartReport(80))
		cur := env.seedRun(t, o, "ds-1", "people.csv", t0.Add(2*time.Hour), chartReport(91.3))
		env.seedRun(t, o, "ds-2", "other.csv", t0, chartReport(10))
		env.seedRun(t, other, "ds-1", "people.csv", t0, chartReport(20))

		for _, path := range []string{"/tasks/" + cur, "/tasks/" + cur + "/report"} {
			res := c.get(path)
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
			doc := res.doc(t)
			requireNoInlineCode(t, doc)

			gauge := doc.Find("#score-figure svg[role=img]")
			require.Equal(t, 1, gauge.Length())
			require.Equal(t, "91.3", gauge.Find("text.gauge-score").Text())
			require.Equal(t, 1, gauge.Find("path.gauge-value.band-good").Length())
			require.Contains(t, gauge.Find("title").First().Text(), "Score 91.3 of 100")

			require.Equal(t, 2, doc.Find("#nulls svg rect.bar.bar-nulls").Length(), "a bar per column")
			require.Equal(t, "10.0% (2040)", doc.Find("#nulls svg text.value").First().Text())
			require.Equal(t, 2, doc.Find("#invalid svg rect.bar.bar-invalid").Length())
			require.Equal(t, "1.1% (204)", doc.Find("#invalid svg text.value").First().Text())

			require.Equal(t, 3, doc.Find("#profile-0 svg.histogram rect.bin").Length(), "a rect per bin")
			require.Zero(t, doc.Find("#profile-1 svg.histogram").Length(), "no histogram for a string column")
			top := doc.Find("#profile-0 svg.bars")
			require.Equal(t, 2, top.Find("rect.bar-top").Length())
			require.Equal(t, "<script>alert(1)</script>: 200 (1.1%)", top.Find("rect.bar-top title").Eq(1).Text(), "a value is text, not markup")
			require.NotContains(t, res.Body, "<script>alert(1)")

			points := doc.Find("#trend svg circle.point")
			require.Equal(t, 3, points.Length(), "the org's runs of this dataset only")
			require.Equal(t, 1, doc.Find("#trend svg circle.current").Length())
			require.Equal(t, "/tasks/"+first, doc.Find("#trend svg a").First().AttrOr("href", ""))
			require.Contains(t, points.Eq(2).Find("title").Text(), "2026-01-01 11:00: score 91.3 (this run)")

			opts := doc.Find("#compare-form select[name=with] option")
			require.Equal(t, []string{second, first}, opts.Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") }))
			require.Equal(t, "/tasks/"+cur+"/compare", doc.Find("#compare-form").AttrOr("action", ""))

			require.Contains(t, doc.Find("#term-completeness").Text(), "38760 / 40800 = 0.970")
			require.Contains(t, doc.Find("#term-validity").Text(), "17544 / 20400 = 0.860")
			require.Contains(t, doc.Find("#term-uniqueness").Text(), "1 − 400 / 20400 = 0.980")
			require.Contains(t, doc.Find("#score-total").Text(), "92.25 → 91.3", "the sample score is not its dimensions' sum; the page shows both")
			require.Equal(t, "/tasks/"+cur+"/report.csv", doc.Find("#download-csv").AttrOr("href", ""))
			require.Equal(t, "false", doc.Find("#download-json").AttrOr("hx-boost", ""))
		}
	})
}

func TestReportExports(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		c := env.login(t, o)
		hostile := []string{"=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3", "@import", "\tdata", "\rdata", "=HYPERLINK(\"http://x\")"}
		rep := chartReport(50)
		rep.Columns = nil
		for _, h := range hostile {
			rep.Columns = append(rep.Columns, report.ColumnReport{Name: h, Type: "string", Count: 1, Top: []report.TopValue{{Value: h, Count: 1}}})
		}
		rep.Columns = append(rep.Columns, report.ColumnReport{Name: "plain", Type: "number", Count: 1, Min: ptr(-3.5)})
		id := env.seedRun(t, o, "ds-1", `../evil "name";.csv`, time.Now(), rep)
		foreign := env.seedRun(t, other, "ds-9", "x.csv", time.Now(), rep)

		res := c.get("/tasks/" + id + "/report.csv")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
		require.Equal(t, "attachment; filename=evil-name-"+id+"-columns.csv", res.Header.Get("Content-Disposition"))
		require.Equal(t, "private, no-store", res.Header.Get("Cache-Control"))
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		require.NoError(t, err)
		require.Len(t, records, len(hostile)+2)
		require.Equal(t, "name", records[0][0])
		top := len(records[0]) - 1
		require.Equal(t, "top", records[0][top])
		for i, h := range hostile {
			require.Equal(t, "'"+h, records[i+1][0], "name cell %q", h)
			require.Equal(t, "'"+h+" (1)", records[i+1][top], "top cell %q", h)
		}
		require.Equal(t, "plain", records[len(records)-1][0])
		require.Equal(t, "-3.5", records[len(records)-1][7], "a plain negative number stays a number")

		res = c.get("/tasks/" + id + "/report.json")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
		require.Equal(t, "attachment; filename=evil-name-"+id+"-report.json", res.Header.Get("Content-Disposition"))
		var got report.Report
		require.NoError(t, json.Unmarshal([]byte(res.Body), &got))
		require.Equal(t, id, got.TaskID)
		require.Equal(t, hostile[0], got.Columns[0].Name, "the JSON keeps values as they are")

		for _, p := range []string{"/report.csv", "/report.json"} {
			require.Equal(t, http.StatusNotFound, c.get("/tasks/"+foreign+p).StatusCode, p)
		}
		pending := env.seedTask(t, o, "processing")
		require.Equal(t, http.StatusNotFound, c.get("/tasks/"+pending+"/report.csv").StatusCode)
	})
}

func TestDownloadName(t *testing.T) {
	for _, tt := range []struct{ ds, want string }{
		{"people.csv", "people-t1-x.csv"},
		{`../../etc/passwd`, "etc-passwd-t1-x.csv"},
		{`a"b;c\r\nd`, "a-b-c-r-nd-t1-x.csv"},
		{"日本語", "t1-x.csv"},
		{strings.Repeat("a", 200), strings.Repeat("a", maxFileStem) + "-t1-x.csv"},
	} {
		require.Equal(t, tt.want, downloadName(tt.ds, "t1", "x.csv"), tt.ds)
	}
}
