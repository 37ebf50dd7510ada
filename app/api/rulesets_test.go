package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/ruleset"
)

type ruleSetJSON struct {
	DatasetID string           `json:"dataset_id"`
	Version   int              `json:"version"`
	Rules     []map[string]any `json:"rules"`
	RowCount  struct {
		Min *int64 `json:"min"`
		Max *int64 `json:"max"`
	} `json:"row_count"`
	UpdatedAt *string `json:"updated_at"`
}

type problemJSON struct {
	Detail string `json:"detail"`
	Errors []struct {
		Index  *int   `json:"index"`
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func rulesPath(ds string) string { return "/v1/api/datasets/" + ds + "/rules" }

// putRules saves body as the dataset's rule set and returns the answer.
func (e *env) putRules(t *testing.T, key, ds, body string) ruleSetJSON {
	t.Helper()
	res := e.do(t, http.MethodPut, rulesPath(ds), key, "application/json", body)
	require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
	var rs ruleSetJSON
	res.json(t, &rs)
	return rs
}

// countRuleSets counts the saved rule sets of org.
func (e *env) countRuleSets(t *testing.T, org string) int {
	t.Helper()
	n, err := e.db.RuleSet.Query().Where(ruleset.OrgID(org)).Count(tenant.System(context.Background()))
	require.NoError(t, err)
	return n
}

func TestRuleSetSaveAndRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)

		var empty ruleSetJSON
		e.do(t, http.MethodGet, rulesPath(ds), key, "", nil).json(t, &empty)
		require.Equal(t, ds, empty.DatasetID)
		require.Zero(t, empty.Version)
		require.Empty(t, empty.Rules)
		require.Nil(t, empty.UpdatedAt)

		body := `{"rules":[{"column":"age","check":"range","min":18,"max":65},{"column":"name","check":"regex","pattern":"^[A-Z]"}],"row_count":{"min":1,"max":100}}`
		first := e.putRules(t, key, ds, body)
		require.Equal(t, 1, first.Version)
		require.Len(t, first.Rules, 2)
		require.EqualValues(t, 100, *first.RowCount.Max)
		require.NotNil(t, first.UpdatedAt)

		again := e.putRules(t, key, ds, body)
		require.Equal(t, 1, again.Version, "saving the same set again changes nothing")

		second := e.putRules(t, key, ds, `{"rules":[{"column":"id","check":"unique"}]}`)
		require.Equal(t, 2, second.Version)
		require.Nil(t, second.RowCount.Min, "a save replaces the whole set")

		var read ruleSetJSON
		e.do(t, http.MethodGet, rulesPath(ds), key, "", nil).json(t, &read)
		require.Equal(t, 2, read.Version)
		require.Equal(t, "unique", read.Rules[0]["check"])
	})
}

