package charts

import (
	"html/template"
	"strconv"
	"strings"
)

// Point is one run in a trend: its Score (0–100), a Label (when it ran), an optional
// Href to its report and whether it is the run on screen.
type Point struct {
	Label   string
	Score   float64
	Href    string
	Current bool
}

// Trend geometry, in viewBox units.
const (
	trendW, trendH        = 420, 160
	trendLeft, trendRight = 36, 404
	trendTop, trendBottom = 10, 130
)

// Trend draws the scores of runs in the given (oldest first) order as a line with a
// point per run; each point is labelled with its run and score and links to it.
func Trend(f Frame, pts []Point) template.HTML {
	var s svg
	s.open(f, "trend", trendW, trendH)
	for _, g := range []float64{0, 50, 100} {
		y := trendY(g)
		s.WriteString(`<line class="grid" x1="` + num(trendLeft) + `" y1="` + num(y) + `" x2="` + num(trendRight) + `" y2="` + num(y) + `"/>`)
		s.text(trendLeft-4, y+4, "axis", "end", strconv.Itoa(int(g)))
	}
	xs := make([]string, len(pts))
	for i, p := range pts {
		xs[i] = num(trendX(i, len(pts))) + "," + num(trendY(p.Score))
	}
	if len(pts) > 1 {
		s.WriteString(`<polyline class="trend-line" points="` + strings.Join(xs, " ") + `"/>`)
	}
	for i, p := range pts {
		x, y := trendX(i, len(pts)), trendY(p.Score)
		class := "point band-" + Band(p.Score)
		if p.Current {
			class += " current"
		}
		tip := p.Label + ": score " + strconv.FormatFloat(p.Score, 'f', 1, 64)
		if p.Current {
			tip += " (this run)"
		}
		if p.Href != "" {
			s.WriteString(`<a href="` + esc(p.Href) + `" aria-label="` + esc(tip) + `">`)
		}
		s.WriteString(`<circle cx="` + num(x) + `" cy="` + num(y) + `" r="5" class="` + class + `"><title>` + esc(tip) + `</title></circle>`)
		if p.Href != "" {
			s.WriteString(`</a>`)
		}
	}
	if len(pts) > 0 {
		s.text(trendLeft, trendH-8, "axis", "start", pts[0].Label)
		if len(pts) > 1 {
			s.text(trendRight, trendH-8, "axis", "end", pts[len(pts)-1].Label)
		}
	}
	return s.html()
}

// trendX spreads n points evenly across the plot; a single point sits in the middle.
func trendX(i, n int) float64 {
	if n < 2 {
		return (trendLeft + trendRight) / 2
	}
	return trendLeft + float64(i)*float64(trendRight-trendLeft)/float64(n-1)
}

// trendY maps a score (clamped to 0–100) to the plot's height.
func trendY(score float64) float64 {
	return trendBottom - clamp01(score/100)*(trendBottom-trendTop)
}
