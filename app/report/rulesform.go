package report

import (
	"fmt"
	"strings"
)

// ParseRulesForm parses the one-rule-per-line text of the rules form:
//
//	age range 18 65        # min and max; * leaves a bound open: age range 18 *
//	country in DE,FR       # comma-separated values
//	code regex ^[A-Z]{2}$  # the rest of the line is the pattern
//	email not_null
//	id unique
//	name length 1 80       # min and max runes; * leaves a bound open
//	joined type date
//
// A column name with spaces is written in double quotes ("first name"
// not_null). Blank lines and lines starting with # are ignored; a # after a
// rule is part of it (patterns and values may contain #). Errors are
// *InputError values naming the 1-based line. The rules are not checked
// against any columns; use CheckRules for that.
func ParseRulesForm(text string) ([]Rule, error) {
	var rules []Rule
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseFormLine(line)
		if err != nil {
			return nil, NewInputError("line %d: %s", i+1, err.Error())
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseFormLine(line string) (Rule, error) {
	column, rest, err := cutColumn(line)
	if err != nil {
		return Rule{}, err
	}
	check, args := cutWord(rest)
	r := Rule{Column: column, Check: check}
	switch check {
	case "":
		return r, fmt.Errorf("expected a check after the column %q (valid: %s)", column, validChecks)
	case CheckNotNull, CheckUnique:
		if args != "" {
			return r, fmt.Errorf("%s takes no arguments", check)
		}
	case CheckRange, CheckLength:
		f := strings.Fields(args)
		if len(f) != 2 {
			return r, fmt.Errorf("%s needs two bounds, min and max (use * for an open bound), e.g. %q", check, column+" "+check+" 1 10")
		}
		if r.Min, err = parseBound(f[0]); err != nil {
			return r, err
		}
		if r.Max, err = parseBound(f[1]); err != nil {
			return r, err
		}
	case CheckIn:
		for _, v := range strings.Split(args, ",") {
			if v = strings.TrimSpace(v); v != "" {
				r.Values = append(r.Values, v)
			}
		}
		if len(r.Values) == 0 {
			return r, fmt.Errorf("in needs comma-separated values, e.g. %q", column+" in A,B")
		}
	case CheckRegex:
		if args == "" {
			return r, fmt.Errorf("regex needs a pattern, e.g. %q", column+" regex ^[A-Z]+$")
		}
		r.Pattern = args
	case CheckType:
		if args == "" || strings.ContainsAny(args, " \t") {
			return r, fmt.Errorf("type needs one type name (integer, number, boolean, date, datetime, string)")
		}
		r.Type = args
	default:
		return r, fmt.Errorf("unknown check %q (valid: %s)", check, validChecks)
	}
	return r, nil
}

// cutColumn splits off the column name, which may be double-quoted.
func cutColumn(line string) (column, rest string, err error) {
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return "", "", fmt.Errorf("the quoted column name is not closed")
		}
		column, rest = line[1:end+1], line[end+2:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return "", "", fmt.Errorf("expected a space after the quoted column name")
		}
	} else {
		column, rest = cutWord(line)
	}
	column = strings.TrimSpace(column)
	if column == "" {
		return "", "", fmt.Errorf("the column name is empty")
	}
	return column, strings.TrimSpace(rest), nil
}

func parseBound(s string) (*float64, error) {
	if s == "*" {
		return nil, nil
	}
	f, ok := parseNumber(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a number (use * for an open bound)", s)
	}
	return &f, nil
}

// cutWord splits s at its first space or tab and trims the remainder.
func cutWord(s string) (word, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}
