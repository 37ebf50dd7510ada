package charts

import (
	"html/template"
	"math"
	"strconv"
)

// Band names the quality band of a score: "good" from 90, "fair" from 70, else "poor".
func Band(score float64) string {
	switch {
	case score >= 90:
		return "good"
	case score >= 70:
		return "fair"
	}
	return "poor"
}

// Gauge draws a half-circle gauge from 0 to 100 filled up to score, with the score
// as text in its middle.
func Gauge(f Frame, score float64) template.HTML {
	if math.IsNaN(score) {
		score = 0
	}
	score = max(0, min(score, 100))
	const cx, cy, r = 100.0, 100.0, 80.0
	var s svg
	s.open(f, "gauge", 200, 120)
	s.WriteString(`<path class="gauge-track" d="M 20 100 A 80 80 0 0 1 180 100"/>`)
	if score > 0 {
		a := math.Pi * (1 - score/100)
		x, y := cx+r*math.Cos(a), cy-r*math.Sin(a)
		s.WriteString(`<path class="gauge-value band-` + Band(score) + `" d="M 20 100 A 80 80 0 0 1 ` + num(x) + " " + num(y) + `"/>`)
	}
	s.text(cx, 92, "gauge-score", "middle", strconv.FormatFloat(score, 'f', 1, 64))
	s.text(cx, 114, "gauge-of", "middle", "of 100")
	s.text(20, 114, "axis", "middle", "0")
	s.text(180, 114, "axis", "middle", "100")
	return s.html()
}
