package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

type ruleReportJSON struct {
	Rows       int64   `json:"rows"`
	Score      float64 `json:"score"`
	Dimensions struct {
		Validity float64 `json:"validity"`
	} `json:"dimensions"`
	Rules []struct {
		Column     string `json:"column"`
		Check      string `json:"check"`
		Passed     bool   `json:"passed"`
		FailedRows int64  `json:"failed_rows"`
	} `json:"rules"`
	RowCount *struct {
		Min    *int64 `json:"min"`
		Max    *int64 `json:"max"`
		Rows   int64  `json:"rows"`
		Passed bool   `json:"passed"`
	} `json:"row_count"`
	RuleSetVersion *int `json:"rule_set_version"`
}

type taskVersionJSON struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	RuleSetVersion *int   `json:"rule_set_version"`
}

// runTask starts a task with body and returns it and its report once it has completed.
func (e *env) runTask(t *testing.T, key, body string) (taskVersionJSON, ruleReportJSON) {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", body)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
	var tk taskVersionJSON
	res.json(t, &tk)
	done := e.waitTask(t, key, tk.ID)
	require.Equal(t, "completed", done.Status, "error: %s", done.Error)
	var rep ruleReportJSON
	e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil).json(t, &rep)
	return tk, rep
}

func TestTaskUsesSavedRuleSet(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		e.startPool(t)
		ds := e.upload(t, key, "people.csv", peopleCSV+"5,Eve,17\n")
		e.putRules(t, key, ds, `{"rules":[{"column":"age","check":"range","min":18,"max":65}],"row_count":{"min":1,"max":10}}`)

		tk, rep := e.runTask(t, key, `{"dataset_id":"`+ds+`"}`)
		require.NotNil(t, tk.RuleSetVersion)
		require.Equal(t, 1, *tk.RuleSetVersion)
		require.Len(t, rep.Rules, 1)
		require.Equal(t, "range", rep.Rules[0].Check)
		require.EqualValues(t, 1, rep.Rules[0].FailedRows, "Eve is 17")
		require.NotNil(t, rep.RowCount)
		require.True(t, rep.RowCount.Passed)
		require.Equal(t, 1, *rep.RuleSetVersion)
		require.InDelta(t, 0.8, rep.Dimensions.Validity, 1e-9)

		// Editing the set afterwards leaves the old run's recorded set alone.
		e.putRules(t, key, ds, `{"rules":[{"column":"id","check":"unique"},{"column":"name","check":"not_null"}]}`)
		var shown taskVersionJSON
		e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID, key, "", nil).json(t, &shown)
		require.Equal(t, 1, *shown.RuleSetVersion)
		var old ruleReportJSON
		e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil).json(t, &old)
		require.Len(t, old.Rules, 1)
		require.Equal(t, "range", old.Rules[0].Check)

		next, rep2 := e.runTask(t, key, `{"dataset_id":"`+ds+`"}`)
		require.Equal(t, 2, *next.RuleSetVersion)
		require.Len(t, rep2.Rules, 2)
		require.Nil(t, rep2.RowCount, "the new set has no row bounds")
	})
}

func TestTaskAdHocRulesOverrideSavedSet(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		e.startPool(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		e.putRules(t, key, ds, `{"rules":[{"column":"id","check":"unique"}],"row_count":{"min":100,"max":null}}`)

		tk, rep := e.runTask(t, key, `{"dataset_id":"`+ds+`","rules":[{"column":"name","check":"not_null"}]}`)
		require.Nil(t, tk.RuleSetVersion)
		require.Nil(t, rep.RuleSetVersion)
		require.Len(t, rep.Rules, 1)
		require.Equal(t, "name", rep.Rules[0].Column)
		require.Nil(t, rep.RowCount, "ad hoc rules bring no row bounds")
		require.Contains(t, string(e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID, key, "", nil).body), `"rule_set_version":null`)
	})
}

func TestTaskRowCountBounds(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		e.startPool(t)
		cases := []struct {
			name     string
			bounds   string
			passed   bool
			validity float64
		}{
			{"within", `{"min":4,"max":4}`, true, 1},
			{"too few", `{"min":5,"max":null}`, false, 0},
			{"too many", `{"min":null,"max":3}`, false, 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ds := e.upload(t, key, "people.csv", peopleCSV)
				e.putRules(t, key, ds, `{"rules":[{"column":"id","check":"not_null"}],"row_count":`+tc.bounds+`}`)
				_, rep := e.runTask(t, key, `{"dataset_id":"`+ds+`"}`)
				require.NotNil(t, rep.RowCount)
				require.Equal(t, tc.passed, rep.RowCount.Passed)
				require.EqualValues(t, 4, rep.RowCount.Rows)
				require.InDelta(t, tc.validity, rep.Dimensions.Validity, 1e-9)
				// completeness 1, uniqueness 1: the score moves with validity alone.
				require.InDelta(t, 55+45*tc.validity, rep.Score, 1e-9)
			})
		}
	})
}
