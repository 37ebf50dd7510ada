package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// RowBounds are dataset-level bounds on the number of data rows; either may be nil.
type RowBounds struct {
	Min *int64 `json:"min"`
	Max *int64 `json:"max"`
}

// IsZero reports whether neither bound is set.
func (b RowBounds) IsZero() bool { return b.Min == nil && b.Max == nil }

// RuleSet is a whole set of rules as a dataset saves it: column rules and the
// dataset's row-count bounds.
type RuleSet struct {
	Rules    []Rule    `json:"rules"`
	RowCount RowBounds `json:"row_count"`
}

// FieldError is one problem of a rule set: Index is the 0-based rule it concerns (nil
// for the set itself, such as its row_count), Field the JSON field at fault.
type FieldError struct {
	Index  *int   `json:"index,omitempty"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// RuleSetError lists every problem of a rule set; its message is safe to show.
type RuleSetError struct {
	Errors []FieldError
}

// Error summarizes the problems.
func (e *RuleSetError) Error() string {
	if len(e.Errors) == 1 {
		return "the rule set is invalid: " + e.Errors[0].Detail
	}
	return fmt.Sprintf("the rule set is invalid: %d problems", len(e.Errors))
}

// ParseRuleSet decodes a rule set from JSON, rejecting unknown fields; it checks the
// syntax only (see ValidateRuleSet). Errors are *InputError values.
func ParseRuleSet(data []byte) (RuleSet, error) {
	var set RuleSet
	if len(bytes.TrimSpace(data)) == 0 {
		return set, NewInputError("rule set: the body is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return RuleSet{}, NewInputError("rule set: invalid JSON: expected an object with rules and row_count")
		}
		return RuleSet{}, NewInputError("rule set: invalid JSON: %s", jsonErrorText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return RuleSet{}, NewInputError("rule set: invalid JSON: unexpected data after the object")
	}
	if set.Rules == nil {
		set.Rules = []Rule{}
	}
	return set, nil
}

// ValidateRuleSet checks every rule of set (see CheckRules) and its row bounds, and
// returns a *RuleSetError listing all problems, or nil. columns nil means the dataset's
// columns are not known yet (a URL dataset being fetched): rules may then name any
// column, and the run checks them.
func ValidateRuleSet(set RuleSet, columns []string) error {
	var errs []FieldError
	if len(set.Rules) > MaxRules {
		errs = append(errs, FieldError{Field: "rules", Detail: fmt.Sprintf("too many rules: %d (at most %d)", len(set.Rules), MaxRules)})
		return &RuleSetError{Errors: errs}
	}
	known := knownColumns(columns)
	for i, r := range set.Rules {
		if field, err := checkRule(r, known, columns); err != nil {
			errs = append(errs, FieldError{Index: &i, Field: field, Detail: err.Error()})
		}
	}
	b := set.RowCount
	for _, v := range []struct {
		name string
		n    *int64
	}{{"row_count.min", b.Min}, {"row_count.max", b.Max}} {
		if v.n != nil && *v.n < 0 {
			errs = append(errs, FieldError{Field: v.name, Detail: fmt.Sprintf("row bounds must be at least 0, not %d", *v.n)})
		}
	}
	if b.Min != nil && b.Max != nil && *b.Min > *b.Max {
		errs = append(errs, FieldError{Field: "row_count.min", Detail: fmt.Sprintf("min rows %d is greater than max rows %d", *b.Min, *b.Max)})
	}
	if len(errs) > 0 {
		return &RuleSetError{Errors: errs}
	}
	return nil
}

// RowCountResult is the outcome of the dataset's row-count bounds.
type RowCountResult struct {
	RowBounds
	Rows   int64 `json:"rows"`
	Passed bool  `json:"passed"`
}

// CheckRowCount records the outcome of bounds in the report. The bounds are a rule on
// the whole dataset: when the row count is outside them every row fails it, so validity
// becomes 0 and the score is recomputed; within them the dimensions stay as the column
// rules (or type conformance) made them. Zero bounds record nothing.
func (r *Report) CheckRowCount(b RowBounds) {
	if b.IsZero() {
		return
	}
	res := &RowCountResult{RowBounds: b, Rows: r.Rows, Passed: true}
	if (b.Min != nil && r.Rows < *b.Min) || (b.Max != nil && r.Rows > *b.Max) {
		res.Passed = false
		r.Dimensions.Validity = 0
		r.Score = score(r.Dimensions)
	}
	r.RowCount = res
}
