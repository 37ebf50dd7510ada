package report

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseRules: any input either fails with an error or yields rules that survive a
// JSON round trip and can be checked against columns without panicking.
func FuzzParseRules(f *testing.F) {
	for _, s := range []string{
		`[]`,
		`[{"column":"age","check":"range","min":18,"max":65}]`,
		`[{"column":"c","check":"in","values":["DE","FR"]},{"column":"id","check":"unique"}]`,
		`[{"column":"code","check":"regex","pattern":"^[A-Z]{2}$"}]`,
		`[{"column":"n","check":"length","min":1,"max":80},{"column":"j","check":"type","type":"date"}]`,
		`[{"column":"x","check":"nope"}]`, `{"column":"x"}`, `[{"column":1}]`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	cols := []string{"age", "c", "id", "code", "n", "j", "x"}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseRules(data)
		if err != nil {
			return
		}
		_ = CheckRules(rules, cols)
		b, err := json.Marshal(rules)
		if err != nil {
			t.Fatalf("marshal parsed rules: %v", err)
		}
		again, err := ParseRules(b)
		if err != nil {
			t.Fatalf("parsed rules do not parse again: %v (%s)", err, b)
		}
		if len(again) != len(rules) {
			t.Fatalf("round trip changed the rule count: %d → %d", len(rules), len(again))
		}
	})
}

// FuzzParseRulesForm: the form parser checks syntax only; what it accepts is then either
// a valid rule list for the columns it names or refused by CheckRules with a user-facing
// InputError (a bad pattern, min above max), never a panic or an internal error.
func FuzzParseRulesForm(f *testing.F) {
	for _, s := range []string{
		"age range 18 65\ncountry in DE,FR\nid unique",
		"code regex ^[A-Z]{2}$\n# comment\n\nemail not_null",
		`"first name" length 1 80`, "joined type date", "age range * 65", "x bogus", "\"unterminated", "0 regex (", "a length 9 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := ParseRulesForm(text)
		if err != nil {
			return
		}
		var cols []string
		for _, r := range rules {
			cols = append(cols, r.Column)
		}
		var inErr *InputError
		if err := CheckRules(rules, cols); err != nil && !errors.As(err, &inErr) {
			t.Fatalf("form rules %q: CheckRules failed without an InputError: %v", text, err)
		}
	})
}
