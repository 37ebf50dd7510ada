package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateRuleSetListsEveryProblem(t *testing.T) {
	set, err := ParseRuleSet([]byte(`{"rules":[
		{"column":"age","check":"range","min":5,"max":1},
		{"column":"name","check":"not_null"},
		{"column":"zz","check":"unique"},
		{"column":"code","check":"regex","pattern":"(["},
		{"column":"name","check":"in","values":[]},
		{"column":"name","check":"length","min":-1},
		{"column":"age","check":"type","type":"money"},
		{"column":"age","check":"nope"}
	],"row_count":{"min":10,"max":2}}`))
	require.NoError(t, err)
	err = ValidateRuleSet(set, []string{"age", "name", "code"})
	var rse *RuleSetError
	require.ErrorAs(t, err, &rse)
	type got struct {
		index int
		field string
	}
	var all []got
	for _, e := range rse.Errors {
		i := -1
		if e.Index != nil {
			i = *e.Index
		}
		require.NotEmpty(t, e.Detail)
		all = append(all, got{i, e.Field})
	}
	require.Equal(t, []got{{0, "min"}, {2, "column"}, {3, "pattern"}, {4, "values"}, {5, "min"}, {6, "type"}, {7, "check"}, {-1, "row_count.min"}}, all)
}

func TestValidateRuleSetLimits(t *testing.T) {
	long := make([]byte, MaxPatternLen+1)
	for i := range long {
		long[i] = 'a'
	}
	set := RuleSet{Rules: []Rule{{Column: "a", Check: CheckRegex, Pattern: string(long)}}}
	var rse *RuleSetError
	require.ErrorAs(t, ValidateRuleSet(set, []string{"a"}), &rse)
	require.Equal(t, "pattern", rse.Errors[0].Field)

	many := RuleSet{Rules: make([]Rule, MaxRules+1)}
	require.ErrorAs(t, ValidateRuleSet(many, []string{"a"}), &rse)
	require.Equal(t, "rules", rse.Errors[0].Field)
	require.Error(t, CheckRules(many.Rules, []string{"a"}), "ad hoc rules have the same bound")
}

func TestValidateRuleSetUnknownColumns(t *testing.T) {
	set := RuleSet{Rules: []Rule{{Column: "anything", Check: CheckNotNull}}}
	require.NoError(t, ValidateRuleSet(set, nil), "columns not known yet: any column")
	require.Error(t, ValidateRuleSet(set, []string{}), "known and empty: no column fits")
}

func TestParseRuleSetRejects(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"rules":[],"extra":1}`, `{"rules":{}}`, `{"rules":[]} {}`, `{"row_count":{"min":1.5}}`} {
		_, err := ParseRuleSet([]byte(in))
		var ie *InputError
		require.ErrorAs(t, err, &ie, "input %q", in)
	}
	set, err := ParseRuleSet([]byte(`{"row_count":{"min":1,"max":null}}`))
	require.NoError(t, err)
	require.NotNil(t, set.Rules)
	require.EqualValues(t, 1, *set.RowCount.Min)
}

func TestCheckRowCount(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	cases := []struct {
		name     string
		bounds   RowBounds
		passed   bool
		validity float64
	}{
		{"within", RowBounds{Min: n(10), Max: n(10)}, true, 0.5},
		{"below", RowBounds{Min: n(11)}, false, 0},
		{"above", RowBounds{Max: n(9)}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Dimensions{Completeness: 1, Validity: 0.5, Uniqueness: 1}
			r := &Report{Rows: 10, Dimensions: d, Score: score(d)}
			r.CheckRowCount(tc.bounds)
			require.NotNil(t, r.RowCount)
			require.Equal(t, tc.passed, r.RowCount.Passed)
			require.Equal(t, tc.validity, r.Dimensions.Validity)
			require.Equal(t, score(r.Dimensions), r.Score)
		})
	}
	r := &Report{Rows: 10}
	r.CheckRowCount(RowBounds{})
	require.Nil(t, r.RowCount, "no bounds record nothing")
}
