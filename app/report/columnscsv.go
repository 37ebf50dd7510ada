package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

var columnsCSVHeader = []string{
	"name", "type", "count", "nulls", "distinct", "distinct_approx", "invalid",
	"min", "max", "mean", "stddev", "p25", "p50", "p75",
	"min_length", "max_length", "formats", "top",
}

// ColumnsCSV writes the column table as CSV, one row per column. Top values
// are listed as "value (count)" separated by "; ". Cells that a spreadsheet
// would run as a formula (starting with = + - @ tab or CR, other than plain
// numbers such as -3.5) are prefixed with a single quote.
func (r *Report) ColumnsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columnsCSVHeader); err != nil {
		return fmt.Errorf("columns csv: %w", err)
	}
	row := make([]string, len(columnsCSVHeader))
	for _, c := range r.Columns {
		var q [3]*float64
		if c.Quantiles != nil {
			q = [3]*float64{&c.Quantiles.P25, &c.Quantiles.P50, &c.Quantiles.P75}
		}
		top := make([]string, len(c.Top))
		for i, t := range c.Top {
			top[i] = fmt.Sprintf("%s (%d)", t.Value, t.Count)
		}
		row = append(row[:0],
			c.Name, c.Type, itoa(c.Count), itoa(c.Nulls), itoa(c.Distinct), strconv.FormatBool(c.DistinctApprox), itoa(c.Invalid),
			ftoa(c.Min), ftoa(c.Max), ftoa(c.Mean), ftoa(c.Stddev), ftoa(q[0]), ftoa(q[1]), ftoa(q[2]),
			optInt(c.MinLength), optInt(c.MaxLength), strings.Join(c.Formats, " "), strings.Join(top, "; "),
		)
		for i := range row {
			row[i] = GuardCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("columns csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("columns csv: %w", err)
	}
	return nil
}

// GuardCell defuses spreadsheet formula injection: a cell a spreadsheet would run as a
// formula gets a leading single quote, unless it is a plain number such as -3.5.
func GuardCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, ok := parseNumber(s); ok {
			return s
		}
		return "'" + s
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

func optInt(n *int64) string {
	if n == nil {
		return ""
	}
	return itoa(*n)
}