func TestRuleSetRejects(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		e.putRules(t, key, ds, `{"rules":[{"column":"id","check":"unique"}]}`)
		type fieldErr struct {
			index int // -1: the set itself
			field string
		}
		cases := []struct {
			name      string
			malformed bool // breaks the OpenAPI document on purpose
			body      string
			errs      []fieldErr
			detail    string
		}{
			{"invalid regex", false, `{"rules":[{"column":"id","check":"not_null"},{"column":"name","check":"regex","pattern":"(["}]}`, []fieldErr{{1, "pattern"}}, "invalid pattern"},
			{"missing column", false, `{"rules":[{"column":"zz","check":"not_null"}]}`, []fieldErr{{0, "column"}}, `column "zz"`},
			{"min above max", false, `{"rules":[{"column":"age","check":"range","min":9,"max":1}]}`, []fieldErr{{0, "min"}}, "greater than"},
			{"negative length", false, `{"rules":[{"column":"name","check":"length","min":-1}]}`, []fieldErr{{0, "min"}}, "at least 0"},
			{"unknown type", true, `{"rules":[{"column":"age","check":"type","type":"money"}]}`, []fieldErr{{0, "type"}}, "money"},
			{"several at once", false, `{"rules":[{"column":"zz","check":"unique"},{"column":"age","check":"not_null"},{"column":"age","check":"range","min":5,"max":1}],"row_count":{"min":10,"max":2}}`,
				[]fieldErr{{0, "column"}, {2, "min"}, {-1, "row_count.min"}}, "3 problems"},
			{"no range bounds", true, `{"rules":[{"column":"age","check":"range"}]}`, []fieldErr{{0, "min"}}, "min, a max"},
			{"empty in", true, `{"rules":[{"column":"name","check":"in","values":[]}]}`, []fieldErr{{0, "values"}}, "at least one value"},
			{"unknown check", true, `{"rules":[{"column":"age","check":"nope"}]}`, []fieldErr{{0, "check"}}, "nope"},
			{"negative rows", true, `{"rules":[],"row_count":{"min":-1,"max":null}}`, []fieldErr{{-1, "row_count.min"}}, "at least 0"},
			{"unknown field", true, `{"rules":[],"extra":1}`, nil, "extra"},
			{"not an object", true, `[]`, nil, "object"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.send(t, tc.malformed, http.MethodPut, rulesPath(ds), key, "application/json", tc.body)
				require.Contains(t, res.problem(t, http.StatusUnprocessableEntity), tc.detail)
				var p problemJSON
				res.json(t, &p)
				require.Len(t, p.Errors, len(tc.errs), "errors: %+v", p.Errors)
				for i, want := range tc.errs {
					got := p.Errors[i]
					if want.index < 0 {
						require.Nil(t, got.Index)
					} else {
						require.NotNil(t, got.Index)
						require.Equal(t, want.index, *got.Index)
					}
					require.Equal(t, want.field, got.Field)
					require.NotEmpty(t, got.Detail)
				}
				var read ruleSetJSON
				e.do(t, http.MethodGet, rulesPath(ds), key, "", nil).json(t, &read)
				require.Equal(t, 1, read.Version, "nothing saved")
				require.Len(t, read.Rules, 1)
				require.Equal(t, 1, e.countRuleSets(t, org))
			})
		}

		t.Run("too many rules", func(t *testing.T) {
			body := `{"rules":[`
			for i := range 201 {
				if i > 0 {
					body += ","
				}
				body += `{"column":"id","check":"not_null"}`
			}
			res := e.doMalformed(t, http.MethodPut, rulesPath(ds), key, "application/json", body+`]}`)
			require.Contains(t, res.problem(t, http.StatusUnprocessableEntity), "too many rules")
		})
	})
}

func TestRuleSetOtherOrg(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		other, otherKey := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		e.putRules(t, key, ds, `{"rules":[{"column":"id","check":"unique"}]}`)

		e.do(t, http.MethodGet, rulesPath(ds), otherKey, "", nil).problem(t, http.StatusNotFound)
		res := e.do(t, http.MethodPut, rulesPath(ds), otherKey, "application/json", `{"rules":[]}`)
		res.problem(t, http.StatusNotFound)
		require.Zero(t, e.countRuleSets(t, other))
		var read ruleSetJSON
		e.do(t, http.MethodGet, rulesPath(ds), key, "", nil).json(t, &read)
		require.Len(t, read.Rules, 1, "the other org changed nothing")
	})
}

// A URL dataset's columns are unknown until fetched: rules may name any column then (its
// fetch stage checks them), but everything else is still checked.
func TestRuleSetOnFetchingDataset(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		d := e.createURLDataset(t, key, "https://data.example.com/exports/people.csv")
		rs := e.putRules(t, key, d.ID, `{"rules":[{"column":"whatever","check":"not_null"}]}`)
		require.Equal(t, 1, rs.Version)

		res := e.do(t, http.MethodPut, rulesPath(d.ID), key, "application/json",
			`{"rules":[{"column":"whatever","check":"regex","pattern":"a(b"}]}`)
		res.problem(t, http.StatusUnprocessableEntity)
		var p problemJSON
		res.json(t, &p)
		require.Len(t, p.Errors, 1)
		require.Equal(t, "pattern", p.Errors[0].Field)
	})
}
