package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
)

// Rule checks, as used in Rule.Check.
const (
	CheckNotNull = "not_null"
	CheckUnique  = "unique"
	CheckRange   = "range"
	CheckRegex   = "regex"
	CheckIn      = "in"
	CheckType    = "type"
	CheckLength  = "length"
)

const validChecks = "not_null, unique, range, regex, in, type, length"

// Limits on a rule list, so that a stored set stays small and every pattern is cheap to
// compile.
const (
	MaxRules      = 200  // rules in one list
	MaxPatternLen = 1000 // bytes of a regex pattern
	MaxInValues   = 1000 // values of an in check
)

// Rule is a user-defined data check on one column. A row fails a rule when
// its value in Column fails the check; every check except not_null ignores
// null values. Values are trimmed of surrounding white space first.
//
//   - not_null: the value is not null.
//   - unique: the value did not occur in an earlier row.
//   - range: the value parses as a number within [Min, Max]; either bound
//     may be omitted. A value that is not a number fails.
//   - in: the value equals one of Values (exact, case-sensitive match; the
//     Values are trimmed too).
//   - regex: Pattern (Go RE2 syntax) matches the value. The pattern is used
//     as given with regexp.MatchString, which matches anywhere in the
//     value: anchor it with ^ and $ to require the whole value to match.
//   - length: the value's length in runes is within [Min, Max]; either
//     bound may be omitted.
//   - type: the value parses as Type (integer, number, boolean, date,
//     datetime or string; every value is a string).
type Rule struct {
	Column  string   `json:"column"`
	Check   string   `json:"check"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	Values  []string `json:"values,omitempty"`
	Pattern string   `json:"pattern,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// ParseRules decodes a JSON array of rules, rejecting unknown fields. It
// checks the syntax only; use CheckRules against the dataset's columns.
func ParseRules(data []byte) ([]Rule, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rules []Rule
	if err := dec.Decode(&rules); err != nil {
		return nil, NewInputError("rules: invalid JSON: %s", jsonErrorText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, NewInputError("rules: invalid JSON: unexpected data after the array")
	}
	return rules, nil
}

func jsonErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q must be %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return "expected an array of rule objects"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(kind string) string {
	switch kind {
	case "float64":
		return "a number"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	}
	return "a " + kind
}

// CheckRules validates rules against the dataset's columns and returns an
// *InputError naming the first bad rule (1-based) and what is wrong.
func CheckRules(rules []Rule, columns []string) error {
	if len(rules) > MaxRules {
		return NewInputError("too many rules: %d (at most %d)", len(rules), MaxRules)
	}
	known := knownColumns(columns)
	if known == nil {
		known = map[string]bool{}
	}
	for i, r := range rules {
		if _, err := checkRule(r, known, columns); err != nil {
			return NewInputError("rule %d: %s", i+1, err.Error())
		}
	}
	return nil
}

// knownColumns indexes columns; nil columns (not known yet) give a nil map, which
// checkRule takes as "any column".
func knownColumns(columns []string) map[string]bool {
	if columns == nil {
		return nil
	}
	known := make(map[string]bool, len(columns))
	for _, c := range columns {
		known[c] = true
	}
	return known
}

// checkRule returns the first problem of r and the JSON field it concerns.
func checkRule(r Rule, known map[string]bool, columns []string) (field string, err error) {
	switch r.Check {
	case CheckNotNull, CheckUnique, CheckRange, CheckRegex, CheckIn, CheckType, CheckLength:
	case "":
		return "check", fmt.Errorf("the check is missing (valid: %s)", validChecks)
	default:
		return "check", fmt.Errorf("unknown check %q (valid: %s)", r.Check, validChecks)
	}
	if r.Column == "" {
		return "column", errors.New("the column is missing")
	}
	if known != nil && !known[r.Column] {
		return "column", fmt.Errorf("column %q is not in the dataset (columns: %s)", r.Column, listColumns(columns))
	}
	for _, b := range []struct {
		name string
		v    *float64
	}{{"min", r.Min}, {"max", r.Max}} {
		if b.v != nil && (math.IsNaN(*b.v) || math.IsInf(*b.v, 0)) {
			return b.name, errors.New("min and max must be finite numbers")
		}
	}
	switch r.Check {
	case CheckRange:
		return checkBounds(r, "a range check", false)
	case CheckLength:
		return checkBounds(r, "a length check", true)
	case CheckIn:
		if len(r.Values) == 0 {
			return "values", errors.New("an in check needs at least one value")
		}
		if len(r.Values) > MaxInValues {
			return "values", fmt.Errorf("an in check takes at most %d values, not %d", MaxInValues, len(r.Values))
		}
	case CheckRegex:
		if r.Pattern == "" {
			return "pattern", errors.New("a regex check needs a pattern")
		}
		if len(r.Pattern) > MaxPatternLen {
			return "pattern", fmt.Errorf("the pattern is %d bytes long (at most %d)", len(r.Pattern), MaxPatternLen)
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			return "pattern", fmt.Errorf("invalid pattern %q: %s", r.Pattern, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	case CheckType:
		if _, ok := typeMasks[r.Type]; !ok && r.Type != TypeString {
			if r.Type == "" {
				return "type", errors.New("a type check needs a type (integer, number, boolean, date, datetime, string)")
			}
			return "type", fmt.Errorf("unknown type %q (valid: integer, number, boolean, date, datetime, string)", r.Type)
		}
	}
	return "", nil
}

// checkBounds checks the min and max of a range or length rule; length bounds are
// whole numbers of at least 0.
func checkBounds(r Rule, what string, whole bool) (string, error) {
	if r.Min == nil && r.Max == nil {
		return "min", fmt.Errorf("%s needs a min, a max or both", what)
	}
	if whole {
		for _, b := range []struct {
			name string
			v    *float64
		}{{"min", r.Min}, {"max", r.Max}} {
			if b.v != nil && (*b.v < 0 || *b.v != math.Trunc(*b.v)) {
				return b.name, fmt.Errorf("length bounds must be whole numbers of at least 0, not %g", *b.v)
			}
		}
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		if whole {
			return "min", fmt.Errorf("min length %g is greater than max length %g", *r.Min, *r.Max)
		}
		return "min", fmt.Errorf("min %g is greater than max %g", *r.Min, *r.Max)
	}
	return "", nil
}

// listColumns names the columns, eliding all but the first 20.
func listColumns(columns []string) string {
	const show = 20
	if len(columns) <= show {
		return strings.Join(columns, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(columns[:show], ", "), len(columns)-show)
}
