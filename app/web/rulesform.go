package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/report"
)

// ruleChecks are the checks the rules form offers, in its order.
var ruleChecks = []string{
	report.CheckNotNull, report.CheckUnique, report.CheckRange, report.CheckRegex,
	report.CheckIn, report.CheckType, report.CheckLength,
}

// ruleTypes are the types a type check takes.
var ruleTypes = []string{"integer", "number", "boolean", "date", "datetime", "string"}

// ruleRow is one row of the rules form as typed, so that a bad value is shown back.
type ruleRow struct {
	Index     int    // 0-based position; field names are r<Index>_<field>
	DatasetID string // for the row's params URL
	Columns   []string
	Column    string
	Check     string
	Min, Max  string
	Values    string // one value per line
	Pattern   string
	Type      string
	Errors    []string
	Bad       map[string]bool // fields at fault
}

// Number is the 1-based row number people see.
func (r ruleRow) Number() int { return r.Index + 1 }

// Checks lists the checks to choose from.
func (r ruleRow) Checks() []string { return ruleChecks }

// Types lists the types of a type check.
func (r ruleRow) Types() []string { return ruleTypes }

// HasColumn reports whether the row's column is among the dataset's columns.
func (r ruleRow) HasColumn() bool {
	for _, c := range r.Columns {
		if c == r.Column {
			return true
		}
	}
	return false
}

func (r *ruleRow) fail(field, detail string) {
	r.Errors = append(r.Errors, detail)
	if r.Bad == nil {
		r.Bad = map[string]bool{}
	}
	r.Bad[field] = true
}

// rulesForm is the state of the rules page.
type rulesForm struct {
	DatasetID   string
	DatasetName string
	Columns     []string // nil while the dataset is being fetched
	Expiry      *datasetExpiry
	Rows        []ruleRow
	RowMin      string
	RowMax      string
	SetErrors   []string
	Bad         map[string]bool // set-level fields at fault: row_min, row_max
	Version     int
	Saved       bool
	Quota       *quotaRefusal // the plan refused a run
}

// Invalid reports whether any problem is shown.
func (f *rulesForm) Invalid() bool {
	if len(f.SetErrors) > 0 {
		return true
	}
	for _, r := range f.Rows {
		if len(r.Errors) > 0 {
			return true
		}
	}
	return false
}

// newRow is a row of the form for rule r at index i.
func (f *rulesForm) newRow(i int, r report.Rule) ruleRow {
	row := ruleRow{Index: i, DatasetID: f.DatasetID, Columns: f.Columns, Column: r.Column, Check: r.Check, Pattern: r.Pattern, Type: r.Type}
	row.Min, row.Max = formatBound(r.Min), formatBound(r.Max)
	row.Values = strings.Join(r.Values, "\n")
	if row.Check == "" {
		row.Check = report.CheckNotNull
	}
	return row
}

// fill shows a saved rule set.
func (f *rulesForm) fill(rs *apiRuleSet) {
	f.Version = rs.Version
	f.Rows = f.Rows[:0]
	for i, r := range rs.Rules {
		f.Rows = append(f.Rows, f.newRow(i, r))
	}
	f.RowMin, f.RowMax = formatCount(rs.RowCount.Min), formatCount(rs.RowCount.Max)
}

// read takes the rows and bounds from a posted form; at most report.MaxRules+1 rows are
// read, so that a set with too many rules is refused by the API rather than cut.
func (f *rulesForm) read(c fiber.Ctx) {
	n, _ := strconv.Atoi(c.FormValue("rows"))
	n = max(0, min(n, report.MaxRules+1))
	f.Rows = make([]ruleRow, 0, n)
	for i := range n {
		p := fmt.Sprintf("r%d_", i)
		row := f.newRow(len(f.Rows), report.Rule{Column: c.FormValue(p + "column"), Check: c.FormValue(p + "check")})
		row.Min, row.Max = c.FormValue(p+"min"), c.FormValue(p+"max")
		row.Values, row.Pattern, row.Type = c.FormValue(p+"values"), c.FormValue(p+"pattern"), c.FormValue(p+"type")
		f.Rows = append(f.Rows, row)
	}
	f.RowMin, f.RowMax = strings.TrimSpace(c.FormValue("row_min")), strings.TrimSpace(c.FormValue("row_max"))
}

// add appends an empty row.
func (f *rulesForm) add() {
	if len(f.Rows) < report.MaxRules {
		f.Rows = append(f.Rows, f.newRow(len(f.Rows), report.Rule{}))
	}
}

// remove drops row i and renumbers the rest.
func (f *rulesForm) remove(i int) {
	if i < 0 || i >= len(f.Rows) {
		return
	}
	f.Rows = append(f.Rows[:i], f.Rows[i+1:]...)
	for k := range f.Rows {
		f.Rows[k].Index = k
	}
}

// ruleSet turns the form into a rule set, marking values that do not parse; only the
// parameters of each row's check are taken. ok is false when something did not parse.
func (f *rulesForm) ruleSet() (set report.RuleSet, ok bool) {
	set.Rules = make([]report.Rule, 0, len(f.Rows))
	for i := range f.Rows {
		row := &f.Rows[i]
		r := report.Rule{Column: strings.TrimSpace(row.Column), Check: row.Check}
		switch r.Check {
		case report.CheckRange, report.CheckLength:
			r.Min = row.parseBound("min", row.Min)
			r.Max = row.parseBound("max", row.Max)
		case report.CheckIn:
			for _, v := range strings.Split(row.Values, "\n") {
				if v = strings.TrimSpace(v); v != "" {
					r.Values = append(r.Values, v)
				}
			}
		case report.CheckRegex:
			r.Pattern = row.Pattern
		case report.CheckType:
			r.Type = row.Type
		}
		set.Rules = append(set.Rules, r)
	}
	set.RowCount.Min = f.parseCount("row_min", f.RowMin)
	set.RowCount.Max = f.parseCount("row_max", f.RowMax)
	return set, !f.Invalid()
}

func (r *ruleRow) parseBound(field, s string) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.fail(field, fmt.Sprintf("%s %q is not a number", field, s))
		return nil
	}
	return &v
}

func (f *rulesForm) parseCount(field, s string) *int64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f.setError(field, fmt.Sprintf("The row bound %q is not a whole number.", s))
		return nil
	}
	return &v
}

func (f *rulesForm) setError(field, detail string) {
	f.SetErrors = append(f.SetErrors, detail)
	if f.Bad == nil {
		f.Bad = map[string]bool{}
	}
	f.Bad[field] = true
}

// apply puts the API's per-rule problems next to their rows.
func (f *rulesForm) apply(errs []report.FieldError) {
	for _, e := range errs {
		switch {
		case e.Index != nil && *e.Index >= 0 && *e.Index < len(f.Rows):
			f.Rows[*e.Index].fail(e.Field, e.Detail)
		case e.Field == "row_count.min":
			f.setError("row_min", e.Detail)
		case e.Field == "row_count.max":
			f.setError("row_max", e.Detail)
		default:
			f.setError(e.Field, e.Detail)
		}
	}
}

func formatBound(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func formatCount(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}
