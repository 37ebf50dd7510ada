package report

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseRuleSet: any body either fails with an InputError or yields a set that
// ValidateRuleSet accepts or refuses with a RuleSetError whose every entry names a rule
// in range (or the set) and says why; an accepted set survives a JSON round trip and
// compiles for validation.
func FuzzParseRuleSet(f *testing.F) {
	for _, s := range []string{
		`{"rules":[]}`,
		`{"rules":[{"column":"age","check":"range","min":18,"max":65}],"row_count":{"min":1,"max":100}}`,
		`{"rules":[{"column":"c","check":"in","values":["DE","FR"]},{"column":"id","check":"unique"}]}`,
		`{"rules":[{"column":"code","check":"regex","pattern":"^[A-Z]{2}$"},{"column":"x","check":"regex","pattern":"(["}]}`,
		`{"rules":[{"column":"n","check":"length","min":-1,"max":80},{"column":"j","check":"type","type":"money"}]}`,
		`{"rules":[{"column":"zz","check":"not_null"}],"row_count":{"min":9,"max":2}}`,
		`{"rules":[{"column":"age","check":"range","min":1e308,"max":-1e308}]}`,
		`{"rules":{}}`, `[]`, ``, `null`, `{"rules":[],"x":1}`,
	} {
		f.Add([]byte(s))
	}
	cols := []string{"age", "c", "id", "code", "n", "j", "x"}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := ParseRuleSet(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("parse failed without an InputError: %v", err)
			}
			return
		}
		for _, columns := range [][]string{cols, nil} {
			err := ValidateRuleSet(set, columns)
			if err == nil {
				if err := CheckRules(set.Rules, cols); columns != nil && err != nil {
					t.Fatalf("a valid set fails CheckRules: %v", err)
				}
				if columns != nil {
					if _, err := compileRules(set.Rules, cols); err != nil {
						t.Fatalf("a valid set does not compile: %v", err)
					}
				}
				continue
			}
			var rse *RuleSetError
			if !errors.As(err, &rse) || len(rse.Errors) == 0 {
				t.Fatalf("invalid set without a problem list: %v", err)
			}
			for _, e := range rse.Errors {
				if e.Field == "" || e.Detail == "" || (e.Index != nil && (*e.Index < 0 || *e.Index >= len(set.Rules))) {
					t.Fatalf("bad problem entry %+v for %d rules", e, len(set.Rules))
				}
			}
		}
		b, err := json.Marshal(set)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseRuleSet(b)
		if err != nil || len(again.Rules) != len(set.Rules) {
			t.Fatalf("round trip: %v (%s)", err, b)
		}
	})
}
