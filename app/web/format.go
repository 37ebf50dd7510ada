package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/assayhq/assay/app/report"
)

// formatFuncs are the template funcs for numbers, times and rules.
var formatFuncs = map[string]any{
	"score":        formatScore,
	"ratio":        func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) },
	"percent":      func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" },
	"num":          formatNum,
	"iso":          func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"when":         func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"describeRule": describeRule,
}

// formatScore prints a score with one decimal; it takes float64 or *float64.
func formatScore(v any) string {
	switch s := v.(type) {
	case float64:
		return strconv.FormatFloat(s, 'f', 1, 64)
	case *float64:
		if s != nil {
			return strconv.FormatFloat(*s, 'f', 1, 64)
		}
	}
	return "—"
}

// formatNum prints an optional statistic with at most four decimals.
func formatNum(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*v*1e4)/1e4, 'f', -1, 64)
}

// describeRule renders a rule in the rules-form syntax, e.g. "range 18 – 65".
func describeRule(r report.Rule) string {
	bound := func(b *float64) string {
		if b == nil {
			return "*"
		}
		return strconv.FormatFloat(*b, 'f', -1, 64)
	}
	switch r.Check {
	case report.CheckRange, report.CheckLength:
		return fmt.Sprintf("%s %s – %s", r.Check, bound(r.Min), bound(r.Max))
	case report.CheckIn:
		return "in " + strings.Join(r.Values, ", ")
	case report.CheckRegex:
		return "regex " + r.Pattern
	case report.CheckType:
		return "type " + r.Type
	}
	return r.Check
}

// humanBytes prints a size in binary units, e.g. "256 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB"}[exp]
}
