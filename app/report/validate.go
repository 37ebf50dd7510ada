package report

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// ValidatePartial is the Validate result for one chunk, with one entry per
// rule in rule order.
type ValidatePartial struct {
	Chunk    int
	FirstRow int64
	Rows     int64
	Rules    []RulePartial
}

// RulePartial holds one rule's outcome in one chunk. For unique rules,
// uniqueness is global, so the chunk only reports ValueHashes: one xxhash of
// the trimmed value per row in row order, 0 for null (a genuine hash of 0
// is stored as 1).
type RulePartial struct {
	failed      rowList
	ValueHashes []uint64
}

// Failed returns the number of rows in the chunk that fail the rule (0 for
// unique rules, which are decided by Aggregate).
func (p *RulePartial) Failed() int64 { return p.failed.n }

// FailedRows returns the 1-based data row numbers that fail the rule.
func (p *RulePartial) FailedRows() []int64 {
	rows := make([]int64, 0, p.failed.n)
	p.failed.each(func(row int64) bool {
		rows = append(rows, row)
		return true
	})
	return rows
}

// compiledRule is a Rule prepared for evaluation.
type compiledRule struct {
	col      int
	check    string
	min, max float64
	hasMin   bool
	hasMax   bool
	values   map[string]struct{}
	re       *regexp.Regexp
	mask     typeMask // 0 for type string
}

func compileRules(rules []Rule, columns []string) ([]compiledRule, error) {
	if err := CheckRules(rules, columns); err != nil {
		return nil, err
	}
	index := make(map[string]int, len(columns))
	for i, c := range columns {
		index[c] = i
	}
	out := make([]compiledRule, len(rules))
	for i, r := range rules {
		c := compiledRule{col: index[r.Column], check: r.Check, mask: typeMasks[r.Type]}
		if r.Min != nil {
			c.min, c.hasMin = *r.Min, true
		}
		if r.Max != nil {
			c.max, c.hasMax = *r.Max, true
		}
		if r.Check == CheckIn {
			c.values = make(map[string]struct{}, len(r.Values))
			for _, v := range r.Values {
				c.values[strings.TrimSpace(v)] = struct{}{}
			}
		}
		if r.Check == CheckRegex {
			c.re = regexp.MustCompile(r.Pattern) // CheckRules compiled it already
		}
		out[i] = c
	}
	return out, nil
}

// passes reports whether a trimmed, non-null value passes a check other
// than not_null and unique.
func (c *compiledRule) passes(v string) bool {
	switch c.check {
	case CheckRange:
		x, ok := parseNumber(v)
		return ok && (!c.hasMin || x >= c.min) && (!c.hasMax || x <= c.max)
	case CheckIn:
		_, ok := c.values[v]
		return ok
	case CheckRegex:
		return c.re.MatchString(v)
	case CheckLength:
		n := float64(utf8.RuneCountInString(v))
		return (!c.hasMin || n >= c.min) && (!c.hasMax || n <= c.max)
	case CheckType:
		return c.mask == 0 || classify(v)&c.mask != 0
	}
	return true
}

// validator accumulates a ValidatePartial row by row.
type validator struct {
	rules []compiledRule
	p     *ValidatePartial
}

func newValidator(rules []compiledRule, c Chunk) *validator {
	p := &ValidatePartial{Chunk: c.Index, FirstRow: c.FirstRow, Rows: c.Rows, Rules: make([]RulePartial, len(rules))}
	for i, rule := range rules {
		if rule.check == CheckUnique {
			p.Rules[i].ValueHashes = make([]uint64, 0, c.Rows)
		}
	}
	return &validator{rules: rules, p: p}
}

// row checks one row; row is its 1-based data row number.
func (v *validator) row(c *cells, row int64) {
	for i := range v.rules {
		rule := &v.rules[i]
		out := &v.p.Rules[i]
		val, null := c.vals[rule.col], c.nulls[rule.col]
		switch {
		case rule.check == CheckUnique:
			out.ValueHashes = append(out.ValueHashes, valueHash(val, null))
		case rule.check == CheckNotNull:
			if null {
				out.failed.add(row)
			}
		case !null && !rule.passes(val):
			out.failed.add(row)
		}
	}
}

func valueHash(v string, null bool) uint64 {
	if null {
		return 0
	}
	if h := xxhash.Sum64String(v); h != 0 {
		return h
	}
	return 1
}
