package web

import (
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/web/charts"
)

// Score weights, as the report engine applies them.
const (
	weightCompleteness = 0.35
	weightValidity     = 0.45
	weightUniqueness   = 0.20
)

// chartFuncs are the template funcs that draw a report's charts as inline SVG.
var chartFuncs = map[string]any{
	"gauge":        scoreGauge,
	"nullBars":     nullBars,
	"invalidBars":  invalidBars,
	"histogram":    columnHistogram,
	"topValues":    columnTopValues,
	"trend":        scoreTrend,
	"explainScore": explainScore,
	"numeric":      func(c report.ColumnReport) bool { return len(c.Histogram) > 0 },
	"points":       func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
}

// runPoint is one completed run of a dataset, for the trend and the compare picker.
type runPoint struct {
	ID    string
	Score float64
	At    time.Time
}

func scoreGauge(score float64) template.HTML {
	s := formatScore(score)
	return charts.Gauge(charts.Frame{
		ID: "score-gauge", Title: "Score " + s + " of 100",
		Desc: "A half-circle gauge from 0 to 100, filled up to the score " + s + ".",
	}, score)
}

func nullBars(cols []report.ColumnReport) template.HTML {
	bars := make([]charts.Bar, len(cols))
	for i, c := range cols {
		bars[i] = shareBar(c.Name, c.Nulls, c.Count)
	}
	return charts.Bars(charts.Frame{
		ID: "nulls-chart", Title: "Nulls per column",
		Desc: "For each column, the share of its rows that are null.",
	}, "bar-nulls", bars)
}

func invalidBars(cols []report.ColumnReport) template.HTML {
	bars := make([]charts.Bar, len(cols))
	for i, c := range cols {
		bars[i] = shareBar(c.Name, c.Invalid, c.Count-c.Nulls)
	}
	return charts.Bars(charts.Frame{
		ID: "invalid-chart", Title: "Invalid values per column",
		Desc: "For each column, the share of its non-null values that do not parse as its type.",
	}, "bar-invalid", bars)
}

// shareBar is a bar of n out of total, printed as a percentage and the count.
func shareBar(label string, n, total int64) charts.Bar {
	r := 0.0
	if total > 0 {
		r = float64(n) / float64(total)
	}
	return charts.Bar{Label: label, Ratio: r, Text: charts.Percent(r) + " (" + strconv.FormatInt(n, 10) + ")"}
}

// columnHistogram draws column i's histogram; the id uses the index because names are
// user data.
func columnHistogram(i int, c report.ColumnReport) template.HTML {
	bins := make([]charts.Bin, len(c.Histogram))
	for j, b := range c.Histogram {
		bins[j] = charts.Bin{Lo: b.Lo, Hi: b.Hi, Count: b.Count}
	}
	return charts.Histogram(charts.Frame{
		ID: "hist-" + strconv.Itoa(i), Title: "Histogram of " + c.Name,
		Desc: "How the values of " + c.Name + " spread from " + formatNum(c.Min) + " to " + formatNum(c.Max) + ", in " + strconv.Itoa(len(bins)) + " equal-width bins (approximate counts).",
	}, bins)
}

func columnTopValues(i int, c report.ColumnReport) template.HTML {
	vals := make([]charts.Count, len(c.Top))
	for j, t := range c.Top {
		vals[j] = charts.Count{Label: t.Value, N: t.Count}
	}
	return charts.TopValues(charts.Frame{
		ID: "top-" + strconv.Itoa(i), Title: "Most frequent values of " + c.Name,
		Desc: "Each value's count and its share of the column's non-null values.",
	}, vals, c.Count-c.Nulls)
}

// scoreTrend draws the scores of a dataset's runs, oldest first, marking current.
func scoreTrend(current string, runs []runPoint) template.HTML {
	pts := make([]charts.Point, len(runs))
	for i, r := range runs {
		pts[i] = charts.Point{Label: r.At.UTC().Format("2006-01-02 15:04"), Score: r.Score, Href: "/tasks/" + r.ID, Current: r.ID == current}
	}
	return charts.Trend(charts.Frame{
		ID: "trend-chart", Title: "Score across this dataset's runs",
		Desc: "The score of each completed run of this dataset, oldest first; " + strconv.Itoa(len(runs)) + " runs.",
	}, pts)
}

// scoreExplain is the score formula worked out with a report's own numbers.
type scoreExplain struct {
	Cells, NonNull          int64
	Conforming              int64
	Rows, PassingRows, Dups int64
	Rules                   bool
	Completeness, Validity  float64
	Uniqueness              float64
	PtsC, PtsV, PtsU, Total float64
}

func explainScore(r *report.Report) scoreExplain {
	e := scoreExplain{
		Rows: r.Rows, Dups: r.DuplicateRows, Rules: len(r.Rules) > 0,
		Completeness: r.Dimensions.Completeness, Validity: r.Dimensions.Validity, Uniqueness: r.Dimensions.Uniqueness,
	}
	for _, c := range r.Columns {
		e.Cells += c.Count
		e.NonNull += c.Count - c.Nulls
		e.Conforming += c.Count - c.Nulls - c.Invalid
	}
	e.PassingRows = int64(math.Round(e.Validity * float64(e.Rows)))
	e.PtsC = 100 * weightCompleteness * e.Completeness
	e.PtsV = 100 * weightValidity * e.Validity
	e.PtsU = 100 * weightUniqueness * e.Uniqueness
	e.Total = e.PtsC + e.PtsV + e.PtsU
	return e
}
