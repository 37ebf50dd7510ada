// Package charts draws small, static SVG charts from plain numbers for the report
// pages. Every chart is self-contained markup with role="img", a <title> and a <desc>,
// sized by its viewBox and coloured through CSS classes only (the pages' CSP allows
// no inline styles). Every text that reaches the markup is escaped.
package charts

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Frame names a chart: ID prefixes its element ids (it must be unique on the page),
// Title is its accessible name and Desc says what it shows.
type Frame struct {
	ID    string
	Title string
	Desc  string
}

// svg collects a chart's markup.
type svg struct{ strings.Builder }

// open writes the root element with its title and description.
func (s *svg) open(f Frame, class string, w, h int) {
	id := esc(f.ID)
	s.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart ` + class + `" id="` + id +
		`" role="img" viewBox="0 0 ` + strconv.Itoa(w) + " " + strconv.Itoa(h) +
		`" preserveAspectRatio="xMinYMin meet" aria-labelledby="` + id + `-title ` + id + `-desc">`)
	s.WriteString(`<title id="` + id + `-title">` + esc(f.Title) + `</title>`)
	s.WriteString(`<desc id="` + id + `-desc">` + esc(f.Desc) + `</desc>`)
}

// html closes the root element and returns the markup.
func (s *svg) html() template.HTML {
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // #nosec G203 -- built here; every text went through esc
}

// text writes a <text> element; its content is escaped.
func (s *svg) text(x, y float64, class, anchor, content string) {
	s.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `" class="` + class + `"`)
	if anchor != "" {
		s.WriteString(` text-anchor="` + anchor + `"`)
	}
	s.WriteString(`>` + esc(content) + `</text>`)
}

// rect writes a <rect> with a tooltip title.
func (s *svg) rect(x, y, w, h float64, class, tip string) {
	s.WriteString(`<rect x="` + num(x) + `" y="` + num(y) + `" width="` + num(max(w, 0)) + `" height="` + num(max(h, 0)) +
		`" class="` + class + `"><title>` + esc(tip) + `</title></rect>`)
}

// esc escapes s for text and double-quoted attributes, and replaces control
// characters and invalid UTF-8 (which XML does not allow) with U+FFFD.
func esc(s string) string {
	clean := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\t' && r != '\n') {
			return '\uFFFD'
		}
		return r
	}, s)
	return template.HTMLEscapeString(clean)
}

// clip shortens a label to n runes, ending in "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// num prints a coordinate with at most two decimals.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// clamp01 bounds a ratio to [0, 1]; NaN counts as 0.
func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return max(0, min(f, 1))
}

// Percent prints a ratio as a percentage with one decimal, e.g. "12.5%".
func Percent(r float64) string {
	return strconv.FormatFloat(clamp01(r)*100, 'f', 1, 64) + "%"
}
