package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRules(t *testing.T) {
	rules, err := ParseRules([]byte(`[
		{"column": "age", "check": "range", "min": 18, "max": 65},
		{"column": "country", "check": "in", "values": ["DE", "FR"]},
		{"column": "code", "check": "regex", "pattern": "^[A-Z]{2}$"},
		{"column": "joined", "check": "type", "type": "date"}
	]`))
	require.NoError(t, err)
	require.Equal(t, []Rule{
		{Column: "age", Check: CheckRange, Min: f64(18), Max: f64(65)},
		{Column: "country", Check: CheckIn, Values: []string{"DE", "FR"}},
		{Column: "code", Check: CheckRegex, Pattern: "^[A-Z]{2}$"},
		{Column: "joined", Check: CheckType, Type: TypeDate},
	}, rules)

	rules, err = ParseRules([]byte("  "))
	require.NoError(t, err)
	require.Empty(t, rules)

	tests := []struct{ in, want string }{
		{`[{"column": "a", "check": "unique", "nope": 1}]`, `rules: invalid JSON: unknown field "nope"`},
		{`{"column": "a"}`, "rules: invalid JSON: expected an array of rule objects"},
		{`[{"column": "a", "check": "range", "min": "5"}]`, "must be a number"},
		{`[{"column": "a"`, "rules: invalid JSON"},
		{`[] []`, "unexpected data after the array"},
	}
	for _, tt := range tests {
		_, err := ParseRules([]byte(tt.in))
		requireInputError(t, err, tt.want)
	}
}

func TestCheckRules(t *testing.T) {
	columns := []string{"a", "b", "c"}
	ok := []Rule{
		{Column: "a", Check: CheckNotNull},
		{Column: "a", Check: CheckUnique},
		{Column: "b", Check: CheckRange, Min: f64(-1)},
		{Column: "b", Check: CheckRange, Max: f64(1)},
		{Column: "c", Check: CheckLength, Min: f64(0), Max: f64(0)},
		{Column: "c", Check: CheckIn, Values: []string{"x"}},
		{Column: "c", Check: CheckRegex, Pattern: `^\d+$`},
		{Column: "c", Check: CheckType, Type: TypeString},
	}
	require.NoError(t, CheckRules(ok, columns))
	require.NoError(t, CheckRules(nil, columns))

	tests := []struct {
		rule Rule
		want string
	}{
		{Rule{Column: "a", Check: "nope"}, `rule 2: unknown check "nope" (valid: not_null, unique, range, regex, in, type, length)`},
		{Rule{Column: "a"}, "rule 2: the check is missing"},
		{Rule{Column: "zz", Check: CheckUnique}, `rule 2: column "zz" is not in the dataset (columns: a, b, c)`},
		{Rule{Check: CheckUnique}, "rule 2: the column is missing"},
		{Rule{Column: "a", Check: CheckRange}, "rule 2: a range check needs a min, a max or both"},
		{Rule{Column: "a", Check: CheckRange, Min: f64(5), Max: f64(1)}, "rule 2: min 5 is greater than max 1"},
		{Rule{Column: "a", Check: CheckIn}, "rule 2: an in check needs at least one value"},
		{Rule{Column: "a", Check: CheckRegex}, "rule 2: a regex check needs a pattern"},
		{Rule{Column: "a", Check: CheckRegex, Pattern: "(["}, `rule 2: invalid pattern "(["`},
		{Rule{Column: "a", Check: CheckType}, "rule 2: a type check needs a type"},
		{Rule{Column: "a", Check: CheckType, Type: "float"}, `rule 2: unknown type "float"`},
		{Rule{Column: "a", Check: CheckLength}, "rule 2: a length check needs a min, a max or both"},
		{Rule{Column: "a", Check: CheckLength, Min: f64(9), Max: f64(3)}, "rule 2: min length 9 is greater than max length 3"},
		{Rule{Column: "a", Check: CheckLength, Min: f64(-1)}, "rule 2: length bounds must be whole numbers"},
		{Rule{Column: "a", Check: CheckLength, Max: f64(2.5)}, "rule 2: length bounds must be whole numbers"},
	}
	for _, tt := range tests {
		err := CheckRules([]Rule{ok[0], tt.rule}, columns)
		requireInputError(t, err, tt.want)
	}

	many := make([]string, 25)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	err := CheckRules([]Rule{{Column: "zz", Check: CheckUnique}}, many)
	requireInputError(t, err, "(columns: a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, … and 5 more)")
}

func TestParseRulesForm(t *testing.T) {
	rules, err := ParseRulesForm(`
# quality rules
age range 18 65
age range * 65
country in DE, FR ,IT
code regex ^[A-Z]{2} #x$
email not_null
id	unique
name length 1 80
joined type date
"first name" not_null
`)
	require.NoError(t, err)
	require.Equal(t, []Rule{
		{Column: "age", Check: CheckRange, Min: f64(18), Max: f64(65)},
		{Column: "age", Check: CheckRange, Max: f64(65)},
		{Column: "country", Check: CheckIn, Values: []string{"DE", "FR", "IT"}},
		{Column: "code", Check: CheckRegex, Pattern: "^[A-Z]{2} #x$"},
		{Column: "email", Check: CheckNotNull},
		{Column: "id", Check: CheckUnique},
		{Column: "name", Check: CheckLength, Min: f64(1), Max: f64(80)},
		{Column: "joined", Check: CheckType, Type: TypeDate},
		{Column: "first name", Check: CheckNotNull},
	}, rules)
	require.NoError(t, CheckRules(rules, []string{"age", "country", "code", "email", "id", "name", "joined", "first name"}))

	tests := []struct{ in, want string }{
		{"age", `line 1: expected a check after the column "age"`},
		{"\n\nage nope", `line 3: unknown check "nope"`},
		{"age range 18", "line 1: range needs two bounds, min and max"},
		{"age range 18 x", `line 1: "x" is not a number`},
		{"name length 1 2 3", "line 1: length needs two bounds"},
		{"c in ,", "line 1: in needs comma-separated values"},
		{"c regex", "line 1: regex needs a pattern"},
		{"c type", "line 1: type needs one type name"},
		{"c unique now", "line 1: unique takes no arguments"},
		{`"c not_null`, "line 1: the quoted column name is not closed"},
		{`"" not_null`, "line 1: the column name is empty"},
		{`"a"b not_null`, "line 1: expected a space after the quoted column name"},
	}
	for _, tt := range tests {
		_, err := ParseRulesForm(tt.in)
		requireInputError(t, err, tt.want)
	}
}
