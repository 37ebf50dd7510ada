package charts

import (
	"encoding/xml"
	"html/template"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
)

// hostile labels come from user data: column names and values.
var hostile = []string{`<script>alert(1)</script>`, `"><svg onload=alert(1)>`, `' onmouseover='x`, "a\x00b\x1b&amp;"}

// parse checks the markup is well-formed XML with an accessible root and returns it
// as a document.
func parse(t *testing.T, h template.HTML) *goquery.Document {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(h)))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "markup: %s", h)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(h)))
	require.NoError(t, err)
	root := doc.Find("svg")
	require.Equal(t, 1, root.Length())
	require.Equal(t, "img", root.AttrOr("role", ""))
	require.NotEmpty(t, root.AttrOr("viewBox", ""))
	_, hasStyle := root.Attr("style")
	require.False(t, hasStyle)
	require.Equal(t, 0, doc.Find("[style], script, foreignObject").Length())
	require.Equal(t, 1, doc.Find("svg > title").Length())
	require.Equal(t, 1, doc.Find("svg > desc").Length())
	for _, a := range doc.Find("*").Nodes {
		for _, at := range a.Attr {
			require.False(t, strings.HasPrefix(strings.ToLower(at.Key), "on"), "event handler attribute %q in %s", at.Key, h)
		}
	}
	return doc
}

func attrFloat(t *testing.T, s *goquery.Selection, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s.AttrOr(name, "x"), 64)
	require.NoError(t, err, "%s=%q", name, s.AttrOr(name, ""))
	return v
}

func TestGauge(t *testing.T) {
	for _, tt := range []struct {
		score float64
		text  string
		band  string
		arc   bool
	}{{91.3, "91.3", "good", true}, {75, "75.0", "fair", true}, {12, "12.0", "poor", true}, {0, "0.0", "", false}, {140, "100.0", "good", true}, {-3, "0.0", "", false}} {
		doc := parse(t, Gauge(Frame{ID: "g", Title: "Score", Desc: "d"}, tt.score))
		require.Equal(t, tt.text, doc.Find("text.gauge-score").Text())
		require.Equal(t, tt.arc, doc.Find("path.gauge-value").Length() == 1, "score %v", tt.score)
		if tt.arc {
			require.True(t, doc.Find("path.gauge-value").HasClass("band-"+tt.band))
		}
	}
}

func TestBarsLengthsAndLabels(t *testing.T) {
	bars := []Bar{{"a", 0.5, "50.0%"}, {"b", 0, "0.0%"}, {"c", 1.7, "170%"}, {"d", 0.0001, "0.0%"}}
	doc := parse(t, Bars(Frame{ID: "nulls", Title: "Nulls", Desc: "d"}, "bar-nulls", bars))
	rects := doc.Find("rect.bar.bar-nulls")
	require.Equal(t, len(bars), rects.Length())
	widths := []float64{}
	rects.Each(func(_ int, s *goquery.Selection) {
		w := attrFloat(t, s, "width")
		require.GreaterOrEqual(t, w, 0.0)
		require.LessOrEqual(t, w, float64(barMaxW))
		widths = append(widths, w)
	})
	require.Equal(t, []float64{barMaxW / 2, 0, barMaxW, 1}, widths)
	require.Equal(t, "a", doc.Find("text.label").First().Text())
	require.Equal(t, "50.0%", doc.Find("text.value").First().Text())
}

func TestHistogramBins(t *testing.T) {
	bins := []Bin{{0, 1, 2}, {1, 2, 8}, {2, 3, 0}, {3, 4, 4}}
	doc := parse(t, Histogram(Frame{ID: "h", Title: "age", Desc: "d"}, bins))
	rects := doc.Find("rect.bin")
	require.Equal(t, 4, rects.Length())
	var tallest float64
	rects.Each(func(i int, s *goquery.Selection) {
		x, y, h := attrFloat(t, s, "x"), attrFloat(t, s, "y"), attrFloat(t, s, "height")
		require.GreaterOrEqual(t, x, float64(histLeft))
		require.LessOrEqual(t, x+attrFloat(t, s, "width"), float64(histRight))
		require.GreaterOrEqual(t, y, float64(histTop)-0.01)
		require.InDelta(t, histBottom, y+h, 0.01)
		tallest = max(tallest, h)
	})
	require.InDelta(t, histPlotH, tallest, 0.01, "the largest bin fills the height")
	require.Equal(t, "1 – 2: 8", rects.Eq(1).Find("title").Text())
	require.Equal(t, 0, parse(t, Histogram(Frame{ID: "e"}, nil)).Find("rect.bin").Length())
}

func TestTrendPoints(t *testing.T) {
	pts := []Point{{"Mon", 50, "/tasks/a", false}, {"Tue", 100, "/tasks/b", true}, {"Wed", 0, "", false}}
	doc := parse(t, Trend(Frame{ID: "trend", Title: "Trend", Desc: "d"}, pts))
	circles := doc.Find("circle.point")
	require.Equal(t, 3, circles.Length())
	require.Equal(t, 1, doc.Find("polyline.trend-line").Length())
	require.Equal(t, 1, doc.Find("circle.current").Length())
	require.Equal(t, 2, doc.Find("a[href]").Length())
	ys := []float64{}
	circles.Each(func(_ int, s *goquery.Selection) {
		x := attrFloat(t, s, "cx")
		require.True(t, x >= trendLeft && x <= trendRight, "cx %v", x)
		ys = append(ys, attrFloat(t, s, "cy"))
	})
	require.Equal(t, []float64{(trendTop + trendBottom) / 2, trendTop, trendBottom}, ys)
	require.Equal(t, "Tue: score 100.0 (this run)", circles.Eq(1).Find("title").Text())

	one := parse(t, Trend(Frame{ID: "t1"}, pts[:1]))
	require.Equal(t, 1, one.Find("circle.point").Length())
	require.Equal(t, 0, one.Find("polyline").Length())
}

// TestChartsEscapeLabels feeds hostile text everywhere a label goes: the markup stays
// well-formed, has no script or handler, and shows the text as text.
func TestChartsEscapeLabels(t *testing.T) {
	for _, h := range hostile {
		f := Frame{ID: "x", Title: h, Desc: h}
		for name, out := range map[string]template.HTML{
			"gauge":     Gauge(f, 50),
			"bars":      Bars(f, "bar-nulls", []Bar{{Label: h, Ratio: 0.5, Text: h}}),
			"top":       TopValues(f, []Count{{Label: h, N: 3}}, 4),
			"histogram": Histogram(f, []Bin{{0, 1, 1}}),
			"trend":     Trend(f, []Point{{Label: h, Score: 50, Href: h}}),
		} {
			t.Run(name, func(t *testing.T) {
				doc := parse(t, out)
				require.Equal(t, 1, doc.Find("svg").Length(), "no injected svg")
				require.NotContains(t, string(out), "<script")
				want := strings.ReplaceAll(strings.ReplaceAll(h, "\x00", "\uFFFD"), "\x1b", "\uFFFD")
				require.Equal(t, want, doc.Find("svg > title").Text())
			})
		}
	}
	require.Equal(t, "3 (75.0%)", parse(t, TopValues(Frame{ID: "t"}, []Count{{"top", 3}}, 4)).Find("text.value").Text())
}
