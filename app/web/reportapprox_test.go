package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReportMarksApproximateFigures: estimated distinct counts, histograms and top-value
// counts are marked as such on the report page, with the top values' error margin.
func TestReportMarksApproximateFigures(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		r := chartReport(88)
		r.Columns[0].DistinctApprox, r.Columns[1].DistinctApprox = true, false
		r.Columns[0].TopApprox, r.Columns[0].TopMaxError = true, 12
		r.Columns[0].Approximate = []string{"distinct", "quantiles", "histogram", "top"}
		id := env.seedRun(t, o, "ds-1", "people.csv", time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), r)

		res := c.get("/tasks/" + id)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc := res.doc(t)
		rows := doc.Find("#columns tbody tr")
		require.Equal(t, "≈", rows.Eq(0).Find("td abbr").Text(), "estimated distinct count")
		require.Zero(t, rows.Eq(1).Find("td abbr").Length(), "exact distinct count")
		require.Contains(t, doc.Find("#approximate-note").Text(), "≈ marks an estimate")
		require.Contains(t, doc.Find("#profile-0").Text(), "counts may be low by up to 12")
		require.Contains(t, doc.Find("#profile-0").Text(), "Approximate counts, from a quantile sketch")
	})
}
