package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/report"
	entweb "github.com/assayhq/assay/ent/web"
)

// compareSide is one of the two runs on the compare page.
type compareSide struct {
	TaskID      string
	DatasetName string
	Report      *report.Report
}

// comparePage puts a run (Current) beside another (Base); deltas are Current − Base.
type comparePage struct {
	Current, Base compareSide
	SameDataset   bool
	Score         cmpNum
	Dimensions    []cmpDim
	Columns       []cmpColumn
	OnlyCurrent   []string // columns of the current run only
	OnlyBase      []string // columns of the other run only
	Rules         []cmpRule
}

// cmpDim is one score dimension on both sides.
type cmpDim struct {
	Name string
	cmpNum
}

// cmpColumn is a column both runs have.
type cmpColumn struct {
	Name                           string
	Nulls, Invalid, Distinct, Mean cmpNum
}

// cmpRule is a rule of either run; a side without it has a nil result.
type cmpRule struct {
	Rule          string
	Column        string
	Base, Current *report.RuleResult
	Change        delta
}

// compare shows two of the organization's runs side by side.
func (h tasks) compare(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	with := strings.Clone(c.Query("with"))
	if with == "" || with == t.ID {
		return apperr.Invalid("Choose another run to compare this one with.")
	}
	o, err := h.db.Task.Get(c.Context(), with)
	if entweb.IsNotFound(err) {
		return apperr.NotFound("run to compare with")
	}
	if err != nil {
		return errAPIUnavailable.WithErr(err)
	}
	acc := memberOf(c)
	cur, err := h.api.report(c.Context(), acc, t.ID)
	if err != nil {
		return reportError(err)
	}
	base, err := h.api.report(c.Context(), acc, o.ID)
	if err != nil {
		return reportError(err)
	}
	p := buildCompare(compareSide{t.ID, displayName(t), cur}, compareSide{o.ID, displayName(o), base})
	return h.views.page(c, http.StatusOK, "pages/tasks/compare", p)
}

func buildCompare(cur, base compareSide) comparePage {
	a, b := cur.Report, base.Report
	p := comparePage{
		Current: cur, Base: base,
		SameDataset: a.DatasetID != "" && a.DatasetID == b.DatasetID,
		Score:       ratioNum(b.Score, a.Score, 1, higherBetter),
		Dimensions: []cmpDim{
			{"Completeness", pctNum(b.Dimensions.Completeness, a.Dimensions.Completeness)},
			{"Validity", pctNum(b.Dimensions.Validity, a.Dimensions.Validity)},
			{"Uniqueness", pctNum(b.Dimensions.Uniqueness, a.Dimensions.Uniqueness)},
		},
	}
	byName := make(map[string]report.ColumnReport, len(b.Columns))
	for _, c := range b.Columns {
		byName[c.Name] = c
	}
	seen := make(map[string]bool, len(a.Columns))
	for _, c := range a.Columns {
		seen[c.Name] = true
		o, ok := byName[c.Name]
		if !ok {
			p.OnlyCurrent = append(p.OnlyCurrent, c.Name)
			continue
		}
		p.Columns = append(p.Columns, cmpColumn{
			Name:     c.Name,
			Nulls:    intNum(o.Nulls, c.Nulls, lowerBetter),
			Invalid:  intNum(o.Invalid, c.Invalid, lowerBetter),
			Distinct: intNum(o.Distinct, c.Distinct, neutral),
			Mean:     optNum(o.Mean, c.Mean),
		})
	}
	for _, c := range b.Columns {
		if !seen[c.Name] {
			p.OnlyBase = append(p.OnlyBase, c.Name)
		}
	}
	p.Rules = compareRules(b.Rules, a.Rules)
	return p
}

// compareRules pairs the rules of both runs by column and check, the current run's first.
func compareRules(base, cur []report.RuleResult) []cmpRule {
	key := func(r report.RuleResult) string { return r.Column + "\x00" + describeRule(r.Rule) }
	idx := map[string]int{}
	var out []cmpRule
	for i := range cur {
		r := &cur[i]
		idx[key(*r)] = len(out)
		out = append(out, cmpRule{Rule: describeRule(r.Rule), Column: r.Column, Current: r})
	}
	for i := range base {
		r := &base[i]
		if j, ok := idx[key(*r)]; ok && out[j].Base == nil {
			out[j].Base = r
			continue
		}
		out = append(out, cmpRule{Rule: describeRule(r.Rule), Column: r.Column, Base: r})
	}
	for i := range out {
		if b, c := out[i].Base, out[i].Current; b != nil && c != nil {
			out[i].Change = newDelta(float64(b.FailedRows), float64(c.FailedRows), strconv.FormatInt(c.FailedRows-b.FailedRows, 10), lowerBetter)
		}
	}
	return out
}

// tone says which way a number should move.
type tone int

const (
	neutral tone = iota
	higherBetter
	lowerBetter
)

// delta is a change with its direction ("up", "down", "same") and whether it is
// "better", "worse" or "neutral".
type delta struct {
	Text string
	Dir  string
	Tone string
}

// cmpNum is a figure on both sides and its change.
type cmpNum struct {
	Base, Current string
	Delta         delta
}

func newDelta(base, cur float64, text string, t tone) delta {
	d := delta{Text: text, Dir: "same", Tone: "neutral"}
	switch {
	case cur > base:
		d.Dir, d.Text = "up", "+"+text
	case cur < base:
		d.Dir = "down"
	default:
		d.Text = "±0"
		return d
	}
	if t != neutral {
		d.Tone = "worse"
		if (d.Dir == "up") == (t == higherBetter) {
			d.Tone = "better"
		}
	}
	return d
}

func ratioNum(base, cur float64, decimals int, t tone) cmpNum {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', decimals, 64) }
	diff := math.Round((cur-base)*math.Pow10(decimals)) / math.Pow10(decimals)
	return cmpNum{Base: f(base), Current: f(cur), Delta: newDelta(0, diff, f(diff), t)}
}

// pctNum compares two ratios in percentage points.
func pctNum(base, cur float64) cmpNum {
	n := ratioNum(base*100, cur*100, 1, higherBetter)
	n.Base, n.Current = n.Base+"%", n.Current+"%"
	if n.Delta.Dir != "same" {
		n.Delta.Text += " pts"
	}
	return n
}

func intNum(base, cur int64, t tone) cmpNum {
	return cmpNum{
		Base: strconv.FormatInt(base, 10), Current: strconv.FormatInt(cur, 10),
		Delta: newDelta(float64(base), float64(cur), strconv.FormatInt(cur-base, 10), t),
	}
}

// optNum compares optional statistics; without both there is no change to show.
func optNum(base, cur *float64) cmpNum {
	n := cmpNum{Base: formatNum(base), Current: formatNum(cur), Delta: delta{Text: "—", Dir: "none", Tone: "neutral"}}
	if base != nil && cur != nil {
		diff := *cur - *base
		n.Delta = newDelta(*base, *cur, formatNum(&diff), neutral)
	}
	return n
}
