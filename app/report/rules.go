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
	known := make(map[string]bool, len(columns))
	for _, c := range columns {
		known[c] = true
	}
	for i, r := range rules {
		if err := checkRule(r, known, columns); err != nil {
			return NewInputError("rule %d: %s", i+1, err.Error())
		}
	}
	return nil
}

func checkRule(r Rule, known map[string]bool, columns []string) error {
	switch r.Check {
	case CheckNotNull, CheckUnique, CheckRange, CheckRegex, CheckIn, CheckType, CheckLength:
	case "":
		return fmt.Errorf("the check is missing (valid: %s)", validChecks)
	default:
		return fmt.Errorf("unknown check %q (valid: %s)", r.Check, validChecks)
	}
	if r.Column == "" {
		return errors.New("the column is missing")
	}
	if !known[r.Column] {
		return fmt.Errorf("column %q is not in the dataset (columns: %s)", r.Column, listColumns(columns))
	}
	for _, b := range []*float64{r.Min, r.Max} {
		if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
			return errors.New("min and max must be finite numbers")
		}
	}
	switch r.Check {
	case CheckRange:
		if r.Min == nil && r.Max == nil {
			return errors.New("a range check needs a min, a max or both")
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			return fmt.Errorf("min %g is greater than max %g", *r.Min, *r.Max)
		}
	case CheckLength:
		if r.Min == nil && r.Max == nil {
			return errors.New("a length check needs a min, a max or both")
		}
		for _, b := range []*float64{r.Min, r.Max} {
			if b != nil && (*b < 0 || *b != math.Trunc(*b)) {
				return fmt.Errorf("length bounds must be whole numbers of at least 0, not %g", *b)
			}
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			return fmt.Errorf("min length %g is greater than max length %g", *r.Min, *r.Max)
		}
	case CheckIn:
		if len(r.Values) == 0 {
			return errors.New("an in check needs at least one value")
		}
	case CheckRegex:
		if r.Pattern == "" {
			return errors.New("a regex check needs a pattern")
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			return fmt.Errorf("invalid pattern %q: %s", r.Pattern, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	case CheckType:
		if _, ok := typeMasks[r.Type]; !ok && r.Type != TypeString {
			if r.Type == "" {
				return errors.New("a type check needs a type (integer, number, boolean, date, datetime, string)")
			}
			return fmt.Errorf("unknown type %q (valid: integer, number, boolean, date, datetime, string)", r.Type)
		}
	}
	return nil
}

// listColumns names the columns, eliding all but the first 20.
func listColumns(columns []string) string {
	const show = 20
	if len(columns) <= show {
		return strings.Join(columns, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(columns[:show], ", "), len(columns)-show)
}
