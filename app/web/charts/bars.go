package charts

import (
	"html/template"
	"math"
	"strconv"
)

// Bar is one horizontal bar: Ratio (0–1) sets its length and Text is printed after
// it; Label names it.
type Bar struct {
	Label string
	Ratio float64
	Text  string
}

// Bar chart geometry, in viewBox units.
const (
	barRow    = 22
	barLabelW = 170
	barMaxW   = 260
	barWidth  = barLabelW + barMaxW + 70
	labelRune = 24
)

// Bars draws one horizontal bar per entry, each with class "bar <class>". Long labels
// are shortened on screen; each bar's tooltip has the full label.
func Bars(f Frame, class string, bars []Bar) template.HTML {
	var s svg
	s.open(f, "bars", barWidth, max(len(bars), 1)*barRow+4)
	for i, b := range bars {
		y := float64(i*barRow) + 2
		w := clamp01(b.Ratio) * barMaxW
		if b.Ratio > 0 && w < 1 {
			w = 1 // a tiny share stays visible
		}
		s.text(barLabelW-6, y+15, "label", "end", clip(b.Label, labelRune))
		s.rect(barLabelW, y+3, barMaxW, barRow-6, "bar-track", b.Label+": "+b.Text)
		s.rect(barLabelW, y+3, w, barRow-6, "bar "+class, b.Label+": "+b.Text)
		s.text(barLabelW+w+6, y+15, "value", "", b.Text)
	}
	return s.html()
}

// Count is a value and how often it occurs.
type Count struct {
	Label string
	N     int64
}

// TopValues draws the frequent values of a column as bars relative to total (the
// column's non-null values), each labelled with its count and share.
func TopValues(f Frame, values []Count, total int64) template.HTML {
	bars := make([]Bar, len(values))
	for i, v := range values {
		r := 0.0
		if total > 0 {
			r = float64(v.N) / float64(total)
		}
		bars[i] = Bar{Label: v.Label, Ratio: r, Text: strconv.FormatInt(v.N, 10) + " (" + Percent(r) + ")"}
	}
	return Bars(f, "bar-top", bars)
}

// Bin is one histogram bin: Count values in [Lo, Hi).
type Bin struct {
	Lo, Hi float64
	Count  int64
}

// Histogram geometry, in viewBox units.
const (
	histW, histH         = 320, 150
	histLeft, histRight  = 36, 310
	histTop, histBottom  = 8, 122
	histPlotW, histPlotH = histRight - histLeft, histBottom - histTop
)

// Histogram draws one vertical bar per bin, scaled to the largest count, with the
// range's ends and the largest count on the axes.
func Histogram(f Frame, bins []Bin) template.HTML {
	var s svg
	s.open(f, "histogram", histW, histH)
	var top int64
	for _, b := range bins {
		top = max(top, b.Count)
	}
	s.WriteString(`<line class="axis-line" x1="` + num(histLeft) + `" y1="` + num(histBottom) + `" x2="` + num(histRight) + `" y2="` + num(histBottom) + `"/>`)
	if len(bins) > 0 {
		w := float64(histPlotW) / float64(len(bins))
		for i, b := range bins {
			h := 0.0
			if top > 0 {
				h = float64(b.Count) / float64(top) * histPlotH
			}
			x := histLeft + float64(i)*w
			s.rect(x+1, histBottom-h, w-2, h, "bin", label(b.Lo)+" – "+label(b.Hi)+": "+strconv.FormatInt(b.Count, 10))
		}
		s.text(histLeft, histBottom+16, "axis", "start", label(bins[0].Lo))
		s.text(histRight, histBottom+16, "axis", "end", label(bins[len(bins)-1].Hi))
	}
	s.text(histLeft-4, histTop+8, "axis", "end", strconv.FormatInt(top, 10))
	s.text(histLeft-4, histBottom, "axis", "end", "0")
	return s.html()
}

// label prints an axis value with up to six significant digits.
func label(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}
